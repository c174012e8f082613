using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>The app of <see cref="DeviceGrantTests"/>: a lower per-address guessing bar, so that two accounts reach it.</summary>
public sealed class DeviceGrantApp(Emulators emulators) : BangumoeApp(emulators, new Dictionary<string, string?>
{
    ["DeviceGrant:WrongCodesPerAccount"] = "5",
    ["DeviceGrant:WrongCodesPerAddress"] = "8",
});

/// <summary>
/// The Device Authorization Grant (RFC 8628) over HTTP against the real app: the device authorization endpoint, the
/// /device page a signed-in person types the code into, and the token endpoint's answers while the device polls
/// (authorization_pending, slow_down, access_denied, expired_token, tokens once), with the test clock standing in for
/// the minutes a person takes. <see cref="DeviceGrantBrowserTests"/> runs the same flow with oauth4webapi and Chromium.
/// </summary>
public sealed partial class DeviceGrantTests(DeviceGrantApp app) : IClassFixture<DeviceGrantApp>
{
    private const string DeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
    private const string Issuer = BangumoeApp.PublicBaseUrl;

    [GeneratedRegex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")]
    private static partial Regex UserCodeShape();

    private HttpClient Backend { get; } = app.CreateClient(new ClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    private sealed record DeviceStart(string DeviceCode, string UserCode, JsonElement Json);

    /// <summary>A device code of <paramref name="client"/> that a new person has entered and allowed.</summary>
    private async Task<(DeviceStart Start, TestUser Person)> AllowedAsync(RegisteredClient client)
    {
        var person = await app.NewVerifiedUser();
        var start = await StartAsync(client);
        await ApproveAsync(BrowserOf(person), start.UserCode);
        return (start, person);
    }

    private async Task<DeviceStart> StartAsync(RegisteredClient client, string scope = "openid profile offline_access")
    {
        var response = await Backend.PostAsClientAsync("/oauth/device_authorization", client, new() { ["scope"] = scope });
        var json = await response.Ok();
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return new DeviceStart(json.GetProperty("device_code").GetString()!, json.GetProperty("user_code").GetString()!, json);
    }

    private Task<HttpResponseMessage> PollAsync(RegisteredClient client, string deviceCode) =>
        Backend.PostAsClientAsync("/oauth/token", client, new() { ["grant_type"] = DeviceGrant, ["device_code"] = deviceCode });

    /// <summary>A browser signed in as <paramref name="user"/>, from an address of its own (the guessing limit counts per address).</summary>
    private PageClient BrowserOf(TestUser user, string language = "en", string? address = null)
    {
        var browser = new PageClient(app, language).SignedInAs(user);
        browser.Http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", address ?? AccountTestHelpers.NewAddress());
        return browser;
    }

    private static Task<PageResponse> EnterAsync(PageClient browser, string typed) =>
        browser.PostAsync("/device", new { user_code = typed, action = "continue" });

    private static Task<PageResponse> DecideAsync(PageClient browser, string userCode, string action) =>
        browser.PostAsync("/device", new { user_code = userCode, action });

    /// <summary>Continue with the code, then Allow: the 303 to the done page.</summary>
    private static async Task ApproveAsync(PageClient browser, string userCode)
    {
        var consent = await EnterAsync(browser, userCode);
        Assert.True(consent.Status == HttpStatusCode.OK, consent.Html);
        var allowed = await DecideAsync(browser, userCode, "allow");
        Assert.True(allowed.Status == HttpStatusCode.SeeOther, allowed.Html);
        Assert.Equal("/device/done?result=allowed", allowed.Location);
    }

    private static void AssertCodePageError(PageResponse page, HttpStatusCode status, string message)
    {
        Assert.True(page.Status == status, $"Expected {(int)status}, got {(int)page.Status}: {page.Html}");
        page.Response.AssertLockedDownPage();
        Assert.Equal(message, page.FieldError("user_code"));
        Assert.NotNull(page.Document.QuerySelector("form[action='/device'] input[name='user_code']"));
    }

    [Fact]
    public async Task Discovery_announces_the_endpoint_and_the_grant()
    {
        var metadata = await (await app.CreateClient().GetAsync("/.well-known/openid-configuration")).Ok();
        Assert.Equal(Issuer + "/oauth/device_authorization", metadata.GetProperty("device_authorization_endpoint").GetString());
        Assert.Contains(DeviceGrant, metadata.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()));
    }

    [Fact]
    public async Task A_confidential_or_public_app_gets_a_device_code_and_a_short_user_code()
    {
        var confidential = await app.NewClientAsync();
        var publicApp = await app.NewClientAsync("public");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in new[] { confidential, publicApp, confidential })
        {
            var start = await StartAsync(client, "profile openid");
            Assert.Matches(UserCodeShape(), start.UserCode);
            Assert.True(start.DeviceCode.Length >= 43, start.DeviceCode);
            Assert.True(seen.Add(start.DeviceCode) && seen.Add(start.UserCode), "A code came twice.");
            Assert.Equal(Issuer + "/device", start.Json.GetProperty("verification_uri").GetString());
            Assert.Equal(Issuer + "/device?user_code=" + start.UserCode, start.Json.GetProperty("verification_uri_complete").GetString());
            Assert.Equal(600, start.Json.GetProperty("expires_in").GetInt32());
            Assert.Equal(5, start.Json.GetProperty("interval").GetInt32());
            Assert.Equal(6, start.Json.EnumerateObject().Count());
        }

        // Browser apps call it like the token endpoint: from their registered origins only, preflight included.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/oauth/device_authorization");
        preflight.Headers.Add("Origin", "https://client.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var answered = await Backend.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        foreach (var (origin, allowed) in new[] { ("https://client.example", true), ("https://evil.example", false) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/device_authorization")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["client_id"] = publicApp.ClientId, ["scope"] = "openid" }),
            };
            request.Headers.Add("Origin", origin);
            var response = await Backend.SendAsync(request);
            if (allowed)
            {
                await response.Ok();
                Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            }
            else
            {
                await response.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
                Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
            }
        }
    }

    [Fact]
    public async Task Bad_clients_and_scopes_are_refused_as_at_the_token_endpoint()
    {
        var confidential = await app.NewClientAsync();
        var publicApp = await app.NewClientAsync("public");
        const string path = "/oauth/device_authorization";

        await (await Backend.PostOAuthAsync(path, new Dictionary<string, string> { ["scope"] = "openid" })).AssertInvalidClient(usedBasic: false);
        await (await Backend.PostOAuthAsync(path, new Dictionary<string, string> { ["scope"] = "openid" }, TokenHelpers.Basic(confidential.ClientId, "wrong")))
            .AssertInvalidClient(usedBasic: true);
        // A confidential app must authenticate; a public one has no secret to send.
        await (await Backend.PostOAuthAsync(path, new Dictionary<string, string> { ["scope"] = "openid", ["client_id"] = confidential.ClientId }))
            .AssertInvalidClient(usedBasic: false);
        await (await Backend.PostOAuthAsync(path, new Dictionary<string, string> { ["scope"] = "openid", ["client_id"] = publicApp.ClientId, ["client_secret"] = "x" }))
            .AssertInvalidClient(usedBasic: false);

        foreach (var scope in new[] { "", " ", "account", "openid account", "openid nonsense" })
            await (await Backend.PostAsClientAsync(path, publicApp, new() { ["scope"] = scope })).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_scope");
        await (await Backend.PostAsClientAsync(path, confidential, new())).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_scope");

        await (await Backend.PostOAuthAsync(path, [new("client_id", publicApp.ClientId), new("scope", "openid"), new("scope", "profile")]))
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await (await Backend.PostRaw(path, "{\"scope\":\"openid\"}")).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Before_a_decision_polls_are_pending_and_a_fast_poll_slows_the_device_down_by_five_seconds()
    {
        var client = await app.NewClientAsync("public");
        var start = await StartAsync(client);

        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");
        // At once again: too fast. The interval is 10 s from now on.
        var slow = await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "slow_down");
        Assert.Contains("10 seconds", slow.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        // 6 s later is enough for the old interval, not for the raised one (and raises it again, to 15 s).
        app.Clock.Advance(TimeSpan.FromSeconds(6));
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "slow_down");
        app.Clock.Advance(TimeSpan.FromSeconds(16));
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");

        // Once decided, the device hears the decision however fast it asks.
        var person = await app.NewVerifiedUser();
        await ApproveAsync(BrowserOf(person), start.UserCode);
        await (await PollAsync(client, start.DeviceCode)).AssertTokenResponse();
    }

    [Fact]
    public async Task An_allowed_code_gives_the_code_flows_tokens_exactly_once_and_the_app_is_authorized()
    {
        var client = await app.NewClientAsync();
        var person = await app.NewVerifiedUser();
        var start = await StartAsync(client, "openid profile email offline_access");
        var browser = BrowserOf(person);

        var consent = await EnterAsync(browser, start.UserCode);
        Assert.True(consent.Status == HttpStatusCode.OK, consent.Html);
        consent.Response.AssertLockedDownPage();
        Assert.Equal("Allow this device?", consent.Text("h1"));
        Assert.Equal("Anime Tracker", consent.Text("main p strong"));
        Assert.Equal(
            ["Sign you in with your Bangumoe identity", "See your user name, nickname, avatar and intro", "See your email address", "Stay connected while you are away (it can refresh its access)"],
            consent.Document.QuerySelectorAll("main ul li").Select(li => li.TextContent.Trim()).Take(4));
        Assert.Contains(start.UserCode, consent.Text("main")!, StringComparison.Ordinal);
        Assert.Contains(person.Uname, consent.Text("main")!, StringComparison.Ordinal);
        Assert.Equal(start.UserCode, OAuthFlow.FormFields(consent.Html)["user_code"]);
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");

        var allowed = await DecideAsync(browser, start.UserCode, "allow");
        Assert.Equal(HttpStatusCode.SeeOther, allowed.Status);
        var done = await browser.GetAsync(allowed.Location!);
        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Equal("Done", done.Text("h1"));

        app.Clock.Advance(TimeSpan.FromSeconds(5));
        var tokens = await (await PollAsync(client, start.DeviceCode)).AssertTokenResponse();
        Assert.Equal("openid profile email offline_access", tokens.Scope);
        var access = new JsonWebToken(tokens.AccessToken);
        Assert.Equal(person.Uid, access.Subject);
        Assert.Equal(client.ClientId, access.GetClaim("client_id").Value);
        var id = new JsonWebToken(tokens.IdToken);
        Assert.Equal(Issuer, id.Issuer);
        Assert.Equal([client.ClientId], id.Audiences);
        Assert.Equal(person.Uid, id.Subject);
        Assert.False(id.TryGetClaim("nonce", out _));
        Assert.True(id.TryGetClaim("auth_time", out _));
        Assert.Equal(person.Email, id.GetClaim("email").Value);
        var flow = new OAuthFlow(app);
        await flow.AssertAccessWorksAsync(tokens.AccessToken, person.Uid);
        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, person.Uid);

        // Single use: a second redemption gets nothing, and takes nothing away (a device code never passed a browser).
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, person.Uid);
        // And the code cannot be allowed again.
        AssertCodePageError(await EnterAsync(browser, start.UserCode), HttpStatusCode.BadRequest, "This code was already used. If your device is still waiting, start again there.");

        // The person sees the app among those they authorized, as after the code flow.
        var authorized = await (await Backend.Send(HttpMethod.Get, "/api/me/authorizations", person.Token)).Ok();
        var item = Assert.Single(authorized.GetProperty("items").EnumerateArray(), i => i.GetProperty("client_id").GetString() == client.ClientId);
        Assert.Equal("openid profile email offline_access", item.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task A_denied_code_is_access_denied_and_authorizes_nothing()
    {
        var client = await app.NewClientAsync("public");
        var person = await app.NewVerifiedUser();
        var start = await StartAsync(client);
        var browser = BrowserOf(person);
        Assert.Equal(HttpStatusCode.OK, (await EnterAsync(browser, start.UserCode)).Status);
        var denied = await DecideAsync(browser, start.UserCode, "deny");
        Assert.Equal(HttpStatusCode.SeeOther, denied.Status);
        Assert.Equal("Access denied", (await browser.GetAsync(denied.Location!)).Text("h1"));

        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "access_denied");
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "access_denied");
        // Deny cannot be turned into Allow afterwards.
        var again = await DecideAsync(browser, start.UserCode, "allow");
        AssertCodePageError(again, HttpStatusCode.BadRequest, "This code was already used. If your device is still waiting, start again there.");
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "access_denied");
        var authorized = await (await Backend.Send(HttpMethod.Get, "/api/me/authorizations", person.Token)).Ok();
        Assert.DoesNotContain(authorized.GetProperty("items").EnumerateArray(), i => i.GetProperty("client_id").GetString() == client.ClientId);
    }

    [Fact]
    public async Task An_expired_code_is_expired_token_for_the_device_and_says_so_on_the_page()
    {
        var client = await app.NewClientAsync("public");
        var person = await app.NewVerifiedUser();
        var start = await StartAsync(client);
        var browser = BrowserOf(person);
        app.Clock.Advance(TimeSpan.FromSeconds(601));
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "expired_token");
        AssertCodePageError(await EnterAsync(browser, start.UserCode), HttpStatusCode.BadRequest, "This code has expired. Start again on your device to get a new one.");
        AssertCodePageError(await DecideAsync(browser, start.UserCode, "allow"), HttpStatusCode.BadRequest, "This code has expired. Start again on your device to get a new one.");
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "expired_token");
    }

    [Fact]
    public async Task A_device_code_works_only_for_its_own_client_and_only_as_issued()
    {
        var owner = await app.NewClientAsync();
        var other = await app.NewClientAsync();
        var start = await StartAsync(owner);

        // Another client learns nothing and uses nothing up: not even a poll is counted for the owner.
        await (await PollAsync(other, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await (await PollAsync(owner, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");
        foreach (var forged in new[] { start.DeviceCode + "x", start.DeviceCode[..^1], start.UserCode.Replace("-", "", StringComparison.Ordinal) + ".garbage", "garbage", new string('B', 8) + "." + start.DeviceCode[9..] })
            await (await PollAsync(owner, forged)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await (await Backend.PostAsClientAsync("/oauth/token", owner, new() { ["grant_type"] = DeviceGrant })).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");

        var person = await app.NewVerifiedUser();
        await ApproveAsync(BrowserOf(person), start.UserCode);
        await (await PollAsync(other, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        var tokens = await (await PollAsync(owner, start.DeviceCode)).AssertTokenResponse();
        Assert.Equal(owner.ClientId, new JsonWebToken(tokens.AccessToken).GetClaim("client_id").Value);
    }

    [Fact]
    public async Task Withdrawing_the_app_between_Allow_and_the_next_poll_leaves_the_device_without_tokens()
    {
        var client = await app.NewClientAsync("public");
        var (start, person) = await AllowedAsync(client);
        Assert.Equal(HttpStatusCode.NoContent, (await Backend.Send(HttpMethod.Delete, $"/api/me/authorizations/{client.ClientId}", person.Token)).StatusCode);
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task A_device_that_sends_a_DPoP_proof_gets_tokens_bound_to_its_key()
    {
        var client = await app.NewClientAsync("public");
        var (start, _) = await AllowedAsync(client);
        using var key = new DPoPClientKey(app.Clock);
        var form = new Dictionary<string, string> { ["grant_type"] = DeviceGrant, ["device_code"] = start.DeviceCode };
        var tokens = await (await Backend.TokenAsync(client, form, key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);
        // A public device's refresh token is bound to the key too: without a proof of it, refreshing fails.
        var refresh = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken! };
        Assert.Equal(HttpStatusCode.BadRequest, (await Backend.TokenAsync(client, new(refresh))).StatusCode);
        await (await Backend.TokenAsync(client, new(refresh), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);
    }

    [Fact]
    public async Task Twenty_parallel_redemptions_of_an_allowed_code_give_tokens_to_exactly_one()
    {
        var client = await app.NewClientAsync();
        var (start, person) = await AllowedAsync(client);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PollAsync(client, start.DeviceCode)));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        var tokens = await winners[0].AssertTokenResponse();
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await loser.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await new OAuthFlow(app).AssertAccessWorksAsync(tokens.AccessToken, person.Uid);
    }

    [Fact]
    public async Task Of_parallel_Allow_and_Deny_presses_on_one_code_exactly_one_decides()
    {
        var client = await app.NewClientAsync("public");
        var person = await app.NewVerifiedUser();
        var start = await StartAsync(client);
        // Five tabs of one person: the most that one account's lookups may have in flight at once (each is counted
        // against guessing until the code is found).
        var tabs = Enumerable.Range(0, 5).Select(_ => BrowserOf(person)).ToList();
        var pages = await Task.WhenAll(tabs.Select((tab, i) => DecideAsync(tab, start.UserCode, i % 2 == 0 ? "allow" : "deny")));
        var decided = Assert.Single(pages, p => p.Status == HttpStatusCode.SeeOther);
        foreach (var other in pages.Where(p => p != decided))
            AssertCodePageError(other, HttpStatusCode.BadRequest, "This code was already used. If your device is still waiting, start again there.");
        var poll = await PollAsync(client, start.DeviceCode);
        if (decided.Location == "/device/done?result=allowed") await poll.AssertTokenResponse();
        else await poll.AssertOAuthError(HttpStatusCode.BadRequest, "access_denied");
    }

    [Fact]
    public async Task A_user_code_is_read_without_regard_to_case_dashes_and_spaces_and_the_link_prefills_it()
    {
        var client = await app.NewClientAsync("public");
        var person = await app.NewVerifiedUser();
        var browser = BrowserOf(person);
        foreach (var typed in new Func<string, string>[]
        {
            c => c.ToLowerInvariant(),
            c => c.Replace("-", "", StringComparison.Ordinal),
            c => " " + string.Join(' ', c.ToLowerInvariant().ToCharArray()) + " ",
            c => c[..2] + "--" + c[2..].ToLowerInvariant(),
        })
        {
            var start = await StartAsync(client);
            var consent = await EnterAsync(browser, typed(start.UserCode));
            Assert.True(consent.Status == HttpStatusCode.OK, $"'{typed(start.UserCode)}': {consent.Html}");
            Assert.Equal(start.UserCode, OAuthFlow.FormFields(consent.Html)["user_code"]);
        }

        var prefilled = await StartAsync(client);
        var link = prefilled.Json.GetProperty("verification_uri_complete").GetString()!;
        var page = await browser.GetAsync(new Uri(link).PathAndQuery.Replace(prefilled.UserCode, prefilled.UserCode.ToLowerInvariant(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(prefilled.UserCode, page.FieldValue("user_code"));
        // A GET only fills the field: the code is still waiting for Continue.
        await (await PollAsync(client, prefilled.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");

        // Not a code at all: said so, and not counted as a guess.
        foreach (var malformed in new[] { "", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "BCDF-GHJ1", new string('B', 70) })
            AssertCodePageError(await EnterAsync(browser, malformed), HttpStatusCode.BadRequest, "A code is 8 letters without vowels, like BCDF-GHJK. Check it on your device's screen.");
        var still = await StartAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await EnterAsync(browser, still.UserCode)).Status);
    }

    [Fact]
    public async Task The_page_sends_strangers_to_sign_in_and_speaks_both_languages()
    {
        var client = await app.NewClientAsync("public");
        var start = await StartAsync(client, "openid collection:read");

        var stranger = await new PageClient(app).GetAsync("/device?user_code=" + start.UserCode);
        Assert.Equal(HttpStatusCode.SeeOther, stranger.Status);
        Assert.Equal("/login?return_to=" + Uri.EscapeDataString("/device?user_code=" + start.UserCode), stranger.Location);
        var strangerPost = await new PageClient(app).PostAsync("/device", new { user_code = start.UserCode, action = "allow" });
        Assert.Equal(HttpStatusCode.SeeOther, strangerPost.Status);
        Assert.StartsWith("/login?return_to=", strangerPost.Location, StringComparison.Ordinal);

        var person = await app.NewVerifiedUser();
        var english = await BrowserOf(person).GetAsync("/device");
        Assert.Equal(HttpStatusCode.OK, english.Status);
        english.Response.AssertLockedDownPage();
        Assert.Equal("Connect a device", english.Text("h1"));
        Assert.Equal("Code", english.Text("label[for='user_code']"));
        Assert.Equal(43, OAuthFlow.FormFields(english.Html)["csrf"].Length);

        var chinese = BrowserOf(person, "zh-CN");
        var code = await chinese.GetAsync("/device");
        Assert.Equal("连接设备", code.Text("h1"));
        Assert.Contains("<html lang=\"zh-Hans\">", code.Html, StringComparison.Ordinal);
        Assert.Equal("继续", code.Text("button[value='continue']"));
        AssertCodePageError(await EnterAsync(chinese, "nope"), HttpStatusCode.BadRequest, "代码是 8 个不含元音的字母，例如 BCDF-GHJK。请对照设备屏幕检查。");
        var consent = await EnterAsync(chinese, start.UserCode);
        Assert.Equal(HttpStatusCode.OK, consent.Status);
        Assert.Equal("允许这台设备吗？", consent.Text("h1"));
        Assert.Equal("允许", consent.Text("button[value='allow']"));
        Assert.Equal("拒绝", consent.Text("button[value='deny']"));
        Assert.Contains("用你的 Bangumoe 身份登录", consent.Text("main ul")!, StringComparison.Ordinal);
        var allowed = await DecideAsync(chinese, start.UserCode, "allow");
        Assert.Equal("完成", (await chinese.GetAsync(allowed.Location!)).Text("h1"));
        Assert.Equal("已拒绝访问", (await chinese.GetAsync("/device/done?result=denied")).Text("h1"));
    }

    [Fact]
    public async Task Guessing_user_codes_is_limited_per_account_and_per_address()
    {
        var client = await app.NewClientAsync("public");
        var guesser = await app.NewVerifiedUser();
        var accomplice = await app.NewVerifiedUser();
        var address = AccountTestHelpers.NewAddress();
        var guessing = BrowserOf(guesser, address: address);
        var start = await StartAsync(client);
        var wrong = start.UserCode == "BBBB-BBBB" ? "CCCC-CCCC" : "BBBB-BBBB";

        // A right code does not count: typing it between wrong ones leaves the budget of 5 wrong ones.
        Assert.Equal(HttpStatusCode.OK, (await EnterAsync(guessing, start.UserCode)).Status);
        for (var i = 0; i < 5; i++)
            AssertCodePageError(await EnterAsync(guessing, wrong), HttpStatusCode.BadRequest, "No device is waiting for this code. Check it on your device's screen.");
        var refused = await EnterAsync(guessing, start.UserCode);
        Assert.True(refused.Status == (HttpStatusCode)429, refused.Html);
        Assert.Contains("Too many wrong codes. Wait 10 minutes and try again.", refused.Html, StringComparison.Ordinal);
        Assert.InRange(refused.Response.RetryAfterSeconds(), 1, 600);
        // The limit is the account's: another address does not help, and Allow is a lookup too.
        Assert.Equal((HttpStatusCode)429, (await EnterAsync(BrowserOf(guesser), start.UserCode)).Status);
        Assert.Equal((HttpStatusCode)429, (await DecideAsync(BrowserOf(guesser), start.UserCode, "allow")).Status);
        await (await PollAsync(client, start.DeviceCode)).AssertOAuthError(HttpStatusCode.BadRequest, "authorization_pending");

        // And the address's: another account on it has 3 wrong codes left (8 per address), then is refused too...
        var sameAddress = BrowserOf(accomplice, address: address);
        for (var i = 0; i < 3; i++)
            AssertCodePageError(await EnterAsync(sameAddress, wrong), HttpStatusCode.BadRequest, "No device is waiting for this code. Check it on your device's screen.");
        Assert.Equal((HttpStatusCode)429, (await EnterAsync(sameAddress, start.UserCode)).Status);
        // ...while that account, elsewhere, still may (its own count is 3, and refused lookups were not counted).
        Assert.Equal(HttpStatusCode.OK, (await EnterAsync(BrowserOf(accomplice), start.UserCode)).Status);

        // After the window both may again.
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await StartAsync(client);
        await ApproveAsync(guessing, fresh.UserCode);
    }
}
