using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>
/// The public keys an app registers for private_key_jwt (RFC 7523 §2.2): an inline JWKS of at most
/// <see cref="MaxCount"/> RSA (RS256/PS256, at least 2048 bits) or P-256 (ES256) signing keys. Checked when saved, so a
/// key the token endpoint could not use, or a private key pasted by mistake, is refused at once with a reason.
/// </summary>
public static class ClientKeys
{
    public const int MaxCount = 5;

    /// <summary>A JWKS larger than this is not five public keys.</summary>
    public const int MaxLength = 16_384;

    /// <summary>The assertion algorithms accepted; never "none" or an HMAC (whose secret would be the public key).</summary>
    public static readonly IReadOnlyList<string> Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256];

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    /// <summary>Why the JWKS cannot be registered (an English sentence for the API), or null when it can.</summary>
    public static string? Problem(string? jwks)
    {
        if (string.IsNullOrWhiteSpace(jwks)) return "Paste the app's public keys as a JWKS: {\"keys\": [...]}.";
        if (jwks.Length > MaxLength) return $"The JWKS must be at most {MaxLength} characters.";
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(jwks);
        }
        catch (JsonException)
        {
            return "The JWKS is not valid JSON.";
        }
        if (root is not JsonObject set || set["keys"] is not JsonArray keys) return "The JWKS must be a JSON object with a \"keys\" array.";
        if (keys.Count == 0) return "The JWKS has no keys.";
        if (keys.Count > MaxCount) return $"At most {MaxCount} keys.";
        var kids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            if (KeyProblem(keys[i]) is { } problem) return $"Key {i + 1}: {problem}";
            if (keys[i]!["kid"]?.GetValue<string>() is { } kid && !kids.Add(kid)) return $"Key {i + 1}: the kid \"{kid}\" is used twice.";
        }
        return null;
    }

    private static string? KeyProblem(JsonNode? node)
    {
        if (node is not JsonObject key) return "not a JSON object.";
        foreach (var (name, value) in key)
            if (value is not null && value.GetValueKind() != JsonValueKind.String && name is not ("key_ops" or "x5c"))
                return $"\"{name}\" must be a string.";
        if (PrivateMembers.FirstOrDefault(key.ContainsKey) is { } secret)
            return $"it holds private key material (\"{secret}\"); register only the public key.";
        var kty = Text(key, "kty");
        var alg = Text(key, "alg");
        if (Text(key, "use") is { } use && use != "sig") return "\"use\" must be \"sig\".";
        if (Text(key, "kid") is { Length: > 128 }) return "\"kid\" must be at most 128 characters.";
        switch (kty)
        {
            case "RSA":
                if (alg is not (null or SecurityAlgorithms.RsaSha256 or SecurityAlgorithms.RsaSsaPssSha256)) return "an RSA key's \"alg\" must be RS256 or PS256.";
                if (!TryBase64Url(Text(key, "n"), out var modulus) || !TryBase64Url(Text(key, "e"), out var exponent) || exponent.Length == 0)
                    return "an RSA key needs \"n\" and \"e\" (base64url).";
                var bits = (modulus.Length - modulus.TakeWhile(b => b == 0).Count()) * 8;
                if (bits < 2048) return "an RSA key must have at least 2048 bits.";
                if (bits > 8192) return "an RSA key must have at most 8192 bits.";
                return null;
            case "EC":
                if (alg is not (null or SecurityAlgorithms.EcdsaSha256)) return "an EC key's \"alg\" must be ES256.";
                if (Text(key, "crv") != "P-256") return "an EC key must be on the P-256 curve (ES256).";
                if (!TryBase64Url(Text(key, "x"), out var x) || !TryBase64Url(Text(key, "y"), out var y) || x.Length != 32 || y.Length != 32)
                    return "an EC key needs \"x\" and \"y\" of 32 bytes each (base64url).";
                return null;
            default:
                return "\"kty\" must be \"RSA\" or \"EC\".";
        }
    }

    /// <summary>The registered keys, for validating assertions (only ever called on a JWKS <see cref="Problem"/> accepted).</summary>
    public static IReadOnlyList<SecurityKey> SigningKeys(string jwks) =>
        string.IsNullOrEmpty(jwks) ? [] : [.. new JsonWebKeySet(jwks).GetSigningKeys()];

    /// <summary>The JWKS as a JSON object, for the API's view of the app.</summary>
    public static JsonObject? AsJson(string jwks) => string.IsNullOrEmpty(jwks) ? null : JsonNode.Parse(jwks) as JsonObject;

    private static string? Text(JsonObject key, string name) => key[name]?.GetValueKind() == JsonValueKind.String ? key[name]!.GetValue<string>() : null;

    private static bool TryBase64Url(string? value, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(value) || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))) return false;
        try
        {
            bytes = Base64UrlEncoder.DecodeBytes(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
