namespace Bangumoe.FakeBangumi;

/// <summary>What an injected fault does to a request.</summary>
public enum FaultKind
{
    /// <summary>429 with <c>Retry-After</c> and Bangumi's rate-limit body <c>{"title":"Too Many Request",…}</c> (no details).</summary>
    TooManyRequests,

    /// <summary>
    /// 500. On <c>/v0</c>: the JSON body of COLLECTIONS.md §5 (<c>details.error</c> set). On <c>/oauth</c>: server-private's
    /// Fastify 500 JSON, or for the legacy style a non-JSON HTML page (OAUTH.md §7: legacy outages were not JSON).
    /// </summary>
    ServerError,

    /// <summary>502 with an HTML (non-JSON) body, like a proxy in front of a dead origin.</summary>
    BadGatewayHtml,

    /// <summary>Sleeps <see cref="FakeFault.DelayMs"/>, then answers normally.</summary>
    Slow,

    /// <summary>Answers normally but drops <see cref="FakeFault.DropItems"/> items from the end of <c>data</c> (<c>total</c> unchanged).</summary>
    ShortPage,

    /// <summary>Expires the access token presented on the request (if any) and answers 401.</summary>
    ExpireToken,
}

/// <summary>
/// A fault for the next <paramref name="Times"/> requests whose path contains <paramref name="PathContains"/> (ordinal).
/// </summary>
public sealed record FakeFault(string PathContains, FaultKind Kind, int Times = 1, int RetryAfterSeconds = 1, int DelayMs = 0, int DropItems = 0);

/// <summary>
/// Pending faults, in the order they were added. Every incoming request whose path contains a fault's
/// <see cref="FakeFault.PathContains"/> takes the first such fault and uses up one of its <see cref="FakeFault.Times"/>;
/// a fault with no uses left is removed. Thread-safe.
/// </summary>
public sealed class FaultQueue
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];

    internal FaultQueue()
    {
    }

    public void Add(FakeFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(fault.PathContains);
        ArgumentOutOfRangeException.ThrowIfLessThan(fault.Times, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(fault.RetryAfterSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(fault.DelayMs);
        ArgumentOutOfRangeException.ThrowIfNegative(fault.DropItems);
        lock (_gate) _entries.Add(new Entry(fault));
    }

    public void Clear()
    {
        lock (_gate) _entries.Clear();
    }

    /// <summary>How many fault applications are still to come (the remaining <see cref="FakeFault.Times"/> of every queued fault).</summary>
    public int Pending
    {
        get
        {
            lock (_gate) return _entries.Sum(e => e.Remaining);
        }
    }

    internal FakeFault? TryTake(string path)
    {
        lock (_gate)
        {
            for (var i = 0; i < _entries.Count; i++)
            {
                var entry = _entries[i];
                if (!path.Contains(entry.Fault.PathContains, StringComparison.Ordinal)) continue;
                if (--entry.Remaining == 0) _entries.RemoveAt(i);
                return entry.Fault;
            }
            return null;
        }
    }

    private sealed class Entry(FakeFault fault)
    {
        public FakeFault Fault { get; } = fault;

        public int Remaining { get; set; } = fault.Times;
    }
}

/// <summary>
/// One request the fake answered. <paramref name="Query"/> is the raw query string without <c>?</c>;
/// <paramref name="Form"/> holds the fields of a form-encoded body (empty otherwise); <paramref name="Status"/> is the
/// status code the fake answered with.
/// </summary>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string Query,
    string? UserAgent,
    string? Authorization,
    string? ContentType,
    IReadOnlyDictionary<string, string> Form,
    int Status);
