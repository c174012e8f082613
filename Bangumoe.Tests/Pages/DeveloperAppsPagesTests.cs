using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// /developer/apps: a developer registers, edits, re-keys and deletes apps through the pages, sees a new secret once,
/// and finds what the app needs to connect (client id, discovery, an example authorization request).
/// </summary>
public sealed class DeveloperAppsPagesTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Payload = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
    private const string Callback = "https://client.example/callback";

    private sealed record Registered(string ClientId, string? Secret);

    private static object AppForm(string name = "Anime Diary", string homeUrl = "https://diary.example", string description = "Keeps a diary of what you watch.",
        string redirectUris = Callback, string type = "confidential") =>
        new { name, home_url = homeUrl, description, redirect_uris = redirectUris, type };

    /// <summary>Registers through the page: the secret page for a confidential app, the app's page for a public one.</summary>
    private static async Task<Registered> RegisterAsync(PageClient browser, object? form = null)
    {
        var response = await browser.PostAsync("/developer/apps", form ?? AppForm());
        if (response.Status == HttpStatusCode.SeeOther)
            return new Registered(response.Location!.Split('/', '?')[3], null);
        Assert.True(response.Status == HttpStatusCode.OK, response.Html);
        return new Registered(response.Document.QuerySelector("#client_id")!.GetAttribute("value")!,
            response.Document.QuerySelector("#client_secret")!.GetAttribute("value")!);
    }

    private async Task<HttpResponseMessage> ClientCredentialsAsync(string clientId, string secret) =>
        await new OAuthFlow(app).TokenAsync(new RegisteredClient(clientId, secret, Callback), new() { ["grant_type"] = "client_credentials" });

    /// <summary>The app as the JSON API sees it (or 404).</summary>
    private async Task<HttpResponseMessage> ApiAppAsync(TestUser owner, string clientId) =>
        await app.CreateClient().Send(HttpMethod.Get, $"/api/clients/{clientId}", owner.Token);

    private async Task<int> ApiAppCountAsync(TestUser owner) =>
        (await (await app.CreateClient().Send(HttpMethod.Get, "/api/clients", owner.Token)).Ok()).GetProperty("items").GetArrayLength();

    [Fact]
    public async Task A_signed_out_visitor_is_sent_to_sign_in_first_and_comes_back()
    {
        var visitor = new PageClient(app);
        foreach (var (path, returnTo) in new[] { ("/developer/apps", "/developer/apps"), ("/developer/apps/some-app", "/developer/apps/some-app") })
        {
            var page = await visitor.GetAsync(path);
            Assert.Equal(HttpStatusCode.SeeOther, page.Status);
            Assert.Equal("/login" + QueryString(returnTo), page.Location);
        }
        foreach (var (path, returnTo) in new[]
                 {
                     ("/developer/apps", "/developer/apps"), ("/developer/apps/some-app", "/developer/apps/some-app"),
                     ("/developer/apps/some-app/secret", "/developer/apps/some-app"), ("/developer/apps/some-app/delete", "/developer/apps/some-app"),
                 })
        {
            var post = await visitor.PostAsync(path, AppForm());
            Assert.Equal(HttpStatusCode.SeeOther, post.Status);
            Assert.Equal("/login" + QueryString(returnTo), post.Location);
        }
    }

    private static string QueryString(string returnTo) => "?return_to=" + Uri.EscapeDataString(returnTo);

    [Theory]
    [InlineData("zh-CN", "我的应用", "注册新应用", "应用名称", "你还没有注册应用。", "机密客户端")]
    [InlineData("en", "Your apps", "Register a new app", "App name", "You have not registered an app yet.", "Confidential")]
    public async Task The_list_page_speaks_both_languages_and_links_the_api_and_discovery(string language, string title, string register, string nameLabel,
        string none, string confidential)
    {
        var user = await app.NewVerifiedUser();
        var page = await new PageClient(app, language).SignedInAs(user).GetAsync("/developer/apps");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Equal(register, page.Text("#register"));
        Assert.Equal(nameLabel, page.Text("label[for=name]"));
        Assert.Contains(none, page.Document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        Assert.Contains(confidential, page.Text("fieldset.type-choice"), StringComparison.Ordinal);
        Assert.NotNull(page.Document.QuerySelector("main a[href='/openapi.json']"));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/.well-known/openid-configuration']"));
        Assert.Equal(6, page.Document.QuerySelectorAll("main dl.facts dt code").Length);
        Assert.Equal("confidential", page.Document.QuerySelector("input[name=type][checked]")?.GetAttribute("value"));
    }

    [Fact]
    public async Task Registering_a_confidential_app_shows_its_secret_once_and_the_secret_works()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);

        var response = await browser.PostAsync("/developer/apps", AppForm());
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Response.Headers.CacheControl?.NoStore == true);
        Assert.Equal("你的客户端密钥", response.Text("h1"));
        Assert.Contains("唯一一次", response.Document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        var clientId = response.Document.QuerySelector("#client_id")!.GetAttribute("value")!;
        var secret = response.Document.QuerySelector("#client_secret")!.GetAttribute("value")!;
        Assert.True(response.Document.QuerySelector("#client_secret")!.HasAttribute("readonly"));
        Assert.True(secret.Length >= 43, secret);
        // The copy buttons are an enhancement: hidden until the script shows them.
        Assert.Equal(new[] { "/assets/copy.js" }, response.Document.QuerySelectorAll("script").Select(s => s.GetAttribute("src")));
        Assert.All(response.Document.QuerySelectorAll("button.copy-button"), b => Assert.True(b.HasAttribute("hidden")));
        Assert.Equal("/developer/apps/" + clientId, response.Document.QuerySelector("main a.button")?.GetAttribute("href"));

        await (await ClientCredentialsAsync(clientId, secret)).Ok();
        var list = await browser.GetAsync("/developer/apps");
        Assert.Equal("Anime Diary", list.Text("main table tbody th a"));
        Assert.Equal(clientId, list.Text("main table tbody td code"));
        var appPage = await browser.GetAsync("/developer/apps/" + clientId);
        Assert.DoesNotContain(secret, appPage.Html, StringComparison.Ordinal);

        var script = await app.CreateClient().GetAsync("/assets/copy.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("navigator.clipboard", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registering_a_public_app_goes_to_its_page_which_offers_no_secret()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app).SignedInAs(user);

        var response = await browser.PostAsync("/developer/apps", AppForm(type: "public", redirectUris: "http://127.0.0.1/callback"));
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Matches("^/developer/apps/[A-Za-z0-9_-]+\\?registered=1$", response.Location);
        var page = await browser.GetAsync(response.Location!);
        Assert.Equal("The app is registered.", page.Text("main .notice"));
        Assert.Contains("Public", page.Document.QuerySelector("main dl.facts")!.TextContent, StringComparison.Ordinal);
        Assert.Null(page.Document.QuerySelector("form[action$='/secret']"));
        Assert.Equal("public", (await (await ApiAppAsync(user, response.Location!.Split('/', '?')[3])).Ok()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_app_page_gives_the_client_id_discovery_and_an_example_request_that_works()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);
        var registered = await RegisterAsync(browser, AppForm(redirectUris: Callback + "\n\n  http://127.0.0.1:8080/cb  \n"));

        var page = await browser.GetAsync("/developer/apps/" + registered.ClientId);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("Anime Diary", page.Text("h1"));
        Assert.Equal(registered.ClientId, page.Text("#client-id"));
        Assert.Equal([Callback, "http://127.0.0.1:8080/cb"], page.Document.QuerySelectorAll("main dl.facts dd ul li code").Select(c => c.TextContent));
        var discovery = BangumoeApp.PublicBaseUrl + "/.well-known/openid-configuration";
        Assert.Equal(discovery, page.Document.QuerySelector($"main a[href='{discovery}']")?.TextContent);
        Assert.NotNull(page.Document.QuerySelector("main a[href='/openapi.json']"));
        Assert.Equal("接入你的应用", page.Document.QuerySelector("main h2")?.TextContent);
        Assert.Equal(Callback + "\nhttp://127.0.0.1:8080/cb", page.FieldValue("redirect_uris"));

        var example = page.Text("#example-request")!;
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/oauth/authorize?", example, StringComparison.Ordinal);
        var query = AuthorizeHelpers.QueryOf(example).ToDictionary(p => p.Key, p => p.Value.Single());
        Assert.Equal("code", query["response_type"]);
        Assert.Equal(registered.ClientId, query["client_id"]);
        Assert.Equal(Callback, query["redirect_uri"]);
        Assert.Equal("openid profile", query["scope"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.NotEmpty(query["state"]);
        var verifier = page.Text("#example-verifier")!;
        Assert.Equal(Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), query["code_challenge"]);

        // It is a request Bangumoe accepts: a stranger's browser gets the sign-in page for this app.
        var login = await new PageClient(app).GetAsync(example[BangumoeApp.PublicBaseUrl.Length..]);
        Assert.Equal(HttpStatusCode.OK, login.Status);
        Assert.Equal("Anime Diary", login.Text("main p strong"));
    }

    [Theory]
    [InlineData("zh-CN", "请填写应用名称。", "请输入不超过 256 个字符的 http 或 https 网址。", "不是 Bangumoe 接受的重定向 URI", "请选择机密客户端或公开客户端。")]
    [InlineData("en", "Give the app a name.", "Enter an http or https address of at most 256 characters.", "is not a redirect URI Bangumoe accepts", "Choose confidential or public.")]
    public async Task Bad_input_is_named_next_to_each_field_keeps_what_was_typed_and_registers_nothing(string language, string name, string homeUrl,
        string redirect, string type)
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, language).SignedInAs(user);

        var response = await browser.PostAsync("/developer/apps",
            AppForm(name: " ", homeUrl: "ftp://diary.example", redirectUris: Callback + "\nhttp://not-loopback.example/cb", type: "weird"));
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(name, response.FieldError("name"));
        Assert.Equal(homeUrl, response.FieldError("home_url"));
        Assert.Contains(redirect, response.FieldError("redirect_uris"), StringComparison.Ordinal);
        Assert.Contains("http://not-loopback.example/cb", response.FieldError("redirect_uris"), StringComparison.Ordinal);
        Assert.Equal(type, response.FieldError("type"));
        Assert.Equal("ftp://diary.example", response.FieldValue("home_url"));
        Assert.Equal("Keeps a diary of what you watch.", response.FieldValue("description"));
        Assert.Equal(Callback + "\nhttp://not-loopback.example/cb", response.FieldValue("redirect_uris"));
        Assert.Equal(4, response.Document.QuerySelectorAll("main .error-summary li a").Length);

        var repeated = await browser.PostAsync("/developer/apps", AppForm(redirectUris: Callback + "\n" + Callback));
        Assert.Equal(HttpStatusCode.BadRequest, repeated.Status);
        Assert.Equal(language == "en" ? "List each redirect URI only once." : "每个重定向 URI 只能填写一次。", repeated.FieldError("redirect_uris"));
        var none = await browser.PostAsync("/developer/apps", AppForm(redirectUris: "\n \n"));
        Assert.Equal(language == "en" ? "List at least one redirect URI." : "请至少填写一个重定向 URI。", none.FieldError("redirect_uris"));

        Assert.Equal(0, await ApiAppCountAsync(user));
    }

    [Fact]
    public async Task Editing_saves_what_was_typed_and_bad_input_changes_nothing()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);
        var registered = await RegisterAsync(browser);
        var path = "/developer/apps/" + registered.ClientId;

        var saved = await browser.PostAsync(path, new { name = "Anime Diary 2", home_url = "https://diary2.example", description = "", redirect_uris = "https://diary2.example/cb" });
        Assert.Equal(HttpStatusCode.SeeOther, saved.Status);
        Assert.Equal(path + "?saved=1", saved.Location);
        var page = await browser.GetAsync(saved.Location!);
        Assert.Equal("修改已保存。", page.Text("main .notice"));
        Assert.Equal("Anime Diary 2", page.Text("h1"));
        var json = await (await ApiAppAsync(user, registered.ClientId)).Ok();
        Assert.Equal("https://diary2.example", json.GetProperty("home_url").GetString());
        Assert.Equal("", json.GetProperty("description").GetString());
        Assert.Equal(["https://diary2.example/cb"], json.GetProperty("redirect_uris").EnumerateArray().Select(u => u.GetString()));

        var bad = await browser.PostAsync(path, new { name = new string('x', 65), home_url = "https://diary3.example", description = "d", redirect_uris = "https://diary3.example/cb#frag" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("名称必须是一行文字，最多 64 个字符。", bad.FieldError("name"));
        Assert.Contains("https://diary3.example/cb#frag", bad.FieldError("redirect_uris"), StringComparison.Ordinal);
        Assert.Equal(new string('x', 65), bad.FieldValue("name"));
        Assert.Equal("https://diary3.example", bad.FieldValue("home_url"));
        // The rest of the page shows the app as it is stored.
        Assert.Equal("Anime Diary 2", bad.Text("h1"));
        var after = await (await ApiAppAsync(user, registered.ClientId)).Ok();
        Assert.Equal("Anime Diary 2", after.GetProperty("name").GetString());
        Assert.Equal("https://diary2.example", after.GetProperty("home_url").GetString());
    }

    [Theory]
    [InlineData("en", "https://Diary.example/ is not an origin Bangumoe accepts", "Web origins for browser apps",
        "http://diary.example/bye is not an address Bangumoe accepts", "Post-logout redirect URIs")]
    [InlineData("zh-CN", "https://Diary.example/ 不是 Bangumoe 接受的来源", "浏览器应用的网页来源",
        "http://diary.example/bye 不是 Bangumoe 接受的地址", "退出后重定向 URI")]
    public async Task Web_origins_and_post_logout_uris_are_saved_shown_and_checked(string language, string refusal, string heading,
        string postLogoutRefusal, string postLogoutHeading)
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, language).SignedInAs(user);
        var registered = await RegisterAsync(browser);
        var path = "/developer/apps/" + registered.ClientId;
        var fields = new { name = "Anime Diary", home_url = "https://diary.example", description = "", redirect_uris = "https://diary.example/cb" };

        var saved = await browser.PostAsync(path, new
        {
            fields.name, fields.home_url, fields.description, fields.redirect_uris, allowed_origins = " https://app.diary.example \n\nhttp://localhost:5173\n",
            post_logout_redirect_uris = "https://diary.example/bye\n",
        });
        Assert.Equal(HttpStatusCode.SeeOther, saved.Status);
        var page = await browser.GetAsync(saved.Location!);
        Assert.Contains(heading, page.Html, StringComparison.Ordinal);
        Assert.Contains(postLogoutHeading, page.Html, StringComparison.Ordinal);
        Assert.Equal("https://diary.example/bye", page.FieldValue("post_logout_redirect_uris"));
        Assert.Equal("https://app.diary.example\nhttp://localhost:5173", page.FieldValue("allowed_origins"));
        var json = await (await ApiAppAsync(user, registered.ClientId)).Ok();
        Assert.Equal(["https://app.diary.example", "http://localhost:5173"], json.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));

        var bad = await browser.PostAsync(path, new { fields.name, fields.home_url, fields.description, fields.redirect_uris, allowed_origins = "https://Diary.example/" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.StartsWith(refusal, bad.FieldError("allowed_origins"), StringComparison.Ordinal);
        Assert.Equal("https://Diary.example/", bad.FieldValue("allowed_origins"));
        Assert.Equal(2, (await (await ApiAppAsync(user, registered.ClientId)).Ok()).GetProperty("allowed_origins").GetArrayLength());

        var badLogout = await browser.PostAsync(path, new { fields.name, fields.home_url, fields.description, fields.redirect_uris, post_logout_redirect_uris = "http://diary.example/bye" });
        Assert.Equal(HttpStatusCode.BadRequest, badLogout.Status);
        Assert.StartsWith(postLogoutRefusal, badLogout.FieldError("post_logout_redirect_uris"), StringComparison.Ordinal);
        Assert.Equal(["https://diary.example/bye"],
            (await (await ApiAppAsync(user, registered.ClientId)).Ok()).GetProperty("post_logout_redirect_uris").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task A_new_secret_is_shown_once_and_the_old_one_stops_working()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app).SignedInAs(user);
        var registered = await RegisterAsync(browser);

        var rotated = await browser.PostAsync($"/developer/apps/{registered.ClientId}/secret", new { });
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        Assert.True(rotated.Response.Headers.CacheControl?.NoStore == true);
        Assert.Contains("The old secret no longer works.", rotated.Text("main .notice"), StringComparison.Ordinal);
        var secret = rotated.Document.QuerySelector("#client_secret")!.GetAttribute("value")!;
        Assert.NotEqual(registered.Secret, secret);

        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientCredentialsAsync(registered.ClientId, registered.Secret!)).StatusCode);
        await (await ClientCredentialsAsync(registered.ClientId, secret)).Ok();

        // A public app has none: the page says so.
        var publicApp = await RegisterAsync(browser, AppForm(type: "public"));
        var refused = await browser.PostAsync($"/developer/apps/{publicApp.ClientId}/secret", new { });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("A public app has no secret; it proves itself with PKCE.", refused.Text("main p.error"));
    }

    [Fact]
    public async Task Deleting_needs_the_box_ticked_and_then_ends_the_app()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);
        var registered = await RegisterAsync(browser);
        var path = $"/developer/apps/{registered.ClientId}/delete";

        var unconfirmed = await browser.PostAsync(path, new { });
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.Status);
        Assert.Equal("请勾选以确认。", unconfirmed.FieldError("confirm"));
        await (await ApiAppAsync(user, registered.ClientId)).Ok();

        var deleted = await browser.PostAsync(path, new { confirm = "yes" });
        Assert.Equal(HttpStatusCode.SeeOther, deleted.Status);
        Assert.Equal("/developer/apps?deleted=1", deleted.Location);
        Assert.Equal("应用已删除。", (await browser.GetAsync(deleted.Location!)).Text("main .notice"));
        Assert.Equal(HttpStatusCode.NotFound, (await ApiAppAsync(user, registered.ClientId)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientCredentialsAsync(registered.ClientId, registered.Secret!)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/developer/apps/" + registered.ClientId)).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong-token-wrong-token-wrong-token-wrong-t")]
    public async Task Every_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(string csrf)
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app).SignedInAs(user);
        var registered = await RegisterAsync(browser);
        var path = "/developer/apps/" + registered.ClientId;

        foreach (var (post, form) in new (string, object)[]
                 {
                     ("/developer/apps", AppForm(name: "Another")),
                     (path, AppForm(name: "Renamed")),
                     (path + "/secret", new { }),
                     (path + "/delete", new { confirm = "yes" }),
                 })
        {
            var refused = await browser.PostAsync(post, form, csrf);
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{post}: {(int)refused.Status}");
            Assert.Equal("Please try again", refused.Text("h1"));
        }

        Assert.Equal(1, await ApiAppCountAsync(user));
        Assert.Equal("Anime Diary", (await (await ApiAppAsync(user, registered.ClientId)).Ok()).GetProperty("name").GetString());
        await (await ClientCredentialsAsync(registered.ClientId, registered.Secret!)).Ok();
    }

    [Fact]
    public async Task Another_persons_app_is_not_found_and_cannot_be_changed()
    {
        var owner = await app.NewVerifiedUser();
        var registered = await RegisterAsync(new PageClient(app).SignedInAs(owner));
        var stranger = new PageClient(app, "zh-CN").SignedInAs(await app.NewVerifiedUser());
        var path = "/developer/apps/" + registered.ClientId;

        var page = await stranger.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Equal("找不到页面", page.Text("h1"));
        Assert.DoesNotContain(registered.ClientId, page.Document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        foreach (var (post, form) in new (string, object)[] { (path, AppForm(name: "Stolen")), (path + "/secret", new { }), (path + "/delete", new { confirm = "yes" }) })
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync(post, form)).Status);
        Assert.Empty((await stranger.GetAsync("/developer/apps")).Document.QuerySelectorAll("main table"));

        Assert.Equal("Anime Diary", (await (await ApiAppAsync(owner, registered.ClientId)).Ok()).GetProperty("name").GetString());
        await (await ClientCredentialsAsync(registered.ClientId, registered.Secret!)).Ok();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync("/developer/apps/no-such-app")).Status);
    }

    [Fact]
    public async Task Markup_in_every_field_of_an_app_is_shown_as_text()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app).SignedInAs(user);
        const string redirect = "https://client.example/cb?x=\"><script>alert(1)</script>";
        const string home = "https://diary.example/?q='onmouseover='alert(1)'";

        var created = await browser.PostAsync("/developer/apps", AppForm(name: Payload, homeUrl: home, description: Payload, redirectUris: redirect));
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var clientId = created.Document.QuerySelector("#client_id")!.GetAttribute("value")!;
        Assert.Equal(Payload, created.Text("main .notice strong"));

        var list = await browser.GetAsync("/developer/apps");
        Assert.Equal(Payload, list.Text("main table tbody th a"));
        var page = await browser.GetAsync("/developer/apps/" + clientId);
        Assert.Equal(Payload, page.Text("h1"));
        Assert.Equal(home, page.Document.QuerySelectorAll("main dl.facts dd a").First().TextContent);
        Assert.Equal(redirect, page.Text("main dl.facts dd ul li code"));
        Assert.Equal(Payload, page.FieldValue("name"));
        Assert.Equal(Payload, page.FieldValue("description"));
        Assert.Equal(redirect, page.FieldValue("redirect_uris"));
        foreach (var shown in new[] { created, list, page })
        {
            Assert.Empty(shown.Document.QuerySelectorAll("img"));
            Assert.All(shown.Document.QuerySelectorAll("script"), s => Assert.Equal("/assets/copy.js", s.GetAttribute("src")));
        }

        // Bad input is echoed as text too.
        var bad = await browser.PostAsync("/developer/apps", AppForm(name: Payload, homeUrl: Payload, description: Payload, redirectUris: Payload));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(Payload, bad.FieldValue("home_url"));
        Assert.Contains(Payload, bad.FieldError("redirect_uris"), StringComparison.Ordinal);
        Assert.Empty(bad.Document.QuerySelectorAll("img"));
        Assert.Empty(bad.Document.QuerySelectorAll("script"));
    }
}
