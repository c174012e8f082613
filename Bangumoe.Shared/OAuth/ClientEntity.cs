using System.Runtime.Serialization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

using Bangumoe.Storage;

namespace Bangumoe.OAuth;

public static class ClientTypes
{
    /// <summary>Has a secret (a server-side app); authenticates with client_secret_basic or client_secret_post.</summary>
    public const string Confidential = "confidential";

    /// <summary>No secret (a SPA or native app); authenticates with "none" and relies on PKCE.</summary>
    public const string Public = "public";
}

/// <summary>A registered third-party app: table <c>Clients</c>, PartitionKey = client_id, RowKey = "".</summary>
public sealed class ClientEntity : TableRow
{
    public string ClientId => PartitionKey;
    public string OwnerUid { get; set; } = "";
    public string Name { get; set; } = "";
    public string HomeUrl { get; set; } = "";
    public string Description { get; set; } = "";

    /// <summary>JSON array of the registered redirect URIs, compared exactly (RFC 8252 loopback port aside).</summary>
    public string RedirectUrisJson { get; set; } = "[]";

    public string Type { get; set; } = ClientTypes.Confidential;

    /// <summary>JSON array of web origins the app may call the back-channel endpoints from (CORS), besides its redirect
    /// URIs' own (see <see cref="ClientOrigins"/>).</summary>
    public string AllowedOriginsJson { get; set; } = "[]";

    /// <summary>JSON array of the URIs the app may send a person back to after signing out (RP-Initiated Logout),
    /// registered and matched exactly like <see cref="RedirectUrisJson"/>.</summary>
    public string PostLogoutRedirectUrisJson { get; set; } = "[]";

    /// <summary>The secret's hash (see <see cref="ClientSecrets"/>); empty for public clients.</summary>
    public string SecretHash { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Revoked client_credentials tokens: jti → Unix time their entry may be dropped (JSON object).</summary>
    public string RevokedJson { get; set; } = "";

    [IgnoreDataMember]
    public Dictionary<string, long> Revoked
    {
        get => string.IsNullOrEmpty(RevokedJson) ? [] : JsonSerializer.Deserialize<Dictionary<string, long>>(RevokedJson) ?? [];
        set => RevokedJson = JsonSerializer.Serialize(value);
    }

    [IgnoreDataMember]
    public IReadOnlyList<string> RedirectUris
    {
        get => JsonSerializer.Deserialize<List<string>>(RedirectUrisJson) ?? [];
        set => RedirectUrisJson = JsonSerializer.Serialize(value);
    }

    [IgnoreDataMember]
    public IReadOnlyList<string> AllowedOrigins
    {
        get => string.IsNullOrEmpty(AllowedOriginsJson) ? [] : JsonSerializer.Deserialize<List<string>>(AllowedOriginsJson) ?? [];
        set => AllowedOriginsJson = JsonSerializer.Serialize(value);
    }

    [IgnoreDataMember]
    public IReadOnlyList<string> PostLogoutRedirectUris
    {
        get => string.IsNullOrEmpty(PostLogoutRedirectUrisJson) ? [] : JsonSerializer.Deserialize<List<string>>(PostLogoutRedirectUrisJson) ?? [];
        set => PostLogoutRedirectUrisJson = JsonSerializer.Serialize(value);
    }

    [IgnoreDataMember]
    public bool IsConfidential => Type == ClientTypes.Confidential;
}

/// <summary>The owner's index of apps: table <c>OwnerClients</c>, PartitionKey = owner uid, RowKey = client_id.</summary>
public sealed class OwnerClientEntity : TableRow
{
}
