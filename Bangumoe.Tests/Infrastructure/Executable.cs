using System.Diagnostics;
using System.Text;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>The built Bangumoe.Functions executable, run as its own process (as the Functions host runs it).</summary>
public sealed class Executable : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>Bangumoe.Functions.dll of the same configuration as these tests.</summary>
    public static string DllPath
    {
        get
        {
            // .../Bangumoe.Tests/bin/<Configuration>/net10.0/ → .../Bangumoe.Functions/bin/<Configuration>/net10.0/
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/', '\\'));
            var configuration = tfm.Parent!.Name;
            var path = Path.Combine(RepoPaths.Root, "Bangumoe.Functions", "bin", configuration, tfm.Name, "Bangumoe.Functions.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build Bangumoe.Functions first", path);
        }
    }

    public Executable(IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [DllPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(DllPath)!,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit(); // flush the redirected output
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Polls like the Functions host does: any HTTP answer at GET / means ready.</summary>
    public async Task WaitUntilReadyAsync(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException("The executable exited:\n" + Output);
            try
            {
                using var response = await client.GetAsync("/");
                return;
            }
            catch (HttpRequestException)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("Not ready in time:\n" + Output);
                await Task.Delay(25);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
