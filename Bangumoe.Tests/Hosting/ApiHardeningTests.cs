using System.Net;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// What a bad-input sweep found in the API (issue 12, item 6): answers must not be sniffed into another type, personal
/// data must not be cached, a body with a key twice is refused rather than read as its last value, and URLs a person
/// stores are accepted only well formed.
/// </summary>
public sealed class ApiHardeningTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Theory]
    [InlineData("/api/health", null)]
    [InlineData("/api/me", "token")]
    [InlineData("/api/me", null)]
    [InlineData("/api/anime", null)]
    [InlineData("/.well-known/openid-configuration", null)]
    [InlineData("/openapi.json", null)]
    public async Task Every_answer_forbids_sniffing(string path, string? auth)
    {
        var client = app.CreateClient();
        var token = auth is null ? null : (await app.NewVerifiedUser()).Token;
        using var response = await client.Send(HttpMethod.Get, path, token);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("/api/me")]
    [InlineData("/api/me/collection")]
    [InlineData("/api/me/collection/stats")]
    [InlineData("/api/me/authorizations")]
    [InlineData("/api/clients")]
    public async Task Personal_data_is_never_cached(string path)
    {
        var client = app.CreateClient();
        var user = await app.NewVerifiedUser();
        using var response = await client.Send(HttpMethod.Get, path, user.Token);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
    }

    /// <summary>Item 1: a form the server cannot read (a NUL byte, which ASP.NET Core's form reader refuses) is the
    /// client's error on every form endpoint: invalid_request on the OAuth endpoints, a 400 page on pages.</summary>
    [Theory]
    [InlineData("/oauth/token", "grant_type=authorization_code&code=a%00", "oauth")]
    [InlineData("/oauth/revoke", "token=a%00b", "oauth")]
    [InlineData("/oauth/introspect", "token=a%00b", "oauth")]
    [InlineData("/oauth/authorize", "response_type=code&client_id=a%00", "page")]
    [InlineData("/auth/password/reset", "token=a%00&new_password=abcdefgh1", "page")]
    [InlineData("/oauth2.0/show", "username=a%00&password=b", "page")]
    [InlineData("/login", "login=a%00&password=b", "page")]
    public async Task A_NUL_byte_in_a_form_is_the_clients_error(string path, string form, string kind)
    {
        var client = app.CreateClient(new ClientOptions { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(form, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("Origin", BangumoeApp.PublicBaseUrl);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
        if (kind == "oauth")
        {
            Assert.Equal("invalid_request", System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        }
        else
        {
            Assert.StartsWith("text/html", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_with_a_key_twice_is_refused_and_changes_nothing()
    {
        var client = app.CreateClient();
        var user = await app.NewVerifiedUser();
        var patched = await client.SendRaw(HttpMethod.Patch, "/api/me", user.Token, """{"nickname":"first","nickname":"second"}""");
        var problem = await patched.Problem(HttpStatusCode.BadRequest, "malformed-json");
        Assert.True(problem.GetProperty("errors").TryGetProperty("nickname", out _), problem.ToString());
        var me = await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).Ok();
        Assert.Equal(user.Uname, me.GetProperty("nickname").GetString());

        // Two readers of one login body must not see two different accounts.
        var login = await client.PostRaw("/api/auth/login", $$"""{"email":"{{user.Email}}","password":"wrong","password":"{{user.Password}}"}""");
        await login.Problem(HttpStatusCode.BadRequest, "malformed-json");
    }

    [Theory]
    [InlineData("https://example.com/\"><img src=x onerror=alert(1)>")]
    [InlineData("https://example.com/a b.png")]
    [InlineData("https://example.com/头像.png")]
    [InlineData("https://example.com/%zz.png")]
    public async Task Only_well_formed_urls_are_stored(string url)
    {
        var client = app.CreateClient();
        var user = await app.NewVerifiedUser();
        var profile = await client.Send(HttpMethod.Patch, "/api/me", user.Token, new { avatar = url });
        var problem = await profile.Problem(HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("avatar", out _), problem.ToString());
        var app1 = await client.Send(HttpMethod.Post, "/api/clients", user.Token, new
        {
            name = "Strict", home_url = url, redirect_uris = new[] { "https://client.example/cb" }, type = "confidential",
        });
        problem = await app1.Problem(HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("home_url", out _), problem.ToString());
        Assert.Equal(0, (await (await client.Send(HttpMethod.Get, "/api/clients", user.Token)).Ok()).GetProperty("items").GetArrayLength());

        // The same address written as RFC 3986 wants it is fine.
        var escaped = await client.Send(HttpMethod.Patch, "/api/me", user.Token, new { avatar = "https://example.com/%E5%A4%B4%E5%83%8F.png?size=l&v=2#x" });
        Assert.Equal("https://example.com/%E5%A4%B4%E5%83%8F.png?size=l&v=2#x", (await escaped.Ok()).GetProperty("avatar").GetString());
    }
}
