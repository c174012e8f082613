using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Bangumoe.LocalHost.Protocol;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Worker;

/// <summary>
/// One connected worker: the EventStream call it opened. Messages to the worker go through a queue with a single
/// writer loop (a gRPC stream allows one write at a time); replies are matched to the request that awaits them by
/// kind and id (init, metadata, load per function id, invocation per invocation id).
/// </summary>
internal sealed class WorkerConnection : IDisposable
{
    private readonly Channel<StreamingMessage> _outbound =
        Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private readonly RpcLogForwarder _logs;
    private readonly ILogger _logger;
    private string? _closeReason;

    public WorkerConnection(string workerId, RpcLogForwarder logs, ILogger logger)
    {
        WorkerId = workerId;
        _logs = logs;
        _logger = logger;
    }

    public string WorkerId { get; }

    /// <summary>The worker's own HTTP endpoint (its <c>HttpUri</c> capability), known after initialisation.</summary>
    public Uri? HttpUri { get; set; }

    /// <summary>Function ids the worker loaded, by function name.</summary>
    public IReadOnlyDictionary<string, string> FunctionIds { get; set; } = new Dictionary<string, string>();

    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>Pumps the call until the worker ends its stream, the call breaks or <see cref="Close"/> is called.</summary>
    public async Task RunAsync(
        IAsyncStreamReader<StreamingMessage> fromWorker,
        IServerStreamWriter<StreamingMessage> toWorker,
        CancellationToken callAborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(callAborted, _closed.Token);
        var writing = WriteAsync(toWorker, stop.Token);
        var reading = ReadAsync(fromWorker, stop.Token);
        var first = await Task.WhenAny(writing, reading);
        Close(first.Exception?.GetBaseException() is { } failure and not OperationCanceledException
            ? $"The connection to the Functions worker broke: {failure.Message}"
            : "The Functions worker closed its connection to the host.");
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(writing, reading);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The call is over either way; Close has recorded why.
        }
    }

    /// <summary>Ends the call (returning from the gRPC method completes it) and fails everything still waiting.</summary>
    public void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null) return;
        _outbound.Writer.TryComplete();
        _closed.Cancel();
        foreach (var key in _pending.Keys)
            if (_pending.TryRemove(key, out var waiter))
                waiter.TrySetException(new WorkerUnavailableException(reason));
    }

    public string CloseReason => _closeReason ?? "";

    public Task<StreamingMessage> RequestAsync(string replyKey, StreamingMessage message, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(replyKey, reply))
            throw new InvalidOperationException($"A request awaiting '{replyKey}' is already pending.");
        if (IsClosed || !_outbound.Writer.TryWrite(message))
        {
            _pending.TryRemove(replyKey, out _);
            throw new WorkerUnavailableException(_closeReason ?? "The Functions worker is not connected.");
        }
        return WaitAsync(replyKey, reply.Task, cancellationToken);
    }

    private async Task<StreamingMessage> WaitAsync(string replyKey, Task<StreamingMessage> reply, CancellationToken cancellationToken)
    {
        try
        {
            return await reply.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(replyKey, out _);
        }
    }

    /// <summary>Sends a message that has no reply (InvocationCancel, WorkerTerminate).</summary>
    public void Send(StreamingMessage message) => _outbound.Writer.TryWrite(message);

    /// <summary>
    /// Invokes a function and returns the worker's InvocationResponse. Cancelling sends InvocationCancel and stops
    /// waiting (the worker's late reply, if any, is dropped).
    /// </summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, string functionName, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        LogExecuting(_logger, functionName, request.InvocationId, null);
        try
        {
            var reply = await RequestAsync(
                "invocation:" + request.InvocationId,
                new StreamingMessage { InvocationRequest = request },
                cancellationToken);
            var response = reply.InvocationResponse;
            var status = response.Result?.Status ?? StatusResult.Types.Status.Failure;
            var duration = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (status == StatusResult.Types.Status.Success)
                LogExecuted(_logger, functionName, "Succeeded", request.InvocationId, duration, null);
            else
                LogFailed(_logger, functionName, status.ToString(), request.InvocationId, duration, DescribeFailure(response.Result), null);
            return response;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } });
            LogFailed(_logger, functionName, "Cancelled", request.InvocationId,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, "the invocation was cancelled by the host", null);
            throw;
        }
    }

    public static string DescribeFailure(StatusResult? result) =>
        result?.Exception is { } e ? $"{e.Type}: {e.Message}".TrimStart(':', ' ') : result?.Result ?? "no result";

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> toWorker, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
        {
            message.RequestId = string.IsNullOrEmpty(message.RequestId) ? Guid.NewGuid().ToString() : message.RequestId;
            await toWorker.WriteAsync(message, cancellationToken);
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<StreamingMessage> fromWorker, CancellationToken cancellationToken)
    {
        while (await fromWorker.MoveNext(cancellationToken))
            Dispatch(fromWorker.Current);
    }

    private void Dispatch(StreamingMessage message)
    {
        var replyKey = message.ContentCase switch
        {
            StreamingMessage.ContentOneofCase.WorkerInitResponse => "init",
            StreamingMessage.ContentOneofCase.FunctionMetadataResponse => "metadata",
            StreamingMessage.ContentOneofCase.FunctionLoadResponse => "load:" + message.FunctionLoadResponse.FunctionId,
            StreamingMessage.ContentOneofCase.InvocationResponse => "invocation:" + message.InvocationResponse.InvocationId,
            StreamingMessage.ContentOneofCase.WorkerStatusResponse => "status",
            _ => null,
        };
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
            _logs.Forward(message.RpcLog);
        else if (replyKey is not null && _pending.TryRemove(replyKey, out var waiter))
            waiter.TrySetResult(message);
        else
            LogUnexpected(_logger, message.ContentCase.ToString(), replyKey ?? "", null);
    }

    public void Dispose() => _closed.Dispose();

    private static readonly Action<ILogger, string, string, Exception?> LogExecuting =
        LoggerMessage.Define<string, string>(LogLevel.Information, new EventId(1, "FunctionExecuting"),
            "Executing 'Functions.{FunctionName}' (Id={InvocationId})");

    private static readonly Action<ILogger, string, string, string, double, Exception?> LogExecuted =
        LoggerMessage.Define<string, string, string, double>(LogLevel.Information, new EventId(2, "FunctionExecuted"),
            "Executed 'Functions.{FunctionName}' ({Status}, Id={InvocationId}, Duration={DurationMs:0}ms)");

    private static readonly Action<ILogger, string, string, string, double, string, Exception?> LogFailed =
        LoggerMessage.Define<string, string, string, double, string>(LogLevel.Error, new EventId(3, "FunctionFailed"),
            "Executed 'Functions.{FunctionName}' ({Status}, Id={InvocationId}, Duration={DurationMs:0}ms): {Failure}");

    private static readonly Action<ILogger, string, string, Exception?> LogUnexpected =
        LoggerMessage.Define<string, string>(LogLevel.Debug, new EventId(4, "UnexpectedWorkerMessage"),
            "Ignored a {MessageType} from the worker that nothing waits for ({ReplyKey}).");
}
