using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary>A successful token response (RFC 6749 §5.1).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Scope, string? IdToken, string? RefreshToken);

/// <summary>
/// <c>POST /oauth/token</c>: authorization_code (PKCE S256 required), refresh_token (rotated on every use; reuse of a
/// rotated token after <see cref="OAuthOptions.RefreshReuseLeeway"/> revokes the grant), client_credentials
/// (confidential clients), the device code (RFC 8628). No implicit or password grant exists.
/// </summary>
public sealed class TokenService(
    ClientAuthenticator authenticator,
    AuthorizationCodeStore codes,
    DeviceCodeStore deviceCodes,
    RefreshTokenStore refreshTokens,
    UserStore users,
    GrantService grants,
    DPoPProofs dpop,
    JwtService jwt,
    TimeProvider time,
    IOptions<OAuthOptions> options)
{
    private OAuthOptions Options => options.Value;

    /// <summary>The token endpoint's decision: who the client is, which grant, and what it gets.</summary>
    public async Task<Result<TokenResponse>> ExchangeAsync(TokenRequest request, CancellationToken ct = default)
    {
        if (authenticator.Throttle(request.Client, request.ClientAddress) is { } throttled) return throttled;
        var client = await authenticator.AuthenticateAsync(request.Client, ct).ConfigureAwait(false);
        if (!client.Ok) return client.Error!;
        // RFC 9449: a valid proof binds what is issued to its key (jkt); a bad one refuses the request whatever the grant.
        var proof = request.DPoP is { } presentation ? await dpop.CheckAsync(presentation, accessToken: null, ct).ConfigureAwait(false) : default;
        if (!proof.Ok) return proof.Error!;
        var jkt = proof.Value?.Jkt;

        return request.GrantType switch
        {
            "authorization_code" => await RedeemCodeAsync(client.Value!, request, jkt, ct).ConfigureAwait(false),
            "refresh_token" => await RefreshAsync(client.Value!, request, jkt, ct).ConfigureAwait(false),
            "client_credentials" => ClientCredentials(client.Value!, request, jkt),
            DeviceCodeStore.GrantType => await RedeemDeviceCodeAsync(client.Value!, request, jkt, ct).ConfigureAwait(false),
            null or "" => OAuthErrors.InvalidRequest("grant_type is required."),
            _ => OAuthErrors.UnsupportedGrantType($"Supported: authorization_code, refresh_token, client_credentials, {DeviceCodeStore.GrantType}."),
        };
    }

    private async Task<Result<TokenResponse>> RedeemCodeAsync(ClientEntity client, TokenRequest request, string? jkt, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Code)) return OAuthErrors.InvalidRequest("code is required.");
        if (string.IsNullOrEmpty(request.RedirectUri)) return OAuthErrors.InvalidRequest("redirect_uri is required.");
        if (string.IsNullOrEmpty(request.CodeVerifier)) return OAuthErrors.InvalidRequest("code_verifier is required (PKCE).");
        if (!Pkce.IsVerifier(request.CodeVerifier)) return OAuthErrors.InvalidRequest("code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1).");

        var code = await codes.FindAsync(request.Code, ct).ConfigureAwait(false);
        // A code is bound to its client, redirect URI and PKCE challenge; a mismatch does not use it up.
        if (code is null || code.ClientId != client.ClientId) return OAuthErrors.InvalidGrant("The code is invalid, expired or was issued to another client.");
        if (!string.Equals(code.RedirectUri, request.RedirectUri, StringComparison.Ordinal)) return OAuthErrors.InvalidGrant("redirect_uri differs from the one in the authorization request.");
        if (!Pkce.Matches(request.CodeVerifier, code.CodeChallenge)) return OAuthErrors.InvalidGrant("code_verifier does not match the code_challenge.");
        // RFC 9449 §10: a code requested with dpop_jkt is redeemed only with a proof of that key.
        if (code.DPoPJkt is { Length: > 0 } boundTo)
        {
            if (jkt is null) return OAuthErrors.InvalidDPoPProof("The code is bound to a DPoP key (dpop_jkt): send a DPoP proof signed with it.");
            if (!string.Equals(jkt, boundTo, StringComparison.Ordinal)) return OAuthErrors.InvalidGrant("The DPoP proof's key is not the one the code is bound to (dpop_jkt).");
        }

        return await RedeemAndIssueAsync(client, code, jkt, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The seed's <c>/oauth2.0/granttoken</c>: a confidential client (its secret in the body) redeems a code from the
    /// seed's login page, which carries no PKCE challenge. PKCE-bound codes are refused here, so this path cannot
    /// bypass PKCE.
    /// </summary>
    public async Task<Result<TokenResponse>> RedeemSeedCodeAsync(ClientCredentials credentials, string? codeValue, CancellationToken ct = default)
    {
        var client = await authenticator.AuthenticateAsync(credentials, ct).ConfigureAwait(false);
        if (!client.Ok || !client.Value!.IsConfidential) return OAuthErrors.InvalidClient("Unknown client_id or wrong client_secrets.");
        var code = await codes.FindAsync(codeValue, ct).ConfigureAwait(false);
        if (code is null || code.ClientId != client.Value.ClientId || code.CodeChallenge.Length > 0)
            return OAuthErrors.InvalidGrant("The code is invalid, expired or was issued to another client.");
        return await RedeemAndIssueAsync(client.Value, code, jkt: null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Uses up a code that passed its binding checks (exactly one caller wins) and issues its tokens: the one path for
    /// the standard and the seed exchange. A replay revokes the grant, and with it every token the code gave.
    /// </summary>
    private async Task<Result<TokenResponse>> RedeemAndIssueAsync(ClientEntity client, AuthorizationCodeEntity code, string? jkt, CancellationToken ct)
    {
        // The grant is checked before the code is used up, not after: a concurrent replay revokes the grant, and the one
        // request that won the code must still answer with its (by then dead) tokens, or a race would have no winner.
        var user = await users.GetAsync(code.Uid, ct).ConfigureAwait(false);
        if (user is null || GrantService.Find(user, client.ClientId)?.Id != code.GrantId)
            return OAuthErrors.InvalidGrant("The authorization was withdrawn.");

        switch (await codes.RedeemAsync(code, ct).ConfigureAwait(false))
        {
            case CodeRedemption.Replayed:
                // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes the tokens it issued (with the whole grant).
                await grants.RevokeAsync(code.Uid, code.ClientId, ct).ConfigureAwait(false);
                return OAuthErrors.InvalidGrant("The code was already used; the tokens issued for it are revoked.");
            case CodeRedemption.Expired:
                return OAuthErrors.InvalidGrant("The code has expired.");
            case CodeRedemption.Unknown:
                return OAuthErrors.InvalidGrant("The code is invalid, expired or was issued to another client.");
        }

        return await IssueForGrantAsync(user, client, code.Scope, code.GrantId, code.AuthTime, code.Nonce, jkt, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The device grant (RFC 8628 §3.4): pending, slow_down, denied and expired are the store's answers; an approved
    /// code is used up by exactly one poll, which gets the same tokens as the code flow. A second redemption is
    /// invalid_grant and revokes nothing: a device code never travels through a browser (no redirect, history or
    /// referrer to leak it from), so a repeat is far likelier a retry after a lost response than a theft.
    /// </summary>
    private async Task<Result<TokenResponse>> RedeemDeviceCodeAsync(ClientEntity client, TokenRequest request, string? jkt, CancellationToken ct)
    {
        var polled = await deviceCodes.PollAsync(client.ClientId, request.DeviceCode, ct).ConfigureAwait(false);
        if (!polled.Ok) return polled.Error!;
        var code = polled.Value!;
        var user = await users.GetAsync(code.Uid!, ct).ConfigureAwait(false);
        if (user is null || GrantService.Find(user, client.ClientId)?.Id != code.GrantId)
            return OAuthErrors.InvalidGrant("The authorization was withdrawn.");
        return await IssueForGrantAsync(user, client, code.Scope, code.GrantId!, code.AuthTime!.Value, nonce: null, jkt, ct).ConfigureAwait(false);
    }

    /// <summary>The tokens of a grant the user just gave (a redeemed code or device code), with a new refresh-token
    /// family when offline_access was granted.</summary>
    private async Task<TokenResponse> IssueForGrantAsync(UserEntity user, ClientEntity client, string scope, string grantId, DateTimeOffset authTime,
        string? nonce, string? jkt, CancellationToken ct)
    {
        string? refresh = null;
        string? family = null;
        if (Scopes.Has(scope, Scopes.OfflineAccess))
        {
            var row = new RefreshTokenEntity
            {
                PartitionKey = user.Uid,
                ClientId = client.ClientId,
                Scope = scope,
                GrantId = grantId,
                Stamp = user.SecurityStamp,
                AuthTime = authTime,
                ExpiresAt = time.GetUtcNow() + Options.RefreshTokenLifetime,
                // RFC 9449 §5: a public client's refresh token is bound to its DPoP key, since nothing else proves the
                // caller is that client; a confidential client authenticates on every refresh, so its token stays unbound.
                DPoPJkt = client.IsConfidential ? null : jkt,
            };
            refresh = await refreshTokens.AddAsync(row, ct).ConfigureAwait(false);
            family = row.Family;
        }
        return Issue(user, client, scope, grantId, authTime, nonce, family, refresh, jkt);
    }

    private async Task<Result<TokenResponse>> RefreshAsync(ClientEntity client, TokenRequest request, string? jkt, CancellationToken ct)
    {
        var token = request.RefreshToken;
        if (string.IsNullOrEmpty(token)) return OAuthErrors.InvalidRequest("refresh_token is required.");
        var row = await refreshTokens.FindAsync(token, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (row is null || row.ClientId != client.ClientId || row.ExpiresAt <= now)
            return OAuthErrors.InvalidGrant("The refresh token is invalid, expired or was issued to another client.");

        var user = await users.GetAsync(row.Uid, ct).ConfigureAwait(false);
        var state = user is null ? null : OAuthState.Of(user);
        if (user is null || user.SecurityStamp != row.Stamp || state!.IsRevoked(row.Family)
            || !state.Grants.TryGetValue(client.ClientId, out var grant) || grant.Id != row.GrantId)
            return OAuthErrors.InvalidGrant("The refresh token was revoked.");

        // Before the reuse check: a caller who cannot prove the bound key learns nothing and changes nothing.
        if (row.DPoPJkt is { Length: > 0 } boundTo)
        {
            if (jkt is null) return OAuthErrors.InvalidDPoPProof("The refresh token is bound to a DPoP key: send a DPoP proof signed with it.");
            if (!string.Equals(jkt, boundTo, StringComparison.Ordinal)) return OAuthErrors.InvalidGrant("The refresh token is bound to another DPoP key.");
        }

        if (row.RotatedAt is { } rotatedAt)
        {
            if (now - rotatedAt > Options.RefreshReuseLeeway)
            {
                // A rotated token came back after the leeway: someone holds a copy. End the whole grant.
                await grants.RevokeAsync(row.Uid, row.ClientId, ct).ConfigureAwait(false);
                await refreshTokens.DeleteFamilyAsync(row.Uid, row.Family, ct).ConfigureAwait(false);
                return OAuthErrors.InvalidGrant("The refresh token was already used; the grant is revoked.");
            }
            return OAuthErrors.InvalidGrant("The refresh token was just rotated; use the new one.");
        }

        var scope = row.Scope;
        if (request.Scope is { Length: > 0 } requested)
        {
            if (!Scopes.Covers(row.Scope, requested)) return OAuthErrors.InvalidScope("A refresh cannot widen the scope.");
            scope = Scopes.Canonical(Scopes.Parse(requested));
        }
        var next = await refreshTokens.RotateAsync(row, now + Options.RefreshTokenLifetime, now, ct).ConfigureAwait(false);
        if (next is null) return OAuthErrors.InvalidGrant("The refresh token was just rotated; use the new one.");
        return Issue(user, client, scope, row.GrantId, row.AuthTime, nonce: null, row.Family, next, jkt);
    }

    private Result<TokenResponse> ClientCredentials(ClientEntity client, TokenRequest request, string? jkt)
    {
        if (!client.IsConfidential) return OAuthErrors.UnauthorizedClient("client_credentials is for confidential clients.");
        // Every scope Bangumoe has is about a user; a client acting for itself gets none of them.
        if (request.Scope is { Length: > 0 }) return OAuthErrors.InvalidScope("No scope is available to client_credentials.");
        var claims = new Dictionary<string, object>
        {
            ["sub"] = client.ClientId,
            ["client_id"] = client.ClientId,
            ["scope"] = "",
        };
        var access = jwt.Create(TokenTypes.AccessToken, jwt.Issuer, BindTo(claims, jkt), Options.AccessTokenLifetime);
        return new TokenResponse(access, TokenType(jkt), (int)Options.AccessTokenLifetime.TotalSeconds, "", null, null);
    }

    private TokenResponse Issue(UserEntity user, ClientEntity client, string scope, string grantId, DateTimeOffset authTime, string? nonce, string? family, string? refresh, string? jkt)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            ["client_id"] = client.ClientId,
            ["scope"] = scope,
            [AccountTokens.StampClaim] = user.SecurityStamp,
            [AccessTokenService.GrantClaim] = grantId,
        };
        if (family is not null) claims[AccessTokenService.FamilyClaim] = family;
        var access = jwt.Create(TokenTypes.AccessToken, jwt.Issuer, BindTo(claims, jkt), Options.AccessTokenLifetime);

        string? idToken = null;
        if (Scopes.Has(scope, Scopes.OpenId))
        {
            var id = new Dictionary<string, object> { ["sub"] = user.Uid, ["auth_time"] = authTime.ToUnixTimeSeconds() };
            if (nonce is not null) id["nonce"] = nonce;
            foreach (var (name, value) in UserClaims.For(user, scope)) id[name] = value;
            idToken = jwt.Create("JWT", client.ClientId, id, Options.IdTokenLifetime);
        }
        return new TokenResponse(access, TokenType(jkt), (int)Options.AccessTokenLifetime.TotalSeconds, scope, idToken, refresh);
    }

    /// <summary>RFC 9449 §6.1: a DPoP-bound access token confirms its key as <c>cnf: {jkt}</c>.</summary>
    private static Dictionary<string, object> BindTo(Dictionary<string, object> claims, string? jkt)
    {
        if (jkt is not null) claims[AccessTokenService.ConfirmationClaim] = new Dictionary<string, object> { ["jkt"] = jkt };
        return claims;
    }

    /// <summary>RFC 9449 §5: a bound token's type is DPoP, so the client knows to present it with proofs.</summary>
    private static string TokenType(string? jkt) => jkt is null ? "Bearer" : "DPoP";
}

/// <summary>The OpenID Connect claims a scope releases (OIDC Core §5.4), for the id_token and userinfo.</summary>
public static class UserClaims
{
    public static IEnumerable<(string Name, object Value)> For(UserEntity user, string scope)
    {
        if (Scopes.Has(scope, Scopes.Profile))
        {
            yield return ("preferred_username", user.Uname);
            yield return ("name", user.Nickname ?? user.Uname);
            if (user.Nickname is not null) yield return ("nickname", user.Nickname);
            if (user.Avatar is not null) yield return ("picture", user.Avatar);
        }
        if (Scopes.Has(scope, Scopes.Email))
        {
            yield return ("email", user.Email);
            yield return ("email_verified", user.EmailVerified);
        }
    }
}
