using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Security;

/// <summary>Configuration section <c>Signing</c>: the asymmetric keys that sign every token Bangumoe issues.</summary>
public sealed class SigningOptions
{
    /// <summary>
    /// All keys, published in the JWKS. The one that signs is the key with the latest <c>NotBefore</c> that has passed,
    /// so a new key can be published ahead of time (NotBefore in the future) and an old one kept, verifying only, until
    /// the tokens it signed have expired.
    /// </summary>
    public List<SigningKeyOptions> Keys { get; set; } = [];
}

public sealed class SigningKeyOptions
{
    /// <summary>The JWS <c>kid</c>. Defaults to the key's RFC 7638 thumbprint.</summary>
    public string? KeyId { get; set; }

    /// <summary>PKCS#8 / PKCS#1 PEM of an RSA (2048+ bits, RS256) or P-256 (ES256) private key.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>Alternatively, a file holding that PEM.</summary>
    public string? PrivateKeyFile { get; set; }

    /// <summary>When this key starts signing; before that it is only published.</summary>
    public DateTimeOffset? NotBefore { get; set; }
}

/// <summary>A loaded key: what signs, and what is published.</summary>
public sealed record SigningKey(string KeyId, AsymmetricSecurityKey Key, string Algorithm, DateTimeOffset? NotBefore)
{
    public SigningCredentials Credentials { get; } = new(Key, Algorithm) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = true } };
}

/// <summary>The loaded signing keys. Loaded once; a bad key stops start-up with a message naming its setting.</summary>
public sealed class SigningKeyRing
{
    private readonly TimeProvider _time;

    public SigningKeyRing(IOptions<SigningOptions> options, TimeProvider time)
    {
        _time = time;
        var errors = new List<string>();
        Keys = Load(options.Value, errors);
        if (errors.Count > 0) throw new OptionsValidationException("Signing", typeof(SigningOptions), errors);
    }

    public IReadOnlyList<SigningKey> Keys { get; }

    /// <summary>The key that signs now.</summary>
    public SigningKey Current
    {
        get
        {
            var now = _time.GetUtcNow();
            return Keys.Where(k => k.NotBefore is null || k.NotBefore <= now)
                       .OrderByDescending(k => k.NotBefore ?? DateTimeOffset.MinValue)
                       .FirstOrDefault()
                   ?? throw new InvalidOperationException("No signing key is active yet (every Signing:Keys entry has a NotBefore in the future).");
        }
    }

    public IEnumerable<SecurityKey> ValidationKeys => Keys.Select(k => (SecurityKey)k.Key);

    /// <summary>The public keys as a JWKS document (RFC 7517).</summary>
    public object Jwks() => new { keys = Keys.Select(PublicJwk).ToArray() };

    internal static IEnumerable<string> Validate(SigningOptions o)
    {
        var errors = new List<string>();
        _ = Load(o, errors);
        return errors;
    }

    private static Dictionary<string, string> PublicJwk(SigningKey k)
    {
        var jwk = new Dictionary<string, string> { ["kid"] = k.KeyId, ["use"] = "sig", ["alg"] = k.Algorithm };
        switch (k.Key)
        {
            case RsaSecurityKey rsa:
                var p = rsa.Rsa.ExportParameters(false);
                jwk["kty"] = "RSA";
                jwk["n"] = Base64UrlEncoder.Encode(p.Modulus);
                jwk["e"] = Base64UrlEncoder.Encode(p.Exponent);
                break;
            case ECDsaSecurityKey ec:
                var q = ec.ECDsa.ExportParameters(false).Q;
                jwk["kty"] = "EC";
                jwk["crv"] = "P-256";
                jwk["x"] = Base64UrlEncoder.Encode(q.X);
                jwk["y"] = Base64UrlEncoder.Encode(q.Y);
                break;
        }
        return jwk;
    }

    private static List<SigningKey> Load(SigningOptions o, List<string> errors)
    {
        var keys = new List<SigningKey>();
        if (o.Keys.Count == 0)
        {
            errors.Add("Signing:Keys must list at least one private key (Signing:Keys:0:PrivateKeyPem or Signing:Keys:0:PrivateKeyFile). " +
                       "Make one with: Bangumoe.Functions new-signing-key > signing-key.pem");
            return keys;
        }
        for (var i = 0; i < o.Keys.Count; i++)
        {
            var entry = o.Keys[i];
            var name = $"Signing:Keys:{i}";
            string? pem;
            if (!string.IsNullOrWhiteSpace(entry.PrivateKeyPem) == !string.IsNullOrWhiteSpace(entry.PrivateKeyFile))
            {
                errors.Add($"{name} must set exactly one of PrivateKeyPem and PrivateKeyFile.");
                continue;
            }
            if (!string.IsNullOrWhiteSpace(entry.PrivateKeyFile))
            {
                if (!File.Exists(entry.PrivateKeyFile))
                {
                    errors.Add($"{name}:PrivateKeyFile '{entry.PrivateKeyFile}' does not exist.");
                    continue;
                }
                pem = File.ReadAllText(entry.PrivateKeyFile);
            }
            else
            {
                // App settings and Key Vault references often carry the PEM on one line with literal \n.
                pem = entry.PrivateKeyPem!.Replace("\\n", "\n", StringComparison.Ordinal);
            }
            var key = TryLoadKey(pem, out var algorithm, out var problem);
            if (key is null)
            {
                errors.Add($"{name}: {problem}");
                continue;
            }
            var kid = string.IsNullOrWhiteSpace(entry.KeyId) ? Base64UrlEncoder.Encode(key.ComputeJwkThumbprint()) : entry.KeyId.Trim();
            if (keys.Any(k => k.KeyId == kid))
            {
                errors.Add($"{name}:KeyId '{kid}' is used twice.");
                continue;
            }
            key.KeyId = kid;
            keys.Add(new SigningKey(kid, key, algorithm, entry.NotBefore));
        }
        return keys;
    }

    private static AsymmetricSecurityKey? TryLoadKey(string pem, out string algorithm, out string problem)
    {
        algorithm = "";
        problem = "";
        try
        {
            if (pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal) || IsEcPkcs8(pem))
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                if (ec.KeySize != 256)
                {
                    problem = "only P-256 EC keys are supported (ES256).";
                    return null;
                }
                algorithm = SecurityAlgorithms.EcdsaSha256;
                return new ECDsaSecurityKey(ec);
            }
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            if (rsa.KeySize < 2048)
            {
                problem = "RSA keys must have at least 2048 bits.";
                return null;
            }
            _ = rsa.ExportParameters(true); // a public key alone cannot sign
            algorithm = SecurityAlgorithms.RsaSha256;
            return new RsaSecurityKey(rsa);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            problem = "is not a PEM private key (RSA 2048+ or EC P-256): " + e.Message;
            return null;
        }
    }

    private static bool IsEcPkcs8(string pem)
    {
        try
        {
            using var ec = ECDsa.Create();
            ec.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }
}
