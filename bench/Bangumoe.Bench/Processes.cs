using System.Diagnostics;
using System.Net.Http.Headers;

namespace Bangumoe.Bench;

/// <summary>
/// A server process the benchmark starts, the way it runs for real: the plain baseline app (dotnet + dll), or the local
/// Functions host (dotnet + Bangumoe.LocalHost.dll --app DIR --port N), which starts the app's worker as its child.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>This process and its children (the local host's worker): whose CPU a request costs.</summary>
    public int[] Pids => [Pid, .. Children(Pid)];

    private static IEnumerable<int> Children(int pid)
    {
        foreach (var task in Directory.Exists($"/proc/{pid}/task") ? Directory.GetDirectories($"/proc/{pid}/task") : [])
        {
            var file = Path.Combine(task, "children");
            if (!File.Exists(file)) continue;
            foreach (var child in File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                yield return int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static ServerProcess Start(string dll, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info)!;
        // Drain the output so a chatty server never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Console.Error.WriteLine($"  [{Path.GetFileNameWithoutExtension(dll)}] {line}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process);
    }

    /// <summary>
    /// Starts the server and measures process start → the first 200 of <paramref name="url"/>. The clock starts just
    /// before the process is created; the URL is polled every 2 ms.
    /// </summary>
    public static async Task<(ServerProcess Server, TimeSpan ColdStart)> StartAndTimeAsync(string dll, IReadOnlyDictionary<string, string> environment, string url, string? bearer = null, params string[] args)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        var server = Start(dll, environment, args);
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                using var response = await http.SendAsync(request);
                if ((int)response.StatusCode == 200) return (server, clock.Elapsed);
            }
            catch (HttpRequestException)
            {
            }
            if (server._process.HasExited) throw new InvalidOperationException($"{dll} exited with {server._process.ExitCode} before answering {url}.");
            await Task.Delay(2);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"{url} did not answer 200 within 60 s.");
    }

    /// <summary>Peak resident set size so far (VmHWM) of the process and its children, in MiB.</summary>
    public double PeakRssMiB() => Pids.Sum(PeakRssMiB);

    /// <summary>Peak resident set size of the worker alone (the last child), in MiB: what the app itself holds.</summary>
    public double WorkerPeakRssMiB() => Pids.Length > 1 ? PeakRssMiB(Pids[^1]) : PeakRssMiB(Pid);

    private static double PeakRssMiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        return double.NaN;
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
