namespace Bangumoe.Queues;

/// <summary>
/// What the functions need to know of the host's queue semantics (configuration section <c>Queues</c>). Retrying,
/// visibility and poisoning are the host's, set in host.json's <c>extensions.queues</c>; a test holds the two equal.
/// </summary>
public sealed class QueueOptions
{
    /// <summary>Tries before the host moves a message to <c>&lt;queue&gt;-poison</c> (host.json <c>maxDequeueCount</c>):
    /// the last try knows it is the last and can tell the user instead of leaving work "running".</summary>
    public int MaxDequeueCount { get; set; } = 5;

    internal static IEnumerable<string> Validate(QueueOptions o)
    {
        if (o.MaxDequeueCount is < 1 or > 100) yield return "Queues:MaxDequeueCount must be between 1 and 100.";
    }
}
