using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.LocalHost.SampleApp;

/// <summary>Queue-triggered functions. Queue names are settings (%...%), so parallel tests use their own queues.</summary>
public sealed class QueueFunctions(Observations observations)
{
    /// <summary>Records each message and its trigger metadata.</summary>
    [Function("RecordMessage")]
    public async Task RecordMessage(
        [QueueTrigger("%WorkQueue%")] string message,
        string id,
        long dequeueCount,
        DateTimeOffset insertionTime,
        FunctionContext context)
    {
        await observations.RecordAsync(new
        {
            kind = "received",
            message,
            id,
            dequeueCount,
            insertionTime,
            bindingData = context.BindingContext.BindingData.ToDictionary(p => p.Key, p => p.Value?.ToString()),
        });
    }

    /// <summary>Always fails, recording each attempt, so its messages end up in the poison queue.</summary>
    [Function("AlwaysFails")]
    public async Task AlwaysFails([QueueTrigger("%FailingQueue%")] string message, long dequeueCount)
    {
        await observations.RecordAsync(new { kind = "attempt", message, dequeueCount });
        throw new InvalidOperationException($"Refusing message '{message}' (attempt {dequeueCount}).");
    }
}
