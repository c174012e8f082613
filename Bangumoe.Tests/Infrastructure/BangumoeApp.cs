using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using Bangumoe.Functions;
using Bangumoe.LocalHost;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>A clock the tests can move forward; real time keeps passing underneath.</summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>The signing key of the test run, so tests can also forge tokens the way an attacker with the key could.</summary>
public static class TestKeys
{
    public static readonly RSA Rsa = RSA.Create(2048);
    public static readonly string Pem = Rsa.ExportPkcs8PrivateKeyPem();
}

/// <summary>How a test client behaves: like WebApplicationFactory's, a browser that follows redirects and keeps cookies.</summary>
public sealed class ClientOptions
{
    public bool AllowAutoRedirect { get; set; } = true;

    public bool HandleCookies { get; set; } = true;

    /// <summary>The origin requests are addressed to; whatever it is, they reach this app (as with a test server).</summary>
    public Uri BaseAddress { get; set; } = new("http://localhost");
}

/// <summary>
/// The built app directory (host.json, functions.metadata, worker.config.json) of the same configuration as these
/// tests, and the two things the worker reads from the process rather than from its configuration.
/// </summary>
public static class FunctionsApp
{
    public static string Directory { get; } = Find();

    private static readonly Lazy<bool> ProcessPrepared = new(() =>
    {
        // The worker finds its generated function metadata and executor through the entry assembly (the test host
        // here), and reads host.json's routePrefix from FUNCTIONS_APPLICATION_DIRECTORY: both are per process. Not a
        // module initializer: xUnit itself finds the test assembly through the entry assembly, so it may only change
        // once the tests run.
        Assembly.SetEntryAssembly(typeof(BangumoeWorker).Assembly);
        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", Directory);
        return true;
    });

    /// <summary>Makes this process ready for in-process workers (once).</summary>
    public static void PrepareProcess() => _ = ProcessPrepared.Value;

    private static string Find()
    {
        // .../Bangumoe.Tests/bin/<Configuration>/net10.0/ → .../Bangumoe.Functions/bin/<Configuration>/net10.0/
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/', '\\'));
        var directory = Path.Combine(RepoPaths.Root, "Bangumoe.Functions", "bin", tfm.Parent!.Name, tfm.Name);
        return File.Exists(Path.Combine(directory, "functions.metadata"))
            ? directory
            : throw new FileNotFoundException("Build Bangumoe.Functions first: its functions.metadata is missing", directory);
    }
}

/// <summary>
/// Bangumoe through the real worker pipeline against the real emulators: the isolated worker runs in the test process
/// (so a test can swap its clock or a service, as WebApplicationFactory allows), connected over gRPC to the local
/// Functions host, which serves HTTP on a loopback port, forwards each request to the worker and polls the queues.
/// Each instance has its own storage name prefix, clock and settings, and starts on first use.
/// </summary>
public class BangumoeApp(Emulators emulators, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    : IAsyncDisposable
{
    public const string PublicBaseUrl = "http://bangumoe.test";

    private readonly Lock _startLock = new();
    private Task<(FunctionsLocalHost Host, IHost Worker)>? _started;

    public Emulators Emulators { get; } = emulators;

    public TestClock Clock { get; } = new();

    /// <summary>What the worker logged as errors, exceptions included.</summary>
    public CapturedErrors Errors { get; } = new();

    public string Prefix { get; } = "t" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();

    public MailDev Mail => Emulators.Mail;

    public Dictionary<string, string?> Settings => new()
    {
        ["PublicBaseUrl"] = PublicBaseUrl,
        ["AzureWebJobsStorage"] = Emulators.StorageConnectionString,
        ["Storage:NamePrefix"] = Prefix,
        ["Smtp:Host"] = "127.0.0.1",
        ["Smtp:Port"] = Emulators.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Signing:Keys:0:PrivateKeyPem"] = TestKeys.Pem,
        ["Logging:LogLevel:Default"] = "Warning",
        // host.json's queue settings, overridden as Azure allows: quicker polling and retries than production needs.
        ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:01",
    };

    /// <summary>The worker's services (the app's singletons, as the functions see them).</summary>
    public IServiceProvider Services => Started().Worker.Services;

    /// <summary>Where the local host listens.</summary>
    public Uri BaseAddress => Started().Host.BaseAddress;

    public void EnsureStarted() => Started();

    public HttpClient CreateClient() => CreateClient(new ClientOptions());

    public HttpClient CreateClient(ClientOptions options) =>
        new(CreateHandler(options)) { BaseAddress = options.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A handler that sends every request, whatever its URL, to this app (for a relying party's back channel).</summary>
    public HttpMessageHandler CreateHandler(ClientOptions? options = null)
    {
        options ??= new ClientOptions { AllowAutoRedirect = false, HandleCookies = false };
        HttpMessageHandler handler = new ToLocalHost(BaseAddress);
        // Cookies and redirects work on the URLs the test addresses, as a browser's would; only the wire goes to loopback.
        if (options.HandleCookies) handler = new CookieContainerHandler { InnerHandler = handler };
        if (options.AllowAutoRedirect) handler = new RedirectHandler { InnerHandler = handler };
        return handler;
    }

    private (FunctionsLocalHost Host, IHost Worker) Started()
    {
        lock (_startLock) _started ??= Task.Run(StartAsync);
        return _started.GetAwaiter().GetResult();
    }

    private async Task<(FunctionsLocalHost, IHost)> StartAsync()
    {
        FunctionsApp.PrepareProcess();
        var settings = Settings;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;

        var host = await FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = FunctionsApp.Directory,
            Port = 0,
            Settings = settings,
            StartWorkerProcess = false,
            // The tests play Azure's front end: the last X-Forwarded-For entry they send is the client's address.
            TrustForwardedFor = true,
            WorkerStartTimeout = TimeSpan.FromSeconds(30),
        });
        try
        {
            var worker = await StartWorkerAsync(host, settings);
            await host.WaitForWorkerAsync();
            return (host, worker);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>The app's own worker builder, with the test's settings and services after the app's.</summary>
    private async Task<IHost> StartWorkerAsync(FunctionsLocalHost host, Dictionary<string, string?> settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            // One worker HTTP port per app: the ASP.NET Core integration would pick one per process.
            var workerUrl = $"http://127.0.0.1:{Emulators.FreePort()}";
            var builder = BangumoeWorker.CreateBuilder([]);
            builder.Environment.EnvironmentName = "Testing";
            builder.Configuration.AddInMemoryCollection(host.ExternalWorkerConfiguration);
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Configuration["urls"] = workerUrl;
            builder.Services.PostConfigure<WorkerOptions>(o => o.Capabilities["HttpUri"] = workerUrl + "/");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddProvider(Errors);
            builder.Services.AddSingleton<TimeProvider>(Clock);
            services?.Invoke(builder.Services);

            var worker = builder.Build();
            try
            {
                await worker.StartAsync();
                return worker;
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException && attempt < 5)
            {
                // Another test took the free port between the probe and the bind: take another.
                worker.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_started is null) return;
        try
        {
            var (host, worker) = await _started;
            await host.DisposeAsync();
            await worker.StopAsync(TimeSpan.FromSeconds(5));
            worker.Dispose();
        }
        catch (Exception) when (_started.IsFaulted)
        {
            // It never started; the test that used it has already failed with the reason.
        }
    }

    /// <summary>Sends a request for any origin to the local host, keeping the origin in the Host header.</summary>
    private sealed class ToLocalHost(Uri local) : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.RequestUri!;
            request.Headers.Host = target.IsDefaultPort ? target.Host : target.Authority;
            request.RequestUri = new UriBuilder(target) { Scheme = local.Scheme, Host = local.Host, Port = local.Port }.Uri;
            var response = await base.SendAsync(request, cancellationToken);
            // Callers (the redirect and cookie handlers, the tests) see the URL they asked for.
            request.RequestUri = target;
            return response;
        }
    }
}

/// <summary>The app most tests share (one per test class).</summary>
public sealed class DefaultApp(Emulators emulators) : BangumoeApp(emulators);
