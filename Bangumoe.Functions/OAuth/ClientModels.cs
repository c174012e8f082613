using Bangumoe.OAuth;

namespace Bangumoe.Functions.OAuth;

public sealed record ClientBody(string? Name, string? HomeUrl, string? Description, List<string>? RedirectUris, string? Type, List<string>? AllowedOrigins,
    List<string>? PostLogoutRedirectUris = null)
{
    public string? TokenEndpointAuthMethod { get; init; }

    /// <summary>The app's public keys for private_key_jwt: a JWKS object, inline (RFC 7591 §2 "jwks").</summary>
    public System.Text.Json.JsonElement? Jwks { get; init; }

    public bool? RequirePushedAuthorizationRequests { get; init; }

    public ClientRegistration ToRegistration() => new(Name, HomeUrl, Description, RedirectUris, Type, AllowedOrigins, PostLogoutRedirectUris)
    {
        TokenEndpointAuthMethod = TokenEndpointAuthMethod,
        // Kept as the JSON text sent (a non-object is refused by the key check with a field error, not by the reader).
        Jwks = Jwks is { ValueKind: not System.Text.Json.JsonValueKind.Null } jwks ? jwks.GetRawText() : null,
        RequirePushedAuthorizationRequests = RequirePushedAuthorizationRequests,
    };
}

public sealed record ClientView(
    string ClientId,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientSecret,
    string Name, string HomeUrl, string Description, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> AllowedOrigins, string Type,
    string TokenEndpointAuthMethod, DateTimeOffset CreatedAt, IReadOnlyList<string> PostLogoutRedirectUris)
{
    /// <summary>The public keys the app authenticates with, when its method is private_key_jwt.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.Nodes.JsonObject? Jwks { get; init; }

    public bool RequirePushedAuthorizationRequests { get; init; }

    public static ClientView Of(ClientEntity c, string? secret = null) => new(
        c.ClientId, secret, c.Name, c.HomeUrl, c.Description, c.RedirectUris, c.AllowedOrigins, c.Type,
        c.AuthMethodName, c.CreatedAt, c.PostLogoutRedirectUris)
    {
        Jwks = c.UsesPrivateKeyJwt ? ClientKeys.AsJson(c.JwksJson) : null,
        RequirePushedAuthorizationRequests = c.RequirePushedAuthorizationRequests,
    };
}

public sealed record ClientList(IReadOnlyList<ClientView> Items);
