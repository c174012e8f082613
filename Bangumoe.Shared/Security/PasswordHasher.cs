using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Bangumoe.Security;

/// <summary>Configuration section <c>PasswordHashing</c>.</summary>
public sealed class PasswordHashingOptions
{
    /// <summary>
    /// OWASP's Password Storage Cheat Sheet recommends PBKDF2-HMAC-SHA256 with at least 600,000 iterations. Chosen over
    /// Argon2id because it runs in the platform's native crypto (no third-party package) and takes no extra memory per
    /// login, which matters on a 512 MB Flex Consumption instance under a login burst. Raise it and hashes are
    /// upgraded at the next successful login.
    /// </summary>
    public int Pbkdf2Iterations { get; set; } = PasswordHasher.MinimumIterations;

    internal static IEnumerable<string> Validate(PasswordHashingOptions o)
    {
        if (o.Pbkdf2Iterations is < PasswordHasher.MinimumIterations or > 10_000_000)
            yield return $"PasswordHashing:Pbkdf2Iterations must be between {PasswordHasher.MinimumIterations} (OWASP's minimum) and 10000000.";
    }
}

public enum PasswordCheck
{
    Failed,
    Success,
    /// <summary>Correct, but hashed with a lower cost than configured now: store a new hash.</summary>
    SuccessRehashNeeded,
}

/// <summary>Hashes as <c>pbkdf2-sha256$iterations$salt$hash</c> (base64), so the cost travels with each hash.</summary>
public sealed class PasswordHasher(IOptions<PasswordHashingOptions> options)
{
    public const int MinimumIterations = 600_000;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private static readonly string DummyHash = $"{Scheme}${MinimumIterations}${Convert.ToBase64String(new byte[SaltBytes])}${Convert.ToBase64String(new byte[HashBytes])}";

    private int Iterations => options.Value.Pbkdf2Iterations;

    public string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations);
        return string.Join('$', Scheme, Iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public PasswordCheck Verify(string storedHash, string password)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
            return PasswordCheck.Failed;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return PasswordCheck.Failed;
        }
        var actual = Derive(password, salt, iterations);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected)) return PasswordCheck.Failed;
        return iterations < Iterations ? PasswordCheck.SuccessRehashNeeded : PasswordCheck.Success;
    }

    /// <summary>Spends the time of a real check, so "no such user" and "wrong password" take equally long.</summary>
    public void VerifyAgainstDummy(string password) => _ = Verify(DummyHash, password);

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        // NFKC so that the same password typed on different keyboards/IMEs hashes the same (NIST SP 800-63B 5.1.1.2).
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormKC)), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
}
