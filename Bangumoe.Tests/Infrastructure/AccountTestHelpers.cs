using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>Small helpers for the account tests: client addresses, mail absence, forged links, stored rows.</summary>
public static class AccountTestHelpers
{
    public const string Password = "correct horse battery";

    /// <summary>A random private address, so one test's failed logins never count against another's address.</summary>
    public static string NewAddress() =>
        string.Create(CultureInfo.InvariantCulture, $"10.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}");

    /// <summary>A client whose requests come (as far as the app can tell) from <paramref name="forwardedFor"/>.</summary>
    public static HttpClient ClientFrom(this BangumoeApp app, string forwardedFor)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        return client;
    }

    public static Task<HttpResponseMessage> PostLogin(this HttpClient client, object body) => client.PostJson("/api/auth/login", body);

    public static Task<HttpResponseMessage> PostRegister(this HttpClient client, string? uname, string? email, string? password) =>
        client.PostJson("/api/auth/register", new { uname, email, password });

    /// <summary>Asserts a 200 token answer (and that the token really works on /api/me); returns the token.</summary>
    public static async Task<string> AssertToken(this HttpResponseMessage response, HttpClient client, string expectedUid)
    {
        var json = await response.Ok();
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.GetProperty("expires_in").GetInt32());
        var token = json.GetProperty("access_token").GetString();
        Assert.False(string.IsNullOrEmpty(token));
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var me = await (await client.Send(HttpMethod.Get, "/api/me", token)).Ok();
        Assert.Equal(expectedUid, me.GetProperty("uid").GetString());
        return token!;
    }

    /// <summary>The field names under <c>errors</c> of a problem.</summary>
    public static string[] ErrorFields(this JsonElement problem) =>
        problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <summary>Waits <paramref name="settle"/> and asserts the address then holds exactly <paramref name="count"/> mails.</summary>
    public static async Task AssertMailCountStays(this MailDev mail, string address, int count, TimeSpan? settle = null)
    {
        var deadline = DateTime.UtcNow + (settle ?? TimeSpan.FromSeconds(2.5));
        while (true)
        {
            var mails = await mail.ToAsync(address);
            Assert.True(mails.Count <= count, $"Expected {count} mail(s) to {address}, got {mails.Count}: {string.Join(" | ", mails.Select(m => m.Subject))}");
            if (DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, mails.Count);
                return;
            }
            await Task.Delay(200);
        }
    }

    /// <summary>The status and page of GET /api/auth/verify with this raw token (null: no token parameter at all).</summary>
    public static async Task<(HttpStatusCode Status, string Html)> FollowVerifyToken(this HttpClient client, string? token)
    {
        var response = await client.GetAsync(token is null ? "/api/auth/verify" : "/api/auth/verify?token=" + Uri.EscapeDataString(token));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static JsonObject JwtHeader(string token) => (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[0]))!;

    public static JsonObject JwtPayload(string token) => (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!;

    /// <summary>Builds a JWS (RS256) from a header and payload, signed with <paramref name="key"/>.</summary>
    public static string SignJwt(JsonObject header, JsonObject payload, RSA key)
    {
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." +
                    Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>A copy of <paramref name="token"/> with its payload changed, re-signed with <paramref name="key"/>.</summary>
    public static string Resign(string token, RSA key, Action<JsonObject>? changePayload = null)
    {
        var payload = JwtPayload(token);
        changePayload?.Invoke(payload);
        return SignJwt(JwtHeader(token), payload, key);
    }

    public static string NewJti() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>The Users table of the app (or of whichever app's storage prefix is given).</summary>
    public static TableClient UsersTable(this BangumoeApp app, string? prefix = null) =>
        new(app.Emulators.StorageConnectionString, (prefix ?? app.Prefix) + "Users");

    public static async Task<string> StoredPasswordHash(this BangumoeApp app, string uid, string? prefix = null)
    {
        var row = await app.UsersTable(prefix).GetEntityAsync<TableEntity>(uid, "");
        return row.Value.GetString("PasswordHash");
    }

    /// <summary>The iteration count of a stored <c>pbkdf2-sha256$iterations$salt$hash</c>.</summary>
    public static int HashIterations(string storedHash)
    {
        var parts = storedHash.Split('$');
        Assert.Equal(4, parts.Length);
        Assert.Equal("pbkdf2-sha256", parts[0]);
        return int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Retry-After as integer seconds (asserting it is one).</summary>
    public static int RetryAfterSeconds(this HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("Retry-After", out var values), "No Retry-After header.");
        var raw = Assert.Single(values);
        Assert.True(int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds), $"Retry-After '{raw}' is not integer seconds.");
        return seconds;
    }

    public static Task<HttpResponseMessage> PostBytes(this HttpClient client, string path, byte[] body, string contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return client.PostAsync(path, content);
    }

    public static async Task<JsonElement> ReadJson(this HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();
}
