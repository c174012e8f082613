using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>A successful token response (RFC 6749 §5.1).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Scope, string? IdToken, string? RefreshToken);

/// <summary>
/// <c>POST /oauth/token</c>: authorization_code (PKCE S256 required), refresh_token (rotated on every use; reuse of a
/// rotated token after <see cref="OAuthOptions.RefreshReuseLeeway"/> revokes the grant), client_credentials
/// (confidential clients). No implicit or password grant exists.
/// </summary>
public sealed partial class TokenService(
    ClientAuthenticator authenticator,
    AuthorizationCodeStore codes,
    RefreshTokenStore refreshTokens,
    UserStore users,
    GrantService grants,
    JwtService jwt,
    TimeProvider time,
    IOptions<OAuthOptions> options)
{
    private OAuthOptions Options => options.Value;

    public async Task<(TokenResponse? Response, OAuthError? Error)> ExchangeAsync(
        IReadOnlyDictionary<string, StringValues> form, string? authorization, CancellationToken ct = default)
    {
        var repeated = form.Where(kv => kv.Value.Count > 1).Select(kv => kv.Key).ToList();
        if (repeated.Count > 0) return (null, OAuthError.InvalidRequest("Repeated parameter: " + string.Join(", ", repeated)));
        var (client, clientError) = await authenticator.AuthenticateAsync(form, authorization, ct).ConfigureAwait(false);
        if (client is null) return (null, clientError);

        return ClientAuthenticator.Single(form, "grant_type") switch
        {
            "authorization_code" => await RedeemCodeAsync(client, form, ct).ConfigureAwait(false),
            "refresh_token" => await RefreshAsync(client, form, ct).ConfigureAwait(false),
            "client_credentials" => ClientCredentials(client, form),
            null or "" => (null, OAuthError.InvalidRequest("grant_type is required.")),
            _ => (null, new OAuthError("unsupported_grant_type", "Supported: authorization_code, refresh_token, client_credentials.")),
        };
    }

    private async Task<(TokenResponse?, OAuthError?)> RedeemCodeAsync(ClientEntity client, IReadOnlyDictionary<string, StringValues> form, CancellationToken ct)
    {
        var codeValue = ClientAuthenticator.Single(form, "code");
        var redirectUri = ClientAuthenticator.Single(form, "redirect_uri");
        var verifier = ClientAuthenticator.Single(form, "code_verifier");
        if (string.IsNullOrEmpty(codeValue)) return (null, OAuthError.InvalidRequest("code is required."));
        if (string.IsNullOrEmpty(redirectUri)) return (null, OAuthError.InvalidRequest("redirect_uri is required."));
        if (string.IsNullOrEmpty(verifier)) return (null, OAuthError.InvalidRequest("code_verifier is required (PKCE)."));
        if (!VerifierSyntax().IsMatch(verifier)) return (null, OAuthError.InvalidRequest("code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1)."));

        var code = await codes.FindAsync(codeValue, ct).ConfigureAwait(false);
        // A code is bound to its client, redirect URI and PKCE challenge; a mismatch does not use it up.
        if (code is null || code.ClientId != client.ClientId) return (null, OAuthError.InvalidGrant("The code is invalid, expired or was issued to another client."));
        if (!string.Equals(code.RedirectUri, redirectUri, StringComparison.Ordinal)) return (null, OAuthError.InvalidGrant("redirect_uri differs from the one in the authorization request."));
        if (!PkceMatches(verifier, code.CodeChallenge)) return (null, OAuthError.InvalidGrant("code_verifier does not match the code_challenge."));

        return await RedeemAndIssueAsync(client, code, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The seed's <c>/oauth2.0/granttoken</c>: redeems a code from the seed's login page (which carries no PKCE challenge)
    /// for an already authenticated client. PKCE-bound codes are refused here, so this path cannot bypass PKCE.
    /// </summary>
    public async Task<(TokenResponse? Response, OAuthError? Error)> RedeemSeedCodeAsync(ClientEntity client, string? codeValue, CancellationToken ct = default)
    {
        var code = await codes.FindAsync(codeValue, ct).ConfigureAwait(false);
        if (code is null || code.ClientId != client.ClientId || code.CodeChallenge.Length > 0)
            return (null, OAuthError.InvalidGrant("The code is invalid, expired or was issued to another client."));
        return await RedeemAndIssueAsync(client, code, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Uses up a code that passed its binding checks (exactly one caller wins) and issues its tokens: the one path for
    /// the standard and the seed exchange. A replay revokes the grant, and with it every token the code gave.
    /// </summary>
    private async Task<(TokenResponse?, OAuthError?)> RedeemAndIssueAsync(ClientEntity client, AuthorizationCodeEntity code, CancellationToken ct)
    {
        switch (await codes.RedeemAsync(code, ct).ConfigureAwait(false))
        {
            case CodeRedemption.Replayed:
                // RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes the tokens it issued (with the whole grant).
                await grants.RevokeAsync(code.Uid, code.ClientId, ct).ConfigureAwait(false);
                return (null, OAuthError.InvalidGrant("The code was already used; the tokens issued for it are revoked."));
            case CodeRedemption.Expired:
                return (null, OAuthError.InvalidGrant("The code has expired."));
            case CodeRedemption.Unknown:
                return (null, OAuthError.InvalidGrant("The code is invalid, expired or was issued to another client."));
        }

        var user = await users.GetAsync(code.Uid, ct).ConfigureAwait(false);
        if (user is null || GrantService.Find(user, client.ClientId)?.Id != code.GrantId)
            return (null, OAuthError.InvalidGrant("The authorization was withdrawn."));
        string? refresh = null;
        string? family = null;
        if (Scopes.Has(code.Scope, Scopes.OfflineAccess))
        {
            var row = new RefreshTokenEntity
            {
                PartitionKey = user.Uid,
                ClientId = client.ClientId,
                Scope = code.Scope,
                GrantId = code.GrantId,
                Stamp = user.SecurityStamp,
                AuthTime = code.AuthTime,
                ExpiresAt = time.GetUtcNow() + Options.RefreshTokenLifetime,
            };
            refresh = await refreshTokens.AddAsync(row, ct).ConfigureAwait(false);
            family = row.Family;
        }
        return (Issue(user, client, code.Scope, code.GrantId, code.AuthTime, code.Nonce, family, refresh), null);
    }

    private async Task<(TokenResponse?, OAuthError?)> RefreshAsync(ClientEntity client, IReadOnlyDictionary<string, StringValues> form, CancellationToken ct)
    {
        var token = ClientAuthenticator.Single(form, "refresh_token");
        if (string.IsNullOrEmpty(token)) return (null, OAuthError.InvalidRequest("refresh_token is required."));
        var row = await refreshTokens.FindAsync(token, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (row is null || row.ClientId != client.ClientId || row.ExpiresAt <= now)
            return (null, OAuthError.InvalidGrant("The refresh token is invalid, expired or was issued to another client."));

        var user = await users.GetAsync(row.Uid, ct).ConfigureAwait(false);
        var state = user is null ? null : OAuthState.Of(user);
        if (user is null || user.SecurityStamp != row.Stamp || state!.IsRevoked(row.Family)
            || !state.Grants.TryGetValue(client.ClientId, out var grant) || grant.Id != row.GrantId)
            return (null, OAuthError.InvalidGrant("The refresh token was revoked."));

        if (row.RotatedAt is { } rotatedAt)
        {
            if (now - rotatedAt > Options.RefreshReuseLeeway)
            {
                // A rotated token came back after the leeway: someone holds a copy. End the whole grant.
                await grants.RevokeAsync(row.Uid, row.ClientId, ct).ConfigureAwait(false);
                await refreshTokens.DeleteFamilyAsync(row.Uid, row.Family, ct).ConfigureAwait(false);
                return (null, OAuthError.InvalidGrant("The refresh token was already used; the grant is revoked."));
            }
            return (null, OAuthError.InvalidGrant("The refresh token was just rotated; use the new one."));
        }

        var scope = row.Scope;
        if (ClientAuthenticator.Single(form, "scope") is { Length: > 0 } requested)
        {
            var asked = requested.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (asked.Any(s => !Scopes.Has(row.Scope, s))) return (null, new OAuthError("invalid_scope", "A refresh cannot widen the scope."));
            scope = AuthorizationRequests.Canonical(asked);
        }
        var next = await refreshTokens.RotateAsync(row, now + Options.RefreshTokenLifetime, now, ct).ConfigureAwait(false);
        if (next is null) return (null, OAuthError.InvalidGrant("The refresh token was just rotated; use the new one."));
        return (Issue(user, client, scope, row.GrantId, row.AuthTime, nonce: null, row.Family, next), null);
    }

    private (TokenResponse?, OAuthError?) ClientCredentials(ClientEntity client, IReadOnlyDictionary<string, StringValues> form)
    {
        if (!client.IsConfidential) return (null, new OAuthError("unauthorized_client", "client_credentials is for confidential clients."));
        // Every scope Bangumoe has is about a user; a client acting for itself gets none of them.
        if (ClientAuthenticator.Single(form, "scope") is { Length: > 0 }) return (null, new OAuthError("invalid_scope", "No scope is available to client_credentials."));
        var access = jwt.Create(TokenTypes.AccessToken, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = client.ClientId,
            ["client_id"] = client.ClientId,
            ["scope"] = "",
        }, Options.AccessTokenLifetime);
        return (new TokenResponse(access, "Bearer", (int)Options.AccessTokenLifetime.TotalSeconds, "", null, null), null);
    }

    private TokenResponse Issue(UserEntity user, ClientEntity client, string scope, string grantId, DateTimeOffset authTime, string? nonce, string? family, string? refresh)
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
        var access = jwt.Create(TokenTypes.AccessToken, jwt.Issuer, claims, Options.AccessTokenLifetime);

        string? idToken = null;
        if (Scopes.Has(scope, Scopes.OpenId))
        {
            var id = new Dictionary<string, object> { ["sub"] = user.Uid, ["auth_time"] = authTime.ToUnixTimeSeconds() };
            if (nonce is not null) id["nonce"] = nonce;
            foreach (var (name, value) in UserClaims.For(user, scope)) id[name] = value;
            idToken = jwt.Create("JWT", client.ClientId, id, Options.IdTokenLifetime);
        }
        return new TokenResponse(access, "Bearer", (int)Options.AccessTokenLifetime.TotalSeconds, scope, idToken, refresh);
    }

    /// <summary>BASE64URL(SHA256(verifier)) against the stored challenge, in constant time.</summary>
    public static bool PkceMatches(string verifier, string challenge)
    {
        var computed = Encoding.ASCII.GetBytes(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        return CryptographicOperations.FixedTimeEquals(computed, Encoding.ASCII.GetBytes(challenge));
    }

    [GeneratedRegex("^[A-Za-z0-9._~-]{43,128}$")]
    private static partial Regex VerifierSyntax();
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
