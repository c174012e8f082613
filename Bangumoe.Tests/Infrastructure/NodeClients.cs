using System.Diagnostics;
using System.Text.Json;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// The node scripts beside the OAuth tests that play a third-party app on oauth4webapi: each takes its settings from
/// the environment and prints one JSON line with what it saw, or exits 1 with what oauth4webapi refused.
/// </summary>
public static class NodeClients
{
    /// <summary>Runs <c>Bangumoe.Tests/OAuth/{script}</c> to the end; asserts it succeeded and returns what it printed.</summary>
    public static async Task<JsonElement> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(RepoPaths.Root, "Bangumoe.Tests", "OAuth", script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        await node.WaitForExitAsync(limit.Token);
        Assert.True(node.ExitCode == 0, $"oauth4webapi refused something:\n{await stderr}\n{await stdout}");
        return JsonDocument.Parse((await stdout).Trim()).RootElement.Clone();
    }
}
