using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bangumoe.Tests.Infrastructure;

public sealed record TestUser(string Uid, string Uname, string Email, string Password, string Token);

/// <summary>What a client of the API does, step by step, so tests read like a user's script.</summary>
public static class TestApi
{
    public static string NewUname() => "u" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    public static string NewEmail() => NewUname() + "@example.com";

    public static Task<HttpResponseMessage> PostJson(this HttpClient client, string path, object body) => client.PostAsJsonAsync(path, body);

    public static Task<HttpResponseMessage> PostRaw(this HttpClient client, string path, string body, string contentType = "application/json") =>
        client.PostAsync(path, new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    public static async Task<HttpResponseMessage> Send(this HttpClient client, HttpMethod method, string path, string? token = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Asserts a problem+json answer with this status and returns it.</summary>
    public static async Task<JsonElement> Problem(this HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (code is not null) Assert.Equal("urn:bangumoe:problem:" + code, problem.GetProperty("type").GetString());
        return problem;
    }

    public static async Task<JsonElement> Ok(this HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> Register(this HttpClient client, string uname, string email, string password) =>
        await (await client.PostJson("/api/auth/register", new { uname, email, password })).Ok(HttpStatusCode.Created);

    /// <summary>Opens the link of the newest mail about <paramref name="subject"/> and returns the page's heading.</summary>
    public static async Task<(HttpStatusCode Status, string Html)> FollowMailLink(this HttpClient client, Mail mail)
    {
        var response = await client.GetAsync(mail.Link().PathAndQuery);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<string> Login(this HttpClient client, string login, string password)
    {
        var body = login.Contains('@', StringComparison.Ordinal) ? (object)new { email = login, password } : new { uname = login, password };
        var json = await (await client.PostJson("/api/auth/login", body)).Ok();
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        return json.GetProperty("access_token").GetString()!;
    }

    /// <summary>Register, verify through the mailed link, log in: a user ready to use the API, made the way a person
    /// makes one. For the tests about signing up, its mail and its throttles; others take <see cref="NewVerifiedUser"/>.</summary>
    public static async Task<TestUser> SignUpThroughTheApi(this BangumoeApp app, HttpClient client, string password = DefaultPassword)
    {
        var uname = NewUname();
        var email = NewEmail();
        var registered = await client.Register(uname, email, password);
        var mail = await app.Mail.WaitForAsync(email, "Verify");
        var (status, html) = await client.FollowMailLink(mail);
        Assert.True(status == HttpStatusCode.OK, html);
        Assert.Contains("Email verified", html, StringComparison.Ordinal);
        var token = await client.Login(email, password);
        return new TestUser(registered.GetProperty("uid").GetString()!, uname, email, password, token);
    }

    public const string DefaultPassword = "correct horse battery";

    /// <summary>The stored hash of each (cost, password) the tests use: PBKDF2 at 600,000 rounds takes 0.2 s of CPU.</summary>
    private static readonly ConcurrentDictionary<(int, string), Lazy<string>> PasswordHashes = new();

    /// <summary>
    /// A verified account with a first-party access token, written by the app's own <see cref="UserStore"/> to its
    /// tables and signed by its own token service. It skips what <see cref="SignUpThroughTheApi"/> goes through (four
    /// requests, a queued mail, and two PBKDF2 runs) because most tests need someone signed in, not a sign-up: sign-up,
    /// verification and login have tests of their own. The password hash is computed once per password and cost, so
    /// signing in with the password works as for any account.
    /// </summary>
    public static async Task<TestUser> NewVerifiedUser(this BangumoeApp app, string password = DefaultPassword)
    {
        var (uname, email) = (NewUname(), NewEmail());
        var hasher = app.Services.GetRequiredService<PasswordHasher>();
        var cost = app.Services.GetRequiredService<IOptions<PasswordHashingOptions>>().Value.Pbkdf2Iterations;
        var user = new UserEntity
        {
            PartitionKey = Guid.CreateVersion7().ToString("N"),
            Uname = uname,
            Email = email,
            EmailVerified = true,
            PasswordHash = PasswordHashes.GetOrAdd((cost, password), _ => new(() => hasher.Hash(password))).Value,
            SecurityStamp = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            Nickname = uname,
            CreatedAt = app.Clock.GetUtcNow(),
            Language = Languages.Normalize(null),
        };
        Assert.Equal(UserStore.CreateOutcome.Created, await app.Services.GetRequiredService<UserStore>().CreateAsync(user));
        var token = app.Services.GetRequiredService<AccountService>().IssueFirstPartyToken(user).Token;
        return new TestUser(user.Uid, uname, email, password, token);
    }
}
