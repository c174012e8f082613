using System.Reflection;
using System.Text.Json.Nodes;

namespace Bangumoe.LocalHost.Tests.Infrastructure;

/// <summary>The sample isolated-worker app (Bangumoe.LocalHost.SampleApp) as an app directory.</summary>
public static class SampleAppOutput
{
    /// <summary>Its build output, as built alongside these tests.</summary>
    public static string Directory { get; } = typeof(SampleAppOutput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SampleAppDirectory").Value!;

    /// <summary>
    /// A copy of the build output in a temporary directory with host.json changed, for tests of host.json settings
    /// (the worker reads host.json too, from the same directory). Deleted when disposed.
    /// </summary>
    public static TemporaryAppDirectory CopyWithHostJson(Action<JsonObject> change)
    {
        var copy = TemporaryAppDirectory.Create();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy.Path, Path.GetRelativePath(Directory, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var hostJsonPath = Path.Combine(copy.Path, "host.json");
        var hostJson = JsonNode.Parse(File.ReadAllText(hostJsonPath))!.AsObject();
        change(hostJson);
        File.WriteAllText(hostJsonPath, hostJson.ToJsonString());
        return copy;
    }
}

public sealed class TemporaryAppDirectory : IDisposable
{
    private TemporaryAppDirectory(string path) => Path = path;

    public string Path { get; }

    public static TemporaryAppDirectory Create()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "localhost-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return new TemporaryAppDirectory(path);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A worker may still hold a file for a moment; the temp directory is cleaned eventually.
        }
    }
}
