using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary>Revocation (RFC 7009) and introspection (RFC 7662) of the tokens a client holds.</summary>
public sealed class RevocationService(
    RefreshTokenStore refreshTokens, GrantService grants, JwtService jwt, AccessTokenService accessTokens, UserStore users, ClientService clients,
    TimeProvider time, IOptions<OAuthOptions> options)
{
    /// <summary>Revokes the token if it is the client's: a refresh token ends its family (and the family's access
    /// tokens); an access token ends itself. Anything else is ignored, as RFC 7009 §2.2 asks.</summary>
    public async Task RevokeAsync(ClientEntity client, string token, CancellationToken ct = default)
    {
        var refresh = await refreshTokens.FindAsync(token, ct).ConfigureAwait(false);
        if (refresh is not null)
        {
            if (refresh.ClientId != client.ClientId) return;
            await refreshTokens.DeleteFamilyAsync(refresh.Uid, refresh.Family, ct).ConfigureAwait(false);
            await grants.RevokeIdAsync(refresh.Uid, refresh.Family, time.GetUtcNow() + options.Value.AccessTokenLifetime, ct).ConfigureAwait(false);
            return;
        }
        var access = await jwt.ValidateAsync(token, TokenTypes.AccessToken, jwt.Issuer).ConfigureAwait(false);
        if (!access.IsValid || access.Claim("client_id") != client.ClientId || access.Claim("jti") is not { } jti) return;
        if (access.Claim("sub") is { } uid && uid != client.ClientId)
            await grants.RevokeIdAsync(uid, jti, access.Token!.ValidTo, ct).ConfigureAwait(false);
        else
            await clients.RevokeTokenIdAsync(client, jti, access.Token!.ValidTo, ct).ConfigureAwait(false); // a client_credentials token
    }

    public async Task<Dictionary<string, object>> IntrospectAsync(ClientEntity client, string token, CancellationToken ct = default)
    {
        var inactive = new Dictionary<string, object> { ["active"] = false };
        var refresh = await refreshTokens.FindAsync(token, ct).ConfigureAwait(false);
        if (refresh is not null)
        {
            if (refresh.ClientId != client.ClientId || refresh.RotatedAt is not null || refresh.ExpiresAt <= time.GetUtcNow()) return inactive;
            var user = await users.GetAsync(refresh.Uid, ct).ConfigureAwait(false);
            if (user is null || user.SecurityStamp != refresh.Stamp || GrantService.Find(user, client.ClientId)?.Id != refresh.GrantId
                || OAuthState.Of(user).IsRevoked(refresh.Family))
                return inactive;
            return new Dictionary<string, object>
            {
                ["active"] = true, ["token_type"] = "refresh_token", ["client_id"] = client.ClientId, ["scope"] = refresh.Scope,
                ["sub"] = user.Uid, ["username"] = user.Uname, ["exp"] = refresh.ExpiresAt.ToUnixTimeSeconds(), ["iss"] = jwt.Issuer,
            };
        }

        var check = await jwt.ValidateAsync(token, TokenTypes.AccessToken, jwt.Issuer).ConfigureAwait(false);
        if (!check.IsValid || check.Claim("client_id") != client.ClientId) return inactive;
        string? username = null;
        if (check.Claim("sub") != client.ClientId)
        {
            // A user's token: active only while the user, the stamp, the grant and the token itself all stand.
            if (await accessTokens.AuthenticateAsync(check, ct).ConfigureAwait(false) is not var (user, _)) return inactive;
            username = user.Uname;
        }
        else if (client.Revoked.ContainsKey(check.Claim("jti") ?? ""))
        {
            return inactive;
        }
        var result = new Dictionary<string, object>
        {
            ["active"] = true, ["token_type"] = "Bearer", ["client_id"] = client.ClientId, ["scope"] = check.Claim("scope") ?? "",
            ["sub"] = check.Claim("sub")!, ["aud"] = jwt.Issuer, ["iss"] = jwt.Issuer, ["jti"] = check.Claim("jti")!,
            ["exp"] = new DateTimeOffset(check.Token!.ValidTo).ToUnixTimeSeconds(), ["iat"] = new DateTimeOffset(check.Token.IssuedAt).ToUnixTimeSeconds(),
        };
        if (username is not null) result["username"] = username;
        return result;
    }
}
