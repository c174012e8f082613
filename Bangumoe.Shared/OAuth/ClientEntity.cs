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

/// <summary>The token_endpoint_auth_method values (RFC 7591 §2) an app may register.</summary>
public static class ClientAuthMethods
{
    public const string None = "none";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
    public const string PrivateKeyJwt = "private_key_jwt";
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

    /// <summary>How a confidential app authenticates: "" (its secret, <see cref="ClientAuthMethods.ClientSecretBasic"/> or
    /// post) or <see cref="ClientAuthMethods.PrivateKeyJwt"/> (a JWT signed with a key of <see cref="JwksJson"/>).</summary>
    public string TokenEndpointAuthMethod { get; set; } = "";

    /// <summary>The app's public keys for private_key_jwt (a JWKS as JSON, checked by <see cref="ClientKeys"/>); "" otherwise.</summary>
    public string JwksJson { get; set; } = "";

    /// <summary>/oauth/authorize accepts this app's requests only as pushed ones (RFC 9126 §6), so none can be forged in a URL.</summary>
    public bool RequirePushedAuthorizationRequests { get; set; }

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

    [IgnoreDataMember]
    public bool UsesPrivateKeyJwt => IsConfidential && TokenEndpointAuthMethod == ClientAuthMethods.PrivateKeyJwt;

    /// <summary>The method as RFC 7591 names it: what the app view and the API show.</summary>
    [IgnoreDataMember]
    public string AuthMethodName => !IsConfidential ? ClientAuthMethods.None : UsesPrivateKeyJwt ? ClientAuthMethods.PrivateKeyJwt : ClientAuthMethods.ClientSecretBasic;
}

/// <summary>The owner's index of apps: table <c>OwnerClients</c>, PartitionKey = owner uid, RowKey = client_id.</summary>
public sealed class OwnerClientEntity : TableRow
{
}
