using System.Text.Json;

namespace Bangumoe.LocalHost.App;

/// <summary>worker.config.json: how the Azure host starts the worker (<c>description.defaultExecutablePath</c> and
/// <c>defaultWorkerPath</c>, e.g. <c>dotnet</c> and <c>App.dll</c>).</summary>
internal sealed record WorkerConfig(string ExecutablePath, string? WorkerPath)
{
    public static WorkerConfig Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        if (!document.RootElement.TryGetProperty("description", out var description))
            throw new InvalidDataException($"{path} has no \"description\".");

        var executable = description.TryGetProperty("defaultExecutablePath", out var e) ? e.GetString() : null;
        var worker = description.TryGetProperty("defaultWorkerPath", out var w) ? w.GetString() : null;
        if (string.IsNullOrWhiteSpace(executable))
            throw new InvalidDataException($"{path} has no description.defaultExecutablePath.");
        return new WorkerConfig(executable, string.IsNullOrWhiteSpace(worker) ? null : worker);
    }
}
