using System.Text.Json.Serialization;

namespace Bangumoe.Functions.OAuth;

public sealed record SeedSignBody(
    [property: JsonPropertyName("appname")] string? AppName,
    [property: JsonPropertyName("homeURL")] string? HomeUrl,
    [property: JsonPropertyName("appDesc")] string? AppDesc,
    [property: JsonPropertyName("backURL")] string? BackUrl,
    [property: JsonPropertyName("secrets")] string? Secrets);

public sealed record SeedLoginBody(string? Email, string? Password);

public sealed record SeedGrantBody(
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("client_secrets")] string? ClientSecrets,
    [property: JsonPropertyName("code")] string? Code);

public sealed record SeedTokenBody([property: JsonPropertyName("token")] string? Token);
