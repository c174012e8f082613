using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// Pages speak the person's language: Simplified Chinese or English from Accept-Language, unless a choice is
/// remembered in the language cookie; they share one layout whose stylesheet is a file, so the CSP allows no inline
/// style.
/// </summary>
public sealed class PageLanguageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private async Task<(HttpResponseMessage Response, string Html)> VerifyPage(string? acceptLanguage, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/auth/verify?token=garbage");
        if (acceptLanguage is not null) request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        if (cookie is not null) request.Headers.TryAddWithoutValidation("Cookie", cookie);
        var response = await app.CreateClient(new ClientOptions { HandleCookies = false }).SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans", "链接无效")]
    [InlineData("zh-Hans", "zh-Hans", "链接无效")]
    [InlineData("zh-TW", "zh-Hans", "链接无效")]
    [InlineData("en-US,en;q=0.9", "en", "Invalid link")]
    [InlineData("fr-FR,en;q=0.5,zh;q=0.4", "en", "Invalid link")]
    [InlineData("fr-FR,zh;q=0.5,en;q=0.4", "zh-Hans", "链接无效")]
    [InlineData("de-DE", "en", "Invalid link")]
    [InlineData(null, "en", "Invalid link")]
    public async Task The_language_follows_accept_language(string? acceptLanguage, string lang, string title)
    {
        var (response, html) = await VerifyPage(acceptLanguage);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"<html lang=\"{lang}\">", html, StringComparison.Ordinal);
        Assert.Contains($"<h1>{title}</h1>", html, StringComparison.Ordinal);
        Assert.Equal(lang, Assert.Single(response.Content.Headers.ContentLanguage));
    }

    [Fact]
    public async Task A_remembered_choice_wins_over_accept_language()
    {
        var (_, english) = await VerifyPage("zh-CN", "bgm_lang=en");
        Assert.Contains("<html lang=\"en\">", english, StringComparison.Ordinal);
        var (_, chinese) = await VerifyPage("en-US", "bgm_lang=zh-Hans");
        Assert.Contains("<html lang=\"zh-Hans\">", chinese, StringComparison.Ordinal);
        // An unknown choice is ignored, not an error.
        var (response, fallback) = await VerifyPage("en-US", "bgm_lang=xx");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<html lang=\"en\">", fallback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_use_the_stylesheet_and_forbid_inline_style_script_and_framing()
    {
        var (response, html) = await VerifyPage("en");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/assets/site.css\">", html, StringComparison.Ordinal);

        var css = await app.CreateClient().GetAsync("/assets/site.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains("main {", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_detail_from_elsewhere_is_shown_as_text()
    {
        // The authorization error page names the redirect_uri it refused; markup in it stays text.
        var developer = await app.NewVerifiedUser();
        var registered = await app.RegisterAppAsync(developer, "Markup test");
        var refused = "https://client.example/<script>alert(1)</script>";
        var response = await app.CreateClient().GetAsync(
            $"/oauth/authorize?client_id={registered.ClientId}&redirect_uri={Uri.EscapeDataString(refused)}&response_type=code&scope=openid");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reset_form_speaks_chinese_and_keeps_its_fields()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/password/reset?token=abc");
        request.Headers.TryAddWithoutValidation("Accept-Language", "zh-CN");
        var response = await app.CreateClient().SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<h1>设置新密码</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"new_password\">新密码（8–128 个字符）</label>", html, StringComparison.Ordinal);
        Assert.Contains("name=\"token\" value=\"abc\"", html, StringComparison.Ordinal);
        Assert.Contains("<button type=\"submit\">修改密码</button>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sign_in_page_shares_the_stylesheet_and_allows_no_inline_style()
    {
        var developer = await app.NewVerifiedUser();
        var registered = await app.RegisterAppAsync(developer, "Stylesheet test");
        var response = await app.CreateClient().GetAsync(OAuthFlow.AuthorizeUrl(registered, "openid", "s", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/assets/site.css\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
