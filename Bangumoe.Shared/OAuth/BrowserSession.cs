using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

public sealed record SessionUser(UserEntity User, DateTimeOffset AuthTime);

/// <summary>
/// The login session of the authorization pages: a signed JWT of its own type in an HttpOnly cookie, carrying the uid,
/// the time of login and the user's security stamp (a password change ends it, like every other session).
/// </summary>
public sealed class BrowserSession(JwtService jwt, UserStore users, IOptions<OAuthOptions> options)
{
    public const string TokenType = "bangumoe-session+jwt";

    public (string Value, TimeSpan Lifetime) Create(UserEntity user, DateTimeOffset authTime) =>
        (jwt.Create(TokenType, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            [AccountTokens.StampClaim] = user.SecurityStamp,
            ["auth_time"] = authTime.ToUnixTimeSeconds(),
        }, options.Value.SessionLifetime), options.Value.SessionLifetime);

    public async Task<SessionUser?> ReadAsync(string? cookie, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(cookie)) return null;
        var check = await jwt.ValidateAsync(cookie, TokenType, jwt.Issuer).ConfigureAwait(false);
        if (!check.IsValid || !check.Token!.TryGetPayloadValue<long>("auth_time", out var authTime)) return null;
        var user = await users.GetAsync(check.Claim("sub") ?? "", ct).ConfigureAwait(false);
        if (user is null || !user.Registered || !user.EmailVerified || user.SecurityStamp != check.Claim(AccountTokens.StampClaim)) return null;
        return new SessionUser(user, DateTimeOffset.FromUnixTimeSeconds(authTime));
    }
}
