using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Bangumi;

/// <summary>
/// Encrypts Bangumi tokens at rest with AES-256-GCM. The associated data is the user and the field, so a ciphertext
/// copied into another user's row, or from the refresh field into the access field, does not decrypt. The format
/// ("v1.{key id}.{nonce}.{ciphertext+tag}") names the key, so a later key rotation can tell old from new.
/// </summary>
public sealed class BangumiTokenCipher(IOptions<BangumiOptions> options)
{
    private const int TagSize = 16;
    private readonly Lazy<(byte[] Key, string KeyId)> _key = new(() =>
    {
        var key = ParseKey(options.Value.TokenEncryptionKey) ?? throw new InvalidOperationException("Bangumi:TokenEncryptionKey is not set.");
        return (key, Convert.ToHexStringLower(SHA256.HashData(key))[..8]);
    });

    public string Encrypt(string plaintext, string uid, string field)
    {
        var (key, keyId) = _key.Value;
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[input.Length + TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, input, output.AsSpan(0, input.Length), output.AsSpan(input.Length), Aad(uid, field));
        return $"v1.{keyId}.{Base64UrlEncoder.Encode(nonce)}.{Base64UrlEncoder.Encode(output)}";
    }

    /// <summary>The plaintext, or null when the value was not made by this key for this user and field.</summary>
    public string? Decrypt(string? ciphertext, string uid, string field)
    {
        var parts = ciphertext?.Split('.');
        if (parts is not ["v1", var keyId, var nonceText, var data] || keyId != _key.Value.KeyId) return null;
        try
        {
            var nonce = Base64UrlEncoder.DecodeBytes(nonceText);
            var input = Base64UrlEncoder.DecodeBytes(data);
            if (input.Length < TagSize) return null;
            var output = new byte[input.Length - TagSize];
            using var aes = new AesGcm(_key.Value.Key, TagSize);
            aes.Decrypt(nonce, input.AsSpan(0, output.Length), input.AsSpan(output.Length), output, Aad(uid, field));
            return Encoding.UTF8.GetString(output);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    internal static byte[]? ParseKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64)) return null;
        var bytes = new byte[32];
        return Convert.TryFromBase64String(base64.Trim(), bytes, out var written) && written == 32 ? bytes : null;
    }

    private static byte[] Aad(string uid, string field) => Encoding.UTF8.GetBytes("bangumoe:bangumi-token:" + uid + ":" + field);
}
