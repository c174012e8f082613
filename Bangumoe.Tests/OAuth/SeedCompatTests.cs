using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>The seed's /oauth2.0 surface, driven the way its README describes, over the same core.</summary>
public sealed class SeedCompatTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string BackUrl = "https://seed.example/redirect";

    private HttpClient NoRedirects() => app.CreateClient(new ClientOptions { AllowAutoRedirect = false });

    private async Task<(string ClientId, string Secret)> SignAsync(HttpClient client, TestUser developer, string path = "/oauth2.0/sign", string? secrets = "a-chosen-secret-of-24-ch")
    {
        var json = await (await client.Send(HttpMethod.Post, path, developer.Token, new { appname = "Seed App", homeURL = "https://seed.example", appDesc = "Old school.", backURL = BackUrl, secrets }))
            .Ok(HttpStatusCode.Created);
        return (json.GetProperty("client_id").GetString()!, json.GetProperty("client_secret").GetString()!);
    }

    [Fact]
    public async Task Sign_show_granttoken_getinfo_as_in_the_seed_readme()
    {
        var client = NoRedirects();
        var developer = await app.NewVerifiedUser();
        var (clientId, secret) = await SignAsync(client, developer);
        Assert.Equal("a-chosen-secret-of-24-ch", secret);

        var user = await app.NewVerifiedUser();
        await client.Send(HttpMethod.Patch, "/api/me", user.Token, new { nickname = "moee", avatar = "https://bangumi.tv/user/675222", intro = "here is moee" });
        var page = await client.GetAsync($"/oauth2.0/show?client_id={clientId}&redirect_url={Uri.EscapeDataString(BackUrl)}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Seed App", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var login = await client.PostJson($"/oauth2.0/show?client_id={clientId}&redirect_url={Uri.EscapeDataString(BackUrl)}", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var location = login.Headers.Location!;
        Assert.Equal(BackUrl, location.GetLeftPart(UriPartial.Path));
        var code = OAuthFlow.Query(location)["code"]; // in the URL, where the original lost it in a body

        var token = await (await client.PostJson("/oauth2.0/granttoken", new { client_id = clientId, client_secrets = secret, code })).Ok();
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        Assert.Equal(3600, token.GetProperty("expires_in").GetInt32());
        var accessToken = token.GetProperty("token").GetString()!;

        foreach (var path in new[] { "/oauth2.0/getinfo", "/aouth2.0/getinfo" })
        {
            var info = await (await client.PostJson(path, new { token = accessToken })).Ok();
            Assert.Equal(user.Uname, info.GetProperty("uname").GetString());
            Assert.Equal(user.Email, info.GetProperty("email").GetString());
            Assert.Equal("moee", info.GetProperty("nickname").GetString());
            Assert.Equal("https://bangumi.tv/user/675222", info.GetProperty("avator").GetString());
            Assert.Equal("here is moee", info.GetProperty("intro").GetString());
        }

        // Single use: the replay fails and revokes what the code gave.
        var replay = await client.PostJson("/oauth2.0/granttoken", new { client_id = clientId, client_secrets = secret, code });
        await OAuthFlow.OAuthError(replay, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostJson("/oauth2.0/getinfo", new { token = accessToken })).StatusCode);
    }

    [Fact]
    public async Task A_short_chosen_secret_is_replaced_by_a_strong_one_and_the_typo_path_works()
    {
        var client = NoRedirects();
        var developer = await app.NewVerifiedUser();
        var (_, secret) = await SignAsync(client, developer, "/aouth2.0/sign", secrets: "123456");
        Assert.NotEqual("123456", secret);
        Assert.True(secret.Length >= 43);
        var (_, generated) = await SignAsync(client, developer, secrets: null);
        Assert.True(generated.Length >= 43);
    }

    [Fact]
    public async Task Sign_names_the_seeds_fields_and_needs_a_login()
    {
        var client = NoRedirects();
        var developer = await app.NewVerifiedUser();
        var bad = await client.Send(HttpMethod.Post, "/oauth2.0/sign", developer.Token, new { appname = "", homeURL = "nope", backURL = "http://not-loopback.example/cb" });
        var problem = await bad.Problem(HttpStatusCode.BadRequest);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "appname", "homeURL", "backURL" }, fields);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostJson("/oauth2.0/sign", new { appname = "x" })).StatusCode);
    }

    [Fact]
    public async Task Bad_credentials_wrong_redirects_and_foreign_secrets_are_refused()
    {
        var client = NoRedirects();
        var developer = await app.NewVerifiedUser();
        var (clientId, secret) = await SignAsync(client, developer);
        var user = await app.NewVerifiedUser();
        var show = $"/oauth2.0/show?client_id={clientId}&redirect_url={Uri.EscapeDataString(BackUrl)}";

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostJson(show, new { email = user.Email, password = "wrong password" })).StatusCode);
        foreach (var redirect in new[] { BackUrl + "/", "https://evil.example/redirect", BackUrl + "?x=1" })
        {
            var response = await client.PostJson($"/oauth2.0/show?client_id={clientId}&redirect_url={Uri.EscapeDataString(redirect)}", new { email = user.Email, password = user.Password });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/oauth2.0/show?client_id={clientId}&redirect_url={Uri.EscapeDataString(redirect)}")).StatusCode);
        }

        var code = OAuthFlow.Query((await client.PostJson(show, new { email = user.Email, password = user.Password })).Headers.Location!)["code"];
        await OAuthFlow.OAuthError(await client.PostJson("/oauth2.0/granttoken", new { client_id = clientId, client_secrets = secret + "x", code }), HttpStatusCode.Unauthorized, "invalid_client");
        // A seed code carries no PKCE challenge, so the standard endpoint refuses it whatever verifier is sent.
        var flow = new OAuthFlow(app);
        var standard = await flow.RedeemAsync(new RegisteredClient(clientId, secret, BackUrl), code, OAuthFlow.Pkce().Verifier);
        await OAuthFlow.OAuthError(standard, HttpStatusCode.BadRequest, "invalid_grant");
        // The failed attempts did not burn it: the seed client still redeems it.
        await (await client.PostJson("/oauth2.0/granttoken", new { client_id = clientId, client_secrets = secret, code })).Ok();
    }

    [Fact]
    public async Task A_pkce_code_cannot_be_redeemed_through_the_seed_endpoint()
    {
        var flow = new OAuthFlow(app);
        var developer = await app.NewVerifiedUser();
        var registered = await flow.RegisterClientAsync(developer.Token);
        var user = await app.NewVerifiedUser();
        var (_, challenge) = OAuthFlow.Pkce();
        var code = OAuthFlow.Query(await flow.SignInAndAllowAsync(OAuthFlow.AuthorizeUrl(registered, "profile", "s", challenge), user))["code"];

        var seed = await flow.Backend.PostJson("/oauth2.0/granttoken", new { client_id = registered.ClientId, client_secrets = registered.Secret, code });
        await OAuthFlow.OAuthError(seed, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task The_seed_login_page_form_posts_with_its_csrf_token_and_refuses_without_it()
    {
        var api = NoRedirects();
        var developer = await app.NewVerifiedUser();
        var (clientId, secret) = await SignAsync(api, developer);
        var user = await app.NewVerifiedUser();
        var browser = app.CreateClient(new ClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var show = $"/oauth2.0/show?client_id={clientId}&redirect_url={Uri.EscapeDataString(BackUrl)}";

        var html = await (await browser.GetAsync(show)).Content.ReadAsStringAsync();
        var fields = OAuthFlow.FormFields(html);
        Assert.True(fields.ContainsKey("csrf"), html);

        var forged = await browser.PostAsync(show, new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = user.Email, ["password"] = user.Password, ["csrf"] = "forged" }));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Null(forged.Headers.Location);

        fields["email"] = user.Uname; // the form takes a user name as well
        fields["password"] = user.Password;
        var posted = await browser.PostAsync(show, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var code = OAuthFlow.Query(posted.Headers.Location!)["code"];
        await (await api.PostJson("/oauth2.0/granttoken", new { client_id = clientId, client_secrets = secret, code })).Ok();
    }
}
