using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>
/// What a request offers as proof of possession (RFC 9449 §4), read by the edge: every <c>DPoP</c> header value
/// (more than one is refused), the request's method, and the URL of the endpoint as the issuer names it (never the URL
/// the request arrived at: behind the Functions host that is rebuilt and cannot be trusted, like every issuer URL).
/// </summary>
public sealed record DPoPPresentation(IReadOnlyList<string> Proofs, string Method, string EndpointUrl)
{
    public bool Present => Proofs.Count > 0;
}

/// <summary>A proof that passed every check: the RFC 7638 SHA-256 thumbprint of its key (the <c>jkt</c> tokens are bound to).</summary>
public sealed record DPoPProof(string Jkt);

/// <summary>
/// A seen proof: table <c>DPoPProofs</c>, PK = SHA-256 of "{jkt} {jti}", RK = "". A proof is accepted by inserting its
/// row, so a proof replayed to any instance, however many times at once, is accepted exactly once.
/// </summary>
public sealed class DPoPProofEntity : TableRow, IRaceRow
{
    public string InsertId { get; set; } = "";

    /// <summary>After this a proof with this jti is too old to be accepted anyway: the row may be swept.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Checks DPoP proofs (RFC 9449 §4.3) for the token endpoint and the resources, and issues the server nonces (§8, §9).
/// A nonce is a short JWT Bangumoe signs, so every instance accepts every other's nonces without shared state.
/// </summary>
public sealed class DPoPProofs(StorageClients storage, JwtService jwt, TimeProvider time, IOptions<OAuthOptions> options)
{
    /// <summary>The JWS algorithms a proof may use: asymmetric only (§4.2), and only those the JWT library verifies.</summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256];

    /// <summary>
    /// A proof's <c>iat</c> may be this far from our clock, either way (§11.1): a minute of validity plus some skew for
    /// clients whose clocks run ahead. Longer would only widen the window a stolen proof can be replayed in.
    /// </summary>
    public static readonly TimeSpan IatWindow = TimeSpan.FromSeconds(65);

    /// <summary>A nonce is accepted this long after we issued it.</summary>
    public static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);

    /// <summary>An instance hands out the same nonce this long, so it does not sign one per response.</summary>
    private static readonly TimeSpan NonceRenewal = TimeSpan.FromMinutes(1);

    /// <summary>Members of a private or symmetric JWK: a proof carrying one published its secret (§4.3 step 7).</summary>
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>The nonce this instance hands out, replaced as a whole (a reference), so readers never see half of one.</summary>
    private IssuedNonce? _nonce;

    private sealed record IssuedNonce(string Nonce, DateTimeOffset IssuedAt);

    /// <summary>The shape of a SHA-256 JWK thumbprint in base64url: 43 characters (the same as a PKCE S256 challenge).</summary>
    public static bool IsThumbprint(string? jkt) => Pkce.IsS256Challenge(jkt);

    public bool NonceRequired => options.Value.DPoPNonceRequired;

    /// <summary>The nonce to send in <c>DPoP-Nonce</c> (only when nonces are required).</summary>
    public string CurrentNonce()
    {
        var now = time.GetUtcNow();
        if (_nonce is { } cached && now - cached.IssuedAt < NonceRenewal && now >= cached.IssuedAt) return cached.Nonce;
        var nonce = jwt.Create(TokenTypes.DPoPNonce, jwt.Issuer, new Dictionary<string, object>(), NonceLifetime);
        _nonce = new IssuedNonce(nonce, now);
        return nonce;
    }

    /// <summary>
    /// Checks the proof of <paramref name="presentation"/>; null when none was sent. <paramref name="accessToken"/> is
    /// the token presented with it at a resource (its hash must be the proof's <c>ath</c>), null at the token endpoint.
    /// Errors: <c>invalid_dpop_proof</c>, or <c>use_dpop_nonce</c> when a (fresh) server nonce is missing.
    /// </summary>
    public async Task<Result<DPoPProof?>> CheckAsync(DPoPPresentation presentation, string? accessToken, CancellationToken ct = default)
    {
        if (!presentation.Present) return (DPoPProof?)null;
        if (presentation.Proofs.Count > 1) return OAuthErrors.InvalidDPoPProof("Send exactly one DPoP header.");
        var proof = presentation.Proofs[0];
        if (string.IsNullOrEmpty(proof) || proof.Length > 8192) return OAuthErrors.InvalidDPoPProof("The DPoP header is empty or too long.");
        if (Read(proof) is not var (header, payload)) return OAuthErrors.InvalidDPoPProof("The DPoP proof is not a JWS in compact serialization.");

        if (Text(header, "typ") != "dpop+jwt") return OAuthErrors.InvalidDPoPProof("The proof's typ must be dpop+jwt.");
        var alg = Text(header, "alg");
        if (alg is null || !Algorithms.Contains(alg)) return OAuthErrors.InvalidDPoPProof($"The proof's alg must be one of {string.Join(", ", Algorithms)}.");
        if (!header.TryGetProperty("jwk", out var jwkJson) || jwkJson.ValueKind != JsonValueKind.Object) return OAuthErrors.InvalidDPoPProof("The proof's header has no jwk.");
        if (PrivateMembers.Any(m => jwkJson.TryGetProperty(m, out _))) return OAuthErrors.InvalidDPoPProof("The proof's jwk must be a public key; it carries private members.");
        if (PublicKey(jwkJson, alg) is not { } key) return OAuthErrors.InvalidDPoPProof("The proof's jwk is not a public key for its alg (ES256: EC P-256; RS256, PS256: RSA of 2048 bits or more).");

        var verified = await Handler.ValidateTokenAsync(proof, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [alg],
            ValidTypes = ["dpop+jwt"],
            RequireSignedTokens = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            // A proof has no exp: its age is judged by iat below, against the injected clock.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        }).ConfigureAwait(false);
        if (!verified.IsValid) return OAuthErrors.InvalidDPoPProof("The proof's signature does not verify with its jwk.");

        var jti = Text(payload, "jti");
        if (string.IsNullOrEmpty(jti) || jti.Length > 256) return OAuthErrors.InvalidDPoPProof("The proof needs a jti (at most 256 characters).");
        if (Text(payload, "htm") != presentation.Method) return OAuthErrors.InvalidDPoPProof($"The proof's htm must be {presentation.Method}.");
        if (!SameEndpoint(Text(payload, "htu"), presentation.EndpointUrl)) return OAuthErrors.InvalidDPoPProof($"The proof's htu must be {presentation.EndpointUrl}.");
        if (!payload.TryGetProperty("iat", out var iatJson) || iatJson.ValueKind != JsonValueKind.Number || !iatJson.TryGetDouble(out var iatSeconds))
            return OAuthErrors.InvalidDPoPProof("The proof needs a numeric iat.");
        var now = time.GetUtcNow();
        if (Math.Abs(now.ToUnixTimeSeconds() - iatSeconds) > IatWindow.TotalSeconds)
            return OAuthErrors.InvalidDPoPProof($"The proof's iat is more than {(int)IatWindow.TotalSeconds} seconds from the server's time.");

        if (accessToken is not null)
        {
            var expected = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
            var ath = Text(payload, "ath");
            if (ath is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(ath), Encoding.ASCII.GetBytes(expected)))
                return OAuthErrors.InvalidDPoPProof("The proof's ath must be the base64url SHA-256 of the access token.");
        }
        else if (payload.TryGetProperty("ath", out _))
        {
            return OAuthErrors.InvalidDPoPProof("A proof for the token endpoint has no ath.");
        }

        if (NonceRequired)
        {
            var nonce = Text(payload, "nonce");
            if (nonce is null) return OAuthErrors.UseDPoPNonce("This server requires a nonce in DPoP proofs: use the one in the DPoP-Nonce header.");
            if (!(await jwt.ValidateAsync(nonce, TokenTypes.DPoPNonce, jwt.Issuer).ConfigureAwait(false)).IsValid)
                return OAuthErrors.UseDPoPNonce("The proof's nonce is unknown or expired: use the one in the DPoP-Nonce header.");
        }

        var jkt = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        // Last, so that a proof refused for another reason (a missing nonce, say) is not used up by the refusal.
        if (!await FirstUseAsync(jkt, jti, now, ct).ConfigureAwait(false)) return OAuthErrors.InvalidDPoPProof("This proof was used before; sign a new one for each request.");
        return new DPoPProof(jkt);
    }

    /// <summary>Records the proof; true for exactly one caller of all that present it, on every instance.</summary>
    private async Task<bool> FirstUseAsync(string jkt, string jti, DateTimeOffset now, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.DPoPProofs, ct).ConfigureAwait(false);
        return await table.AddFirstAsync(new DPoPProofEntity { PartitionKey = Hashes.Sha256Hex(jkt + " " + jti), ExpiresAt = now + IatWindow + IatWindow }, ct)
            .ConfigureAwait(false);
    }

    /// <summary>The proof's decoded header and payload, both JSON objects; null when it is not a three-part JWS.</summary>
    private static (JsonElement Header, JsonElement Payload)? Read(string proof)
    {
        var parts = proof.Split('.');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0)) return null;
        try
        {
            var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[0])).RootElement.Clone();
            var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(parts[1])).RootElement.Clone();
            return header.ValueKind == JsonValueKind.Object && payload.ValueKind == JsonValueKind.Object ? (header, payload) : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The jwk as a verification key, when its type fits the alg and it is strong enough.</summary>
    private static JsonWebKey? PublicKey(JsonElement jwk, string alg)
    {
        // Whatever the client put in its header, a malformed member is a refused proof, never an exception.
        try
        {
            var key = new JsonWebKey(jwk.GetRawText());
            if (alg == SecurityAlgorithms.EcdsaSha256)
            {
                if (key.Kty != "EC" || key.Crv != "P-256" || string.IsNullOrEmpty(key.X) || string.IsNullOrEmpty(key.Y)) return null;
                return Base64UrlEncoder.DecodeBytes(key.X).Length == 32 && Base64UrlEncoder.DecodeBytes(key.Y).Length == 32 ? key : null;
            }
            if (key.Kty != "RSA" || string.IsNullOrEmpty(key.N) || string.IsNullOrEmpty(key.E)) return null;
            return Base64UrlEncoder.DecodeBytes(key.N).Length >= 256 ? key : null;
        }
        catch (Exception e) when (e is ArgumentException or JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>§4.3 step 9: htu names this endpoint, ignoring query and fragment; scheme and host compare without case,
    /// a default port equals none.</summary>
    private static bool SameEndpoint(string? htu, string endpoint)
    {
        if (htu is null || !Uri.TryCreate(htu, UriKind.Absolute, out var claimed) || (claimed.Scheme != Uri.UriSchemeHttps && claimed.Scheme != Uri.UriSchemeHttp)) return false;
        var ours = new Uri(endpoint);
        const UriComponents parts = UriComponents.SchemeAndServer | UriComponents.Path;
        return string.Equals(claimed.GetComponents(parts, UriFormat.UriEscaped), ours.GetComponents(parts, UriFormat.UriEscaped), StringComparison.Ordinal);
    }
}
