using System.Text.Json;
using Bangumoe.Accounts;

namespace Bangumoe.OAuth;

/// <summary>One app's standing permission from a user: the scopes consented to, and an id that every token of the grant
/// carries. Revoking consent removes the grant, and with its id every access and refresh token it issued.</summary>
public sealed record GrantRecord(string Id, string Scope, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>
/// A user's OAuth state, kept as JSON on the user row (<see cref="UserEntity.OAuthJson"/>). Token checks read the user
/// row anyway (security stamp), so checking grants and revocations there costs no extra storage round trip.
/// <see cref="Revoked"/> holds revoked access-token ids and refresh families until their access tokens expire.
/// </summary>
public sealed class OAuthState
{
    public Dictionary<string, GrantRecord> Grants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Revoked jti or refresh-family id → Unix time after which the entry may be dropped.</summary>
    public Dictionary<string, long> Revoked { get; set; } = new(StringComparer.Ordinal);

    public static OAuthState Of(UserEntity user) =>
        string.IsNullOrEmpty(user.OAuthJson) ? new OAuthState() : JsonSerializer.Deserialize<OAuthState>(user.OAuthJson) ?? new OAuthState();

    public void SaveTo(UserEntity user, DateTimeOffset now)
    {
        foreach (var stale in Revoked.Where(r => r.Value < now.ToUnixTimeSeconds()).Select(r => r.Key).ToList()) Revoked.Remove(stale);
        user.OAuthJson = JsonSerializer.Serialize(this);
    }

    public bool IsRevoked(string? id) => id is not null && Revoked.ContainsKey(id);
}
