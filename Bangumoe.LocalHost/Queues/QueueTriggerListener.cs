using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Bangumoe.LocalHost.App;
using Bangumoe.LocalHost.Protocol;
using Bangumoe.LocalHost.Worker;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Queues;

/// <summary>
/// Runs one queue-triggered function the way the Azure host's queue listener does (host.json extensions.queues):
/// polls with exponential back-off from 100 ms up to maxPollingInterval while the queue is empty; keeps up to
/// batchSize messages in flight and fetches more once newBatchThreshold or fewer remain; deletes a message when its
/// invocation succeeds; on failure makes it visible again after visibilityTimeout, or, from its maxDequeueCount-th
/// attempt on, moves it (text as stored, same encoding) to &lt;queue&gt;-poison.
/// </summary>
internal sealed class QueueTriggerListener : IAsyncDisposable
{
    private static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long in-flight messages may finish when the host stops, before they are released.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly LocalFunction _function;
    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly QueueSettings _settings;
    private readonly TimeSpan? _functionTimeout;
    private readonly WorkerChannel _channel;
    private readonly bool _binary;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abandon = new();
    private Task _polling = Task.CompletedTask;

    public QueueTriggerListener(
        LocalFunction function,
        bool binary,
        QueueServiceClient service,
        QueueSettings settings,
        TimeSpan? functionTimeout,
        WorkerChannel channel,
        ILoggerFactory loggerFactory)
    {
        _function = function;
        _binary = binary;
        _queue = service.GetQueueClient(function.QueueName);
        _poisonQueue = service.GetQueueClient(function.QueueName + "-poison");
        _settings = settings;
        _functionTimeout = functionTimeout;
        _channel = channel;
        _logger = loggerFactory.CreateLogger("Bangumoe.LocalHost.Queues");
    }

    /// <summary>
    /// Messages stay invisible to other receivers this long while the function runs. The Azure host takes 10 minutes
    /// and renews; not renewing, this host takes longer than functionTimeout allows a function to run.
    /// </summary>
    private TimeSpan ProcessingVisibility => _functionTimeout is { } timeout
        ? TimeSpan.FromTicks(Math.Max((timeout + TimeSpan.FromSeconds(30)).Ticks, TimeSpan.FromMinutes(1).Ticks))
        : TimeSpan.FromMinutes(10);

    public void Start() => _polling = PollAsync(_stopping.Token);

    private async Task PollAsync(CancellationToken stopping)
    {
        var inFlight = new List<Task>();
        var delay = MinimumPollingInterval;
        var queueExists = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await _channel.WhenReadyAsync(stopping);
                if (!queueExists)
                {
                    await _queue.CreateIfNotExistsAsync(cancellationToken: stopping);
                    queueExists = true;
                }

                inFlight.RemoveAll(t => t.IsCompleted);
                if (inFlight.Count > _settings.NewBatchThreshold || inFlight.Count >= _settings.BatchSize)
                {
                    await Task.WhenAny(inFlight).WaitAsync(stopping);
                    continue;
                }

                var wanted = Math.Min(32, _settings.BatchSize - inFlight.Count);
                QueueMessage[] messages = await _queue.ReceiveMessagesAsync(wanted, ProcessingVisibility, stopping);
                if (messages.Length == 0)
                {
                    await Task.Delay(delay, stopping);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.MaxPollingInterval.Ticks));
                    continue;
                }
                delay = MinimumPollingInterval;
                foreach (var message in messages)
                    inFlight.Add(ProcessAsync(connection, message));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is WorkerUnavailableException or InvalidOperationException || IsStorageFailure(e))
            {
                // No worker right now (it may reconnect) or storage trouble: try again after the current back-off.
                if (IsStorageFailure(e)) LogStorageFailed(_logger, _function.QueueName!, e.Message, null);
                try
                {
                    await Task.Delay(delay, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.MaxPollingInterval.Ticks));
            }
        }

        var draining = Task.WhenAll(inFlight);
        if (await Task.WhenAny(draining, Task.Delay(DrainTimeout, CancellationToken.None)) != draining)
            await _abandon.CancelAsync();
        await draining;
    }

    private async Task ProcessAsync(WorkerConnection connection, QueueMessage message)
    {
        try
        {
            if (message.DequeueCount > _settings.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message);
                return;
            }

            byte[] body;
            try
            {
                body = _settings.Base64Encoding ? Convert.FromBase64String(message.Body.ToString()) : message.Body.ToArray();
            }
            catch (FormatException)
            {
                LogUndecodable(_logger, message.MessageId, _function.QueueName!, null);
                await MoveToPoisonAsync(message);
                return;
            }

            var succeeded = false;
            using (var invocation = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token))
            {
                if (_functionTimeout is { } timeout) invocation.CancelAfter(timeout);
                try
                {
                    var request = QueueInvocationRequest.Create(_function, connection.FunctionIds[_function.Name],
                        Guid.NewGuid().ToString(), message, body, _binary);
                    var response = await connection.InvokeAsync(request, _function.Name, invocation.Token);
                    succeeded = response.Result?.Status == StatusResult.Types.Status.Success;
                }
                catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
                {
                    // The host is stopping: give the message back at once, without counting it as a failure.
                    await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                    return;
                }
                catch (OperationCanceledException)
                {
                    LogTimedOut(_logger, _function.Name, _functionTimeout ?? TimeSpan.Zero, null);
                }
                catch (WorkerUnavailableException)
                {
                    // The worker went away mid-invocation: a failure like any other, but never a reason for poison.
                    await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _settings.VisibilityTimeout);
                    return;
                }
            }

            if (succeeded)
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            else if (message.DequeueCount >= _settings.MaxDequeueCount)
                await MoveToPoisonAsync(message);
            else
                await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _settings.VisibilityTimeout);
        }
        catch (Exception e) when (IsStorageFailure(e))
        {
            // Typically the message's pop receipt went stale (it became visible and someone else took it), or storage
            // is out: then the message becomes visible again when its invisibility lapses, as in Azure.
            LogStorageFailed(_logger, _function.QueueName!, e.Message, null);
        }
    }

    /// <summary>Storage refused, or unreachable after the SDK's own retries (which wrap the failures in an AggregateException).</summary>
    private static bool IsStorageFailure(Exception e) => e switch
    {
        RequestFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsStorageFailure),
        _ => false,
    };

    private async Task MoveToPoisonAsync(QueueMessage message)
    {
        LogPoisoned(_logger, message.MessageId, _settings.MaxDequeueCount, _poisonQueue.Name, null);
        await _poisonQueue.CreateIfNotExistsAsync();
        // The text exactly as stored: the poison queue holds the message in the same encoding as the original.
        await _poisonQueue.SendMessageAsync(message.Body.ToString());
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _polling;
        _stopping.Dispose();
        _abandon.Dispose();
    }

    private static readonly Action<ILogger, string, int, string, Exception?> LogPoisoned =
        LoggerMessage.Define<string, int, string>(LogLevel.Warning, new EventId(40, "MessagePoisoned"),
            "Message {MessageId} has reached MaxDequeueCount of {MaxDequeueCount}. Moving message to queue '{PoisonQueue}'.");

    private static readonly Action<ILogger, string, string, Exception?> LogUndecodable =
        LoggerMessage.Define<string, string>(LogLevel.Error, new EventId(41, "MessageNotBase64"),
            "Message {MessageId} in '{Queue}' is not base64 although host.json's messageEncoding is base64; moving it to poison.");

    private static readonly Action<ILogger, string, string, Exception?> LogStorageFailed =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(42, "QueueStorageFailed"),
            "Queue '{Queue}': {Message}");

    private static readonly Action<ILogger, string, TimeSpan, Exception?> LogTimedOut =
        LoggerMessage.Define<string, TimeSpan>(LogLevel.Error, new EventId(43, "FunctionTimedOut"),
            "'{FunctionName}' did not finish within functionTimeout ({Timeout}); counted as a failure.");
}
