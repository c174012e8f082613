using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// Signing in on /login (email or user name; one answer for an unknown login and a wrong password; throttled like the
/// API) and signing out, which ends the session on the server.
/// </summary>
public sealed class AccountSignInPageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Theory]
    [InlineData("en", "Sign in to Bangumoe", "Email or user name", "Forgot your password?")]
    [InlineData("zh-CN", "登录 Bangumoe", "邮箱或用户名", "忘记密码？")]
    public async Task The_sign_in_page_speaks_the_language_and_carries_the_return_address(string language, string title, string loginLabel, string forgot)
    {
        var page = await app.Browser(language).GetAsync("/login?return_to=%2Fcollection%3Fpage%3D2");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Equal(loginLabel, page.Text("label[for='login']"));
        Assert.Equal(forgot, page.Text("main a[href='/password/forgot']"));
        Assert.Equal("/collection?page=2", MainReturnTo(page));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/signup']"));
        Assert.Equal("password", page.Document.QuerySelector("input[name='password']")!.GetAttribute("type"));
    }

    [Fact]
    public async Task Signing_in_by_email_or_user_name_starts_a_session_and_returns_to_the_page()
    {
        var user = await app.NewVerifiedUser();

        var byEmail = app.Browser();
        var response = await byEmail.SignInThroughPage(" " + user.Email.ToUpperInvariant(), user.Password, "/account?done=x");
        Assert.Equal("/account?done=x", response.Location);
        var cookie = response.Response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("bgm_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        var account = await byEmail.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, account.Status);
        Assert.Contains(user.Uname, account.Text("main"), StringComparison.Ordinal);

        var byUname = app.Browser();
        await byUname.SignInThroughPage(user.Uname, user.Password);
        Assert.Equal(HttpStatusCode.OK, (await byUname.GetAsync("/account")).Status);

        // Signed in, the sign-in page sends the browser on.
        var again = await byUname.GetAsync("/login?return_to=%2Faccount");
        Assert.Equal(HttpStatusCode.SeeOther, again.Status);
        Assert.Equal("/account", again.Location);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task The_return_address_never_leaves_the_site(string returnTo)
    {
        var user = await app.NewVerifiedUser();
        var response = await app.Browser().SignInThroughPage(user.Email, user.Password, returnTo);
        Assert.Equal("/", response.Location);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_login_get_the_same_answer_and_keep_the_login()
    {
        var user = await app.NewVerifiedUser();
        var browser = app.Browser("zh-CN");

        var wrong = await browser.PostAsync("/login", new { login = user.Email, password = "not the password", return_to = "/account" });
        var unknown = await browser.PostAsync("/login", new { login = "nobody-" + user.Email, password = "not the password", return_to = "/account" });
        foreach (var response in new[] { wrong, unknown })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
            Assert.Equal("邮箱/用户名或密码错误。", response.Text(".error-summary [role='alert']"));
            Assert.Null(response.FieldValue("password"));
            Assert.DoesNotContain("not the password", response.Html, StringComparison.Ordinal);
            Assert.Equal("/account", MainReturnTo(response));
            Assert.Null(browser.SessionCookie());
        }
        Assert.Equal(user.Email, wrong.FieldValue("login"));
        Assert.Equal("nobody-" + user.Email, unknown.FieldValue("login"));
    }

    [Fact]
    public async Task Missing_fields_are_shown_next_to_them()
    {
        var response = await app.Browser().PostAsync("/login", new { login = "", password = "", return_to = "/" });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("Enter your email address or user name.", response.FieldError("login"));
        Assert.Equal("Enter your password.", response.FieldError("password"));
    }

    [Fact]
    public async Task An_unverified_account_is_told_to_verify_with_a_link_to_resend()
    {
        var email = TestApi.NewEmail();
        await app.NewClient().Register(TestApi.NewUname(), email, AccountPageSteps.Password);
        var browser = app.Browser();
        var response = await browser.PostAsync("/login", new { login = email, password = AccountPageSteps.Password, return_to = "/" });
        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Equal("Verify your email address first: open the link we mailed you.", response.Text(".error-summary [role='alert']"));
        var resend = response.Document.QuerySelector(".error-summary a[href^='/verify/resend']")!;
        Assert.Equal("/verify/resend?email=" + email, Uri.UnescapeDataString(resend.GetAttribute("href")!));
        Assert.Null(browser.SessionCookie());
    }

    [Fact]
    public async Task Too_many_failures_are_throttled_with_retry_after()
    {
        var user = await app.NewVerifiedUser();
        var browser = app.Browser();
        PageResponse response;
        var attempts = 0;
        do response = await browser.PostAsync("/login", new { login = user.Uname, password = "guess " + attempts, return_to = "/" });
        while (response.Status == HttpStatusCode.Unauthorized && ++attempts < 10);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.Status);
        Assert.True(response.Response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After expected");
        Assert.StartsWith("Too many failed sign-ins.", response.Text(".error-summary [role='alert']"), StringComparison.Ordinal);
        Assert.Equal(user.Uname, response.FieldValue("login"));
        // Even the right password waits now.
        var right = await browser.PostAsync("/login", new { login = user.Uname, password = user.Password, return_to = "/" });
        Assert.Equal(HttpStatusCode.TooManyRequests, right.Status);
        Assert.Null(browser.SessionCookie());
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task A_sign_in_without_the_right_csrf_token_is_refused(string csrf)
    {
        var user = await app.NewVerifiedUser();
        var browser = app.Browser();
        var response = await browser.PostAsync("/login", new { login = user.Email, password = user.Password, return_to = "/" }, csrf);
        response.AssertRefusedForm();
        Assert.Null(browser.SessionCookie());
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server()
    {
        var user = await app.NewVerifiedUser();
        var browser = app.Browser();
        await browser.SignInThroughPage(user.Email, user.Password);
        var stolen = browser.SessionCookie()!;

        // The layout's button: a form to /logout with the page's CSRF token.
        var account = await browser.GetAsync("/account");
        var signOut = account.Document.QuerySelector("header form[action='/logout']")!;
        Assert.Equal("post", signOut.GetAttribute("method"));
        Assert.Equal("Sign out", signOut.QuerySelector("button")!.TextContent.Trim());
        var csrf = signOut.QuerySelector("input[name='csrf']")!.GetAttribute("value")!;

        var response = await browser.PostAsync("/logout", new { }, csrf);
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Equal("/", response.Location);
        Assert.Null(browser.SessionCookie());
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.GetAsync("/account")).Status);

        // A copy of the old cookie signs nobody in any more.
        var thief = app.BrowserWithSession(stolen);
        var page = await thief.GetAsync("/account");
        Assert.Equal(HttpStatusCode.SeeOther, page.Status);
        Assert.Equal("/login?return_to=%2Faccount", page.Location);

        // Signing in again works.
        await browser.SignInThroughPage(user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task Signing_out_without_the_right_csrf_token_is_refused_and_the_session_lives(string csrf)
    {
        var user = await app.NewVerifiedUser();
        var browser = app.Browser("zh-CN").SignedInAs(user);
        var response = await browser.PostAsync("/logout", new { }, csrf);
        response.AssertRefusedForm();
        Assert.Equal("请重试", response.Text("h1"));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).Status);
    }

    [Fact]
    public async Task Signing_out_without_a_session_just_goes_home()
    {
        var response = await app.Browser().PostAsync("/logout", new { });
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Equal("/", response.Location);
    }

    [Fact]
    public async Task Markup_in_the_login_field_comes_back_as_text()
    {
        const string attack = "\"><img src=x onerror=alert(1)><script>alert(1)</script>";
        var response = await app.Browser().PostAsync("/login", new { login = attack, password = "whatever it is", return_to = attack });
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        response.AssertNoInjectedMarkup();
        Assert.Equal(attack, response.FieldValue("login"));
        Assert.Equal("/", MainReturnTo(response));
    }

    /// <summary>The sign-in form's return address (the layout's language switch has one of its own).</summary>
    private static string? MainReturnTo(PageResponse page) => page.Document.QuerySelector("main form input[name='return_to']")?.GetAttribute("value");
}
