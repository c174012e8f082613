using System.Security.Cryptography;
using System.Text;

namespace Bangumoe.Security;

public static class Hashes
{
    /// <summary>Lower-case hex SHA-256 of the UTF-8 text: how high-entropy secrets (codes, refresh tokens) are stored and looked up.</summary>
    public static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
