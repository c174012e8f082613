using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Bangumoe.OAuth;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>A successful token response, already checked for RFC 6749 §5.1 conformance.</summary>
public sealed record TokenSet(JsonElement Json)
{
    public string AccessToken => Json.GetProperty("access_token").GetString()!;

    public string? RefreshToken => Json.TryGetProperty("refresh_token", out var v) ? v.GetString() : null;

    public string? IdToken => Json.TryGetProperty("id_token", out var v) ? v.GetString() : null;

    public string Scope => Json.GetProperty("scope").GetString()!;
}

/// <summary>Helpers for the token, refresh, revocation, introspection and userinfo tests.</summary>
public static class TokenHelpers
{
    private static readonly ConditionalWeakTable<BangumoeApp, Lazy<Task<TestUser>>> Developers = new();

    /// <summary>One developer per app owns the apps the tests register (the users who sign in are new in every test).</summary>
    public static Task<TestUser> DeveloperAsync(this BangumoeApp app) =>
        Developers.GetValue(app, a => new Lazy<Task<TestUser>>(() => a.NewVerifiedUser())).Value;

    /// <summary>Registers a new app ("confidential" or "public") with the given redirect URIs (default: <see cref="OAuthFlow.RedirectUri"/>).</summary>
    public static async Task<RegisteredClient> NewClientAsync(this BangumoeApp app, string type = "confidential", params string[] redirectUris)
    {
        var developer = await app.DeveloperAsync();
        return await new OAuthFlow(app).RegisterClientAsync(developer.Token, type, redirectUris);
    }

    /// <summary>
    /// Runs the front channel in <paramref name="flow"/>'s browser (signing in and consenting when needed) and returns
    /// the code and the PKCE verifier that goes with it.
    /// </summary>
    public static async Task<(string Code, string Verifier)> CodeAsync(
        this OAuthFlow flow, RegisteredClient client, TestUser user, string scope, string? nonce = null, string? redirectUri = null)
    {
        var (verifier, challenge) = OAuthFlow.Pkce();
        var url = OAuthFlow.AuthorizeUrl(client, scope, "st-" + Guid.NewGuid().ToString("N"), challenge, nonce, redirectUri: redirectUri);
        var first = await flow.Browser.GetAsync(url);
        var redirect = first.StatusCode == HttpStatusCode.SeeOther ? first.Headers.Location! : await flow.SignInAndAllowAsync(url, user);
        var query = OAuthFlow.Query(redirect);
        Assert.True(query.TryGetValue("code", out var code), $"No code in the redirect: {redirect}");
        return (code!, verifier);
    }

    /// <summary>Authorization and redemption: the app's first token response.</summary>
    public static async Task<TokenSet> TokensAsync(this OAuthFlow flow, RegisteredClient client, TestUser user, string scope, string? nonce = null)
    {
        var (code, verifier) = await flow.CodeAsync(client, user, scope, nonce);
        return await (await flow.RedeemAsync(client, code, verifier)).AssertTokenResponse();
    }

    public static Task<HttpResponseMessage> RefreshAsync(this OAuthFlow flow, RegisteredClient client, string refreshToken, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken };
        if (scope is not null) form["scope"] = scope;
        return flow.TokenAsync(client, form);
    }

    /// <summary>POSTs a form to an OAuth endpoint with an optional raw Authorization header.</summary>
    public static async Task<HttpResponseMessage> PostOAuthAsync(
        this HttpClient http, string path, IEnumerable<KeyValuePair<string, string>> form, string? authorization = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (authorization is not null) Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        return await http.SendAsync(request);
    }

    /// <summary>POSTs to an OAuth endpoint as <paramref name="client"/>: Basic when it has a secret, else client_id in the body.</summary>
    public static Task<HttpResponseMessage> PostAsClientAsync(this HttpClient http, string path, RegisteredClient client, Dictionary<string, string> form)
    {
        if (client.Secret is not null) return http.PostOAuthAsync(path, form, Basic(client.ClientId, client.Secret));
        form["client_id"] = client.ClientId;
        return http.PostOAuthAsync(path, form);
    }

    public static Task<HttpResponseMessage> RevokeAsync(this OAuthFlow flow, RegisteredClient client, string token, string? hint = null)
    {
        var form = new Dictionary<string, string> { ["token"] = token };
        if (hint is not null) form["token_type_hint"] = hint;
        return flow.Backend.PostAsClientAsync("/oauth/revoke", client, form);
    }

    /// <summary>Revokes and asserts exactly 200 (RFC 7009 §2.2: 204 breaks strict clients).</summary>
    public static async Task AssertRevokedAsync(this OAuthFlow flow, RegisteredClient client, string token, string? hint = null)
    {
        var response = await flow.RevokeAsync(client, token, hint);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Revocation: expected exactly 200, got {(int)response.StatusCode}: {text}");
    }

    /// <summary>Introspects as <paramref name="client"/>; asserts 200 JSON with a boolean <c>active</c> and returns the body.</summary>
    public static async Task<JsonElement> IntrospectAsync(this OAuthFlow flow, RegisteredClient client, string token)
    {
        var response = await flow.Backend.PostAsClientAsync("/oauth/introspect", client, new() { ["token"] = token });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Introspection: expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.True(json.GetProperty("active").ValueKind is JsonValueKind.True or JsonValueKind.False, $"active is not a JSON boolean: {text}");
        return json;
    }

    /// <summary>Exactly <c>{"active": false}</c>: nothing about the token leaks (RFC 7662 §2.2).</summary>
    public static void AssertInactive(JsonElement introspection)
    {
        var property = Assert.Single(introspection.EnumerateObject());
        Assert.Equal("active", property.Name);
        Assert.Equal(JsonValueKind.False, property.Value.ValueKind);
    }

    public static Task<HttpResponseMessage> UserInfoAsync(this OAuthFlow flow, string? token, HttpMethod? method = null) =>
        flow.Backend.Send(method ?? HttpMethod.Get, "/oauth/userinfo", token);

    /// <summary>The access token works: userinfo answers 200 for <paramref name="uid"/>.</summary>
    public static async Task AssertAccessWorksAsync(this OAuthFlow flow, string accessToken, string uid)
    {
        var userinfo = await (await flow.UserInfoAsync(accessToken)).Ok();
        Assert.Equal(uid, userinfo.GetProperty("sub").GetString());
    }

    /// <summary>The access token is refused: userinfo answers 401 with <c>Bearer error="invalid_token"</c>.</summary>
    public static async Task AssertAccessRefusedAsync(this OAuthFlow flow, string accessToken) =>
        await (await flow.UserInfoAsync(accessToken)).AssertInvalidToken();

    /// <summary>The refresh token is refused with 400 invalid_grant.</summary>
    public static async Task AssertRefreshRefusedAsync(this OAuthFlow flow, RegisteredClient client, string refreshToken) =>
        await (await flow.RefreshAsync(client, refreshToken)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");

    /// <summary>RFC 6749 §5.1: exactly 200, JSON, not cached, Bearer, numeric expires_in, string scope.</summary>
    public static async Task<TokenSet> AssertTokenResponse(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected exactly 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("no-cache", response.Headers.Pragma.ToString());
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.Equal(JsonValueKind.String, json.GetProperty("access_token").ValueKind);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("access_token").GetString()));
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("expires_in").ValueKind);
        Assert.True(json.GetProperty("expires_in").GetInt32() > 0);
        Assert.Equal(JsonValueKind.String, json.GetProperty("scope").ValueKind);
        foreach (var optional in new[] { "refresh_token", "id_token" })
            if (json.TryGetProperty(optional, out var value)) Assert.Equal(JsonValueKind.String, value.ValueKind);
        return new TokenSet(json);
    }

    /// <summary>RFC 6749 §5.2: this status, a JSON <c>{error, error_description}</c> body with this code, not cached.</summary>
    public static async Task<JsonElement> AssertOAuthError(this HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var json = await OAuthFlow.OAuthError(response, status, error);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("error_description").ValueKind);
        Assert.All(json.EnumerateObject(), p => Assert.Contains(p.Name, new[] { "error", "error_description", "error_uri" }));
        return json;
    }

    public static async Task<JsonElement> AssertOAuthError(this Task<HttpResponseMessage> response, HttpStatusCode status, string error) =>
        await (await response).AssertOAuthError(status, error);

    /// <summary>401 invalid_client; with the Basic challenge when the request used the Authorization header (RFC 6749 §5.2).</summary>
    public static async Task AssertInvalidClient(this HttpResponseMessage response, bool usedBasic)
    {
        await response.AssertOAuthError(HttpStatusCode.Unauthorized, "invalid_client");
        if (usedBasic)
        {
            Assert.True(response.Headers.TryGetValues("WWW-Authenticate", out var challenges), "401 invalid_client after Basic must carry WWW-Authenticate.");
            Assert.StartsWith("Basic", Assert.Single(challenges), StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>client_secret_basic as RFC 6749 §2.3.1 wants it: id and secret form-urlencoded, then base64.</summary>
    public static string Basic(string clientId, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(FormEncode(clientId) + ":" + FormEncode(secret)));

    /// <summary>Basic credentials exactly as given (no encoding), e.g. every character already percent-encoded.</summary>
    public static string RawBasic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    /// <summary>application/x-www-form-urlencoded: space as '+', everything else unsafe as %XX.</summary>
    public static string FormEncode(string value) => WebUtility.UrlEncode(value);

    /// <summary>Every byte of the UTF-8 form as %XX, even letters and digits (legal, and a decoder must undo it).</summary>
    public static string PercentEncodeAll(string value) =>
        string.Concat(Encoding.UTF8.GetBytes(value).Select(b => "%" + b.ToString("X2", CultureInfo.InvariantCulture)));

    /// <summary>
    /// Stores a confidential app straight into the app's Clients table, with an id and secret of our choosing (the apps
    /// API generates both), so the Basic decoding can be tested with characters that need encoding.
    /// </summary>
    public static async Task<RegisteredClient> SeedConfidentialClientAsync(this BangumoeApp app, string clientId, string secret)
    {
        var table = new TableClient(app.Emulators.StorageConnectionString, app.Prefix + "Clients");
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new ClientEntity
        {
            PartitionKey = clientId,
            OwnerUid = "seeded-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)),
            Name = "Seeded app",
            HomeUrl = "https://client.example",
            Description = "",
            RedirectUris = [OAuthFlow.RedirectUri],
            Type = ClientTypes.Confidential,
            SecretHash = ClientSecrets.HashGenerated(secret),
            CreatedAt = DateTimeOffset.UtcNow,
        });
        return new RegisteredClient(clientId, secret, OAuthFlow.RedirectUri);
    }

    /// <summary>The JSON header (part 0) or payload (part 1) of a JWT.</summary>
    public static JsonElement JwtPart(string token, int part) => TokenForgery.DecodePart(token, part);
}
