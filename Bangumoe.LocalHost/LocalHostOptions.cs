using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost;

/// <summary>How to run one isolated-worker app.</summary>
public sealed record LocalHostOptions
{
    /// <summary>The app's build or publish output: holds host.json, worker.config.json and functions.metadata.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>The public HTTP port on 127.0.0.1; 0 picks a free one (see <see cref="FunctionsLocalHost.BaseAddress"/>).</summary>
    public int Port { get; init; } = 7071;

    /// <summary>
    /// A local.settings.json whose <c>Values</c> become app settings. Null: <c>&lt;AppDirectory&gt;/local.settings.json</c>
    /// if it exists. Like Core Tools, the process environment overrides it, and <see cref="Settings"/> override both.
    /// </summary>
    public string? SettingsFile { get; init; }

    /// <summary>App settings given in code; they win over local.settings.json and the environment.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// True: start the worker as its own process from worker.config.json. False: wait for a worker started by the
    /// caller (for example inside a test process) configured with <see cref="FunctionsLocalHost.ExternalWorkerConfiguration"/>.
    /// </summary>
    public bool StartWorkerProcess { get; init; } = true;

    /// <summary>How long the worker may take to connect, initialise and load its functions.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// False (as in Azure): the host appends the caller's socket address to <c>X-Forwarded-For</c>, so the app sees the
    /// real client. True: the caller is taken for a trusted front end that has already appended the client's address,
    /// and the header goes on as sent (tests use this to play clients at other addresses).
    /// </summary>
    public bool TrustForwardedFor { get; init; }

    /// <summary>Where the host's and the worker's logs go; null discards them.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
