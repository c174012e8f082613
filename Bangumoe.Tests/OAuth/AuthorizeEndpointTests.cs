using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// <c>/oauth/authorize</c> from the browser's side: redirect URIs verified before anything is sent back (checklist B1),
/// errors after that sent back with state and iss (B4, RFC 9207), the login and consent pages with their headers,
/// cookies and CSRF protection, login throttling shared with the API, remembered and withdrawn consent, prompt and
/// max_age (B9), unknown parameters (RFC 6749 §3.1), and the codes themselves (B2, B10).
/// </summary>
public sealed class AuthorizeEndpointTests(DefaultApp app, Emulators emulators) : IClassFixture<DefaultApp>
{
    private const string Callback = OAuthFlow.RedirectUri;

    /// <summary>Theory data for "leave the parameter out".</summary>
    private const string Missing = "<missing>";

    private async Task<(OAuthFlow Flow, RegisteredClient Client, TestUser User)> SetupAsync(
        BangumoeApp? on = null, string name = "Anime Tracker", params string[] redirectUris)
    {
        var a = on ?? app;
        var developer = a.NewVerifiedUser();
        var user = a.NewVerifiedUser();
        var client = await a.RegisterAppAsync(await developer, name, "confidential", redirectUris);
        return (a.NewFlow(), client, await user);
    }

    private static string Challenge() => OAuthFlow.Pkce().Challenge;

    /// <summary>Posts the fields as a form, optionally with an Origin header.</summary>
    private static async Task<HttpResponseMessage> PostFieldsAsync(HttpClient browser, Dictionary<string, string> fields, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/authorize") { Content = new FormUrlEncodedContent(fields) };
        if (origin is not null) request.Headers.TryAddWithoutValidation("Origin", origin);
        return await browser.SendAsync(request);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> fields, params (string Name, string? Value)[] changes)
    {
        var copy = new Dictionary<string, string>(fields, StringComparer.Ordinal);
        foreach (var (name, value) in changes)
        {
            if (value is null) copy.Remove(name);
            else copy[name] = value;
        }
        return copy;
    }

    // ---- 1. The redirect URI is verified before anything is sent back ------------------------------------------

    public static TheoryData<string> NearMissRedirectUris =>
    [
        "https://client.example/callback/",                          // trailing slash
        "https://client.example/callback//",
        "https://Client.example/callback",                           // host case
        "https://CLIENT.EXAMPLE/callback",
        "https://client.example/Callback",                           // path case
        "HTTPS://client.example/callback",                           // scheme case
        "https://client.example/callback?x=1",                       // extra query
        "https://client.example/callback?",                          // empty query
        "https://client.example/callback?redirect=https://evil.example",
        "https://client.example/callback#frag",                      // fragment
        "https://client.example/callback#",
        "https://client.example/x/../callback",                      // dot segments
        "https://client.example/callback/../callback",
        "https://client.example/./callback",
        "https://client.example/%63allback",                         // percent-encoding of unreserved characters
        "https://client.example/callback%2F",
        "https://client.example/%2e%2e/callback",
        "https://client.example/callback%00",
        "https://evil.example/callback",                             // other hosts
        "https://client.example.evil.example/callback",
        "https://evil.example/https://client.example/callback",
        "https://evilclient.example/callback",
        "https://client.example./callback",                          // trailing dot
        "https://client.example@evil.example/callback",              // user info tricks
        "https://evil.example@client.example/callback",
        "https://client.example%40evil.example/callback",
        "https://client.example\\@evil.example/callback",
        "http://client.example/callback",                            // http instead of https
        "https://client.example:443/callback",                       // ports, even the default one
        "https://client.example:8443/callback",
        "https://client.example/callbackx",                          // prefixes
        "https://client.example/callbac",
        "https://client.example",
        "//client.example/callback",                                 // not absolute
        "/callback",
        " https://client.example/callback",                          // whitespace
        "https://client.example/callback ",
        "https://client.example/callback\n",
        "https://client.example/callback?<script>alert(1)</script>", // and the page must not reflect markup
        "javascript:alert(1)//https://client.example/callback",
        "",                                                          // empty
        Missing,                                                     // missing
    ];

    [Theory]
    [MemberData(nameof(NearMissRedirectUris))]
    public async Task A_near_miss_redirect_uri_gets_an_error_page_never_a_redirect(string value)
    {
        var redirectUri = value == Missing ? null : value;
        var client = await app.SharedClientAsync();
        var because = $"redirect_uri {(redirectUri is null ? "(missing)" : "'" + redirectUri + "'")}";

        // Everything else valid.
        var valid = AuthorizeQuery.For(client, Challenge()).Set("redirect_uri", redirectUri);
        var html = await (await app.NewBrowser().GetAsync(valid.Url)).AssertPage(HttpStatusCode.BadRequest, because);
        Assert.Contains("redirect_uri", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("name=\"password\"", html, StringComparison.Ordinal);

        // Everything else wrong too: still nothing may be sent to the unverified URI.
        var worse = AuthorizeQuery.For(client, Challenge()).Set("redirect_uri", redirectUri)
            .Set("response_type", "token").Set("code_challenge", null).Set("code_challenge_method", "plain")
            .Set("scope", "account").Set("prompt", "none login").Set("max_age", "abc").Add("state", "again").Set("request", "eyJhbGciOiJub25lIn0.e30.");
        await (await app.NewBrowser().GetAsync(worse.Url)).AssertPage(HttpStatusCode.BadRequest, because + " with other errors");

        // The same URI slipped into the posted login form (with a good CSRF token) is refused before any sign-in.
        var browser = app.NewBrowser();
        var loginHtml = await (await browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url)).AssertLoginPage();
        var posted = await PostFieldsAsync(browser, With(OAuthFlow.FormFields(loginHtml),
            ("redirect_uri", redirectUri), ("action", "login"), ("login", "nobody@example.com"), ("password", "irrelevant")));
        await posted.AssertPage(HttpStatusCode.BadRequest, because + " in the login form");
        posted.AssertNoSessionCookie();
    }

    public static TheoryData<string> BadClientIds =>
    [
        "no-such-client",
        "",
        "a/b",
        "../../Clients",
        "x' or '1'='1",
        new string('a', 65),
        Missing,
    ];

    [Theory]
    [MemberData(nameof(BadClientIds))]
    public async Task An_unknown_or_missing_client_id_gets_an_error_page(string value)
    {
        var clientId = value == Missing ? null : value;
        var client = await app.SharedClientAsync();
        var query = AuthorizeQuery.For(client, Challenge()).Set("client_id", clientId);
        var html = await (await app.NewBrowser().GetAsync(query.Url)).AssertPage(HttpStatusCode.BadRequest, $"client_id '{clientId}'");
        Assert.Contains("client_id", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_id_in_another_case_is_unknown()
    {
        var client = await app.SharedClientAsync();
        foreach (var changed in new[] { client.ClientId.ToUpperInvariant(), client.ClientId.ToLowerInvariant(), " " + client.ClientId, client.ClientId + " " }
                     .Where(id => id != client.ClientId))
        {
            var query = AuthorizeQuery.For(client, Challenge()).Set("client_id", changed);
            await (await app.NewBrowser().GetAsync(query.Url)).AssertPage(HttpStatusCode.BadRequest, $"client_id '{changed}'");
        }
    }

    [Fact]
    public async Task A_repeated_client_id_or_redirect_uri_gets_an_error_page()
    {
        var client = await app.SharedClientAsync();
        var other = await app.RegisterAppAsync(await app.NewVerifiedUser(), "Other App");
        var cases = new Dictionary<string, AuthorizeQuery>(StringComparer.Ordinal)
        {
            ["client_id twice, same value"] = AuthorizeQuery.For(client, Challenge()).Add("client_id", client.ClientId),
            ["client_id twice, another app"] = AuthorizeQuery.For(client, Challenge()).Add("client_id", other.ClientId),
            ["redirect_uri twice, same value"] = AuthorizeQuery.For(client, Challenge()).Add("redirect_uri", Callback),
            ["redirect_uri twice, evil second"] = AuthorizeQuery.For(client, Challenge()).Add("redirect_uri", "https://evil.example/cb"),
            ["redirect_uri twice, evil first"] = AuthorizeQuery.For(client, Challenge()).Set("redirect_uri", "https://evil.example/cb").Add("redirect_uri", Callback),
            ["both twice"] = AuthorizeQuery.For(client, Challenge()).Add("client_id", client.ClientId).Add("redirect_uri", Callback),
        };
        foreach (var (name, query) in cases)
        {
            var html = await (await app.NewBrowser().GetAsync(query.Url)).AssertPage(HttpStatusCode.BadRequest, name);
            Assert.Contains("repeat", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    // ---- 2. After the redirect URI is verified, errors go back to the app -------------------------------------

    public static TheoryData<string, string> InvalidRequests => new()
    {
        { "-response_type", "invalid_request" },
        { "response_type=", "invalid_request" },
        { "response_type=token", "unsupported_response_type" },
        { "response_type=id_token", "unsupported_response_type" },
        { "response_type=code id_token", "unsupported_response_type" },
        { "response_type=code token", "unsupported_response_type" },
        { "response_type=CODE", "unsupported_response_type" },
        { "+response_type=code", "invalid_request" },
        { "response_mode=fragment", "invalid_request" },
        { "response_mode=form_post", "invalid_request" },
        { "-code_challenge", "invalid_request" },
        { "-code_challenge|-code_challenge_method", "invalid_request" },
        { "code_challenge=", "invalid_request" },
        { "code_challenge_method=plain", "invalid_request" },
        { "-code_challenge_method", "invalid_request" },
        { "code_challenge_method=", "invalid_request" },
        { "code_challenge_method=s256", "invalid_request" },
        { "code_challenge=" + new string('A', 42), "invalid_request" },
        { "code_challenge=" + new string('A', 44), "invalid_request" },
        { "code_challenge=" + new string('A', 42) + "=", "invalid_request" },
        { "code_challenge=+" + new string('A', 42), "invalid_request" },
        { "code_challenge=/" + new string('A', 42), "invalid_request" },
        { "code_challenge= " + new string('A', 42), "invalid_request" },
        { "code_challenge=" + new string('A', 128), "invalid_request" },
        { "+code_challenge=" + new string('A', 43), "invalid_request" },
        { "scope=openid unknown", "invalid_scope" },
        { "scope=account", "invalid_scope" },
        { "scope=openid account", "invalid_scope" },
        { "scope=OPENID", "invalid_scope" },
        { "-scope", "invalid_scope" },
        { "scope=", "invalid_scope" },
        { "scope=   ", "invalid_scope" },
        { "+scope=openid", "invalid_request" },
        { "+scope=account", "invalid_request" },
        { "request=eyJhbGciOiJub25lIn0.e30.", "request_not_supported" },
        { "request=", "request_not_supported" },
        // request_uri names a pushed request now (RFC 9126), and the rest of such a query is ignored: an unknown one is an
        // error page, not a redirect (PushedAuthorizationTests).
        { "prompt=bogus", "invalid_request" },
        { "prompt=select_account", "invalid_request" },
        { "prompt=none login", "invalid_request" },
        { "prompt=none consent", "invalid_request" },
        { "prompt=login|+prompt=none", "invalid_request" },
        { "max_age=abc", "invalid_request" },
        { "max_age=-1", "invalid_request" },
        { "max_age=1.5", "invalid_request" },
        { "max_age=", "invalid_request" },
        { "nonce=" + new string('n', 513), "invalid_request" },
        { "nonce=a|+nonce=b", "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task An_invalid_request_is_sent_back_with_error_state_and_iss(string changes, string error)
    {
        var client = await app.SharedClientAsync();
        var query = AuthorizeQuery.For(client, Challenge()).Apply(changes);
        var response = await app.NewBrowser().GetAsync(query.Url);
        var back = response.AssertErrorBack(Callback, error, because: changes);
        Assert.False(string.IsNullOrEmpty(back.GetValueOrDefault("error_description")), "no error_description");
        response.AssertNoSessionCookie();
    }

    [Fact]
    public async Task An_error_sent_back_without_a_state_carries_no_state()
    {
        var client = await app.SharedClientAsync();
        var query = AuthorizeQuery.For(client, Challenge(), state: null).Set("response_type", "token");
        (await app.NewBrowser().GetAsync(query.Url)).AssertErrorBack(Callback, "unsupported_response_type", state: null);
    }

    [Fact]
    public async Task A_repeated_state_is_invalid_request_and_neither_value_is_echoed()
    {
        var client = await app.SharedClientAsync();
        var query = AuthorizeQuery.For(client, Challenge()).Add("state", "second");
        (await app.NewBrowser().GetAsync(query.Url)).AssertErrorBack(Callback, "invalid_request", state: null);
    }

    [Fact]
    public async Task A_redirect_uri_with_a_query_keeps_it_and_gets_the_answer_appended()
    {
        const string tenant = "https://client.example/cb?tenant=1";
        var (flow, client, user) = await SetupAsync(redirectUris: tenant);

        var error = await app.NewBrowser().GetAsync(AuthorizeQuery.For(client, Challenge()).Set("response_type", "token").Url);
        var back = error.AssertErrorBack(tenant, "unsupported_response_type");
        Assert.Equal("1", back["tenant"]);

        var (verifier, challenge) = OAuthFlow.Pkce();
        var code = await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, challenge), client, user);
        var again = await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url);
        Assert.Equal("1", again.AssertRedirectBack(tenant)["tenant"]);
        Assert.Equal("tenant=1", new Uri(again.RawLocation()!).Query.TrimStart('?').Split('&')[0]);

        // The URI with its query is the one the code is bound to.
        await (await flow.RedeemAsync(client, code, verifier, tenant)).Ok();
    }

    public static TheoryData<string> UnknownParameters => ["foo", "action", "csrf", "login", "password"];

    /// <summary>RFC 6749 §3.1: the server MUST ignore unrecognized request parameters, whatever their names.</summary>
    [Theory]
    [MemberData(nameof(UnknownParameters))]
    public async Task An_unknown_parameter_is_ignored_through_sign_in_and_consent(string name)
    {
        var (flow, client, user) = await SetupAsync();
        var query = AuthorizeQuery.For(client, Challenge()).Set(name, "from-the-app");

        var loginHtml = await (await flow.Browser.GetAsync(query.Url)).AssertLoginPage($"with {name}=from-the-app");
        var afterLogin = await flow.Browser.SubmitLikeBrowserAsync(loginHtml, "login", ("login", user.Email), ("password", user.Password));
        Assert.True(afterLogin.StatusCode == HttpStatusCode.SeeOther,
            $"sign-in with an extra '{name}' parameter: expected 303, got {(int)afterLogin.StatusCode}: {await afterLogin.Content.ReadAsStringAsync()}");
        var consentHtml = await (await flow.Browser.GetAsync(afterLogin.RawLocation())).AssertConsentPage($"consent with {name}");
        var allowed = await flow.Browser.SubmitLikeBrowserAsync(consentHtml, "allow");
        allowed.AssertCodeBack(Callback, because: $"Allow with an extra '{name}' parameter");
    }

    // ---- 3. The login page ---------------------------------------------------------------------------------------

    [Fact]
    public async Task The_login_page_names_the_app_sets_a_strict_csrf_cookie_and_cannot_be_framed()
    {
        const string name = "Tracker <b>&</b> Ü";
        var (flow, client, _) = await SetupAsync(name: name);

        var response = await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url);
        var html = await response.AssertLoginPage();
        Assert.Equal(name, new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).QuerySelector("main p strong")?.TextContent);
        Assert.DoesNotContain("<b>&</b>", html, StringComparison.Ordinal);

        var fields = OAuthFlow.FormFields(html);
        Assert.Equal(client.ClientId, fields["client_id"]);
        Assert.Equal(Callback, fields["redirect_uri"]);
        Assert.Equal(AuthorizeHelpers.OddState, fields["state"]);

        var csrf = response.Cookie("bgm_csrf");
        Assert.NotNull(csrf);
        Assert.Equal(fields["csrf"], csrf.Value);
        Assert.True(csrf.Has("httponly"), csrf.Raw);
        Assert.Equal("strict", csrf.Attribute("samesite")?.ToLowerInvariant());
        Assert.Equal("/", csrf.Attribute("path"));
        Assert.False(csrf.Has("secure"), csrf.Raw);
        response.AssertNoSessionCookie();
    }

    public static TheoryData<string> CsrfFailures => ["missing", "empty", "wrong", "other-browser", "no-cookie", "evil-origin", "lookalike-origin", "https-origin"];

    [Theory]
    [MemberData(nameof(CsrfFailures))]
    public async Task A_login_post_without_a_valid_csrf_token_is_refused(string variant)
    {
        var (flow, client, user) = await SetupAsync();
        var url = AuthorizeQuery.For(client, Challenge()).Url;
        var fields = With(OAuthFlow.FormFields(await (await flow.Browser.GetAsync(url)).AssertLoginPage()),
            ("action", "login"), ("login", user.Email), ("password", user.Password));
        var otherBrowser = app.NewBrowser();
        var otherToken = OAuthFlow.FormFields(await (await otherBrowser.GetAsync(url)).AssertLoginPage())["csrf"];

        var response = variant switch
        {
            "missing" => await PostFieldsAsync(flow.Browser, With(fields, ("csrf", null))),
            "empty" => await PostFieldsAsync(flow.Browser, With(fields, ("csrf", ""))),
            "wrong" => await PostFieldsAsync(flow.Browser, With(fields, ("csrf", OAuthFlow.Pkce().Challenge))),
            "other-browser" => await PostFieldsAsync(flow.Browser, With(fields, ("csrf", otherToken))),
            "no-cookie" => await PostFieldsAsync(app.NewBrowser(), fields),
            "evil-origin" => await PostFieldsAsync(flow.Browser, fields, "https://evil.example"),
            "lookalike-origin" => await PostFieldsAsync(flow.Browser, fields, "http://bangumoe.test.evil.example"),
            "https-origin" => await PostFieldsAsync(flow.Browser, fields, "https://bangumoe.test"),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        await response.AssertPage(HttpStatusCode.Forbidden, variant);
        response.AssertNoSessionCookie();

        // Not signed in: the same request still asks for the password.
        await (await flow.Browser.GetAsync(url)).AssertLoginPage("after the refused post");
    }

    [Fact]
    public async Task A_wrong_password_or_unknown_login_shows_the_page_again_with_401()
    {
        var (flow, client, user) = await SetupAsync();
        var url = AuthorizeQuery.For(client, Challenge()).Url;
        var loginHtml = await (await flow.Browser.GetAsync(url)).AssertLoginPage();

        foreach (var (login, password) in new[] { (user.Email, "wrong password"), (user.Uname, "wrong password"), (TestApi.NewEmail(), user.Password), (TestApi.NewUname(), user.Password) })
        {
            var response = await flow.PostLoginAsync(loginHtml, login, password);
            var html = await response.AssertPage(HttpStatusCode.Unauthorized, $"{login} / {password}");
            Assert.Contains("class=\"error\"", html, StringComparison.Ordinal);
            Assert.Contains("password is wrong", html, StringComparison.Ordinal);
            AuthorizeHelpers.AssertLoginForm(html);
            response.AssertNoSessionCookie();
        }
        await (await flow.Browser.GetAsync(url)).AssertLoginPage("still signed out");
    }

    [Fact]
    public async Task An_unverified_user_cannot_sign_in()
    {
        var (flow, client, _) = await SetupAsync();
        var uname = TestApi.NewUname();
        var email = uname + "@example.com";
        await app.NewClient().Register(uname, email, AccountTestHelpers.Password);

        var url = AuthorizeQuery.For(client, Challenge()).Url;
        var response = await flow.PostLoginAsync(await (await flow.Browser.GetAsync(url)).AssertLoginPage(), email, AccountTestHelpers.Password);
        var html = await response.AssertPage(HttpStatusCode.Forbidden, "unverified");
        Assert.Contains("Verify your email", html, StringComparison.Ordinal);
        response.AssertNoSessionCookie();
        await (await flow.Browser.GetAsync(url)).AssertLoginPage("still signed out");
    }

    [Fact]
    public async Task Signing_in_answers_303_back_to_the_request_with_a_lax_httponly_session_cookie()
    {
        var (flow, client, user) = await SetupAsync();
        var query = AuthorizeQuery.For(client, Challenge(), "openid profile email").Set("nonce", "n-0S6_WzA2Mj");
        var loginHtml = await (await flow.Browser.GetAsync(query.Url)).AssertLoginPage();

        // A same-origin Origin header is fine.
        var response = await PostFieldsAsync(flow.Browser,
            With(OAuthFlow.FormFields(loginHtml), ("action", "login"), ("login", user.Uname), ("password", user.Password)), AuthorizeHelpers.Issuer);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"Cache-Control {response.Headers.CacheControl}");
        var location = response.RawLocation()!;
        Assert.StartsWith("/oauth/authorize?", location, StringComparison.Ordinal);
        var back = AuthorizeHelpers.QueryOf(location);
        Assert.Equal(["client_id", "code_challenge", "code_challenge_method", "nonce", "redirect_uri", "response_type", "scope", "state"],
            back.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(AuthorizeHelpers.QueryOf(query.Url).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value.Single())),
            back.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value.Single())));

        var session = response.Cookie("bgm_session");
        Assert.NotNull(session);
        Assert.Null(response.Cookie("__Host-bgm_session"));
        Assert.True(session.Value.Length > 20, session.Raw);
        Assert.True(session.Has("httponly"), session.Raw);
        Assert.Equal("lax", session.Attribute("samesite")?.ToLowerInvariant());
        Assert.Equal("/", session.Attribute("path"));
        Assert.False(session.Has("secure"), $"issuer is http, yet: {session.Raw}");
        Assert.False(session.Has("domain"), session.Raw);
        Assert.DoesNotContain(user.Password, location, StringComparison.Ordinal);

        // The session works: the next hop is the consent page.
        await (await flow.Browser.GetAsync(location)).AssertConsentPage();
    }

    [Fact]
    public async Task Over_https_the_cookies_are_host_prefixed_and_secure()
    {
        const string issuer = "https://id.bangumoe.test";
        await using var secure = new BangumoeApp(emulators, new Dictionary<string, string?> { ["PublicBaseUrl"] = issuer });
        var (_, client, user) = await SetupAsync(secure);
        var browser = secure.NewBrowser(new Uri("https://localhost"));
        var query = AuthorizeQuery.For(client, Challenge());

        var page = await browser.GetAsync(query.Url);
        var loginHtml = await page.AssertLoginPage();
        var csrf = page.Cookie("__Host-bgm_csrf");
        Assert.NotNull(csrf);
        Assert.Null(page.Cookie("bgm_csrf"));
        Assert.True(csrf.Has("secure") && csrf.Has("httponly"), csrf.Raw);
        Assert.Equal("strict", csrf.Attribute("samesite")?.ToLowerInvariant());

        var response = await PostFieldsAsync(browser,
            With(OAuthFlow.FormFields(loginHtml), ("action", "login"), ("login", user.Email), ("password", user.Password)), issuer);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var raw = string.Join("\n", response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("__Host-bgm_session=", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\nbgm_session=", "\n" + raw, StringComparison.Ordinal);
        var session = response.Cookie("__Host-bgm_session")!;
        Assert.True(session.Has("secure"), session.Raw);
        Assert.True(session.Has("httponly"), session.Raw);
        Assert.Equal("lax", session.Attribute("samesite")?.ToLowerInvariant());
        Assert.Equal("/", session.Attribute("path"));
        Assert.False(session.Has("domain"), session.Raw);
        Assert.Null(response.Cookie("bgm_device"));
        var device = response.Cookie("__Host-bgm_device")!;
        Assert.True(device.Has("secure") && device.Has("httponly"), device.Raw);
        Assert.Equal("lax", device.Attribute("samesite")?.ToLowerInvariant());
        Assert.Equal("/", device.Attribute("path"));

        // And the flow completes with that issuer in iss.
        var consentHtml = await (await browser.GetAsync(response.RawLocation())).AssertConsentPage();
        var allowed = await PostFieldsAsync(browser, With(OAuthFlow.FormFields(consentHtml), ("action", "allow")));
        allowed.AssertCodeBack(Callback, issuer: issuer);
    }

    [Fact]
    public async Task Failed_sign_ins_on_the_page_lock_the_api_login()
    {
        await using var strict = new BangumoeApp(emulators, new Dictionary<string, string?> { ["LoginThrottle:AccountMaxFailures"] = "3" });
        var (flow, client, user) = await SetupAsync(strict);
        var loginHtml = await (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url)).AssertLoginPage();
        for (var i = 0; i < 3; i++)
            await (await flow.PostLoginAsync(loginHtml, user.Email, "wrong " + i)).AssertPage(HttpStatusCode.Unauthorized, "failure " + i);

        var api = strict.NewClient();
        var locked = await api.PostLogin(new { email = user.Email, password = user.Password });
        await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(locked.RetryAfterSeconds(), 1, 60);

        // The page itself refuses the right password too.
        var page = await flow.PostLoginAsync(loginHtml, user.Email, user.Password);
        await page.AssertPage((HttpStatusCode)429, "page after lock");
        page.AssertNoSessionCookie();
    }

    [Fact]
    public async Task Failed_api_logins_lock_the_sign_in_page()
    {
        await using var strict = new BangumoeApp(emulators, new Dictionary<string, string?> { ["LoginThrottle:AccountMaxFailures"] = "3" });
        var (flow, client, user) = await SetupAsync(strict);
        var api = strict.NewClient();
        for (var i = 0; i < 3; i++)
            await (await api.PostLogin(new { email = user.Email, password = "wrong " + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var loginHtml = await (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url)).AssertLoginPage();
        var response = await flow.PostLoginAsync(loginHtml, user.Uname, user.Password);
        var html = await response.AssertPage((HttpStatusCode)429, "page after API failures");
        Assert.Contains("Too many", html, StringComparison.Ordinal);
        Assert.InRange(response.RetryAfterSeconds(), 1, 60);
        response.AssertNoSessionCookie();
        AuthorizeHelpers.AssertLoginForm(html);
    }

    // ---- 4. The consent page ------------------------------------------------------------------------------------

    [Fact]
    public async Task The_consent_page_names_the_app_the_user_and_the_requested_scopes()
    {
        var (flow, client, user) = await SetupAsync(name: "Consent Checker");
        var query = AuthorizeQuery.For(client, Challenge(), "openid profile email collection:read");
        var html = await (await flow.SignInAndContinueAsync(query.Url, user)).AssertConsentPage();

        Assert.Contains("Consent Checker", html, StringComparison.Ordinal);
        Assert.Contains(user.Uname, html, StringComparison.Ordinal);
        Assert.Contains("Sign you in with your Bangumoe identity", html, StringComparison.Ordinal);
        Assert.Contains("See your user name", html, StringComparison.Ordinal);
        Assert.Contains("See your email address", html, StringComparison.Ordinal);
        Assert.Contains("See your anime collection", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Stay connected", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Add, change and remove", html, StringComparison.Ordinal);
        Assert.Equal(AuthorizeHelpers.OddState, OAuthFlow.FormFields(html)["state"]);
    }

    [Fact]
    public async Task Deny_sends_access_denied_back_and_records_nothing()
    {
        var (flow, client, user) = await SetupAsync();
        var consentHtml = await (await flow.SignInAndContinueAsync(AuthorizeQuery.For(client, Challenge()).Url, user)).AssertConsentPage();

        var denied = await flow.PostFormAsync(consentHtml, new() { ["action"] = "deny" });
        denied.AssertErrorBack(Callback, "access_denied", because: "Deny");

        var silent = await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url);
        silent.AssertErrorBack(Callback, "consent_required", because: "after Deny");
    }

    [Fact]
    public async Task Allow_sends_a_code_back_with_state_and_iss()
    {
        var (flow, client, user) = await SetupAsync();
        var (verifier, challenge) = OAuthFlow.Pkce();
        var code = await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, challenge, "openid email"), client, user);
        Assert.True(code.Length >= 43, code);

        var tokens = await (await flow.RedeemAsync(client, code, verifier)).Ok();
        Assert.Equal("openid email", tokens.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Consent_is_remembered_per_app_and_scope_set()
    {
        var (flow, client, user) = await SetupAsync(name: "First App");
        await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, Challenge(), "openid profile"), client, user);

        // The same set, in any order, or a subset: straight back with a code.
        foreach (var scope in new[] { "openid profile", "profile openid", "openid", "profile", "openid openid profile" })
            (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), scope).Url)).AssertCodeBack(Callback, because: scope);

        // A superset asks again, naming what is asked for.
        var superset = await (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), "openid profile email").Url)).AssertConsentPage("superset");
        Assert.Contains("See your email address", superset, StringComparison.Ordinal);
        await (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), "collection:write").Url)).AssertConsentPage("another scope");

        // prompt=consent always asks.
        var forced = await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), "openid").Set("prompt", "consent").Url);
        var forcedHtml = await forced.AssertConsentPage("prompt=consent");
        (await flow.PostFormAsync(forcedHtml, new() { ["action"] = "allow" })).AssertCodeBack(Callback, because: "allow after prompt=consent");

        // Another app of the same developer does not inherit the consent.
        var other = await app.RegisterAppAsync(await app.NewVerifiedUser(), "Second App");
        var otherHtml = await (await flow.Browser.GetAsync(AuthorizeQuery.For(other, Challenge(), "openid").Url)).AssertConsentPage("other app");
        Assert.Contains("Second App", otherHtml, StringComparison.Ordinal);
        (await flow.Browser.GetAsync(AuthorizeQuery.For(other, Challenge(), "openid").Set("prompt", "none").Url))
            .AssertErrorBack(Callback, "consent_required", because: "other app, prompt=none");

        // Allowing the superset adds to the consent: email alone and the whole set now go straight through.
        (await flow.PostFormAsync(superset, new() { ["action"] = "allow" })).AssertCodeBack(Callback, because: "allow superset");
        foreach (var scope in new[] { "email", "openid profile email" })
            (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), scope).Url)).AssertCodeBack(Callback, because: scope + " after superset");
    }

    // ---- 5. prompt and max_age ----------------------------------------------------------------------------------

    [Fact]
    public async Task Prompt_none_without_a_session_answers_login_required()
    {
        var client = await app.SharedClientAsync();
        var response = await app.NewBrowser().GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url);
        response.AssertErrorBack(Callback, "login_required");
    }

    [Fact]
    public async Task Prompt_none_with_a_session_answers_consent_required_until_consent_then_a_code()
    {
        var (flow, client, user) = await SetupAsync();
        var consentHtml = await (await flow.SignInAndContinueAsync(AuthorizeQuery.For(client, Challenge()).Url, user)).AssertConsentPage();

        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url)).AssertErrorBack(Callback, "consent_required");

        (await flow.PostFormAsync(consentHtml, new() { ["action"] = "allow" })).AssertCodeBack(Callback);
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url)).AssertCodeBack(Callback, because: "prompt=none");
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), "openid profile email").Set("prompt", "none").Url))
            .AssertErrorBack(Callback, "consent_required", because: "prompt=none, superset");
    }

    [Fact]
    public async Task Prompt_login_with_a_session_asks_for_the_password_then_proceeds()
    {
        var (flow, client, user) = await SetupAsync();
        await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, Challenge()), client, user);

        var url = AuthorizeQuery.For(client, Challenge()).Set("prompt", "login").Url;
        var loginHtml = await (await flow.Browser.GetAsync(url)).AssertLoginPage("prompt=login with a session");
        var afterLogin = await flow.PostLoginAsync(loginHtml, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.SeeOther, afterLogin.StatusCode);
        var again = AuthorizeHelpers.QueryOf(afterLogin.RawLocation()!);
        Assert.False(again.ContainsKey("prompt"), afterLogin.RawLocation());
        (await flow.Browser.GetAsync(afterLogin.RawLocation())).AssertCodeBack(Callback, because: "after logging in again");

        // "login consent": after the password, consent is asked (and only once).
        var both = AuthorizeQuery.For(client, Challenge()).Set("prompt", "login consent").Url;
        var afterBoth = await flow.PostLoginAsync(await (await flow.Browser.GetAsync(both)).AssertLoginPage("prompt=login consent"), user.Email, user.Password);
        var consentHtml = await (await flow.Browser.GetAsync(afterBoth.RawLocation())).AssertConsentPage("prompt=consent after login");
        (await flow.PostFormAsync(consentHtml, new() { ["action"] = "allow" })).AssertCodeBack(Callback, because: "allow after prompt=login consent");
    }

    [Fact]
    public async Task A_session_older_than_max_age_must_sign_in_again_then_proceeds()
    {
        await using var own = new BangumoeApp(emulators);
        var (flow, client, user) = await SetupAsync(own);
        await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, Challenge()), client, user);

        // Fresh enough: no login.
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("max_age", "60").Url)).AssertCodeBack(Callback, because: "fresh session");

        own.Clock.Advance(TimeSpan.FromSeconds(120));
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("max_age", "600").Url)).AssertCodeBack(Callback, because: "max_age=600");
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("max_age", "60").Set("prompt", "none").Url))
            .AssertErrorBack(Callback, "login_required", because: "max_age exceeded, prompt=none");

        var url = AuthorizeQuery.For(client, Challenge()).Set("max_age", "60").Url;
        var loginHtml = await (await flow.Browser.GetAsync(url)).AssertLoginPage("max_age exceeded");
        var afterLogin = await flow.PostLoginAsync(loginHtml, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.SeeOther, afterLogin.StatusCode);
        // The fresh login satisfies max_age, so the return trip drops it (auth_time has whole seconds).
        Assert.False(AuthorizeHelpers.QueryOf(afterLogin.RawLocation()!).ContainsKey("max_age"));
        (await flow.Browser.GetAsync(afterLogin.RawLocation())).AssertCodeBack(Callback, because: "after signing in again");
    }

    [Fact]
    public async Task Max_age_zero_forces_one_fresh_sign_in_and_then_proceeds()
    {
        var (flow, client, user) = await SetupAsync();
        await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, Challenge()), client, user);

        var url = AuthorizeQuery.For(client, Challenge()).Set("max_age", "0").Url;
        var loginHtml = await (await flow.Browser.GetAsync(url)).AssertLoginPage("max_age=0");
        var afterLogin = await flow.PostLoginAsync(loginHtml, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.SeeOther, afterLogin.StatusCode);
        var next = await flow.Browser.GetAsync(afterLogin.RawLocation());
        Assert.True(next.StatusCode == HttpStatusCode.SeeOther,
            $"max_age=0 loops: right after signing in, {afterLogin.RawLocation()} shows the login page again ({(int)next.StatusCode}) instead of going back to the app");
        next.AssertCodeBack(Callback, because: "after the fresh sign-in");
    }

    [Fact]
    public async Task A_password_change_ends_the_sign_in_session()
    {
        var (flow, client, user) = await SetupAsync();
        await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, Challenge()), client, user);
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url)).AssertCodeBack(Callback, because: "before the change");

        await (await app.NewClient().Send(HttpMethod.Post, "/api/me/password", user.Token,
            new { current_password = user.Password, new_password = "a brand new password" })).Ok();

        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url))
            .AssertErrorBack(Callback, "login_required", because: "prompt=none after the password change");
        await (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Url)).AssertLoginPage("after the password change");
    }

    // ---- 6. CSRF on the consent form -------------------------------------------------------------------------------

    [Fact]
    public async Task Allow_without_a_valid_csrf_token_issues_no_code()
    {
        var (flow, client, user) = await SetupAsync();
        var consentHtml = await (await flow.SignInAndContinueAsync(AuthorizeQuery.For(client, Challenge()).Url, user)).AssertConsentPage();
        var fields = With(OAuthFlow.FormFields(consentHtml), ("action", "allow"));

        var attempts = new Dictionary<string, Func<Task<HttpResponseMessage>>>(StringComparer.Ordinal)
        {
            ["missing"] = () => PostFieldsAsync(flow.Browser, With(fields, ("csrf", null))),
            ["empty"] = () => PostFieldsAsync(flow.Browser, With(fields, ("csrf", ""))),
            ["wrong"] = () => PostFieldsAsync(flow.Browser, With(fields, ("csrf", OAuthFlow.Pkce().Challenge))),
            ["evil origin"] = () => PostFieldsAsync(flow.Browser, fields, "https://evil.example"),
            ["app's origin"] = () => PostFieldsAsync(flow.Browser, fields, "https://client.example"),
        };
        foreach (var (name, attempt) in attempts)
        {
            var response = await attempt();
            await response.AssertPage(HttpStatusCode.Forbidden, name);
        }

        // Nothing was consented to.
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url)).AssertErrorBack(Callback, "consent_required");
    }

    [Fact]
    public async Task Allow_without_a_session_shows_the_login_page_and_issues_no_code()
    {
        var (flow, client, user) = await SetupAsync();
        var consentHtml = await (await flow.SignInAndContinueAsync(AuthorizeQuery.For(client, Challenge()).Url, user)).AssertConsentPage();

        // Another browser with a CSRF cookie of its own but no session posts the victim's consent form.
        var stranger = app.NewBrowser();
        var strangerToken = OAuthFlow.FormFields(await (await stranger.GetAsync(AuthorizeQuery.For(client, Challenge()).Url)).AssertLoginPage())["csrf"];
        var response = await PostFieldsAsync(stranger, With(OAuthFlow.FormFields(consentHtml), ("action", "allow"), ("csrf", strangerToken)));
        var html = await response.AssertLoginPage("Allow without a session");
        Assert.DoesNotContain("code=", html, StringComparison.Ordinal);

        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url)).AssertErrorBack(Callback, "consent_required");
    }

    // ---- 7. The codes ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Codes_are_long_random_and_bound_to_their_app()
    {
        var (flow, client, user) = await SetupAsync();
        var other = await app.RegisterAppAsync(await app.NewVerifiedUser(), "Other App");
        var (verifier, challenge) = OAuthFlow.Pkce();
        var codes = new List<string> { await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, challenge), client, user) };
        for (var i = 0; i < 4; i++)
            codes.Add((await flow.Browser.GetAsync(AuthorizeQuery.For(client, challenge).Url)).AssertCodeBack(Callback));

        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        foreach (var code in codes)
        {
            Assert.True(code.Length >= 43, $"code '{code}' is shorter than 43 characters");
            Assert.True(code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), $"code '{code}' is not base64url");
        }

        // Another app cannot redeem it, even with the right verifier and redirect URI; the code stays usable for its app.
        var stolen = await flow.RedeemAsync(other, codes[0], verifier, Callback);
        await OAuthFlow.OAuthError(stolen, HttpStatusCode.BadRequest, "invalid_grant");
        var tokens = await (await flow.RedeemAsync(client, codes[0], verifier)).Ok();
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("access_token").GetString()));
    }

    // ---- 8. Withdrawing consent ------------------------------------------------------------------------------------

    [Fact]
    public async Task Consent_withdrawn_in_the_account_is_asked_for_again_and_its_codes_die()
    {
        var (flow, client, user) = await SetupAsync(name: "Revocable App");
        var other = await app.RegisterAppAsync(await app.NewVerifiedUser(), "Kept App");
        var (verifier, challenge) = OAuthFlow.Pkce();
        var first = await flow.SignInAndAllowCodeAsync(AuthorizeQuery.For(client, challenge, "openid profile"), client, user);
        var otherHtml = await (await flow.Browser.GetAsync(AuthorizeQuery.For(other, Challenge(), "openid").Url)).AssertConsentPage("other app");
        (await flow.PostFormAsync(otherHtml, new() { ["action"] = "allow" })).AssertCodeBack(Callback, because: "allow other app");
        var access = (await (await flow.RedeemAsync(client, first, verifier)).Ok()).GetProperty("access_token").GetString();
        var pending = (await flow.Browser.GetAsync(AuthorizeQuery.For(client, challenge).Url)).AssertCodeBack(Callback, because: "pending code");

        var api = app.NewClient();
        var list = await (await api.Send(HttpMethod.Get, "/api/me/authorizations", user.Token)).Ok();
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(new[] { client.ClientId, other.ClientId }.Order(StringComparer.Ordinal),
            items.Select(i => i.GetProperty("client_id").GetString()!).Order(StringComparer.Ordinal));
        var mine = items.Single(i => i.GetProperty("client_id").GetString() == client.ClientId);
        Assert.Equal("Revocable App", mine.GetProperty("name").GetString());
        Assert.Equal("openid profile", mine.GetProperty("scope").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await api.Send(HttpMethod.Delete, "/api/me/authorizations/" + Uri.EscapeDataString(client.ClientId), user.Token)).StatusCode);
        await (await api.Send(HttpMethod.Delete, "/api/me/authorizations/" + Uri.EscapeDataString(client.ClientId), user.Token)).Problem(HttpStatusCode.NotFound);

        // Asked again; silently refused; the other app keeps its consent.
        (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge()).Set("prompt", "none").Url)).AssertErrorBack(Callback, "consent_required", because: "after withdrawal");
        await (await flow.Browser.GetAsync(AuthorizeQuery.For(client, Challenge(), "openid").Url)).AssertConsentPage("after withdrawal");
        (await flow.Browser.GetAsync(AuthorizeQuery.For(other, Challenge(), "openid").Url)).AssertCodeBack(Callback, because: "other app after withdrawal");
        var after = await (await api.Send(HttpMethod.Get, "/api/me/authorizations", user.Token)).Ok();
        Assert.Equal(other.ClientId, Assert.Single(after.GetProperty("items").EnumerateArray()).GetProperty("client_id").GetString());

        // A code issued before the withdrawal is worthless, and so is the token.
        await OAuthFlow.OAuthError(await flow.RedeemAsync(client, pending, verifier), HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(HttpStatusCode.Unauthorized, (await flow.Backend.Send(HttpMethod.Get, "/oauth/userinfo", access)).StatusCode);
    }
}
