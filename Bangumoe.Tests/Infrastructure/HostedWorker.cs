using System.Globalization;
using System.Net;
using Bangumoe.LocalHost;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// The built worker (Bangumoe.Functions' build output) as its own process under the local Functions host, exactly as
/// ./run.sh runs it: for the browser tests and the tests of the process itself.
/// </summary>
public sealed class HostedWorker : IAsyncDisposable
{
    private readonly FunctionsLocalHost _host;

    private HostedWorker(FunctionsLocalHost host) => _host = host;

    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The app settings of a process on <paramref name="port"/> whose public URL is that very origin.</summary>
    public static Dictionary<string, string?> Settings(Emulators emulators, int port, string prefix) => new()
    {
        ["PublicBaseUrl"] = $"http://127.0.0.1:{port}",
        ["AzureWebJobsStorage"] = emulators.StorageConnectionString,
        ["Storage__NamePrefix"] = prefix,
        ["Smtp__Host"] = "127.0.0.1",
        ["Smtp__Port"] = emulators.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Signing__Keys__0__PrivateKeyPem"] = TestKeys.Pem,
        ["Logging__LogLevel__Default"] = "Warning",
        ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.200",
    };

    /// <summary>Starts the host and the worker process; throws (with the worker's output) when either does not start.</summary>
    public static async Task<HostedWorker> StartAsync(int port, IReadOnlyDictionary<string, string?> settings)
    {
        var host = await FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = FunctionsApp.Directory,
            Port = port,
            Settings = settings,
            StartWorkerProcess = true,
            WorkerStartTimeout = TimeSpan.FromSeconds(60),
        });
        return new HostedWorker(host);
    }

    /// <summary>Start-up is done when GET /api/health answers 200 (tables and queues reachable).</summary>
    public async Task WaitForHealthAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(BaseAddress, "/api/health"));
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"GET /api/health did not answer 200 within {timeout.TotalSeconds} s (last: {last})");
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
