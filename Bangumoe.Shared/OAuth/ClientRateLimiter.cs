using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary>
/// Per-client limit on the token and introspection endpoints (a token bucket per presented client_id, or per address
/// when none is presented), against online guessing of codes, refresh tokens and secrets. Kept in memory: each instance
/// limits on its own, which bounds the rate per instance; login throttling, which guards passwords, is shared in storage.
/// </summary>
public sealed class ClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public ClientRateLimiter(IOptions<OAuthOptions> options)
    {
        var perMinute = options.Value.ClientRequestsPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>False when the caller is over its limit.</summary>
    public bool TryAcquire(string key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
