using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// The pages of /oauth/authorize and the seed's /oauth2.0/show in the shared layout: both languages, the person's
/// and the developer's words shown as text, and a language switch that comes back to the authorization request.
/// </summary>
public sealed class OAuthPagesTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Payload = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";

    private static string Challenge() => OAuthFlow.Pkce().Challenge;

    private async Task<RegisteredClient> AppAsync(string name = "Page Tracker", string description = "Tracks what you watch.", string homeUrl = "https://client.example")
    {
        var developer = await app.NewVerifiedUser();
        var json = await (await app.CreateClient().Send(HttpMethod.Post, "/api/clients", developer.Token, new
        {
            name, home_url = homeUrl, description, redirect_uris = new[] { OAuthFlow.RedirectUri }, type = "confidential",
        })).Ok(HttpStatusCode.Created);
        return new RegisteredClient(json.GetProperty("client_id").GetString()!, json.GetProperty("client_secret").GetString(), OAuthFlow.RedirectUri);
    }

    private static PageClient Browser(BangumoeApp app, string language)
    {
        var browser = new PageClient(app, language);
        browser.Http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", AccountTestHelpers.NewAddress());
        return browser;
    }

    /// <summary>Posts the page's own form (the one in main) with these fields added, as a browser would.</summary>
    private static Task<PageResponse> SubmitAsync(PageClient browser, PageResponse page, string action, params (string Name, string Value)[] fields)
    {
        var form = page.Document.QuerySelector("main form")!;
        var values = form.QuerySelectorAll("input[type=hidden]")
            .Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? ""))
            .Concat(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)))
            .ToList();
        return browser.PostAsync(action, values, csrf: "");
    }

    [Theory]
    [InlineData("zh-CN", "zh-Hans", "登录 Bangumoe", "请你使用 Bangumoe 账号登录。", "邮箱或用户名", "注册账号")]
    [InlineData("en-US", "en", "Sign in to Bangumoe", "wants you to sign in with Bangumoe.", "Email or user name", "Create an account")]
    public async Task The_login_page_speaks_the_persons_language_and_offers_sign_up_and_a_new_password(
        string acceptLanguage, string lang, string title, string asks, string loginLabel, string signUp)
    {
        var client = await AppAsync();
        var page = await Browser(app, acceptLanguage).GetAsync(AuthorizeQuery.For(client, Challenge()).Url);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(lang, page.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal(title, page.Text("h1"));
        Assert.Contains(asks, page.Text("main p"), StringComparison.Ordinal);
        Assert.Equal("Page Tracker", page.Text("main p strong"));
        Assert.Equal(loginLabel, page.Text("label[for=login]"));
        Assert.Equal(signUp, page.Text("main a[href='/signup']"));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/password/forgot']"));
        Assert.Equal("login", page.Document.QuerySelector("main form button[name=action]")?.GetAttribute("value"));
        // The app's origin may receive the browser after the form (the 303 back to it), no other.
        Assert.Contains("form-action 'self' https://client.example;", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_sign_in_says_why_in_chinese_keeps_the_login_and_the_language_switch_returns_to_the_request()
    {
        var client = await AppAsync();
        var user = await app.NewVerifiedUser();
        var browser = Browser(app, "zh-CN");
        var query = AuthorizeQuery.For(client, Challenge());
        var login = await browser.GetAsync(query.Url);

        var failed = await SubmitAsync(browser, login, "/oauth/authorize", ("action", "login"), ("login", user.Uname), ("password", "wrong password"));
        Assert.Equal(HttpStatusCode.Unauthorized, failed.Status);
        Assert.Equal("邮箱/用户名或密码错误。", failed.Text("main p.error"));
        Assert.Equal(user.Uname, failed.FieldValue("login"));
        Assert.Null(failed.Document.QuerySelector("#password")?.GetAttribute("value"));
        Assert.DoesNotContain("wrong password", failed.Html, StringComparison.Ordinal);

        // The page answered a POST; the language switch goes back to the request as a GET, not to the POST.
        var returnTo = failed.Document.QuerySelector("form[action='/lang'] input[name=return_to]")?.GetAttribute("value");
        Assert.Equal(AuthorizeHelpers.QueryOf(query.Url).OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Single())),
            AuthorizeHelpers.QueryOf(returnTo!).OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Single())));
        Assert.StartsWith("/oauth/authorize?", returnTo, StringComparison.Ordinal);
        var switched = await browser.PostAsync("/lang", new { lang = "en", return_to = returnTo! });
        Assert.Equal(HttpStatusCode.SeeOther, switched.Status);
        Assert.Equal(returnTo, switched.Location);
        var english = await browser.GetAsync(switched.Location!);
        Assert.Equal("Sign in to Bangumoe", english.Text("h1"));
    }

    [Fact]
    public async Task The_consent_page_in_chinese_names_the_scopes_in_words_and_offers_not_you()
    {
        var client = await AppAsync("番剧记录器", "记录你看过的番。");
        var user = await app.NewVerifiedUser();
        var browser = Browser(app, "zh-CN").SignedInAs(user);
        var consent = await browser.GetAsync(AuthorizeQuery.For(client, Challenge(), "openid profile email collection:write").Url);

        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Equal("允许访问？", consent.Text("h1"));
        Assert.Equal(["用你的 Bangumoe 身份登录", "查看你的用户名、昵称、头像和简介", "查看你的邮箱地址", "添加、修改和删除你动画收藏中的条目"],
            consent.Document.QuerySelectorAll("main ul li").Select(li => li.TextContent.Trim()));
        Assert.Equal("番剧记录器", consent.Text("main p strong"));
        Assert.Equal("https://client.example", consent.Document.QuerySelector("main p a")?.GetAttribute("href"));
        Assert.Equal("记录你看过的番。", consent.Text("main blockquote"));
        Assert.Contains("当前登录：" + user.Uname + "。", consent.Document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        var notYou = consent.Document.QuerySelectorAll("main a").Single(a => a.TextContent == "不是你？").GetAttribute("href")!;
        Assert.Equal("login", AuthorizeHelpers.QueryOf(notYou)["prompt"].Single());
        Assert.Equal(["允许", "拒绝"], consent.Document.QuerySelectorAll("main form button").Select(b => b.TextContent.Trim()));
        Assert.NotNull(consent.Document.QuerySelector("main a[href='/account/apps']"));
    }

    [Fact]
    public async Task An_apps_markup_in_its_name_description_and_home_page_is_shown_as_text_on_the_authorization_pages()
    {
        // A home URL may only hold what RFC 3986 allows; a quote of its own is still one attribute-breaking attempt.
        var client = await AppAsync(Payload, Payload, "https://client.example/?q='onmouseover='alert(1)'");
        var user = await app.NewVerifiedUser();

        var login = await Browser(app, "en").GetAsync(AuthorizeQuery.For(client, Challenge()).Url);
        Assert.Equal(Payload, login.Text("main p strong"));
        var consent = await Browser(app, "en").SignedInAs(user).GetAsync(AuthorizeQuery.For(client, Challenge()).Url);
        Assert.Equal(Payload, consent.Text("main p strong"));
        Assert.Equal(Payload, consent.Text("main blockquote"));
        foreach (var page in new[] { login, consent })
        {
            Assert.Empty(page.Document.QuerySelectorAll("img"));
            Assert.Empty(page.Document.QuerySelectorAll("script"));
            Assert.DoesNotContain("<script>", page.Html, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("zh-CN", "此登录链接无法使用", "给应用开发者的信息：")]
    [InlineData("en", "This sign-in link does not work", "For the app's developer:")]
    public async Task A_request_that_cannot_be_trusted_gets_an_error_page_with_the_detail_for_the_developer(string language, string title, string detailLabel)
    {
        var page = await Browser(app, language).GetAsync("/oauth/authorize?client_id=no-such-app&redirect_uri=https%3A%2F%2Fclient.example%2Fcallback&response_type=code");
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Null(page.Location);
        Assert.Equal(title, page.Text("h1"));
        Assert.Contains(detailLabel, page.Document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        var detail = page.Document.QuerySelector("main p.error")!;
        Assert.Equal("en", detail.GetAttribute("lang"));
        Assert.Contains("client_id", detail.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zh-CN", "请重试", "请回到应用，重新开始登录。")]
    [InlineData("en", "Please try again", "Go back to the app and start the sign-in again.")]
    public async Task A_sign_in_post_without_its_csrf_token_gets_the_form_expired_page_and_no_session(string language, string title, string text)
    {
        var client = await AppAsync();
        var user = await app.NewVerifiedUser();
        var browser = Browser(app, language);
        var login = await browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url);
        var fields = login.Document.QuerySelectorAll("main form input[type=hidden]")
            .Where(i => i.GetAttribute("name") != "csrf")
            .Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value") ?? ""))
            .Append(new("action", "login")).Append(new("login", user.Email)).Append(new("password", user.Password));

        var refused = await browser.PostAsync("/oauth/authorize", fields, csrf: "");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(title, refused.Text("h1"));
        Assert.Contains(text, refused.Text("main p"), StringComparison.Ordinal);
        refused.Response.AssertNoSessionCookie();
    }

    [Theory]
    [InlineData("zh-CN", "登录 Bangumoe", "登录后，它可以看到你的用户名、邮箱、昵称、头像和简介。", "邮箱/用户名或密码错误。")]
    [InlineData("en", "Sign in to Bangumoe", "Signing in lets it see your user name, email, nickname, avatar and intro.", "The email/user name or password is wrong.")]
    public async Task The_seed_sign_in_page_is_in_the_layout_in_both_languages(string language, string title, string sees, string wrong)
    {
        const string backUrl = "https://seed.example/redirect";
        var developer = await app.NewVerifiedUser();
        var signed = await (await app.CreateClient().Send(HttpMethod.Post, "/oauth2.0/sign", developer.Token,
            new { appname = "Seed <b>App</b>", homeURL = "https://seed.example", appDesc = "Old school.", backURL = backUrl })).Ok(HttpStatusCode.Created);
        var show = $"/oauth2.0/show?client_id={signed.GetProperty("client_id").GetString()}&redirect_url={Uri.EscapeDataString(backUrl)}";
        var browser = Browser(app, language);

        var page = await browser.GetAsync(show);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Equal("Seed <b>App</b>", page.Text("main p strong"));
        Assert.Contains(sees, page.Text("main p"), StringComparison.Ordinal);
        Assert.Empty(page.Document.QuerySelectorAll("main b"));
        Assert.Contains("form-action 'self' https://seed.example;", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        var user = await app.NewVerifiedUser();
        var action = page.Document.QuerySelector("main form")!.GetAttribute("action")!;
        Assert.Equal(show, action);
        var failed = await browser.PostAsync(action, new { email = user.Uname, password = "wrong password" });
        Assert.Equal(HttpStatusCode.Unauthorized, failed.Status);
        Assert.Equal(wrong, failed.Text("main p.error"));
        Assert.Equal(user.Uname, failed.FieldValue("email"));
        Assert.Null(failed.Document.QuerySelector("#password")?.GetAttribute("value"));
        Assert.Equal(show, failed.Document.QuerySelector("form[action='/lang'] input[name=return_to]")?.GetAttribute("value"));

        var unknown = await browser.GetAsync($"/oauth2.0/show?client_id=nope&redirect_url={Uri.EscapeDataString(backUrl)}");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal(language == "en" ? "This sign-in link does not work" : "此登录链接无法使用", unknown.Text("h1"));
    }
}
