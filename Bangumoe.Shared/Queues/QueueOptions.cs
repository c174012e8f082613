namespace Bangumoe.Queues;

/// <summary>
/// Queue-trigger semantics (configuration section <c>Queues</c>). The same values are written into host.json's
/// <c>extensions.queues</c> by <c>emit-functions</c>, so standalone mode and the Functions host behave alike.
/// </summary>
public sealed class QueueOptions
{
    /// <summary>Tries before a message moves to <c>&lt;queue&gt;-poison</c> (host default 5).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a failed message stays invisible before its next try.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between polls of an empty queue (the host uses 2 s locally).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages fetched per poll.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>How long one try may take; the message is invisible for that long while it runs.</summary>
    public TimeSpan FunctionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    internal static IEnumerable<string> Validate(QueueOptions o)
    {
        if (o.MaxDequeueCount is < 1 or > 100) yield return "Queues:MaxDequeueCount must be between 1 and 100.";
        if (o.VisibilityTimeout < TimeSpan.Zero || o.VisibilityTimeout > TimeSpan.FromDays(7))
            yield return "Queues:VisibilityTimeout must be between 0 and 7 days.";
        if (o.MaxPollingInterval < TimeSpan.FromMilliseconds(50)) yield return "Queues:MaxPollingInterval must be at least 50 ms.";
        if (o.BatchSize is < 1 or > 32) yield return "Queues:BatchSize must be between 1 and 32.";
        if (o.FunctionTimeout < TimeSpan.FromSeconds(1) || o.FunctionTimeout > TimeSpan.FromDays(7))
            yield return "Queues:FunctionTimeout must be between 1 second and 7 days.";
    }
}
