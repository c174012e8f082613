using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bangumoe.Tests.Infrastructure;
using Bangumoe.Tests.Pages;

namespace Bangumoe.Tests.Accounts;

/// <summary>
/// The app of <see cref="LoginLockoutTests"/>: small bars, so that each side of the lockout is reached in a few requests.
/// 3 untrusted failures lock an account for one address, 6 from all addresses lock it for every untrusted attempt, and 3
/// failures lock a device cookie.
/// </summary>
public sealed class LockoutApp(Emulators emulators) : BangumoeApp(emulators, new Dictionary<string, string?>
{
    ["LoginThrottle:AccountAddressMaxFailures"] = "3",
    ["LoginThrottle:AccountMaxFailures"] = "6",
    ["LoginThrottle:DeviceMaxFailures"] = "3",
});

/// <summary>
/// Issue 12: a login lockout that cannot be turned against the account's owner. A stranger's wrong passwords lock the
/// stranger's address out of the account, not the owner; a guesser with many addresses locks the account for untrusted
/// attempts only, and the owner's browser that signed in before (it holds the device cookie) still gets in; the
/// guesser's own cookies, forged ones and the JSON API never count as that browser, so guessing still gets nowhere.
/// </summary>
public sealed class LoginLockoutTests(LockoutApp app) : IClassFixture<LockoutApp>
{
    private const string DeviceCookie = "bgm_device";
    private const int PairBar = 3;
    private const int AccountBar = 6;
    private const int DeviceBar = 3;

    private HttpClient FromNewAddress() => app.ClientFrom(AccountTestHelpers.NewAddress());

    /// <summary>A verified account, made through the API from an address of its own.</summary>
    private Task<TestUser> NewUser() => app.NewVerifiedUser();

    /// <summary>A guesser with many addresses: wrong passwords from two addresses, up to each one's bar, reach the
    /// account-wide bar; each is a 401 (nothing is locked before its bar).</summary>
    private async Task LockForUntrustedAsync(string login)
    {
        for (var address = 0; address < AccountBar / PairBar; address++)
        {
            var guesser = FromNewAddress();
            for (var i = 0; i < PairBar; i++)
                await (await guesser.TryLogin(login, $"guess {address}.{i}")).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }
    }

    /// <summary>The device cookie the browser holds, or null.</summary>
    private static string? DeviceOf(PageClient browser) => browser.Cookies.GetCookies(browser.Http.BaseAddress!)[DeviceCookie]?.Value;

    /// <summary>The client address a browser's requests come from.</summary>
    private static string AddressOf(PageClient browser) => browser.Http.DefaultRequestHeaders.GetValues("X-Forwarded-For").Single();

    /// <summary>A browser (with an address of its own) that holds <paramref name="device"/> as its device cookie.</summary>
    private PageClient BrowserWithDevice(string device)
    {
        var browser = app.Browser();
        browser.Cookies.Add(browser.Http.BaseAddress!, new Cookie(DeviceCookie, device, "/"));
        return browser;
    }

    /// <summary>Signs in on /login and out again: the browser keeps only its device cookie (and CSRF cookie).</summary>
    private static async Task<string> SignInAndOutAsync(PageClient browser, TestUser user)
    {
        await browser.SignInThroughPage(user.Uname, user.Password);
        var device = DeviceOf(browser);
        Assert.False(string.IsNullOrEmpty(device), "The sign-in page set no device cookie.");
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PostAsync("/logout", new { })).Status);
        Assert.Null(browser.SessionCookie());
        Assert.Equal(device, DeviceOf(browser));
        return device;
    }

    private static void AssertThrottledPage(PageResponse response, string because)
    {
        Assert.True(response.Status == HttpStatusCode.TooManyRequests, $"{because}: expected 429, got {(int)response.Status}: {response.Html}");
        Assert.True(response.Response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{because}: Retry-After expected");
        Assert.StartsWith("Too many failed sign-ins.", response.Text(".error-summary [role='alert']"), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Response.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith("bgm_session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_strangers_wrong_passwords_lock_the_strangers_address_while_the_owner_signs_in_from_elsewhere()
    {
        var user = await NewUser();
        var stranger = FromNewAddress();
        for (var i = 0; i < PairBar; i++)
            await (await stranger.TryLogin(user.Email, "wrong " + i)).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        // From there even the right password waits now, by email or by user name.
        var locked = await stranger.TryLogin(user.Email, user.Password);
        await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(locked.RetryAfterSeconds(), 1, 60);
        await (await stranger.TryLogin(user.Uname.ToUpperInvariant(), user.Password)).Problem(HttpStatusCode.TooManyRequests, "login-throttled");

        // The owner, from another address, signs in through the API and through the page, with no device cookie.
        var owner = FromNewAddress();
        await (await owner.TryLogin(user.Uname, user.Password)).AssertToken(owner, user.Uid);
        var ownersBrowser = app.Browser();
        Assert.Null(DeviceOf(ownersBrowser));
        await ownersBrowser.SignInThroughPage(user.Email, user.Password);

        // The owner's success elsewhere did not launder the stranger's address; time does.
        await (await stranger.TryLogin(user.Email, user.Password)).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await stranger.TryLogin(user.Email, user.Password)).AssertToken(stranger, user.Uid);
    }

    [Fact]
    public async Task The_owners_browser_that_signed_in_before_gets_in_while_the_account_is_locked_for_untrusted_attempts()
    {
        var user = await NewUser();
        var ownersBrowser = app.Browser();
        var signIn = await ownersBrowser.SignInThroughPage(user.Email, user.Password);
        var set = signIn.Response.Headers.GetValues("Set-Cookie").Select(SetCookie.Parse).Single(c => c.Name == DeviceCookie);
        Assert.True(set.Has("httponly"), set.Raw);
        Assert.Equal("lax", set.Attribute("samesite")?.ToLowerInvariant());
        Assert.Equal("/", set.Attribute("path"));
        Assert.Equal("31536000", set.Attribute("max-age"));
        Assert.False(set.Has("secure"), $"PublicBaseUrl is http, yet: {set.Raw}");
        Assert.Equal(HttpStatusCode.SeeOther, (await ownersBrowser.PostAsync("/logout", new { })).Status);
        var device = DeviceOf(ownersBrowser)!;

        await LockForUntrustedAsync(user.Uname);

        // Untrusted: a new address through the API, a new browser on the page, both with the right password.
        var untrusted = await FromNewAddress().TryLogin(user.Email, user.Password);
        await untrusted.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(untrusted.RetryAfterSeconds(), 1, 60);
        var newBrowser = app.Browser();
        AssertThrottledPage(await newBrowser.PostAsync("/login", new { login = user.Email, password = user.Password, return_to = "/" }), "a new browser");
        Assert.Null(newBrowser.SessionCookie());
        Assert.Null(DeviceOf(newBrowser));

        // The owner's browser signs in, gets a fresh device cookie, and is signed in.
        var back = await ownersBrowser.SignInThroughPage(user.Uname, user.Password, "/account");
        Assert.Equal("/account", back.Location);
        Assert.NotNull(ownersBrowser.SessionCookie());
        Assert.Equal(HttpStatusCode.OK, (await ownersBrowser.GetAsync("/account")).Status);
        Assert.NotEqual(device, DeviceOf(ownersBrowser));

        // The owner's cookie, not the owner's address: the same browser's cookie works from anywhere, and the same
        // address without it is still untrusted.
        await BrowserWithDevice(DeviceOf(ownersBrowser)!).SignInThroughPage(user.Email, user.Password);
        await (await app.ClientFrom(AddressOf(ownersBrowser)).TryLogin(user.Uname, user.Password)).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
    }

    [Fact]
    public async Task A_device_cookies_own_failures_lock_that_cookie_only()
    {
        var user = await NewUser();
        var ownersBrowser = app.Browser();
        var device = await SignInAndOutAsync(ownersBrowser, user);

        PageResponse response;
        for (var i = 0; i < DeviceBar; i++)
        {
            response = await ownersBrowser.PostAsync("/login", new { login = user.Email, password = "typo " + i, return_to = "/" });
            Assert.True(response.Status == HttpStatusCode.Unauthorized, response.Html);
        }
        AssertThrottledPage(await ownersBrowser.PostAsync("/login", new { login = user.Email, password = user.Password, return_to = "/" }), "the locked cookie");

        // Its failures counted nowhere else: not for the account, not for the browser's address, not for the owner's
        // other browser.
        var sameAddress = app.ClientFrom(AddressOf(ownersBrowser));
        await (await sameAddress.TryLogin(user.Email, user.Password)).AssertToken(sameAddress, user.Uid);
        var otherBrowser = app.Browser();
        await SignInAndOutAsync(otherBrowser, user);
        await otherBrowser.SignInThroughPage(user.Email, user.Password);

        // Time unlocks the cookie, and its success clears its count: a copy of that same cookie may typo again
        // (DeviceBar - 1 times) and still get in. Counted on, its fourth failure would have locked it at once.
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await ownersBrowser.SignInThroughPage(user.Uname, user.Password);
        var sameCookie = BrowserWithDevice(device);
        for (var i = 0; i < DeviceBar - 1; i++)
        {
            response = await sameCookie.PostAsync("/login", new { login = user.Email, password = "typo again " + i, return_to = "/" });
            Assert.True(response.Status == HttpStatusCode.Unauthorized, response.Html);
        }
        await sameCookie.SignInThroughPage(user.Email, user.Password);
    }

    [Fact]
    public async Task A_copy_of_the_owners_device_cookie_gets_only_that_cookies_few_guesses()
    {
        var user = await NewUser();
        var device = await SignInAndOutAsync(app.Browser(), user);
        await LockForUntrustedAsync(user.Email);

        // A thief with a copy is trusted (nothing tells the copy apart) but gets the cookie's bar, not more.
        var thief = BrowserWithDevice(device);
        for (var i = 0; i < DeviceBar; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await thief.PostAsync("/login", new { login = user.Email, password = "steal " + i, return_to = "/" })).Status);
        AssertThrottledPage(await thief.PostAsync("/login", new { login = user.Email, password = user.Password, return_to = "/" }), "the thief after its guesses");
        AssertThrottledPage(await BrowserWithDevice(device).PostAsync("/login", new { login = user.Email, password = user.Password, return_to = "/" }), "another copy");
    }

    [Fact]
    public async Task Another_accounts_forged_or_tampered_device_cookie_is_untrusted_and_never_a_500()
    {
        var victim = await NewUser();
        var guesser = await NewUser();
        var guessersBrowser = app.Browser();
        var own = await SignInAndOutAsync(guessersBrowser, guesser);
        var victimsBrowser = app.Browser();
        await victimsBrowser.SignInThroughPage(victim.Email, victim.Password);
        var victimsSession = victimsBrowser.SessionCookie()!;
        var victimsDevice = DeviceOf(victimsBrowser)!;
        await LockForUntrustedAsync(victim.Uname);

        using var forgeryKey = RSA.Create(2048);
        var renamed = AccountTestHelpers.JwtPayload(own);
        renamed["sub"] = victim.Uid;
        var ownParts = own.Split('.');
        var cookies = new Dictionary<string, string>
        {
            // The guesser's own cookie, for the guesser's own account.
            ["the guesser's own"] = own,
            // The guesser's cookie renamed to the victim, re-signed with a key of the guesser's.
            ["forged for the victim"] = AccountTestHelpers.Resign(own, forgeryKey, p => p["sub"] = victim.Uid),
            // The victim's own cookie, re-signed with a key that is not the app's.
            ["re-signed"] = AccountTestHelpers.Resign(victimsDevice, forgeryKey),
            // The guesser's cookie renamed to the victim, keeping the app's signature of the original.
            ["tampered"] = ownParts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(renamed.ToJsonString())) + "." + ownParts[2],
            // The victim's session cookie is a token of another type.
            ["a session cookie"] = victimsSession,
            ["truncated"] = victimsDevice[..^5],
            ["garbage"] = "not-a-device-cookie",
            ["three dots"] = "a.b.c",
            // As long as a browser keeps a cookie.
            ["long"] = new string('A', 4000),
        };
        foreach (var (name, value) in cookies)
        {
            var browser = BrowserWithDevice(value);
            AssertThrottledPage(await browser.PostAsync("/login", new { login = victim.Email, password = victim.Password, return_to = "/" }), name);
            Assert.Null(browser.SessionCookie());
        }

        // The guesser's own cookie still is what it was: its own account signs in with it, locked victim or not.
        await guessersBrowser.SignInThroughPage(guesser.Uname, guesser.Password);
        // Tampered cookies on a free account are simply untrusted: the right password gets in.
        await BrowserWithDevice("a.b.c").SignInThroughPage(guesser.Email, guesser.Password);
    }

    [Fact]
    public async Task Guessing_gets_nowhere_after_the_bar_with_or_without_cookies_the_guesser_made()
    {
        var victim = await NewUser();
        var guesser = await NewUser();
        // The guesser signs into its own account in a browser, so it holds a device cookie (for that account).
        var guessersBrowser = app.Browser();
        var own = await SignInAndOutAsync(guessersBrowser, guesser);

        // Its cookie buys nothing against the victim: its wrong passwords count per address and account like any.
        for (var i = 0; i < PairBar; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await guessersBrowser.PostAsync("/login", new { login = victim.Email, password = "guess " + i, return_to = "/" })).Status);
        AssertThrottledPage(await guessersBrowser.PostAsync("/login", new { login = victim.Email, password = victim.Password, return_to = "/" }), "the guesser's browser");

        // More addresses reach the account-wide bar; after it, whatever the guesser sends, even the right password,
        // from any new address, with or without its cookie, through the API or the page, is a 429.
        for (var i = 0; i < AccountBar - PairBar; i++)
            await (await FromNewAddress().TryLogin(victim.Uname, "spray " + i)).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        for (var i = 0; i < 3; i++)
        {
            await (await FromNewAddress().TryLogin(victim.Email, victim.Password)).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
            AssertThrottledPage(await app.Browser().PostAsync("/login", new { login = victim.Uname, password = victim.Password, return_to = "/" }), "a new browser " + i);
            AssertThrottledPage(await BrowserWithDevice(own).PostAsync("/login", new { login = victim.Email, password = victim.Password, return_to = "/" }), "the guesser's cookie " + i);
        }

        // When the lock ends, one more failure locks the account again, for twice as long.
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await FromNewAddress().TryLogin(victim.Email, "one more")).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var again = await FromNewAddress().TryLogin(victim.Email, victim.Password);
        await again.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(again.RetryAfterSeconds(), 61, 120);
    }

    [Fact]
    public async Task A_missing_account_answers_exactly_as_an_existing_one_through_every_bar()
    {
        var user = await NewUser();
        var missing = TestApi.NewEmail();

        async Task<string> Script(string login, string password)
        {
            var statuses = new List<int>();
            var first = FromNewAddress();
            for (var i = 0; i <= PairBar; i++) statuses.Add((int)(await first.TryLogin(login, "wrong " + i)).StatusCode);
            statuses.Add((int)(await FromNewAddress().TryLogin(login, "wrong elsewhere")).StatusCode);
            var second = FromNewAddress();
            for (var i = 0; i < AccountBar - PairBar - 1; i++) statuses.Add((int)(await second.TryLogin(login, "more " + i)).StatusCode);
            // The right password (of the existing account; the missing one has none) from a new address.
            statuses.Add((int)(await FromNewAddress().TryLogin(login, password)).StatusCode);
            return string.Join(",", statuses);
        }

        var existing = await Script(user.Email, user.Password);
        Assert.Equal("401,401,401,429,401,401,401,429", existing);
        Assert.Equal(existing, await Script(missing, user.Password));
    }

    [Fact]
    public async Task Concurrent_failures_from_many_addresses_are_all_counted()
    {
        var user = await NewUser();
        var guessers = Enumerable.Range(0, AccountBar).Select(_ => FromNewAddress()).ToList();
        // Each address stays under its own bar, so only the account-wide count can lock: it must reach 6.
        var answers = await Task.WhenAll(guessers.Select(async (guesser, i) =>
        {
            await Task.Yield();
            return await guesser.TryLogin(user.Email, "together " + i);
        }));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));

        await (await FromNewAddress().TryLogin(user.Email, user.Password)).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
    }

    [Fact]
    public async Task A_burst_of_simultaneous_guesses_gets_no_more_tries_than_one_after_another()
    {
        var user = await NewUser();
        var guesser = FromNewAddress();
        // Every attempt is counted before its password is checked: of twenty at once, only the pair's budget is tried.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await Task.Yield();
            return (await guesser.TryLogin(user.Email, "burst " + i)).StatusCode;
        }));
        Assert.Equal(PairBar, answers.Count(a => a == HttpStatusCode.Unauthorized));
        Assert.Equal(20 - PairBar, answers.Count(a => a == HttpStatusCode.TooManyRequests));
        await (await guesser.TryLogin(user.Email, user.Password)).Problem(HttpStatusCode.TooManyRequests, "login-throttled");

        // The owner elsewhere is not touched, and the owner's successes are not counted against the account.
        for (var i = 0; i < AccountBar + 1; i++)
            await FromNewAddress().Login(user.Email, user.Password);
    }

    [Fact]
    public async Task The_oauth_login_page_sets_the_device_cookie_and_honours_it_during_a_lock()
    {
        var developer = await NewUser();
        var user = await NewUser();
        var client = await app.RegisterAppAsync(developer, "Lockout Tracker");
        var flow = app.NewFlow();
        var query = AuthorizeQuery.For(client, OAuthFlow.Pkce().Challenge);
        var signedIn = await flow.SignInAsync(query.Url, user);
        var device = signedIn.Cookie(DeviceCookie);
        Assert.NotNull(device);
        Assert.True(device.Has("httponly"), device.Raw);
        Assert.Equal("lax", device.Attribute("samesite")?.ToLowerInvariant());

        await LockForUntrustedAsync(user.Email);

        // prompt=login asks the same browser for its password again: its device cookie lets it through the lock.
        var again = query.Set("prompt", "login").Url;
        var relogin = await flow.PostLoginAsync(await (await flow.Browser.GetAsync(again)).AssertLoginPage(), user.Email, user.Password);
        Assert.Equal(HttpStatusCode.SeeOther, relogin.StatusCode);
        Assert.NotNull(relogin.Cookie(DeviceCookie));

        // A browser that never signed in here is refused with the right password.
        var stranger = app.NewFlow();
        var refused = await stranger.PostLoginAsync(await (await stranger.Browser.GetAsync(query.Set("prompt", null).Url)).AssertLoginPage(), user.Email, user.Password);
        await refused.AssertPage((HttpStatusCode)429, "a new browser during the lock");
        Assert.InRange(refused.RetryAfterSeconds(), 1, 60);
        refused.AssertNoSessionCookie();
        Assert.Null(refused.Cookie(DeviceCookie));
    }

    [Fact]
    public async Task The_seed_login_page_sets_the_device_cookie_and_honours_it_during_a_lock()
    {
        var developer = await NewUser();
        var user = await NewUser();
        var api = FromNewAddress();
        const string backUrl = "https://seed.example/redirect";
        var registered = await (await api.Send(HttpMethod.Post, "/oauth2.0/sign", developer.Token,
            new { appname = "Seed App", homeURL = "https://seed.example", appDesc = "Old school.", backURL = backUrl })).Ok(HttpStatusCode.Created);
        var show = $"/oauth2.0/show?client_id={registered.GetProperty("client_id").GetString()}&redirect_url={Uri.EscapeDataString(backUrl)}";

        async Task<HttpResponseMessage> SignInOnSeedPage(HttpClient browser)
        {
            var fields = OAuthFlow.FormFields(await (await browser.GetAsync(show)).Content.ReadAsStringAsync());
            fields["email"] = user.Email;
            fields["password"] = user.Password;
            return await browser.PostAsync(show, new FormUrlEncodedContent(fields));
        }

        var ownersBrowser = app.NewBrowser();
        var first = await SignInOnSeedPage(ownersBrowser);
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.NotNull(first.Cookie(DeviceCookie));

        await LockForUntrustedAsync(user.Uname);

        var during = await SignInOnSeedPage(ownersBrowser);
        Assert.Equal(HttpStatusCode.Redirect, during.StatusCode);
        Assert.StartsWith(backUrl + "?", during.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var refused = await SignInOnSeedPage(app.NewBrowser());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        // The seed's JSON login from a script without the cookie is untrusted too.
        var json = await FromNewAddress().PostJson(show, new { email = user.Email, password = user.Password });
        await json.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
    }
}
