using System.Text;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Bangumoe.Hosting;
using Bangumoe.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bangumoe.Queues;

/// <summary>
/// In standalone mode (no Functions host), polls every registered queue and runs its handler with the host's
/// semantics: base64 messages (anything else is poisoned at once), a failed try makes the message visible again after
/// <see cref="QueueOptions.VisibilityTimeout"/>, and after <see cref="QueueOptions.MaxDequeueCount"/> tries it moves to
/// <c>&lt;queue&gt;-poison</c>. Under the Functions host it does nothing: the host's queue trigger does this work.
/// </summary>
public sealed partial class StandaloneQueueListener(
    QueueFunctionRegistry registry,
    QueueFunctionInvoker invoker,
    StorageClients storage,
    HostingMode mode,
    IOptions<QueueOptions> options,
    ILogger<StandaloneQueueListener> logger) : BackgroundService
{
    private readonly QueueOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (mode.UnderFunctionsHost) return Task.CompletedTask;
        return Task.WhenAll(registry.Functions.Select(f => ListenAsync(f, stoppingToken)));
    }

    private async Task ListenAsync(QueueFunction function, CancellationToken stoppingToken)
    {
        var idleDelay = TimeSpan.FromMilliseconds(50);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var queue = await storage.RawQueueAsync(function.QueueName, stoppingToken).ConfigureAwait(false);
                var received = await queue.ReceiveMessagesAsync(_options.BatchSize, _options.FunctionTimeout, stoppingToken).ConfigureAwait(false);
                if (received.Value.Length == 0)
                {
                    // Back off while the queue is empty, like the host's polling strategy.
                    idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, _options.MaxPollingInterval.Ticks));
                    await Task.Delay(idleDelay, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                idleDelay = TimeSpan.FromMilliseconds(50);
                await Task.WhenAll(received.Value.Select(m => ProcessAsync(function, queue, m, stoppingToken))).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPollFailed(function.QueueName, e);
                await Task.Delay(_options.MaxPollingInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ProcessAsync(QueueFunction function, QueueClient queue, Azure.Storage.Queues.Models.QueueMessage raw, CancellationToken stoppingToken)
    {
        string body;
        try
        {
            body = Encoding.UTF8.GetString(Convert.FromBase64String(raw.MessageText));
        }
        catch (FormatException)
        {
            // The host cannot decode it either and poisons it without a try.
            LogNotBase64(function.QueueName, raw.MessageId);
            await MoveToPoisonAsync(queue, raw, raw.MessageText, encode: false, stoppingToken).ConfigureAwait(false);
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_options.FunctionTimeout);
            await invoker.InvokeAsync(function, new QueueMessage(function.FunctionName, body, raw.DequeueCount, raw.MessageId), timeout.Token).ConfigureAwait(false);
            await queue.DeleteMessageAsync(raw.MessageId, raw.PopReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            LogTryFailed(function.FunctionName, raw.MessageId, raw.DequeueCount, _options.MaxDequeueCount, e);
            if (raw.DequeueCount >= _options.MaxDequeueCount)
                await MoveToPoisonAsync(queue, raw, body, encode: true, CancellationToken.None).ConfigureAwait(false);
            else
                await queue.UpdateMessageAsync(raw.MessageId, raw.PopReceipt, visibilityTimeout: _options.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task MoveToPoisonAsync(QueueClient queue, Azure.Storage.Queues.Models.QueueMessage raw, string text, bool encode, CancellationToken ct)
    {
        var poison = queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + "-poison");
        await poison.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        // Written with the listener's encoding (base64), as the host writes poison messages.
        await poison.SendMessageAsync(encode ? Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) : text, ct).ConfigureAwait(false);
        await queue.DeleteMessageAsync(raw.MessageId, raw.PopReceipt, ct).ConfigureAwait(false);
        LogPoisoned(queue.Name, raw.MessageId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling queue {Queue} failed")]
    private partial void LogPollFailed(string queue, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} on {Queue} is not base64; moving it to the poison queue")]
    private partial void LogNotBase64(string queue, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} failed on message {MessageId} (try {DequeueCount} of {MaxDequeueCount})")]
    private partial void LogTryFailed(string function, string messageId, long dequeueCount, int maxDequeueCount, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} moved to {Queue}-poison")]
    private partial void LogPoisoned(string queue, string messageId);
}
