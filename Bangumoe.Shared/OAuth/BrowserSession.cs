using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <param name="Id">The session's own id (<c>sid</c>): signing out revokes it, so a copied cookie stops working too.</param>
public sealed record SessionUser(UserEntity User, DateTimeOffset AuthTime, string Id, DateTimeOffset ExpiresAt);

/// <summary>
/// The login session of the authorization pages: a signed JWT of its own type in an HttpOnly cookie, carrying the uid,
/// the time of login, its own id and the user's security stamp (a password change ends it, like every other session).
/// Signing out ends it on the server: its id is revoked on the user row until the cookie would have expired anyway.
/// </summary>
public sealed class BrowserSession(JwtService jwt, UserStore users, GrantService grants, IOptions<OAuthOptions> options)
{
    public const string TokenType = "bangumoe-session+jwt";

    public (string Value, TimeSpan Lifetime) Create(UserEntity user, DateTimeOffset authTime) =>
        (jwt.Create(TokenType, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            [AccountTokens.StampClaim] = user.SecurityStamp,
            ["auth_time"] = authTime.ToUnixTimeSeconds(),
            ["sid"] = JwtService.NewId(),
        }, options.Value.SessionLifetime), options.Value.SessionLifetime);

    public async Task<SessionUser?> ReadAsync(string? cookie, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(cookie)) return null;
        var check = await jwt.ValidateAsync(cookie, TokenType, jwt.Issuer).ConfigureAwait(false);
        if (!check.IsValid || !check.Token!.TryGetPayloadValue<long>("auth_time", out var authTime) || check.Claim("sid") is not { } sid) return null;
        var user = await users.GetAsync(check.Claim("sub") ?? "", ct).ConfigureAwait(false);
        if (user is null || !user.Registered || !user.EmailVerified || user.SecurityStamp != check.Claim(AccountTokens.StampClaim)) return null;
        if (OAuthState.Of(user).IsRevoked(sid)) return null;
        return new SessionUser(user, DateTimeOffset.FromUnixTimeSeconds(authTime), sid, new DateTimeOffset(check.Token.ValidTo, TimeSpan.Zero));
    }

    /// <summary>Signs out: the session's id is revoked, so the cookie (or a copy of it) no longer signs anyone in.</summary>
    public Task EndAsync(SessionUser session, CancellationToken ct = default) =>
        grants.RevokeIdAsync(session.User.Uid, session.Id, session.ExpiresAt.AddMinutes(5), ct);
}
