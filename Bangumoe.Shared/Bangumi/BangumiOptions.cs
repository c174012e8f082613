namespace Bangumoe.Bangumi;

/// <summary>
/// Configuration section <c>Bangumi</c>: Bangumoe as an OAuth client of Bangumi (bgm.tv). Binding is switched off
/// until <see cref="ClientId"/>, <see cref="ClientSecret"/> and <see cref="TokenEncryptionKey"/> are set.
/// </summary>
public sealed class BangumiOptions
{
    /// <summary>The OAuth host. It is not the API host (see bangumi/OAUTH.md §0).</summary>
    public string OAuthBaseUrl { get; set; } = "https://bgm.tv";

    public string ApiBaseUrl { get; set; } = "https://api.bgm.tv";

    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    /// <summary>Bangumi refuses requests without a User-Agent and blocks the HTTP libraries' defaults; its policy asks
    /// for the developer's id and the app's name.</summary>
    public string UserAgent { get; set; } = "bangumoe/bangumoe-import/1.0 (https://github.com/bangumoe/bangumoe)";

    /// <summary>Base64 of 32 random bytes: the AES-256-GCM key that encrypts the users' Bangumi tokens at rest.</summary>
    public string TokenEncryptionKey { get; set; } = "";

    /// <summary>How long the link to Bangumi's consent page stays good.</summary>
    public TimeSpan StateLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Tries per Bangumi request before the import is marked failed (429, 5xx, timeouts).</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first back-off; it doubles with each try.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest single wait, even when Bangumi's Retry-After asks for more.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an import run's claim lasts unless renewed; a live run renews it every third of that. A run
    /// that died (its worker gone) is taken over, and "sync now" starts afresh, once this has passed.</summary>
    public TimeSpan ImportLease { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => ClientId.Length > 0;

    internal static IEnumerable<string> Validate(BangumiOptions o)
    {
        foreach (var (key, url) in new[] { ("Bangumi:OAuthBaseUrl", o.OAuthBaseUrl), ("Bangumi:ApiBaseUrl", o.ApiBaseUrl) })
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Query.Length > 0)
                yield return $"{key} must be an absolute http(s) URL without a query (got '{url}').";
        }
        if (string.IsNullOrWhiteSpace(o.UserAgent)) yield return "Bangumi:UserAgent must be set: Bangumi refuses requests without one.";
        if (o.Enabled)
        {
            if (o.ClientSecret.Length == 0) yield return "Bangumi:ClientSecret must be set when Bangumi:ClientId is.";
            if (BangumiTokenCipher.ParseKey(o.TokenEncryptionKey) is null)
                yield return "Bangumi:TokenEncryptionKey must be the base64 of 32 random bytes when Bangumi:ClientId is set (e.g. `openssl rand -base64 32`).";
        }
        if (o.StateLifetime < TimeSpan.FromMinutes(1) || o.StateLifetime > TimeSpan.FromHours(1)) yield return "Bangumi:StateLifetime must be between 1 minute and 1 hour.";
        if (o.MaxAttempts is < 1 or > 20) yield return "Bangumi:MaxAttempts must be between 1 and 20.";
        if (o.RetryBaseDelay < TimeSpan.Zero || o.RetryBaseDelay > TimeSpan.FromMinutes(5)) yield return "Bangumi:RetryBaseDelay must be between 0 and 5 minutes.";
        if (o.MaxRetryDelay < o.RetryBaseDelay || o.MaxRetryDelay > TimeSpan.FromMinutes(10)) yield return "Bangumi:MaxRetryDelay must be between Bangumi:RetryBaseDelay and 10 minutes.";
        if (o.ImportLease < TimeSpan.FromSeconds(3) || o.ImportLease > TimeSpan.FromMinutes(10)) yield return "Bangumi:ImportLease must be between 3 seconds and 10 minutes.";
        if (o.RequestTimeout < TimeSpan.FromSeconds(1) || o.RequestTimeout > TimeSpan.FromMinutes(5)) yield return "Bangumi:RequestTimeout must be between 1 second and 5 minutes.";
    }
}
