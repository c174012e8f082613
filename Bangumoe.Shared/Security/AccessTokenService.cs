using Bangumoe.Accounts;

namespace Bangumoe.Security;

public sealed record IssuedAccessToken(string Token, int ExpiresIn, string Scope);

/// <summary>
/// RFC 9068 access tokens: iss, sub (uid), aud (this API), client_id, scope, jti, iat, exp, plus the user's security
/// stamp so that a password change ends every session. Checking a token loads the user anyway (one point read).
/// </summary>
public sealed class AccessTokenService(JwtService jwt, UserStore users, OAuth.ClientService clients)
{
    /// <summary>The client id of Bangumoe's own login (<c>/api/auth/login</c>).</summary>
    public const string FirstPartyClientId = "bangumoe";

    /// <summary>The id of the user's grant to a third-party app; withdrawing consent ends every token that carries it.</summary>
    public const string GrantClaim = "grant";

    /// <summary>The refresh-token family an access token came from, so revoking the family ends its access tokens.</summary>
    public const string FamilyClaim = "fam";

    /// <summary>RFC 7800 / RFC 9449 §6.1: <c>cnf: {jkt}</c>, the DPoP key a sender-constrained token is bound to.</summary>
    public const string ConfirmationClaim = "cnf";

    /// <summary>The <c>cnf.jkt</c> of a checked token: the thumbprint of the DPoP key it is bound to, or null for a bearer token.</summary>
    public static string? BoundKey(TokenCheck check)
    {
        if (check.Token is null) return null;
        // Read from the payload itself: the claim is an object, which the token's string accessors do not give.
        using var payload = System.Text.Json.JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(check.Token.EncodedPayload));
        return payload.RootElement.TryGetProperty(ConfirmationClaim, out var cnf) && cnf.ValueKind == System.Text.Json.JsonValueKind.Object
            && cnf.TryGetProperty("jkt", out var jkt) && jkt.ValueKind == System.Text.Json.JsonValueKind.String
                ? jkt.GetString()
                : null;
    }

    public IssuedAccessToken Issue(UserEntity user, string clientId, string scope, TimeSpan lifetime)
    {
        var token = jwt.Create(TokenTypes.AccessToken, jwt.Issuer, new Dictionary<string, object>
        {
            ["sub"] = user.Uid,
            ["client_id"] = clientId,
            ["scope"] = scope,
            [AccountTokens.StampClaim] = user.SecurityStamp,
        }, lifetime);
        return new IssuedAccessToken(token, (int)lifetime.TotalSeconds, scope);
    }

    /// <summary>The user and scope behind a valid access token, or null (bad, expired, or the stamp changed).</summary>
    public async Task<(UserEntity User, TokenCheck Token)?> AuthenticateAsync(string? token, CancellationToken ct = default) =>
        await AuthenticateAsync(await jwt.ValidateAsync(token, TokenTypes.AccessToken, jwt.Issuer).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <summary>The same, for a token whose signature and claims were already checked (introspection has done so).</summary>
    public async Task<(UserEntity User, TokenCheck Token)?> AuthenticateAsync(TokenCheck check, CancellationToken ct = default)
    {
        if (!check.IsValid) return null;
        var user = await users.GetAsync(check.Claim("sub") ?? "", ct).ConfigureAwait(false);
        if (user is null || !user.Registered || user.SecurityStamp != check.Claim(AccountTokens.StampClaim)) return null;
        if (check.Claim("client_id") != FirstPartyClientId)
        {
            // A third-party token lives only as long as the user's grant to that app, and not past its revocation.
            var state = OAuth.OAuthState.Of(user);
            if (!state.Grants.TryGetValue(check.Claim("client_id") ?? "", out var grant) || grant.Id != check.Claim(GrantClaim)
                || state.IsRevoked(check.Claim("jti")) || state.IsRevoked(check.Claim(FamilyClaim)))
                return null;
            if (!await clients.ExistsAsync(check.Claim("client_id")!, ct).ConfigureAwait(false)) return null;
        }
        return (user, check);
    }
}
