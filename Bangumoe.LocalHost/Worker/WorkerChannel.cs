using Bangumoe.LocalHost.App;
using Bangumoe.LocalHost.Protocol;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Worker;

/// <summary>
/// The host's end of the worker protocol: accepts the worker's EventStream call (one worker at a time, identified by
/// the id it was started with), walks it through the Azure host's start-up sequence (WorkerInitRequest,
/// FunctionsMetadataRequest, one FunctionLoadRequest per function) and then hands out the ready connection.
/// A worker that drops its stream may connect again (an in-process worker restarted by a test); it is initialised anew.
/// </summary>
internal sealed class WorkerChannel
{
    /// <summary>The Functions host version reported to the worker; the .NET worker only logs it.</summary>
    private const string HostVersion = "4.1040.0";

    private readonly FunctionAppMetadata _app;
    private readonly RpcLogForwarder _logs;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private WorkerConnection? _current;
    private TaskCompletionSource<WorkerConnection> _ready = NewReadySignal();
    private string? _unavailableReason;

    public WorkerChannel(string workerId, FunctionAppMetadata app, ILoggerFactory loggerFactory)
    {
        WorkerId = workerId;
        _app = app;
        _logs = new RpcLogForwarder(loggerFactory);
        _logger = loggerFactory.CreateLogger("Bangumoe.LocalHost.Worker");
    }

    public string WorkerId { get; }

    /// <summary>The connection that finished loading the functions, or null while there is none.</summary>
    public WorkerConnection? Ready
    {
        get
        {
            var ready = _ready.Task;
            return ready.IsCompletedSuccessfully && !ready.Result.IsClosed ? ready.Result : null;
        }
    }

    /// <summary>Why <see cref="Ready"/> is null, in words for an HTTP 503 or a log.</summary>
    public string UnavailableReason => _unavailableReason ?? "The Functions worker has not connected to the host yet.";

    /// <summary>Completes when a worker is connected and has loaded the functions; faults if initialisation fails.</summary>
    public Task<WorkerConnection> WhenReadyAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _ready.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting work: closes the current connection and makes every later request fail with the reason.</summary>
    public void Shutdown(string reason)
    {
        WorkerConnection? current;
        lock (_gate)
        {
            _unavailableReason = reason;
            current = _current;
            _ready.TrySetException(new WorkerUnavailableException(reason));
        }
        current?.Close(reason);
    }

    /// <summary>Asks the worker to stop (the process exits; an in-process worker stops its application).</summary>
    public void Terminate(TimeSpan gracePeriod)
    {
        WorkerConnection? current;
        lock (_gate) current = _current;
        current?.Send(new StreamingMessage
        {
            WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(gracePeriod) },
        });
    }

    /// <summary>Serves one EventStream call from its first message (StartStream) to its end.</summary>
    public async Task RunAsync(
        IAsyncStreamReader<StreamingMessage> fromWorker,
        IServerStreamWriter<StreamingMessage> toWorker,
        ServerCallContext context)
    {
        if (!await fromWorker.MoveNext(context.CancellationToken)) return;
        var start = fromWorker.Current;
        if (start.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message must be StartStream."));
        if (start.StartStream.WorkerId != WorkerId)
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"This host expects worker id '{WorkerId}', not '{start.StartStream.WorkerId}'."));

        var connection = new WorkerConnection(WorkerId, _logs, _logger);
        TaskCompletionSource<WorkerConnection> ready;
        lock (_gate)
        {
            if (_unavailableReason is not null)
                throw new RpcException(new Status(StatusCode.Unavailable, _unavailableReason));
            if (_current is not null)
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"Worker '{WorkerId}' is already connected."));
            _current = connection;
            ready = _ready;
        }
        LogConnected(_logger, WorkerId, null);

        try
        {
            var running = connection.RunAsync(fromWorker, toWorker, context.CancellationToken);
            _ = InitializeAsync(connection, ready, context.CancellationToken);
            await running;
        }
        finally
        {
            lock (_gate)
            {
                _current = null;
                // The next connection gets a fresh signal; whoever awaited this one has seen it complete or fail.
                if (_ready == ready)
                {
                    ready.TrySetException(new WorkerUnavailableException(connection.CloseReason));
                    if (_unavailableReason is null) _ready = NewReadySignal();
                }
            }
            LogDisconnected(_logger, WorkerId, connection.CloseReason, null);
            connection.Dispose();
        }
    }

    private async Task InitializeAsync(WorkerConnection connection, TaskCompletionSource<WorkerConnection> ready, CancellationToken cancellationToken)
    {
        try
        {
            var init = (await connection.RequestAsync("init", new StreamingMessage
            {
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = HostVersion,
                    FunctionAppDirectory = _app.AppDirectory,
                    WorkerDirectory = _app.AppDirectory,
                },
            }, cancellationToken)).WorkerInitResponse;
            EnsureSuccess(init.Result, "WorkerInitRequest");
            LogCapabilities(_logger, init.WorkerVersion, string.Join(", ", init.Capabilities.Select(c => $"{c.Key}={c.Value}")), null);
            if (init.Capabilities.TryGetValue("HttpUri", out var httpUri) && Uri.TryCreate(httpUri, UriKind.Absolute, out var uri))
                connection.HttpUri = uri;
            else if (_app.Functions.Any(f => f.Function.Trigger == FunctionTriggerKind.Http))
                LogNoHttpUri(_logger, null);

            var definitions = await IndexFunctionsAsync(connection, cancellationToken);
            var loads = definitions.Select(async metadata =>
            {
                var reply = await connection.RequestAsync("load:" + metadata.FunctionId, new StreamingMessage
                {
                    FunctionLoadRequest = new FunctionLoadRequest { FunctionId = metadata.FunctionId, Metadata = metadata },
                }, cancellationToken);
                EnsureSuccess(reply.FunctionLoadResponse.Result, $"loading function '{metadata.Name}'");
                return metadata;
            });
            var loaded = await Task.WhenAll(loads);
            connection.FunctionIds = loaded.ToDictionary(m => m.Name, m => m.FunctionId, StringComparer.OrdinalIgnoreCase);
            LogLoaded(_logger, loaded.Length, connection.HttpUri?.ToString() ?? "none", null);
            ready.TrySetResult(connection);
        }
        catch (Exception e)
        {
            var reason = e is WorkerUnavailableException
                ? e.Message
                : $"The Functions worker failed to start: {e.Message}";
            LogInitFailed(_logger, reason, null);
            ready.TrySetException(e is WorkerUnavailableException ? e : new InvalidOperationException(reason, e));
            connection.Close(reason);
        }
    }

    /// <summary>
    /// Worker indexing, as the Azure host does for dotnet-isolated apps: the worker lists its functions with their
    /// ids. If it declines (use_default_metadata_indexing), functions.metadata is the list.
    /// </summary>
    private async Task<List<RpcFunctionMetadata>> IndexFunctionsAsync(WorkerConnection connection, CancellationToken cancellationToken)
    {
        var response = (await connection.RequestAsync("metadata", new StreamingMessage
        {
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = _app.AppDirectory },
        }, cancellationToken)).FunctionMetadataResponse;

        if (response.UseDefaultMetadataIndexing || response.FunctionMetadataResults.Count == 0)
            return _app.Functions.Select(f => f.Metadata.Clone()).ToList();

        EnsureSuccess(response.Result, "FunctionsMetadataRequest");
        var indexed = new List<RpcFunctionMetadata>();
        foreach (var metadata in response.FunctionMetadataResults)
        {
            EnsureSuccess(metadata.Status, $"indexing function '{metadata.Name}'");
            var copy = metadata.Clone();
            if (string.IsNullOrEmpty(copy.FunctionId)) copy.FunctionId = copy.Name;
            if (string.IsNullOrEmpty(copy.Directory)) copy.Directory = _app.AppDirectory;
            FunctionAppMetadata.AddBindings(copy);
            indexed.Add(copy);
        }
        var fromFile = _app.Functions.Select(f => f.Function.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var fromWorker = indexed.Select(m => m.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!fromFile.SetEquals(fromWorker))
            LogMetadataMismatch(_logger, string.Join(", ", fromFile.Order()), string.Join(", ", fromWorker.Order()), null);
        return indexed;
    }

    private static void EnsureSuccess(StatusResult? result, string step)
    {
        if (result is null || result.Status == StatusResult.Types.Status.Success) return;
        throw new InvalidOperationException($"{step} failed ({result.Status}): {WorkerConnection.DescribeFailure(result)}");
    }

    private static TaskCompletionSource<WorkerConnection> NewReadySignal()
    {
        var signal = new TaskCompletionSource<WorkerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Nobody may be waiting when a connection fails; do not let that surface as an unobserved exception.
        _ = signal.Task.ContinueWith(t => t.Exception, TaskScheduler.Default);
        return signal;
    }

    private static readonly Action<ILogger, string, Exception?> LogConnected =
        LoggerMessage.Define<string>(LogLevel.Debug, new EventId(10, "WorkerConnected"), "Worker {WorkerId} connected.");

    private static readonly Action<ILogger, string, string, Exception?> LogDisconnected =
        LoggerMessage.Define<string, string>(LogLevel.Debug, new EventId(11, "WorkerDisconnected"),
            "Worker {WorkerId} disconnected: {Reason}");

    private static readonly Action<ILogger, string, string, Exception?> LogCapabilities =
        LoggerMessage.Define<string, string>(LogLevel.Debug, new EventId(16, "WorkerCapabilities"),
            "Worker {WorkerVersion} capabilities: {Capabilities}");

    private static readonly Action<ILogger, int, string, Exception?> LogLoaded =
        LoggerMessage.Define<int, string>(LogLevel.Debug, new EventId(12, "WorkerLoaded"),
            "The worker loaded {Count} functions; its HTTP endpoint is {HttpUri}.");

    private static readonly Action<ILogger, string, Exception?> LogInitFailed =
        LoggerMessage.Define<string>(LogLevel.Error, new EventId(13, "WorkerInitFailed"), "{Reason}");

    private static readonly Action<ILogger, Exception?> LogNoHttpUri =
        LoggerMessage.Define(LogLevel.Warning, new EventId(14, "WorkerWithoutHttpUri"),
            "The worker did not report an HttpUri capability: HTTP functions need the ASP.NET Core integration " +
            "(ConfigureFunctionsWebApplication); their requests will get 503.");

    private static readonly Action<ILogger, string, string, Exception?> LogMetadataMismatch =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(15, "FunctionMetadataMismatch"),
            "functions.metadata lists [{FromFile}] but the worker indexed [{FromWorker}]; routes and queues come from functions.metadata (rebuild the app?).");
}
