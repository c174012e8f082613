using System.Diagnostics;

namespace Bangumoe.Bench;

internal sealed record LoadResult(string Name, double RequestsPerSecond, double P50Ms, double P99Ms, long Ok, long Errors, string? FirstError)
{
    /// <summary>CPU time per successful request of the server under test (the host and its worker, or the plain
    /// baseline) and of Azurite, in microseconds.</summary>
    public double ServerCpuUs { get; init; }

    /// <summary>Of <see cref="ServerCpuUs"/>, what the local Functions host process spent (0 for the plain baseline).</summary>
    public double HostCpuUs { get; init; }
    public double AzuriteCpuUs { get; init; }
}

/// <summary>CPU time (user + system) a process has used so far, from /proc: how a request's cost splits between the
/// app and the storage emulator.</summary>
internal static class Cpu
{
    public static double Seconds(IEnumerable<int> pids) => pids.Sum(Seconds);

    public static double Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of the line (11 and 12 after the command), in clock ticks (100 Hz).
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

/// <summary>
/// A closed-loop load generator: <c>connections</c> workers each send a request, wait for the answer, and send the
/// next, for the duration (after a warm-up that is not counted). Latencies are kept per worker and merged at the end.
/// </summary>
internal static class Load
{
    /// <summary>One worker's request: returns null on success, or what went wrong.</summary>
    public delegate Task<string?> Request(HttpClient client, int worker, CancellationToken ct);

    public static HttpClient NewClient(string baseUrl, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };

    /// <param name="serverPids">The server's processes; with more than one, the first is the local host.</param>
    public static async Task<LoadResult> RunAsync(string name, HttpClient client, int connections, TimeSpan duration, Request request, int[] serverPids, int azuritePid = 0)
    {
        await PhaseAsync(client, connections, TimeSpan.FromSeconds(3), request, null); // warm-up
        var hostPid = serverPids.Length > 1 ? serverPids[0] : 0;
        var (server0, host0, azurite0) = (Cpu.Seconds(serverPids), hostPid == 0 ? 0 : Cpu.Seconds(hostPid), Cpu.Seconds(azuritePid));
        var latencies = new List<double>[connections];
        var errors = new long[connections];
        string? firstError = null;
        var stopwatch = Stopwatch.StartNew();
        await PhaseAsync(client, connections, duration, request, (worker, ms, error) =>
        {
            if (error is null) latencies[worker].Add(ms);
            else
            {
                errors[worker]++;
                Interlocked.CompareExchange(ref firstError, error, null);
            }
        }, latencies);
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        var (server1, host1, azurite1) = (Cpu.Seconds(serverPids), hostPid == 0 ? 0 : Cpu.Seconds(hostPid), Cpu.Seconds(azuritePid));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(name, all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), all.Length, errors.Sum(), firstError)
        {
            ServerCpuUs = (server1 - server0) * 1e6 / Math.Max(1, all.Length),
            HostCpuUs = (host1 - host0) * 1e6 / Math.Max(1, all.Length),
            AzuriteCpuUs = (azurite1 - azurite0) * 1e6 / Math.Max(1, all.Length),
        };
    }

    private static async Task PhaseAsync(HttpClient client, int connections, TimeSpan duration, Request request,
        Action<int, double, string?>? record, List<double>[]? latencies = null)
    {
        using var stop = new CancellationTokenSource(duration);
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            if (latencies is not null) latencies[worker] = new List<double>(100_000);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    error = await request(client, worker, CancellationToken.None);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    error = e.GetType().Name + ": " + e.Message;
                }
                record?.Invoke(worker, Stopwatch.GetElapsedTime(started).TotalMilliseconds, error);
            }
        })).ToArray();
        await Task.WhenAll(workers);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>A request that succeeds on a 2xx answer.</summary>
    public static async Task<string?> Expect2xx(HttpResponseMessage response)
    {
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                await response.Content.ReadAsByteArrayAsync();
                return null;
            }
            return $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
        }
    }
}
