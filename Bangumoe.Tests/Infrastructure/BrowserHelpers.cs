using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// For the browser tests, once per test class: the built worker as its own process under the local Functions host on
/// its own loopback port (its issuer is that very origin, so the browser's Origin header matches it), as ./run.sh runs
/// it, and Debian's Chromium driven headless by Playwright.
/// Each test opens its own <see cref="IBrowserContext"/> (fresh cookies) with <see cref="NewContextAsync"/>.
/// </summary>
public sealed class BrowserHost(Emulators emulators) : IAsyncLifetime
{
    /// <summary>Debian's chromium package (test.sh installs it); Playwright never downloads a browser here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Headless on a closed network: no sandbox (root), no GPU, and nothing that phones home at start.</summary>
    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private HostedWorker? _app;
    private IPlaywright? _playwright;

    /// <summary>The fake Bangumi the app is Bangumi's client of, on its own loopback port, as ./run.sh starts it.</summary>
    public FakeBangumi.FakeBangumi Bangumi { get; private set; } = null!;

    public Emulators Emulators { get; } = emulators;

    public int Port { get; } = Emulators.FreePort();

    /// <summary>PublicBaseUrl of the app, hence its issuer: <c>http://127.0.0.1:{Port}</c>.</summary>
    public string Issuer => $"http://127.0.0.1:{Port}";

    public string Prefix { get; } = "b" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>An API client of the app: follows redirects, keeps no cookies.</summary>
    public HttpClient Http { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: TestResults/screenshots under the checkout (git-ignored).</summary>
    public static string ScreenshotDirectory => Path.Combine(RepoPaths.Root, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"{ChromiumPath} does not exist. The browser tests drive Debian's Chromium: run ./test.sh (it installs the 'chromium' package with apt-get) " +
                "or install it yourself with 'apt-get install --no-install-recommends chromium'.");

        Bangumi = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumi.FakeBangumiOptions
        {
            ClientId = Bangumoe.Tests.Bangumi.BangumiFixture.ClientId,
            ClientSecret = Bangumoe.Tests.Bangumi.BangumiFixture.ClientSecret,
            RedirectUri = Issuer + "/oauth2.0/redirect",
        });
        var settings = HostedWorker.Settings(Emulators, Port, Prefix);
        foreach (var (key, value) in Bangumoe.Tests.Bangumi.BangumiFixture.Settings(Bangumi.BaseUrl)) settings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        _app = await HostedWorker.StartAsync(Port, settings);
        Http = new HttpClient { BaseAddress = new Uri(Issuer), Timeout = TimeSpan.FromSeconds(30) };
        await _app.WaitForHealthAsync(Http, TimeSpan.FromSeconds(60));

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A new browser profile in memory: no cookies, a fixed window size for comparable screenshots.</summary>
    public Task<IBrowserContext> NewContextAsync() =>
        Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 800, Height = 900 }, Locale = "en-US" });

    /// <summary>Register, open the verification link from the mail, log in: a user ready to use the API.</summary>
    public async Task<TestUser> NewVerifiedUserAsync()
    {
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var registered = await Http.Register(uname, email, AccountTestHelpers.Password);
        var mail = await Emulators.Mail.WaitForAsync(email, "Verify");
        Assert.StartsWith(Issuer + "/", mail.Link().ToString(), StringComparison.Ordinal);
        var (status, html) = await Http.FollowMailLink(mail);
        Assert.True(status == HttpStatusCode.OK, html);
        Assert.Contains("Email verified", html, StringComparison.Ordinal);
        var token = await Http.Login(email, AccountTestHelpers.Password);
        return new TestUser(registered.GetProperty("uid").GetString()!, uname, email, AccountTestHelpers.Password, token);
    }

    /// <summary>Registers a confidential app of <paramref name="owner"/> with one redirect URI.</summary>
    public async Task<RegisteredClient> RegisterConfidentialAppAsync(TestUser owner, string name, string redirectUri)
    {
        var json = await (await Http.Send(HttpMethod.Post, "/api/clients", owner.Token, new
        {
            name, home_url = "https://client.example", description = "Tracks what you watch.", redirect_uris = new[] { redirectUri }, type = "confidential",
        })).Ok(HttpStatusCode.Created);
        var secret = json.GetProperty("client_secret").GetString();
        Assert.False(string.IsNullOrEmpty(secret));
        return new RegisteredClient(json.GetProperty("client_id").GetString()!, secret, redirectUri);
    }

    /// <summary>A public app (a browser app: no secret, PKCE) with one redirect URI.</summary>
    public async Task<RegisteredClient> RegisterPublicAppAsync(TestUser owner, string name, string redirectUri)
    {
        var json = await (await Http.Send(HttpMethod.Post, "/api/clients", owner.Token, new
        {
            name, home_url = "https://client.example", redirect_uris = new[] { redirectUri }, type = "public",
        })).Ok(HttpStatusCode.Created);
        return new RegisteredClient(json.GetProperty("client_id").GetString()!, null, redirectUri);
    }

    /// <summary>The app's back channel: redeems a code at /oauth/token with client_secret_basic and the PKCE verifier.</summary>
    public async Task<HttpResponseMessage> RedeemAsync(RegisteredClient client, string code, string verifier)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(client.ClientId) + ":" + Uri.EscapeDataString(client.Secret!))));
        request.Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
        });
        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        if (Bangumi is not null) await Bangumi.DisposeAsync();
    }
}

/// <summary>Playwright steps shared by the browser tests.</summary>
public static class BrowserSteps
{
    /// <summary>A full-page PNG under TestResults/screenshots; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(this IPage page, string name)
    {
        var path = Path.Combine(BrowserHost.ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 0, $"Empty screenshot {path}");
        return path;
    }

    /// <summary>
    /// Answers every navigation to the app's callback origin with a tiny page (nothing listens there) and records the
    /// URL the browser was sent to. Returns a task that completes with the first such URL.
    /// </summary>
    public static async Task<Task<string>> CaptureCallbackAsync(this IPage page, int callbackPort)
    {
        var captured = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync($"http://127.0.0.1:{callbackPort}/**", async route =>
        {
            captured.TrySetResult(route.Request.Url);
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                ContentType = "text/html; charset=utf-8",
                Body = "<!doctype html><html lang=\"en\"><head><title>Callback</title></head><body><h1>Back at the app</h1></body></html>",
            });
        });
        return captured.Task;
    }
}
