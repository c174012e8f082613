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

    /// <summary>The S256 challenge of a verifier: BASE64URL(SHA256(verifier)).</summary>
    public static string Challenge(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>The verifier's challenge against the stored one, in constant time.</summary>
    public static bool Matches(string verifier, string challenge) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Challenge(verifier)), Encoding.ASCII.GetBytes(challenge));

    [GeneratedRegex("^[A-Za-z0-9._~-]{43,128}$")]
    private static partial Regex VerifierSyntax();

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex ChallengeSyntax();
}
