using System.Security.Cryptography;
using System.Text;
using Bangumoe.Security;

namespace Bangumoe.OAuth;

/// <summary>
/// Client secrets are stored hashed. A generated secret has 256 random bits, so one SHA-256 is enough (nothing to
/// brute-force) and the token endpoint stays fast; a secret chosen by a person (the seed's <c>/oauth2.0/sign</c>) gets
/// the password hash. Comparison is constant-time either way.
/// </summary>
public sealed class ClientSecrets(PasswordHasher passwords)
{
    private const string Sha256Prefix = "sha256$";

    public static string NewSecret() => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string NewClientId() => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    public static string HashGenerated(string secret) => Sha256Prefix + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public string HashChosen(string secret) => passwords.Hash(secret);

    public bool Verify(string storedHash, string? presented)
    {
        if (string.IsNullOrEmpty(storedHash) || string.IsNullOrEmpty(presented) || presented.Length > 512) return false;
        if (!storedHash.StartsWith(Sha256Prefix, StringComparison.Ordinal))
            return passwords.Verify(storedHash, presented) != PasswordCheck.Failed;
        var expected = Encoding.ASCII.GetBytes(storedHash);
        var actual = Encoding.ASCII.GetBytes(HashGenerated(presented));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
