using System.Globalization;
using Bangumoe.LocalHost.App;
using Bangumoe.LocalHost.Http;
using Bangumoe.LocalHost.Protocol;
using Bangumoe.LocalHost.Queues;
using Bangumoe.LocalHost.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Bangumoe.LocalHost;

/// <summary>
/// Runs a built isolated-worker app the way the Azure Functions host does, without Core Tools: a gRPC endpoint for
/// the worker, the public HTTP port (HTTP functions, forwarded to the worker's ASP.NET Core integration) and queue
/// polling (queue triggers). Several hosts can run in one process; each has its own ports and worker.
/// </summary>
public sealed class FunctionsLocalHost : IAsyncDisposable
{
    private static readonly TimeSpan TerminateGracePeriod = TimeSpan.FromSeconds(5);

    private readonly WorkerChannel _channel;
    private readonly WorkerRpcServer _rpcServer;
    private readonly HttpFrontEnd _frontEnd;
    private readonly List<QueueTriggerListener> _queueListeners;
    private readonly WorkerProcess? _process;
    private readonly TimeSpan _workerStartTimeout;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<string> _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private FunctionsLocalHost(
        WorkerChannel channel,
        WorkerRpcServer rpcServer,
        HttpFrontEnd frontEnd,
        List<QueueTriggerListener> queueListeners,
        WorkerProcess? process,
        IReadOnlyList<LocalFunction> functions,
        IReadOnlyDictionary<string, string?> externalWorkerConfiguration,
        TimeSpan workerStartTimeout,
        ILogger logger)
    {
        _channel = channel;
        _rpcServer = rpcServer;
        _frontEnd = frontEnd;
        _queueListeners = queueListeners;
        _process = process;
        Functions = functions;
        ExternalWorkerConfiguration = externalWorkerConfiguration;
        _workerStartTimeout = workerStartTimeout;
        _logger = logger;
    }

    /// <summary>The public HTTP address, e.g. <c>http://127.0.0.1:7071/</c>.</summary>
    public Uri BaseAddress => _frontEnd.BaseAddress;

    /// <summary>The worker protocol's address (<c>--functions-uri</c>), for a worker the caller starts.</summary>
    public Uri GrpcAddress => _rpcServer.Address;

    /// <summary>The id a worker must present in its StartStream (<c>--functions-worker-id</c>).</summary>
    public string WorkerId => _channel.WorkerId;

    /// <summary>
    /// Configuration for a worker the caller runs (in process, <see cref="LocalHostOptions.StartWorkerProcess"/> false):
    /// the <c>Functions:Worker:*</c> keys the worker otherwise reads from its command line, plus the app settings from
    /// local.settings.json and <see cref="LocalHostOptions.Settings"/>. The caller still has to set the process-wide
    /// <c>FUNCTIONS_APPLICATION_DIRECTORY</c> environment variable (see <see cref="WorkerEnvironment"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string?> ExternalWorkerConfiguration { get; }

    /// <summary>Environment variables the Azure host sets for a worker; a process-mode worker gets them from this host.</summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment { get; private init; } = new Dictionary<string, string>();

    /// <summary>The app's functions, from functions.metadata.</summary>
    public IReadOnlyList<LocalFunction> Functions { get; }

    /// <summary>
    /// Completes, with the reason, when the host stops on its own: the worker process exited. The executable exits
    /// non-zero then; requests get 503 meanwhile.
    /// </summary>
    public Task<string> Stopped => _stopped.Task;

    /// <summary>
    /// Starts the host: reads the app directory, opens the ports, starts the worker process (unless the caller runs
    /// the worker) and returns once it has loaded the functions, or throws with the worker's output when it exits or
    /// does not get there within <see cref="LocalHostOptions.WorkerStartTimeout"/>.
    /// </summary>
    public static async Task<FunctionsLocalHost> StartAsync(LocalHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Bangumoe.LocalHost");
        var settings = AppSettings.Load(options, Path.GetFullPath(options.AppDirectory));
        var app = FunctionAppMetadata.Read(options.AppDirectory, settings);
        var workerId = Guid.NewGuid().ToString();
        var channel = new WorkerChannel(workerId, app, loggerFactory);
        app = app with
        {
            Functions = app.Functions.Select(f => f.Function.QueueName is { } queue
                ? f with { Function = f.Function with { QueueName = SettingExpressions.Resolve(queue, settings) } }
                : f).ToList(),
        };
        var functions = app.Functions.Select(f => f.Function).ToList();
        WarnAboutUnsupportedBindings(app, logger);

        // Resolve queue connections before anything starts, so a missing setting fails start-up with a clear message.
        var queueServices = functions.Where(f => f.Trigger == FunctionTriggerKind.Queue)
            .ToDictionary(f => f.Name, f => QueueConnections.Create(settings, f.Connection));

        var started = new List<IAsyncDisposable>();
        try
        {
            var rpcServer = await WorkerRpcServer.StartAsync(channel, loggerFactory, cancellationToken);
            started.Add(rpcServer);
            var frontEnd = await HttpFrontEnd.StartAsync(options.Port, app,
                services => new HttpInvocationForwarder(channel, services.GetRequiredService<IHttpForwarder>(),
                    app.Host.FunctionTimeout, options.TrustForwardedFor, loggerFactory),
                loggerFactory, cancellationToken);
            started.Add(frontEnd);

            var listeners = new List<QueueTriggerListener>();
            foreach (var definition in app.Functions.Where(f => f.Function.Trigger == FunctionTriggerKind.Queue))
            {
                var binary = definition.Metadata.Bindings.TryGetValue(definition.Function.TriggerBindingName, out var binding) &&
                             binding.DataType == BindingInfo.Types.DataType.Binary;
                listeners.Add(new QueueTriggerListener(definition.Function, binary, queueServices[definition.Function.Name],
                    app.Host.Queues, app.Host.FunctionTimeout, channel, loggerFactory));
            }
            started.AddRange(listeners);

            var externalConfiguration = new Dictionary<string, string?>(settings.Explicit, StringComparer.OrdinalIgnoreCase)
            {
                ["Functions:Worker:HostEndpoint"] = rpcServer.Address.ToString(),
                ["Functions:Worker:WorkerId"] = workerId,
                ["Functions:Worker:RequestId"] = Guid.NewGuid().ToString(),
                ["Functions:Worker:GrpcMaxMessageLength"] = int.MaxValue.ToString(CultureInfo.InvariantCulture),
            };

            WorkerProcess? process = null;
            if (options.StartWorkerProcess)
            {
                process = WorkerProcess.Start(app, settings, rpcServer.Address, workerId, loggerFactory);
                started.Add(process);
            }

            var host = new FunctionsLocalHost(channel, rpcServer, frontEnd, listeners, process, functions,
                externalConfiguration, options.WorkerStartTimeout, logger)
            {
                WorkerEnvironment = WorkerProcess.WorkerEnvironment(app.AppDirectory).ToDictionary(),
            };
            started.Clear();
            await host.StartRunningAsync(cancellationToken);
            return host;
        }
        finally
        {
            // Only non-empty when start-up failed before the host took ownership.
            for (var i = started.Count - 1; i >= 0; i--) await started[i].DisposeAsync();
        }
    }

    private async Task StartRunningAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_process is not null)
            {
                _ = WatchProcessAsync(_process);
                await WaitForWorkerAsync(cancellationToken);
            }
            foreach (var listener in _queueListeners) listener.Start();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Completes when a worker is connected and has loaded the functions. Throws, with what is known (the worker
    /// process's exit code and output), when that fails or takes longer than <see cref="LocalHostOptions.WorkerStartTimeout"/>.
    /// </summary>
    public async Task WaitForWorkerAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_workerStartTimeout);
        var ready = _channel.WhenReadyAsync(timeout.Token);
        var exited = _process?.Exited ?? Task.Delay(Timeout.Infinite, timeout.Token);
        try
        {
            if (await Task.WhenAny(ready, exited) == ready || _process is null)
            {
                await ready;
                return;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The Functions worker did not connect to the host and load its functions within {_workerStartTimeout.TotalSeconds:0} s " +
                $"(worker id {WorkerId}, gRPC endpoint {GrpcAddress}).{ProcessReport()}");
        }
        catch (Exception e) when (e is WorkerUnavailableException or InvalidOperationException && _process is not null)
        {
            throw new InvalidOperationException($"{e.Message}{ProcessReport()}", e);
        }

        throw new InvalidOperationException(
            $"The Functions worker process exited with code {await _process!.Exited} before it was ready.{ProcessReport()}");
    }

    private string ProcessReport() => _process is null
        ? ""
        : $"{Environment.NewLine}Worker output (last lines):{Environment.NewLine}{_process.OutputTail}";

    private async Task WatchProcessAsync(WorkerProcess process)
    {
        var exitCode = await process.Exited;
        if (Volatile.Read(ref _disposed) != 0) return;
        var reason = $"The Functions worker process exited with code {exitCode}.";
        LogWorkerExited(_logger, exitCode, process.OutputTail, null);
        _channel.Shutdown(reason);
        _stopped.TrySetResult(reason);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var listener in _queueListeners) await listener.DisposeAsync();

        _channel.Terminate(TerminateGracePeriod);
        if (_process is not null) await _process.StopAsync(TerminateGracePeriod);
        // An in-process worker keeps running after WorkerTerminate: end its EventStream call from this side.
        _channel.Shutdown("The Functions host is stopping.");

        await _frontEnd.DisposeAsync();
        await _rpcServer.DisposeAsync();
        if (_process is not null) await _process.DisposeAsync();
        _stopped.TrySetResult("The host was stopped.");
    }

    private static void WarnAboutUnsupportedBindings(FunctionAppMetadata app, ILogger logger)
    {
        foreach (var (function, metadata) in app.Functions)
        {
            if (function.Trigger == FunctionTriggerKind.Unsupported)
                LogUnsupported(logger, function.Name, $"its trigger '{function.TriggerType}' is not run by this host", null);
            foreach (var (name, binding) in metadata.Bindings)
            {
                var isTrigger = name == function.TriggerBindingName;
                var isHttpResult = binding.Type.Equals("http", StringComparison.OrdinalIgnoreCase);
                if (!isTrigger && !isHttpResult)
                    LogUnsupported(logger, function.Name, $"its {binding.Direction} binding '{name}' ({binding.Type}) is ignored", null);
            }
        }
    }

    private static readonly Action<ILogger, int, string, Exception?> LogWorkerExited =
        LoggerMessage.Define<int, string>(LogLevel.Critical, new EventId(50, "WorkerExited"),
            "The Functions worker process exited with code {ExitCode}; the host stops. Its last output:\n{OutputTail}");

    private static readonly Action<ILogger, string, string, Exception?> LogUnsupported =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(51, "UnsupportedBinding"),
            "Function '{FunctionName}': {What} (this local host runs HTTP and queue triggers only).");
}
