using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary>Revocation (RFC 7009) and introspection (RFC 7662) of the tokens a client holds.</summary>
public sealed class RevocationService(
    ClientAuthenticator authenticator, RefreshTokenStore refreshTokens, GrantService grants, JwtService jwt, AccessTokenService accessTokens,
    UserStore users, ClientService clients, TimeProvider time, IOptions<OAuthOptions> options)
{
    /// <summary>RFC 7009: success for every well-formed request of an authenticated client, whether or not the token
    /// existed; only the client's own tokens are revoked.</summary>
    public async Task<Result<bool>> RevokeAsync(TokenQuery query, CancellationToken ct = default)
    {
        var client = await authenticator.AuthenticateAsync(query.Client, ct).ConfigureAwait(false);
        if (!client.Ok) return client.Error!;
        if (string.IsNullOrEmpty(query.Token)) return OAuthErrors.InvalidRequest("token is required.");
        await RevokeAsync(client.Value!, query.Token, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>RFC 7662, for confidential clients: <c>{"active": false}</c> for anything unknown, expired, revoked or
    /// issued to another client.</summary>
    public async Task<Result<Dictionary<string, object>>> IntrospectAsync(TokenQuery query, CancellationToken ct = default)
    {
        if (authenticator.Throttle(query.Client, query.ClientAddress) is { } throttled) return throttled;
        var client = await authenticator.AuthenticateAsync(query.Client, ct).ConfigureAwait(false);
        if (!client.Ok) return client.Error!;
        if (!client.Value!.IsConfidential) return OAuthErrors.InvalidClient("Introspection needs client authentication with a secret.");
        if (string.IsNullOrEmpty(query.Token)) return OAuthErrors.InvalidRequest("token is required.");
        return await IntrospectAsync(client.Value, query.Token, ct).ConfigureAwait(false);
    }

    /// <summary>Revokes the token if it is the client's: a refresh token ends its family (and the family's access
    /// tokens); an access token ends itself. Anything else is ignored, as RFC 7009 §2.2 asks.</summary>
    private async Task RevokeAsync(ClientEntity client, string token, CancellationToken ct)
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

    private async Task<Dictionary<string, object>> IntrospectAsync(ClientEntity client, string token, CancellationToken ct)
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
            var bound = new Dictionary<string, object>
            {
                ["active"] = true, ["token_type"] = "refresh_token", ["client_id"] = client.ClientId, ["scope"] = refresh.Scope,
                ["sub"] = user.Uid, ["username"] = user.Uname, ["exp"] = refresh.ExpiresAt.ToUnixTimeSeconds(), ["iss"] = jwt.Issuer,
            };
            if (refresh.DPoPJkt is { } boundTo) bound["cnf"] = new Dictionary<string, string> { ["jkt"] = boundTo };
            return bound;
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
        // RFC 9449 §6.2: a resource server that introspects learns the key the token is bound to.
        if (AccessTokenService.BoundKey(check) is { } jkt)
        {
            result["token_type"] = "DPoP";
            result["cnf"] = new Dictionary<string, string> { ["jkt"] = jkt };
        }
        return result;
    }
}
