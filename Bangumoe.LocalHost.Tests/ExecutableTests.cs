using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Bangumoe.LocalHost.Tests.Infrastructure;

namespace Bangumoe.LocalHost.Tests;

/// <summary>The host as the executable run.sh starts: <c>dotnet Bangumoe.LocalHost.dll --app ... --port ...</c>.</summary>
public sealed partial class ExecutableTests(Azurite azurite)
{
    private static readonly string HostDll = Path.Combine(AppContext.BaseDirectory, "Bangumoe.LocalHost.dll");

    [Fact]
    public async Task It_lists_the_functions_serves_them_and_stops_cleanly_on_SIGTERM()
    {
        var output = new StringBuilder();
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = Start(["--app", SampleAppOutput.Directory, "--port", "0"], SampleHost.NewSettings(azurite), line =>
        {
            lock (output) output.AppendLine(line);
            if (HostStarted().Match(line) is { Success: true } match) started.TrySetResult(match.Groups[1].Value);
        });

        var address = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri(address + "/") };
        Assert.Equal("Hello, Executable", await http.GetStringAsync("api/hello/Executable"));
        lock (output)
        {
            Assert.Contains("Functions:", output.ToString());
            Assert.Contains($"Hello: [GET] {address}/api/hello/{{name:alpha}}", output.ToString());
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task An_app_directory_without_the_worker_files_exits_with_2_and_says_why()
    {
        using var empty = TemporaryAppDirectory.Create();
        var output = new StringBuilder();
        using var process = Start(["--app", empty.Path, "--port", "0"], new Dictionary<string, string?>(), line =>
        {
            lock (output) output.AppendLine(line);
        });

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, process.ExitCode);
        lock (output) Assert.Contains("functions.metadata", output.ToString());
    }

    private static Process Start(string[] arguments, IReadOnlyDictionary<string, string?> environment, Action<string> onLine)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [GeneratedRegex(@"^Host started at (http://\S+)$")]
    private static partial Regex HostStarted();
}
