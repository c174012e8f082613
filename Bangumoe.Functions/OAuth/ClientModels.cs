using Bangumoe.OAuth;

namespace Bangumoe.Functions.OAuth;

public sealed record ClientBody(string? Name, string? HomeUrl, string? Description, List<string>? RedirectUris, string? Type, List<string>? AllowedOrigins,
    List<string>? PostLogoutRedirectUris = null)
{
    public ClientRegistration ToRegistration() => new(Name, HomeUrl, Description, RedirectUris, Type, AllowedOrigins, PostLogoutRedirectUris);
}

public sealed record ClientView(
    string ClientId,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientSecret,
    string Name, string HomeUrl, string Description, IReadOnlyList<string> RedirectUris, IReadOnlyList<string> AllowedOrigins, string Type,
    string TokenEndpointAuthMethod, DateTimeOffset CreatedAt, IReadOnlyList<string> PostLogoutRedirectUris)
{
    public static ClientView Of(ClientEntity c, string? secret = null) => new(
        c.ClientId, secret, c.Name, c.HomeUrl, c.Description, c.RedirectUris, c.AllowedOrigins, c.Type,
        c.IsConfidential ? "client_secret_basic" : "none", c.CreatedAt, c.PostLogoutRedirectUris);
}

public sealed record ClientList(IReadOnlyList<ClientView> Items);
