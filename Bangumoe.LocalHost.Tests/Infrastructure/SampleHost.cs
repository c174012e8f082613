using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Tests.Infrastructure;

/// <summary>
/// A <see cref="FunctionsLocalHost"/> running the sample app with its own queues (WorkQueue, FailingQueue and
/// ObservationQueue are settings the app's functions use) and an HttpClient for its public port.
/// </summary>
public sealed class SampleHost : IAsyncDisposable
{
    private SampleHost(FunctionsLocalHost host, Azurite azurite, TestLogging logging, Dictionary<string, string?> settings)
    {
        Host = host;
        Azurite = azurite;
        Logging = logging;
        Settings = settings;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Observations = new Observations(azurite.Queue(settings["ObservationQueue"]!, base64: false));
    }

    public FunctionsLocalHost Host { get; }
    public Azurite Azurite { get; }
    public TestLogging Logging { get; }
    public IReadOnlyDictionary<string, string?> Settings { get; }
    public HttpClient Http { get; }
    public Observations Observations { get; }

    public string WorkQueue => Settings["WorkQueue"]!;
    public string FailingQueue => Settings["FailingQueue"]!;

    /// <summary>The settings a sample host needs, with fresh queue names.</summary>
    public static Dictionary<string, string?> NewSettings(Azurite azurite) => new()
    {
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["WorkQueue"] = Azurite.NewQueueName("work"),
        ["FailingQueue"] = Azurite.NewQueueName("fail"),
        ["ObservationQueue"] = Azurite.NewQueueName("seen"),
    };

    public static async Task<SampleHost> StartAsync(
        Azurite azurite,
        string? appDirectory = null,
        bool startWorkerProcess = true,
        Action<Dictionary<string, string?>>? changeSettings = null)
    {
        var settings = NewSettings(azurite);
        changeSettings?.Invoke(settings);
        var logging = new TestLogging();
        var host = await FunctionsLocalHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = appDirectory ?? SampleAppOutput.Directory,
            Port = 0,
            Settings = settings,
            StartWorkerProcess = startWorkerProcess,
            WorkerStartTimeout = TimeSpan.FromSeconds(30),
            LoggerFactory = logging.Factory,
        });
        return new SampleHost(host, azurite, logging, settings);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        Logging.Factory.Dispose();
    }
}
