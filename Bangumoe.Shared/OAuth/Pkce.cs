using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>PKCE with S256 (RFC 7636), the only method Bangumoe accepts.</summary>
public static partial class Pkce
{
    /// <summary>43 to 128 unreserved characters (RFC 7636 §4.1).</summary>
    public static bool IsVerifier(string? verifier) => verifier is not null && VerifierSyntax().IsMatch(verifier);

    /// <summary>The base64url SHA-256 of a verifier: 43 characters, no padding (RFC 7636 §4.2).</summary>
    public static bool IsS256Challenge(string? challenge) => challenge is not null && ChallengeSyntax().IsMatch(challenge);

    /// <summary>BASE64URL(SHA256(verifier)) against the stored challenge, in constant time.</summary>
    public static bool Matches(string verifier, string challenge)
    {
        var computed = Encoding.ASCII.GetBytes(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        return CryptographicOperations.FixedTimeEquals(computed, Encoding.ASCII.GetBytes(challenge));
    }

    [GeneratedRegex("^[A-Za-z0-9._~-]{43,128}$")]
    private static partial Regex VerifierSyntax();

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex ChallengeSyntax();
}
