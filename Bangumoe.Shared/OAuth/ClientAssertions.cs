using Azure;
using Bangumoe.Hosting;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>A client assertion's jti, remembered until the assertion expires: table <c>ClientAssertionIds</c>,
/// PartitionKey = SHA-256 of "{client_id}\n{jti}".</summary>
public sealed class ClientAssertionIdEntity : TableRow, IRaceRow
{
    public string InsertId { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// private_key_jwt (RFC 7523 §2.2 and §3): the client proves itself with a JWT it signed with one of its registered
/// keys. <c>iss</c> and <c>sub</c> are its client_id; <c>aud</c> names this server (the issuer, the token endpoint or
/// the PAR endpoint, RFC 9126 §2); <c>exp</c> is required and at most <see cref="MaxLifetime"/> ahead, so a stolen
/// assertion is short-lived and its jti need not be remembered for long; the jti is recorded with an insert, so an
/// assertion is accepted once across every instance. Every refusal is invalid_client, with a reason for the developer.
/// </summary>
public sealed class ClientAssertions(StorageClients storage, IOptions<AppOptions> app, TimeProvider time)
{
    public const string JwtBearerType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Clocks of client and server differ a little; nbf/iat slightly ahead of ours is not an attack.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The client an assertion claims to come from (its unverified <c>sub</c>), when the request names none.</summary>
    public static string? ClaimedClientId(string? assertion)
    {
        if (string.IsNullOrEmpty(assertion) || assertion.Length > 8192 || !Handler.CanReadToken(assertion)) return null;
        try
        {
            return new JsonWebToken(assertion).TryGetPayloadValue<string>("sub", out var sub) ? sub : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public async Task<Error?> ValidateAsync(ClientEntity client, string? assertion, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(assertion) || assertion.Length > 8192) return Refuse("client_assertion is missing or too long.");
        var issuer = app.Value.Issuer;
        var result = await Handler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = client.ClientId,
            ValidAudiences = [issuer, issuer + "/oauth/token", issuer + "/oauth/par"],
            IssuerSigningKeys = ClientKeys.SigningKeys(client.JwksJson),
            // Only the registered asymmetric algorithms: "none" is unsigned and HS256 would take a public key as its secret.
            ValidAlgorithms = ClientKeys.Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // A kid names the key; without one every registered key is tried (RFC 7515 makes kid optional).
            TryAllIssuerSigningKeys = true,
            // Checked below against the injected clock, so that expiry is testable and the bound is ours.
            ValidateLifetime = false,
        }).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
            return Refuse("The client assertion is not signed by a registered key with RS256, PS256 or ES256, or its iss or aud is wrong.");
        if (!jwt.TryGetPayloadValue<string>("sub", out var sub) || sub != client.ClientId) return Refuse("The assertion's sub must be the client_id.");
        if (!jwt.TryGetPayloadValue<string>("jti", out var jti) || string.IsNullOrEmpty(jti) || jti.Length > 256)
            return Refuse("The assertion needs a jti (at most 256 characters).");
        var now = time.GetUtcNow();
        var expires = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        if (expires <= now) return Refuse("The assertion has expired.");
        if (expires > now + MaxLifetime + Skew) return Refuse($"The assertion's exp must be at most {MaxLifetime.TotalMinutes:0} minutes ahead.");
        if (jwt.TryGetPayloadValue<long>("nbf", out _) && jwt.ValidFrom > (now + Skew).UtcDateTime) return Refuse("The assertion is not valid yet (nbf).");
        if (jwt.TryGetPayloadValue<long>("iat", out _) && jwt.IssuedAt > (now + Skew).UtcDateTime) return Refuse("The assertion was issued in the future (iat).");
        return await RememberAsync(client.ClientId, jti, expires, ct).ConfigureAwait(false) ? null : Refuse("This assertion was used before (jti).");
    }

    /// <summary>Records the jti; false when it is there already: the store, not a read-then-write, decides the one winner.</summary>
    private async Task<bool> RememberAsync(string clientId, string jti, DateTimeOffset expires, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.ClientAssertionIds, ct).ConfigureAwait(false);
        return await table.AddFirstAsync(new ClientAssertionIdEntity { PartitionKey = Hashes.Sha256Hex(clientId + "\n" + jti), ExpiresAt = expires }, ct)
            .ConfigureAwait(false);
    }

    private static Error Refuse(string why) => OAuthErrors.InvalidClient(why);
}
