using System.Collections.Concurrent;
using System.Net;
using Bangumoe.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// The login and consent pages of /oauth/authorize in a real browser: headless Chromium (Debian's, driven by
/// Playwright) against the real executable, so the pages' CSP, cookies, CSRF and Origin checks and the 303s back to the
/// app all meet a browser's rules. The app's redirect URI is a free loopback port that nobody listens on: Playwright
/// answers navigations to it and records where the browser was sent.
/// </summary>
public sealed class BrowserTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    private const string Scope = "openid profile email";

    /// <summary>A space, reserved characters and a non-ASCII letter: it must come back byte for byte.</summary>
    private const string State = "browser state/é&x=1";

    private const string Nonce = "n-browser-0S6_WzA2Mj";

    private static readonly string[] ScopeTexts =
    [
        "Sign you in with your Bangumoe identity",
        "See your user name, nickname, avatar and intro",
        "See your email address",
    ];

    private sealed record Setup(RegisteredClient Client, TestUser User, int CallbackPort, string AppName);

    /// <summary>A developer with a confidential app whose redirect URI is a free loopback port, and a user to sign in.</summary>
    private async Task<Setup> SetUpAsync(string appName)
    {
        var callbackPort = Emulators.FreePort();
        var developer = await host.NewVerifiedUserAsync();
        var client = await host.RegisterConfidentialAppAsync(developer, appName, $"http://127.0.0.1:{callbackPort}/callback");
        var user = await host.NewVerifiedUserAsync();
        return new Setup(client, user, callbackPort, appName);
    }

    /// <summary>What the pages say on the browser console (a CSP violation, say) and scripts that throw; should stay empty.</summary>
    private static ConcurrentQueue<string> RecordConsole(IPage page)
    {
        var messages = new ConcurrentQueue<string>();
        page.Console += (_, m) => messages.Enqueue($"console.{m.Type}: {m.Text} ({m.Location}) on {page.Url}");
        page.PageError += (_, e) => messages.Enqueue($"page error: {e} on {page.Url}");
        return messages;
    }

    /// <summary>Opens the authorization URL, checks the login page, signs in and waits for the consent page.</summary>
    private async Task SignInAsync(IPage page, Setup setup, string challenge, string screenshotPrefix)
    {
        var login = await page.GotoAsync(host.Issuer + OAuthFlow.AuthorizeUrl(setup.Client, Scope, State, challenge, nonce: Nonce));
        Assert.NotNull(login);
        Assert.Equal(200, login.Status);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Bangumoe" }).WaitForAsync();
        Assert.Equal(setup.AppName, await page.Locator("main p strong").First.InnerTextAsync());
        Assert.Contains($"{setup.AppName} wants you to sign in with Bangumoe.", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(screenshotPrefix + "-1-login");

        await page.Locator("#login").FillAsync(setup.User.Email);
        await page.Locator("#password").FillAsync(setup.User.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GetByRole(AriaRole.Heading, new() { Name = "Allow access?" }).WaitForAsync(new() { Timeout = 30_000 });
        Assert.StartsWith(host.Issuer + "/oauth/authorize?", page.Url, StringComparison.Ordinal);
        Assert.Equal(ScopeTexts, await page.Locator("main ul li").AllInnerTextsAsync());
        var consentText = await page.Locator("main").InnerTextAsync();
        Assert.Contains(setup.AppName, consentText, StringComparison.Ordinal);
        Assert.Contains($"Signed in as {setup.User.Uname}.", consentText, StringComparison.Ordinal);
        await page.ScreenshotAsync(screenshotPrefix + "-2-consent");
    }

    /// <summary>Waits until the browser is at the callback; asserts the URL and that state and iss came back exactly.</summary>
    private async Task<Dictionary<string, string>> AtCallbackAsync(IPage page, Task<string> callback, Setup setup)
    {
        var url = await callback.WaitAsync(TimeSpan.FromSeconds(30));
        await page.GetByRole(AriaRole.Heading, new() { Name = "Back at the app" }).WaitForAsync();
        Assert.Equal(url, page.Url);
        var uri = new Uri(url);
        Assert.Equal(setup.Client.RedirectUri, uri.GetLeftPart(UriPartial.Path));
        Assert.Empty(uri.Fragment);
        var query = OAuthFlow.Query(uri);
        Assert.Equal(State, query.GetValueOrDefault("state"));
        Assert.Equal(host.Issuer, query.GetValueOrDefault("iss"));
        return query;
    }

    [Fact]
    public async Task Sign_in_and_Allow_in_Chromium_send_a_code_back_that_redeems_for_tokens()
    {
        var setup = await SetUpAsync("Browser Tracker");
        var (verifier, challenge) = OAuthFlow.Pkce();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        var console = RecordConsole(page);
        var callback = await page.CaptureCallbackAsync(setup.CallbackPort);

        await SignInAsync(page, setup, challenge, "oauth-allow");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();

        var query = await AtCallbackAsync(page, callback, setup);
        Assert.True(console.IsEmpty, string.Join("\n", console));
        Assert.False(query.ContainsKey("error"), $"error={query.GetValueOrDefault("error")}: {query.GetValueOrDefault("error_description")}");
        Assert.True(query.TryGetValue("code", out var code) && code.Length > 0, $"No code in {page.Url}");
        await page.ScreenshotAsync("oauth-allow-3-callback");

        var response = await host.RedeemAsync(setup.Client, code, verifier);
        var tokens = await response.Ok();
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(Scope, tokens.GetProperty("scope").GetString());
        var access = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Equal(host.Issuer, access.Issuer);
        Assert.Equal(setup.User.Uid, access.Subject);
        Assert.Equal(setup.Client.ClientId, access.GetPayloadValue<string>("client_id"));
        var id = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal(host.Issuer, id.Issuer);
        Assert.Equal(setup.User.Uid, id.Subject);
        Assert.Equal(setup.Client.ClientId, Assert.Single(id.Audiences));
        Assert.Equal(Nonce, id.GetPayloadValue<string>("nonce"));
        Assert.Equal(setup.User.Email, id.GetPayloadValue<string>("email"));

        var userinfo = await (await host.Http.Send(HttpMethod.Get, "/oauth/userinfo", access.EncodedToken)).Ok();
        Assert.Equal(setup.User.Uid, userinfo.GetProperty("sub").GetString());

        // The code is single-use.
        Assert.Equal(HttpStatusCode.BadRequest, (await host.RedeemAsync(setup.Client, code, verifier)).StatusCode);
    }

    /// <summary>
    /// Issue 13, CORS: a browser app at its redirect URI's origin redeems the code and reads userinfo with fetch, as
    /// Chromium sends them (userinfo's Authorization header makes Chromium send a preflight first); from an origin the
    /// app did not register, Chromium refuses to hand the script the answer. The app's pages come from a real loopback
    /// server, so that Chromium's local network access checks see loopback talking to loopback.
    /// </summary>
    [Fact]
    public async Task A_browser_app_redeems_and_reads_userinfo_with_fetch_from_its_own_origin_only()
    {
        var callbackPort = Emulators.FreePort();
        var foreignPort = Emulators.FreePort();
        var developer = await host.NewVerifiedUserAsync();
        var client = await host.RegisterPublicAppAsync(developer, "Browser-only Tracker", $"http://127.0.0.1:{callbackPort}/callback");
        var setup = new Setup(client, await host.NewVerifiedUserAsync(), callbackPort, "Browser-only Tracker");
        var (verifier, challenge) = OAuthFlow.Pkce();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        var callback = await page.CaptureCallbackAsync(setup.CallbackPort);
        await SignInAsync(page, setup, challenge, "oauth-cors");
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true }).ClickAsync();
        var code = (await AtCallbackAsync(page, callback, setup))["code"];
        await page.UnrouteAllAsync();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{callbackPort}", $"http://127.0.0.1:{foreignPort}");
        builder.Logging.ClearProviders();
        await using var spa = builder.Build();
        spa.MapGet("/app", () => Results.Content("<!doctype html><html lang=\"en\"><head><title>SPA</title></head><body><h1>SPA</h1></body></html>", "text/html; charset=utf-8"));
        await spa.StartAsync();

        // The app's own script, on its own origin, talking to Bangumoe's.
        await page.GotoAsync($"http://127.0.0.1:{callbackPort}/app");
        var result = await page.EvaluateAsync<string[]>("""
            async ([issuer, clientId, code, verifier, redirectUri]) => {
              const token = await fetch(issuer + '/oauth/token', { method: 'POST', body: new URLSearchParams({
                grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri }) });
              const tokens = await token.json();
              const info = await fetch(issuer + '/oauth/userinfo', { headers: { Authorization: 'Bearer ' + tokens.access_token } });
              return [String(token.status), String(info.status), (await info.json()).sub];
            }
            """, new[] { host.Issuer, client.ClientId, code, verifier, client.RedirectUri });
        // A cross-origin Authorization header is sent only after a preflight allows it (Chromium does not show
        // preflights to Playwright): userinfo's 200 is the preflight's answer accepted.
        Assert.Equal(["200", "200", setup.User.Uid], result);

        // Another origin: the request may leave, but Chromium keeps the answer from the script.
        await page.GotoAsync($"http://127.0.0.1:{foreignPort}/app");
        var refused = await page.EvaluateAsync<string>("""
            async ([issuer, clientId]) => {
              try {
                await fetch(issuer + '/oauth/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: 'x' }) });
                return 'read';
              } catch (e) { return 'refused: ' + e.name; }
            }
            """, new[] { host.Issuer, client.ClientId });
        Assert.Equal("refused: TypeError", refused);
    }

    [Fact]
    public async Task Deny_in_Chromium_sends_access_denied_back_with_state_and_iss()
    {
        var setup = await SetUpAsync("Browser Denied Tracker");
        var (_, challenge) = OAuthFlow.Pkce();
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();
        var console = RecordConsole(page);
        var callback = await page.CaptureCallbackAsync(setup.CallbackPort);

        await SignInAsync(page, setup, challenge, "oauth-deny");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deny", Exact = true }).ClickAsync();

        var query = await AtCallbackAsync(page, callback, setup);
        Assert.True(console.IsEmpty, string.Join("\n", console));
        Assert.Equal("access_denied", query.GetValueOrDefault("error"));
        Assert.False(query.ContainsKey("code"), $"A code came back after Deny: {page.Url}");
    }

    [Fact]
    public async Task The_login_page_cannot_be_framed_by_another_site()
    {
        var setup = await SetUpAsync("Browser Framed Tracker");
        var (_, challenge) = OAuthFlow.Pkce();
        var authorizeUrl = host.Issuer + OAuthFlow.AuthorizeUrl(setup.Client, Scope, State, challenge);
        await using var context = await host.NewContextAsync();
        var page = await context.NewPageAsync();

        // The headers of the page as the browser got it.
        var direct = await page.GotoAsync(authorizeUrl);
        Assert.NotNull(direct);
        Assert.Equal(200, direct.Status);
        var headers = await direct.AllHeadersAsync();
        Assert.Contains("frame-ancestors 'none'", headers.GetValueOrDefault("content-security-policy") ?? "", StringComparison.Ordinal);
        Assert.Equal("DENY", headers.GetValueOrDefault("x-frame-options"));
        Assert.Equal(1, await page.Locator("#password").CountAsync());

        // Another site on loopback (a real server, so Chromium's local network access checks do not interfere) embeds it.
        var framerOrigin = $"http://127.0.0.1:{setup.CallbackPort}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(framerOrigin);
        builder.Logging.ClearProviders();
        await using var framer = builder.Build();
        framer.MapGet("/embed", () => Results.Content(
            $"<!doctype html><html lang=\"en\"><head><title>Framer</title></head><body><h1>Framer</h1><iframe id=\"victim\" src=\"{WebUtility.HtmlEncode(authorizeUrl)}\" width=\"700\" height=\"600\"></iframe></body></html>",
            "text/html; charset=utf-8"));
        await framer.StartAsync();

        var framedAuthorize = (Func<string, bool>)(url => url.StartsWith(host.Issuer + "/oauth/authorize?", StringComparison.Ordinal));
        var answered = page.WaitForResponseAsync(r => framedAuthorize(r.Url));
        var blocked = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.RequestFailed += (_, r) =>
        {
            if (framedAuthorize(r.Url)) blocked.TrySetResult(r.Failure);
        };
        await page.GotoAsync(framerOrigin + "/embed", new() { WaitUntil = WaitUntilState.Load });
        await page.GetByRole(AriaRole.Heading, new() { Name = "Framer" }).WaitForAsync();

        // The server did answer the framed request with the login page; Chromium refused it because of its headers.
        Assert.Equal(200, (await answered).Status);
        Assert.Equal("net::ERR_BLOCKED_BY_RESPONSE", await blocked.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        var frame = Assert.Single(page.Frames, f => f != page.MainFrame);
        Assert.False(framedAuthorize(frame.Url), $"The frame shows {frame.Url}");
        Assert.Equal(0, await frame.Locator("#password").CountAsync());
        Assert.Equal(0, await page.FrameLocator("#victim").Locator("form").CountAsync());
        await page.ScreenshotAsync("oauth-framed");
    }
}
