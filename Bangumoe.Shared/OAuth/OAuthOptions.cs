namespace Bangumoe.OAuth;

/// <summary>Configuration section <c>OAuth</c>.</summary>
public sealed class OAuthOptions
{
    /// <summary>Authorization codes live this long (RFC 6749 §4.1.2 recommends at most 10 minutes; we keep it short).</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan IdTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A rotated refresh token presented again within this window (a lost response, two tabs refreshing at once) is
    /// refused with invalid_grant but does not revoke anything; after it, such a reuse is treated as theft and revokes
    /// the grant. 0 disables the leeway.
    /// </summary>
    public TimeSpan RefreshReuseLeeway { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The browser session of the authorization pages.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Requests per minute each client may make to /oauth/token and /oauth/introspect (bursts up to this many).</summary>
    public int ClientRequestsPerMinute { get; set; } = 300;

    /// <summary>
    /// DPoP proofs must carry a server nonce (RFC 9449 §8, §9): a proof cannot be made ahead of time, only after the
    /// server answered with <c>DPoP-Nonce</c>. Off by default: proofs are already single-use and live about a minute,
    /// and a nonce costs every client an extra round trip at its first request and whenever the nonce turns over.
    /// </summary>
    public bool DPoPNonceRequired { get; set; }

    internal static IEnumerable<string> Validate(OAuthOptions o)
    {
        if (o.ClientRequestsPerMinute is < 1 or > 1_000_000) yield return "OAuth:ClientRequestsPerMinute must be between 1 and 1000000.";
        if (o.CodeLifetime < TimeSpan.FromSeconds(10) || o.CodeLifetime > TimeSpan.FromMinutes(10)) yield return "OAuth:CodeLifetime must be between 10 seconds and 10 minutes.";
        if (o.AccessTokenLifetime < TimeSpan.FromMinutes(1) || o.AccessTokenLifetime > TimeSpan.FromDays(1)) yield return "OAuth:AccessTokenLifetime must be between 1 minute and 1 day.";
        if (o.IdTokenLifetime < TimeSpan.FromMinutes(1) || o.IdTokenLifetime > TimeSpan.FromDays(1)) yield return "OAuth:IdTokenLifetime must be between 1 minute and 1 day.";
        if (o.RefreshTokenLifetime < TimeSpan.FromHours(1) || o.RefreshTokenLifetime > TimeSpan.FromDays(365)) yield return "OAuth:RefreshTokenLifetime must be between 1 hour and 365 days.";
        if (o.RefreshReuseLeeway < TimeSpan.Zero || o.RefreshReuseLeeway > TimeSpan.FromMinutes(1)) yield return "OAuth:RefreshReuseLeeway must be between 0 and 60 seconds.";
        if (o.SessionLifetime < TimeSpan.FromMinutes(5) || o.SessionLifetime > TimeSpan.FromDays(30)) yield return "OAuth:SessionLifetime must be between 5 minutes and 30 days.";
    }
}
