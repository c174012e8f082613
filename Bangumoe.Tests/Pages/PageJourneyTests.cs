using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using Bangumoe.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// Whole journeys through the pages in a real browser (Debian's Chromium, the built app under the local host, as
/// ./run.sh runs it), once in each language, with JavaScript on: a fan signs up, verifies, signs in, edits the profile,
/// registers an app that a real relying party (ASP.NET Core's OpenID Connect handler) then signs in with, withdraws it,
/// collects anime, binds the fake Bangumi and watches the import, and signs out. Every page on the way is audited at
/// 375 and 1280 px (screenshots under TestResults/screenshots/pages/{language}/, axe, no sideways scrolling), and the
/// browser console must stay free of CSP violations and script errors.
/// </summary>
public sealed class PageJourneyTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    private sealed record Language(string Tag, string Locale, Dictionary<string, string> Words);

    private static readonly Dictionary<string, Language> Languages = new()
    {
        ["en"] = new("en", "en-US", new() { ["verify-subject"] = "Verify", ["collection"] = "My collection", ["signed-out"] = "Sign in" }),
        ["zh-Hans"] = new("zh-Hans", "zh-CN", new() { ["verify-subject"] = "验证", ["collection"] = "我的收藏", ["signed-out"] = "登录" }),
    };

    [Theory]
    [InlineData("en")]
    [InlineData("zh-Hans")]
    public async Task A_fan_does_everything_Bangumoe_offers_in_the_browser(string tag)
    {
        var language = Languages[tag];
        var anime = await SeedAnimeAsync(tag);
        await using var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = language.Locale, ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        // Generous: the suite shares two cores with the worker, the host and Azurite.
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var console = RecordConsole(page);
        var uname = "fan" + Guid.NewGuid().ToString("N")[..8];
        var email = uname + "@example.com";
        const string password = "correct horse battery";

        // The start page, signed out: what Bangumoe is, in the browser's language.
        await page.GotoAsync(host.Issuer + "/");
        Assert.Equal(tag, await page.Locator("html").GetAttributeAsync("lang"));
        await page.AuditAsync(tag, "01-home-signed-out");

        // Sign up; the verification mail is in the same language; its link verifies.
        await page.Locator("main a[href='/signup']").First.ClickAsync();
        await page.ArriveAtAsync("**/signup");
        await page.AuditAsync(tag, "02-signup");
        await page.Locator("#uname").FillAsync(uname);
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#confirm_password").FillAsync(password + "x");
        await Submit(page, "/signup");
        Assert.Equal(uname, await page.Locator("#uname").InputValueAsync());
        Assert.Equal("", await page.Locator("#password").InputValueAsync());
        Assert.NotNull(await page.Locator("#confirm_password-error").TextContentAsync());
        await page.AuditAsync(tag, "03-signup-error");
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#confirm_password").FillAsync(password);
        await Submit(page, "/signup");
        await page.ArriveAtAsync("**/signup/sent");
        await page.AuditAsync(tag, "04-signup-sent");
        var mail = await host.Emulators.Mail.WaitForAsync(email, language.Words["verify-subject"]);
        await page.GotoAsync(mail.Link().ToString());
        await page.AuditAsync(tag, "05-verified");

        // Sign in with the user name; the dashboard greets the new account.
        await page.GotoAsync(host.Issuer + "/login");
        await page.AuditAsync(tag, "06-login");
        await page.Locator("#login").FillAsync(uname);
        await page.Locator("#password").FillAsync(password);
        await Submit(page, "/login");
        await page.ArriveAtAsync(host.Issuer + "/");
        Assert.Contains(uname, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.AuditAsync(tag, "07-dashboard");

        // Edit the profile: a nickname with markup is shown as text.
        await page.GotoAsync(host.Issuer + "/account");
        await page.AuditAsync(tag, "08-account");
        var nickname = "<b>Moe</b> " + tag;
        await page.Locator("#nickname").FillAsync(nickname);
        await page.Locator("#avatar").FillAsync("https://lain.bgm.tv/pic/user/l/icon.jpg");
        await page.Locator("#intro").FillAsync("Watching everything. \"quoted\" & <i>kept</i>");
        await Submit(page, "/account/profile");
        await page.ArriveAtAsync("**/account?done=*");
        Assert.Equal(nickname, await page.Locator("#nickname").InputValueAsync());
        Assert.Equal(0, await page.Locator("main b").CountAsync());
        await page.AuditAsync(tag, "09-account-saved");

        // Register an app whose relying party (ASP.NET Core's OpenID Connect handler on its own loopback port) then signs
        // this very person in; the secret is shown once.
        var rpPort = Emulators.FreePort();
        var rpOrigin = $"http://localhost:{rpPort}";
        var appName = $"Watch log <{tag}>";
        await page.GotoAsync(host.Issuer + "/developer/apps");
        await page.AuditAsync(tag, "10-developer-apps");
        await page.Locator("#name").FillAsync(appName);
        await page.Locator("#home_url").FillAsync(rpOrigin + "/");
        await page.Locator("#description").FillAsync("Keeps a diary of what you watch.");
        await page.Locator("#redirect_uris").FillAsync(rpOrigin + "/signin-oidc");
        await page.Locator("#type").CheckAsync();
        await Submit(page, "/developer/apps");
        var clientId = await page.Locator("#client_id").InputValueAsync();
        var secret = await page.Locator("#client_secret").InputValueAsync();
        Assert.False(string.IsNullOrEmpty(secret));
        await page.AuditAsync(tag, "11-app-secret");
        await page.Locator($"main a[href='/developer/apps/{clientId}']").ClickAsync();
        await page.ArriveAtAsync($"**/developer/apps/{clientId}");
        Assert.Contains(host.Issuer + "/.well-known/openid-configuration", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.AuditAsync(tag, "12-app");

        await using (var rp = await StartRelyingPartyAsync(rpPort, clientId, secret))
        {
            await page.GotoAsync(rpOrigin + "/");
            await page.ArriveAtAsync(host.Issuer + "/oauth/authorize?*");
            Assert.Contains(appName, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
            await page.AuditAsync(tag, "13-consent");
            await page.Locator("main button[value='allow']").ClickAsync();
            await page.ArriveAtAsync(rpOrigin + "/");
            Assert.Contains($"signed in as {uname}", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        }

        // The app is listed under authorized apps with its scopes; withdrawing it removes it.
        await page.GotoAsync(host.Issuer + "/account/apps");
        Assert.Contains(appName, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.AuditAsync(tag, "14-authorized-apps");
        await Submit(page, "/account/apps/withdraw");
        await page.ArriveAtAsync("**/account/apps*");
        Assert.Equal(0, await page.Locator("main form[action='/account/apps/withdraw']").CountAsync());
        await page.AuditAsync(tag, "15-authorized-apps-withdrawn");

        // Collect an anime, edit the entry, see it on the collection page, remove it.
        await page.GotoAsync(host.Issuer + "/anime?q=" + Uri.EscapeDataString(anime.Marker));
        await page.AuditAsync(tag, "20-anime-search");
        await page.Locator($"main a[href='/anime/{anime.Id}']").First.ClickAsync();
        await page.ArriveAtAsync($"**/anime/{anime.Id}");
        await page.AuditAsync(tag, "21-anime");
        await page.Locator("#status").SelectOptionAsync("doing");
        await page.Locator("#score").SelectOptionAsync("8");
        await page.Locator("#episodes_watched").FillAsync("3");
        await page.Locator("#comment").FillAsync("<script>alert(1)</script> so good");
        await Submit(page, $"/anime/{anime.Id}/collect");
        await page.ArriveAtAsync($"**/anime/{anime.Id}?*");
        await page.AuditAsync(tag, "22-anime-collected");
        // The browser checks the episode count itself; the server's check shows when a stale page posts.
        await page.Locator("#episodes_watched").EvaluateAsync("e => e.removeAttribute('max')");
        await page.Locator("#episodes_watched").FillAsync("99999");
        await Submit(page, $"/anime/{anime.Id}/collect");
        Assert.NotNull(await page.Locator("#episodes_watched-error").TextContentAsync());
        await page.AuditAsync(tag, "23-anime-error");
        await page.Locator("#episodes_watched").FillAsync("12");
        await page.Locator("#status").SelectOptionAsync("done");
        await Submit(page, $"/anime/{anime.Id}/collect");
        await page.ArriveAtAsync($"**/anime/{anime.Id}?*");

        await page.GotoAsync(host.Issuer + "/collection");
        var list = await page.Locator("main").InnerTextAsync();
        Assert.Contains(anime.Name, list, StringComparison.Ordinal);
        Assert.Contains("<script>alert(1)</script> so good", list, StringComparison.Ordinal);
        await page.AuditAsync(tag, "24-collection");
        await page.GotoAsync(host.Issuer + "/u/" + uname);
        Assert.Contains(anime.Name, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.AuditAsync(tag, "25-public-profile");
        await page.GotoAsync(host.Issuer + "/collection");
        await Submit(page, $"/anime/{anime.Id}/remove");
        await page.ArriveAtAsync("**/collection*");
        Assert.DoesNotContain(anime.Name, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

        // Bind the fake Bangumi: its consent page, back to /account/bangumi, whose script shows the import finishing;
        // the imported anime are then on the collection page.
        var bangumiUser = host.Bangumi.AddUser("bgm" + Guid.NewGuid().ToString("N")[..8], "Nick " + tag);
        bangumiUser.GenerateCollection(6, Bangumoe.Tests.Bangumi.BangumiExtraSteps.NewSubjects());
        await page.GotoAsync(host.Issuer + "/account/bangumi");
        await page.AuditAsync(tag, "30-bangumi-unbound");
        await Submit(page, "/account/bangumi/bind");
        Assert.StartsWith(host.Bangumi.BaseUrl + "/oauth/authorize", page.Url, StringComparison.Ordinal);
        await page.Locator($"button[value='{bangumiUser.Username}']").ClickAsync();
        await page.ArriveAtAsync(host.Issuer + "/account/bangumi?*");
        await page.Locator("#import-state[data-state='done']").WaitForAsync();
        Assert.Contains("6", await page.Locator("#imported").InnerTextAsync(), StringComparison.Ordinal);
        await page.AuditAsync(tag, "31-bangumi-imported");
        await page.GotoAsync(host.Issuer + "/collection");
        Assert.Equal(6, await page.Locator("main form[action$='/remove']").CountAsync());
        await page.AuditAsync(tag, "32-collection-imported");

        // Sign out: the header offers sign-in again, and the account page asks for it.
        await page.GotoAsync(host.Issuer + "/");
        await page.NavigateByAsync(() => page.Locator("header form[action='/logout'] button").ClickAsync());
        await page.ArriveAtAsync(host.Issuer + "/");
        Assert.Equal(1, await page.Locator("header a[href='/login']").CountAsync());
        await page.GotoAsync(host.Issuer + "/account");
        Assert.StartsWith(host.Issuer + "/login?return_to=", page.Url, StringComparison.Ordinal);

        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    /// <summary>The pages the journey does not pass through: the app's sign-in page, the mailed-link pages, the seed's
    /// page, the refusals and errors, and the goodbye after deleting an account.</summary>
    [Theory]
    [InlineData("en")]
    [InlineData("zh-Hans")]
    public async Task Every_other_page_passes_the_audit(string tag)
    {
        var language = Languages[tag];
        var developer = await host.NewVerifiedUserAsync();
        var app = await host.RegisterConfidentialAppAsync(developer, "Audit <app>", $"http://127.0.0.1:{Emulators.FreePort()}/callback");
        var person = await host.NewVerifiedUserAsync();
        await using var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = language.Locale });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var console = RecordConsole(page);
        async Task Audit(string path, string name, int? status = null)
        {
            var response = await page.GotoAsync(host.Issuer + path);
            if (status is { } expected) Assert.Equal(expected, response!.Status);
            Assert.Equal(tag, await page.Locator("html").GetAttributeAsync("lang"));
            await page.AuditAsync(tag, name);
        }

        await Audit(OAuthFlow.AuthorizeUrl(app, "openid profile", "s", OAuthFlow.Pkce().Challenge), "40-app-sign-in");
        await Audit("/oauth/authorize?client_id=nobody&response_type=code", "41-app-sign-in-broken", 400);
        await Audit($"/oauth2.0/show?client_id={Uri.EscapeDataString(app.ClientId)}&redirect_url={Uri.EscapeDataString(app.RedirectUri)}", "42-seed-sign-in");
        await Audit("/verify/resend", "43-resend-verification");
        await page.Locator("#email").FillAsync(person.Email);
        await Submit(page, "/verify/resend");
        await page.AuditAsync(tag, "43-resend-verification-sent");
        await Audit("/password/forgot", "44-forgot-password");
        await page.Locator("#email").FillAsync(person.Email);
        await Submit(page, "/password/forgot");
        await page.AuditAsync(tag, "45-forgot-password-sent");
        // The mail is in the account's language (it signed up through the API, in English), not the page's.
        var mail = await host.Emulators.Mail.WaitForAsync(person.Email, "Reset");
        await Audit(mail.Link().PathAndQuery, "46-reset-password");
        await Audit("/auth/password/reset", "47-reset-link-incomplete");
        await Audit("/api/auth/verify?token=garbage", "48-link-invalid", 400);
        await Audit("/anime/missing-anime", "49-not-found", 404);
        await Audit("/u/nobody_" + Guid.NewGuid().ToString("N")[..8], "50-no-such-person", 404);

        // A form whose CSRF token went stale is refused with a page, and nothing happens.
        await Audit("/login", "51-login");
        await context.ClearCookiesAsync();
        await page.Locator("#login").FillAsync(person.Email);
        await page.Locator("#password").FillAsync(person.Password);
        await Submit(page, "/login");
        await page.AuditAsync(tag, "52-form-expired");

        // Sign in, delete the account: the goodbye page.
        await Audit("/login", "51-login");
        await page.Locator("#login").FillAsync(person.Email);
        await page.Locator("#password").FillAsync(person.Password);
        await Submit(page, "/login");
        // An app's sign-out link without an ID token: the question, and staying signed in; a broken one goes nowhere.
        await Audit($"/oauth/logout?client_id={Uri.EscapeDataString(app.ClientId)}", "54-sign-out-question");
        await page.NavigateByAsync(() => page.Locator("main form[action='/oauth/logout/confirm'] button[value='stay']").ClickAsync());
        await page.AuditAsync(tag, "55-stayed-signed-in");
        await Audit("/oauth/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F", "56-sign-out-broken", 400);
        await page.GotoAsync(host.Issuer + "/account");
        await page.Locator("#delete_password").FillAsync(person.Password);
        await Submit(page, "/account/delete");
        await page.AuditAsync(tag, "53-account-deleted");
        await page.GotoAsync(host.Issuer + "/account");
        Assert.StartsWith(host.Issuer + "/login", page.Url, StringComparison.Ordinal);

        Assert.True(console.IsEmpty, string.Join("\n", console));
    }

    [Fact]
    public async Task The_language_switch_changes_every_page_and_is_remembered()
    {
        await using var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.Issuer + "/anime?q=nothing");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
        // The switch comes back to the same address, so waiting for the URL would not wait at all: wait for the navigation.
        await page.NavigateByAsync(() => page.Locator("header button[value='zh-Hans']").ClickAsync());
        Assert.Equal(host.Issuer + "/anime?q=nothing", page.Url);
        Assert.Equal("zh-Hans", await page.Locator("html").GetAttributeAsync("lang"));
        await page.GotoAsync(host.Issuer + "/login");
        Assert.Equal("zh-Hans", await page.Locator("html").GetAttributeAsync("lang"));
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "bgm_lang");
        Assert.Equal("zh-Hans", cookie.Value);
        Assert.True(cookie.Expires > DateTimeOffset.UtcNow.AddDays(300).ToUnixTimeSeconds(), "The choice is remembered for a year.");
        await page.NavigateByAsync(() => page.Locator("header button[value='en']").ClickAsync());
        Assert.Equal(host.Issuer + "/login", page.Url);
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));
    }

    /// <summary>A third-party web app on ASP.NET Core's OpenID Connect handler, unmodified but for http (loopback) cookies
    /// and metadata: it sends the browser to Bangumoe and greets whoever comes back.</summary>
    private async Task<WebApplication> StartRelyingPartyAsync(int port, string clientId, string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://localhost:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddOpenIdConnect(o =>
            {
                o.Authority = host.Issuer;
                o.RequireHttpsMetadata = false;
                o.ClientId = clientId;
                o.ClientSecret = secret;
                o.ResponseType = "code";
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile" }) o.Scope.Add(scope);
                o.GetClaimsFromUserInfoEndpoint = true;
                o.MapInboundClaims = false;
                o.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
                // Over http the handler's SameSite=None cookies would need Secure, which a browser drops; Lax is enough for
                // a top-level redirect back (response_mode=query).
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            });
        var rp = builder.Build();
        rp.UseAuthentication();
        rp.MapGet("/", (HttpContext context) => context.User.Identity?.IsAuthenticated == true
            ? Results.Text($"signed in as {context.User.FindFirstValue("preferred_username")}")
            : Results.Challenge());
        await rp.StartAsync();
        return rp;
    }

    private sealed record SeededAnime(string Id, string Name, string Marker);

    /// <summary>An anime in the catalog to find and collect (the catalog is shared; a marker finds this one).</summary>
    private async Task<SeededAnime> SeedAnimeAsync(string tag)
    {
        var curator = await host.NewVerifiedUserAsync();
        var marker = "mk" + Guid.NewGuid().ToString("N")[..8];
        var name = $"Journey {marker} {tag}";
        var created = await (await host.Http.Send(HttpMethod.Post, "/api/anime", curator.Token, new
        {
            name, name_cn = "旅程 " + marker, episodes = 12, director = "Director", air_date = "2024-04-01",
        })).Ok(HttpStatusCode.Created);
        return new SeededAnime(created.GetProperty("id").GetString()!, name, marker);
    }

    /// <summary>Clicks the submit button of the form posting to <paramref name="action"/> and waits for the next page.</summary>
    private static async Task Submit(IPage page, string action)
    {
        var form = page.Locator($"main form[action='{action}']").First;
        var invalid = await form.EvaluateAsync<string[]>("f => [...f.elements].filter(e => !e.checkValidity()).map(e => e.name + ': ' + e.validationMessage)");
        Assert.True(invalid.Length == 0, $"The browser would not send {action}: {string.Join("; ", invalid)}");
        // Waits for the navigation itself, not a URL: a form that re-renders at its own address has no new URL.
        await page.NavigateByAsync(() => page.Locator($"main form[action='{action}'] button[type=submit]").First.ClickAsync());
    }

    private static ConcurrentQueue<string> RecordConsole(IPage page)
    {
        var messages = new ConcurrentQueue<string>();
        page.Console += (_, m) =>
        {
            // A broken image (the avatar's host is not reachable from here) is not a page fault.
            if (m.Type is "error" or "warning" && !m.Text.Contains("Failed to load resource", StringComparison.Ordinal))
                messages.Enqueue($"console.{m.Type}: {m.Text} on {page.Url}");
        };
        page.PageError += (_, e) => messages.Enqueue($"page error: {e} on {page.Url}");
        return messages;
    }
}
