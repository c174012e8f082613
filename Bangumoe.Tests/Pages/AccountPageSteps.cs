using System.Net;
using Bangumoe.Accounts;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Pages;

/// <summary>What a person does on the account pages, step by step, for the account page tests.</summary>
internal static class AccountPageSteps
{
    public const string Password = AccountTestHelpers.Password;

    /// <summary>A browser with its own client address, so one test's failed sign-ins never throttle another's.</summary>
    public static PageClient Browser(this BangumoeApp app, string acceptLanguage = "en")
    {
        var browser = new PageClient(app, acceptLanguage);
        browser.Http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", AccountTestHelpers.NewAddress());
        return browser;
    }

    /// <summary>Signs up on /signup in the browser's language and opens the verification link; the account is ready.</summary>
    public static async Task<TestUser> SignUpThroughPages(this BangumoeApp app, PageClient browser)
    {
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var response = await browser.PostAsync("/signup", new { uname, email, password = Password, confirm_password = Password });
        Assert.True(response.Status == HttpStatusCode.SeeOther, response.Html);
        Assert.Equal("/signup/sent", response.Location);
        var mail = await app.Mail.WaitForAsync(email);
        var verified = await browser.GetAsync(mail.Link().PathAndQuery);
        Assert.True(verified.Status == HttpStatusCode.OK, verified.Html);
        var user = await app.Users().FindAsync(KeyKind.Email, email) ?? throw new InvalidOperationException("The sign-up stored no account.");
        return new TestUser(user.Uid, uname, email, Password, "");
    }

    /// <summary>Signs in on /login; the browser keeps the session cookie.</summary>
    public static async Task<PageResponse> SignInThroughPage(this PageClient browser, string login, string password, string returnTo = "/")
    {
        var response = await browser.PostAsync("/login", new { login, password, return_to = returnTo });
        Assert.True(response.Status == HttpStatusCode.SeeOther, response.Html);
        return response;
    }

    public static UserStore Users(this BangumoeApp app) => app.Services.GetRequiredService<UserStore>();

    public static Task<UserEntity?> StoredUser(this BangumoeApp app, string uid) => app.Users().GetAsync(uid);

    /// <summary>The browser's session cookie, or null.</summary>
    public static string? SessionCookie(this PageClient browser) => browser.Cookies.GetCookies(browser.Http.BaseAddress!)["bgm_session"]?.Value;

    /// <summary>A new browser that carries a copy of <paramref name="sessionCookie"/> (as a thief would).</summary>
    public static PageClient BrowserWithSession(this BangumoeApp app, string sessionCookie)
    {
        var browser = app.Browser();
        browser.Cookies.Add(browser.Http.BaseAddress!, new Cookie("bgm_session", sessionCookie, "/"));
        return browser;
    }

    /// <summary>Asserts the page refused a form whose CSRF token was missing or wrong.</summary>
    public static void AssertRefusedForm(this PageResponse response)
    {
        Assert.True(response.Status == HttpStatusCode.Forbidden, response.Html);
        Assert.Null(response.Response.Headers.Location);
    }

    /// <summary>Asserts nothing a person typed became markup: no script, no injected image, and the text is there.</summary>
    public static void AssertNoInjectedMarkup(this PageResponse response)
    {
        Assert.Empty(response.Document.QuerySelectorAll("script"));
        Assert.Empty(response.Document.QuerySelectorAll("img[src='x']"));
        Assert.Empty(response.Document.QuerySelectorAll("[onerror]"));
    }
}
