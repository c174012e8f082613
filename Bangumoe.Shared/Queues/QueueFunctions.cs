using System.Text.Json;
using Bangumoe.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Queues;

/// <summary>One message as a handler sees it, whichever way it arrived (host envelope or standalone listener).</summary>
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

/// <summary>A queue-triggered function: its name (the function folder, and the host's envelope path), queue and handler.</summary>
public sealed record QueueFunction(string FunctionName, string QueueName, Type HandlerType);

public static class QueueJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

/// <summary>The queue functions this app has. The function metadata, the host endpoint and the listener all read it.</summary>
public sealed class QueueFunctionRegistry(IEnumerable<QueueFunction> functions)
{
    public IReadOnlyList<QueueFunction> Functions { get; } = functions.OrderBy(f => f.FunctionName, StringComparer.Ordinal).ToList();

    public QueueFunction? Find(string functionName) =>
        Functions.FirstOrDefault(f => string.Equals(f.FunctionName, functionName, StringComparison.Ordinal));
}

/// <summary>Runs a message through its handler: the one code path for both hosting modes.</summary>
public sealed class QueueFunctionInvoker(IServiceScopeFactory scopes)
{
    public async Task InvokeAsync(QueueFunction function, QueueMessage message, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = (IQueueMessageHandler)scope.ServiceProvider.GetRequiredService(function.HandlerType);
        await handler.HandleAsync(message, cancellationToken).ConfigureAwait(false);
    }
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
}

public static class QueueServiceCollectionExtensions
{
    /// <summary>Registers a queue-triggered function and its handler.</summary>
    public static IServiceCollection AddQueueFunction<THandler>(this IServiceCollection services, string functionName, string queueName)
        where THandler : class, IQueueMessageHandler
    {
        services.AddScoped<THandler>();
        services.AddSingleton(new QueueFunction(functionName, queueName, typeof(THandler)));
        return services;
    }
}
