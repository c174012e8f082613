using System.Text.Json;
using Bangumoe.Storage;

namespace Bangumoe.Queues;

/// <summary>One message as a handler sees it: its body and what the host says about it.</summary>
public sealed record QueueMessage(string FunctionName, string Body, long DequeueCount, string? MessageId)
{
    public T Deserialize<T>() =>
        JsonSerializer.Deserialize<T>(Body, QueueJson.Options)
        ?? throw new InvalidDataException($"{FunctionName}: the message body is JSON null.");
}

/// <summary>Handles the messages of one queue. Throwing means "try again later" (and poison after the last try).</summary>
public interface IQueueMessageHandler
{
    Task HandleAsync(QueueMessage message, CancellationToken cancellationToken);
}

public static class QueueJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

/// <summary>Puts messages on a queue, base64-encoded JSON as the Functions queue trigger expects.</summary>
public sealed class QueueSender(StorageClients storage)
{
    /// <param name="delay">How long the message stays invisible before a function may take it (up to 7 days).</param>
    public async Task SendAsync<T>(string queueName, T payload, CancellationToken cancellationToken = default, TimeSpan? delay = null)
    {
        var queue = await storage.QueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(JsonSerializer.Serialize(payload, QueueJson.Options), visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a message's body, as it came, on <c>&lt;queue&gt;-poison</c>: what the host does after the last try, for a
    /// message that no try can ever handle (it is not what the app writes). Stored in the same encoding as the host's
    /// own poison messages, so whoever looks at the poison queue reads both alike.
    /// </summary>
    public async Task PoisonAsync(string queueName, string body, CancellationToken cancellationToken = default)
    {
        var poison = await storage.QueueAsync(queueName + "-poison", cancellationToken).ConfigureAwait(false);
        await poison.SendMessageAsync(body, cancellationToken).ConfigureAwait(false);
    }
}
