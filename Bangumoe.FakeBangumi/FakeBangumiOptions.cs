namespace Bangumoe.FakeBangumi;

/// <summary>Which of the two Bangumi OAuth implementations the token endpoint imitates (OAUTH.md §0, §3, §7).</summary>
public enum TokenResponseStyle
{
    /// <summary>
    /// The documented bgm.tv behaviour: <c>user_id</c> a JSON number, <c>scope</c> present and <c>null</c>, errors
    /// <c>{"error","error_description"[,"error_uri"]}</c> (RFC 6749 §5.2).
    /// </summary>
    Legacy,

    /// <summary>
    /// bangumi/server-private: <c>user_id</c> a JSON string, no <c>scope</c> key, Fastify errors
    /// <c>{"statusCode","code","error","message"}</c>.
    /// </summary>
    ServerPrivate,
}

/// <summary>Settings of a <see cref="FakeBangumi"/>. They are read on every request, so a test may change them while the fake runs.</summary>
public sealed class FakeBangumiOptions
{
    /// <summary>The one registered application's App ID.</summary>
    public string ClientId { get; set; } = "bgm-demo-client";

    /// <summary>The one registered application's App Secret.</summary>
    public string ClientSecret { get; set; } = "bgm-demo-secret";

    /// <summary>The registered callback URL. Every <c>redirect_uri</c> sent is compared with it as a string (exact match).</summary>
    public string RedirectUri { get; set; } = "http://127.0.0.1:7071/oauth2.0/redirect";

    /// <summary>Shape of token responses and token-endpoint errors.</summary>
    public TokenResponseStyle ResponseStyle { get; set; } = TokenResponseStyle.Legacy;

    /// <summary>Lifetime of access tokens, sent as <c>expires_in</c> (the documented bgm.tv value is 7 days; server-private uses 14).</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Lifetime of authorization codes (60 s on Bangumi).</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest accepted <c>limit</c> on the collection list; above it the answer is 400.</summary>
    public int MaxLimit { get; set; } = 50;

    /// <summary>
    /// When set, <c>/oauth/authorize</c> approves at once as this user (302 to the callback). Otherwise it shows a page
    /// with one "Authorize as …" button per user.
    /// </summary>
    public string? AutoApproveUsername { get; set; }

    /// <summary>Added to every <c>/v0/users/*/collections</c> response (benchmarks use 100 ms).</summary>
    public TimeSpan PageDelay { get; set; } = TimeSpan.Zero;
}
