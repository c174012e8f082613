using System.Security.Cryptography;
using Bangumoe.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Security;

/// <summary>
/// The JWS <c>typ</c> of each kind of token. Every validation demands one exact type, so a token made for one purpose
/// (say, an email-verification link) is never accepted for another (say, as an access token).
/// </summary>
public static class TokenTypes
{
    /// <summary>RFC 9068 access token.</summary>
    public const string AccessToken = "at+jwt";
    public const string EmailVerification = "bangumoe-email-verify+jwt";
    public const string EmailChange = "bangumoe-email-change+jwt";
    public const string PasswordReset = "bangumoe-password-reset+jwt";
    /// <summary>The device cookie: this browser once signed into this account with its password.</summary>
    public const string LoginDevice = "bangumoe-device+jwt";
    /// <summary>A DPoP server nonce (RFC 9449 §8): signed, so any instance accepts any other's without shared state.</summary>
    public const string DPoPNonce = "bangumoe-dpop-nonce+jwt";
}

public enum TokenStatus
{
    Valid,
    Expired,
    Invalid,
}

public sealed record TokenCheck(TokenStatus Status, JsonWebToken? Token)
{
    public bool IsValid => Status == TokenStatus.Valid;

    public string? Claim(string type) => Token is not null && Token.TryGetPayloadValue<string>(type, out var v) ? v : null;
}

/// <summary>Creates and checks the JWTs Bangumoe signs. Time comes from <see cref="TimeProvider"/>, so tests can move it.</summary>
public sealed class JwtService(SigningKeyRing keys, IOptions<AppOptions> app, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Issuer => app.Value.Issuer;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Signs a token of <paramref name="type"/> for <paramref name="audience"/>; adds iss, aud, iat, nbf, exp and a fresh jti.</summary>
    public string Create(string type, string audience, IDictionary<string, object> claims, TimeSpan lifetime)
    {
        var now = time.GetUtcNow();
        var payload = new Dictionary<string, object>(claims) { [JwtRegisteredClaimNames.Jti] = NewId() };
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = payload,
            TokenType = type,
            SigningCredentials = keys.Current.Credentials,
        });
    }

    /// <summary>Checks signature, issuer, audience and type; then lifetime against our clock (Expired only when genuine).</summary>
    public async Task<TokenCheck> ValidateAsync(string? token, string type, string audience)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 8192) return new(TokenStatus.Invalid, null);
        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            ValidTypes = [type],
            IssuerSigningKeys = keys.ValidationKeys,
            // Only what we sign with: never "none", never HMAC with a public key as secret.
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // Lifetime is checked below against the injected clock, so that expiry is testable without waiting.
            ValidateLifetime = false,
        }).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt) return new(TokenStatus.Invalid, null);
        var now = time.GetUtcNow().UtcDateTime;
        if (jwt.ValidFrom > now) return new(TokenStatus.Invalid, null);
        if (jwt.ValidTo <= now) return new(TokenStatus.Expired, jwt);
        return new(TokenStatus.Valid, jwt);
    }

    /// <summary>A 128-bit random identifier, URL-safe.</summary>
    public static string NewId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
}
