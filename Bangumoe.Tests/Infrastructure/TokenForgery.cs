using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// Makes access tokens the way an attacker (or a test) holding a key could: with chosen claims, type, issuer,
/// audience, lifetime and key. With <see cref="TestKeys.Rsa"/> and its real kid the app accepts what comes out.
/// </summary>
public static class TokenForgery
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>The kid the app's key ring gives the test key: its RFC 7638 thumbprint.</summary>
    public static string AppKeyId { get; } = Base64UrlEncoder.Encode(new RsaSecurityKey(TestKeys.Rsa).ComputeJwkThumbprint());

    public static SigningCredentials AppCredentials => Credentials(TestKeys.Rsa, AppKeyId);

    public static SigningCredentials Credentials(RSA key, string keyId) =>
        new(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);

    /// <summary>An access token for <paramref name="uid"/>; every part can be changed from the app's defaults.</summary>
    public static string AccessToken(
        BangumoeApp app,
        string uid,
        string stamp,
        string scope = "profile email account collection:read collection:write",
        string type = "at+jwt",
        string issuer = BangumoeApp.PublicBaseUrl,
        string audience = BangumoeApp.PublicBaseUrl,
        string clientId = "bangumoe",
        TimeSpan? lifetime = null,
        SigningCredentials? credentials = null)
    {
        var now = app.Clock.GetUtcNow();
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? TimeSpan.FromHours(1))).UtcDateTime,
            TokenType = type,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = uid,
                ["client_id"] = clientId,
                ["scope"] = scope,
                ["stamp"] = stamp,
                ["jti"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            },
            SigningCredentials = credentials ?? AppCredentials,
        });
    }

    /// <summary>The user's current security stamp, read straight from the app's Users table.</summary>
    public static async Task<string> SecurityStampAsync(BangumoeApp app, string uid)
    {
        var users = new TableClient(app.Emulators.StorageConnectionString, app.Prefix + "Users");
        var row = await users.GetEntityAsync<TableEntity>(uid, "");
        return row.Value.GetString("SecurityStamp") ?? throw new InvalidOperationException($"User {uid} has no SecurityStamp.");
    }

    /// <summary>The JSON of a token's header or payload (part 0 or 1).</summary>
    public static JsonElement DecodePart(string token, int part) =>
        JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(token.Split('.')[part])).RootElement.Clone();

    public static string EncodePart(object json) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(json));

    /// <summary>The token with its payload rewritten by <paramref name="change"/>, header and signature kept.</summary>
    public static string WithPayload(string token, Action<Dictionary<string, JsonElement>> change)
    {
        var parts = token.Split('.');
        var payload = DecodePart(token, 1).Deserialize<Dictionary<string, JsonElement>>()!;
        change(payload);
        return $"{parts[0]}.{EncodePart(payload)}.{parts[2]}";
    }

    public static JsonElement Json(string value) => JsonSerializer.SerializeToElement(value);

    /// <summary>Reads a claim of a token without checking anything.</summary>
    public static string? Claim(string token, string name) =>
        DecodePart(token, 1).TryGetProperty(name, out var v) ? v.GetString() : null;
}

/// <summary>Small request helpers the account tests share.</summary>
public static class AccountRequests
{
    /// <summary>
    /// A client with its own X-Forwarded-For address (the test app trusts it), so failed logins of one test never
    /// count against another test's address in the login throttle.
    /// </summary>
    public static HttpClient NewClient(this BangumoeApp app)
    {
        var client = app.CreateClient();
        var b = RandomNumberGenerator.GetBytes(3);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", $"10.{b[0]}.{b[1]}.{b[2]}");
        return client;
    }

    /// <summary>POST /api/auth/login, returning the raw response (for expected failures).</summary>
    public static Task<HttpResponseMessage> TryLogin(this HttpClient client, string login, string password) =>
        client.PostJson("/api/auth/login", login.Contains('@', StringComparison.Ordinal) ? new { email = login, password } : (object)new { uname = login, password });

    /// <summary>Asserts that the login is refused with 401 invalid-credentials.</summary>
    public static async Task AssertLoginFails(this HttpClient client, string login, string password) =>
        await (await client.TryLogin(login, password)).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

    /// <summary>GET /api/me with the token; asserts 200 and returns the profile.</summary>
    public static async Task<JsonElement> Me(this HttpClient client, string token) =>
        await (await client.Send(HttpMethod.Get, "/api/me", token)).Ok();

    /// <summary>Sends a request with a raw Authorization header value.</summary>
    public static async Task<HttpResponseMessage> GetWithAuthorization(this HttpClient client, string path, string scheme, string parameter)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, parameter);
        return await client.SendAsync(request);
    }

    /// <summary>Asserts 401 with a problem body and a Bearer challenge carrying error="invalid_token".</summary>
    public static async Task AssertInvalidToken(this HttpResponseMessage response)
    {
        await response.Problem(HttpStatusCode.Unauthorized, "invalid-token");
        var challenge = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
        Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        Assert.Contains("error=\"invalid_token\"", challenge, StringComparison.Ordinal);
    }

    /// <summary>The field names under a problem's <c>errors</c>.</summary>
    public static IReadOnlyList<string> FieldNames(this JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToList() : [];

    public static string? StringOrNull(this JsonElement json, string property) =>
        json.GetProperty(property).ValueKind == JsonValueKind.Null ? null : json.GetProperty(property).GetString();

    public static async Task<JsonElement> Ok(this Task<HttpResponseMessage> response, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await response).Ok(status);

    public static async Task<JsonElement> Problem(this Task<HttpResponseMessage> response, HttpStatusCode status, string? code = null) =>
        await (await response).Problem(status, code);
}
