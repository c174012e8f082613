using System.Net;
using Bangumoe.Security;
using Bangumoe.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// OpenID Connect RP-Initiated Logout 1.0 at <c>/oauth/logout</c> (issue 13): an app signs the person out of Bangumoe
/// and gets them back at a post-logout URI it registered; without an ID token for that person, the person is asked
/// first; a request with any error redirects nowhere.
/// </summary>
public sealed class EndSessionTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string SignedOutUri = "https://client.example/signed-out";
    private async Task<string> RegisterAppAsync(params string[] postLogoutUris)
    {
        var developer = await app.DeveloperAsync();
        var json = await (await app.CreateClient().Send(HttpMethod.Post, "/api/clients", developer.Token, new
        {
            name = "Anime Tracker", home_url = "https://client.example", redirect_uris = new[] { OAuthFlow.RedirectUri },
            post_logout_redirect_uris = postLogoutUris, type = "confidential",
        })).Ok(HttpStatusCode.Created);
        Assert.Equal(postLogoutUris, json.GetProperty("post_logout_redirect_uris").EnumerateArray().Select(u => u.GetString()));
        return json.GetProperty("client_id").GetString()!;
    }

    /// <summary>An ID token as the token endpoint issues it (signed by Bangumoe's current key, typ JWT, aud the app).</summary>
    private string IdToken(string clientId, string uid, TimeSpan? lifetime = null) =>
        app.Services.GetRequiredService<JwtService>().Create("JWT", clientId,
            new Dictionary<string, object> { ["sub"] = uid, ["auth_time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() }, lifetime ?? TimeSpan.FromMinutes(5));

    private static string Logout(params (string Name, string Value)[] parameters) =>
        QueryHelpers.AddQueryString("/oauth/logout", parameters.Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));

    /// <summary>Whether <paramref name="browser"/>'s session still signs anyone in (the account page or "sign in first").</summary>
    private static async Task<bool> SignedInAsync(PageClient browser) =>
        (await browser.Http.GetAsync("/account")).StatusCode == HttpStatusCode.OK;

    private static void AssertGoesNowhere(PageResponse page, string detail)
    {
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Null(page.Location);
        Assert.Equal("This sign-out link does not work", page.Text("main h1"));
        Assert.Contains(detail, page.Text("main p.error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_names_the_end_session_endpoint()
    {
        var metadata = await (await app.CreateClient().GetAsync("/.well-known/openid-configuration")).Ok();
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/oauth/logout", metadata.GetProperty("end_session_endpoint").GetString());
    }

    [Fact]
    public async Task An_id_token_for_the_person_signed_in_signs_them_out_at_once_and_returns_with_state()
    {
        var person = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri, "http://127.0.0.1/bye");
        var browser = new PageClient(app).SignedInAs(person);
        var copy = browser.Cookies.GetCookies(browser.Http.BaseAddress!)["bgm_session"]!.Value;
        Assert.True(await SignedInAsync(browser));

        var done = await browser.GetAsync(Logout(("id_token_hint", IdToken(clientId, person.Uid)), ("post_logout_redirect_uri", SignedOutUri), ("state", "st 1&x")));
        Assert.Equal(HttpStatusCode.SeeOther, done.Status);
        Assert.Equal(SignedOutUri + "?state=st%201%26x", done.Location);
        Assert.False(await SignedInAsync(browser));
        // The session ended on the server: a copy of the cookie signs nobody in either.
        var thief = new PageClient(app);
        thief.Cookies.Add(thief.Http.BaseAddress!, new Cookie("bgm_session", copy, "/"));
        Assert.False(await SignedInAsync(thief));

        // A loopback post-logout URI matches on any port, like a redirect URI (RFC 8252 §7.3); no state, no "?".
        var again = await new PageClient(app).SignedInAs(person).GetAsync(Logout(("client_id", clientId), ("id_token_hint", IdToken(clientId, person.Uid)),
            ("post_logout_redirect_uri", "http://127.0.0.1:53117/bye")));
        Assert.Equal("http://127.0.0.1:53117/bye", again.Location);
    }

    [Fact]
    public async Task An_expired_id_token_still_proves_who_the_app_signs_out()
    {
        var person = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var browser = new PageClient(app).SignedInAs(person);
        var done = await browser.GetAsync(Logout(("id_token_hint", IdToken(clientId, person.Uid, TimeSpan.FromHours(-2))), ("post_logout_redirect_uri", SignedOutUri)));
        Assert.Equal(SignedOutUri, done.Location);
        Assert.False(await SignedInAsync(browser));
    }

    [Fact]
    public async Task Without_a_hint_the_person_is_asked_and_may_stay_signed_in()
    {
        var person = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var browser = new PageClient(app).SignedInAs(person);

        var question = await browser.GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", SignedOutUri), ("state", "s1")));
        Assert.Equal(HttpStatusCode.OK, question.Status);
        Assert.Equal("Sign out of Bangumoe?", question.Text("main h1"));
        Assert.Contains("Anime Tracker asks to sign you out of Bangumoe.", question.Html, StringComparison.Ordinal);
        Assert.Contains(person.Uname, question.Text("main"), StringComparison.Ordinal);
        Assert.True(await SignedInAsync(browser), "Only asking must not sign anyone out.");
        // The form may end up at the app (form-action also governs the redirect after the post).
        Assert.Contains("form-action 'self' https://client.example;", question.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        var fields = OAuthFlow.FormFields(question.Html);
        Assert.Equal(clientId, fields["client_id"]);
        var stay = await browser.PostAsync("/oauth/logout/confirm", fields.Where(f => f.Key != "csrf").Append(new("action", "stay")));
        Assert.Equal(HttpStatusCode.SeeOther, stay.Status);
        Assert.Equal(SignedOutUri + "?state=s1", stay.Location);
        Assert.True(await SignedInAsync(browser));

        var signOut = await browser.PostAsync("/oauth/logout/confirm", fields.Where(f => f.Key != "csrf").Append(new("action", "sign_out")));
        Assert.Equal(SignedOutUri + "?state=s1", signOut.Location);
        Assert.False(await SignedInAsync(browser));
    }

    [Fact]
    public async Task An_id_token_for_someone_else_or_a_bare_link_asks_first()
    {
        var person = await app.DeveloperAsync();
        var other = await app.NewVerifiedUser();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var browser = new PageClient(app).SignedInAs(person);

        var forOther = await browser.GetAsync(Logout(("id_token_hint", IdToken(clientId, other.Uid)), ("post_logout_redirect_uri", SignedOutUri)));
        Assert.Equal(HttpStatusCode.OK, forOther.Status);
        Assert.Equal("Sign out of Bangumoe?", forOther.Text("main h1"));
        Assert.True(await SignedInAsync(browser));

        // A bare link (any page could embed one) names no app: asked, then "signed out" on Bangumoe's own page.
        var bare = await browser.GetAsync("/oauth/logout");
        Assert.Contains("A link asks to sign you out of Bangumoe.", bare.Html, StringComparison.Ordinal);
        Assert.True(await SignedInAsync(browser));
        var fields = OAuthFlow.FormFields(bare.Html).Where(f => f.Key != "csrf").Append(new("action", "sign_out"));
        var done = await browser.PostAsync("/oauth/logout/confirm", fields);
        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Equal("Signed out", done.Text("main h1"));
        Assert.False(await SignedInAsync(browser));

        // The answer needs the page's CSRF token: a forged post changes nothing.
        var again = new PageClient(app).SignedInAs(person);
        var forged = await again.PostAsync("/oauth/logout/confirm", new { action = "sign_out" }, csrf: "");
        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        Assert.True(await SignedInAsync(again));
    }

    [Fact]
    public async Task Nobody_signed_in_goes_straight_back_to_the_app()
    {
        var person = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var stranger = new PageClient(app);
        var back = await stranger.GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", SignedOutUri), ("state", "s2")));
        Assert.Equal(SignedOutUri + "?state=s2", back.Location);

        var page = await stranger.GetAsync(Logout(("id_token_hint", IdToken(clientId, person.Uid))));
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("You were not signed in to Bangumoe in this browser", page.Text("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_any_error_redirects_nowhere_and_signs_nobody_out()
    {
        var person = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var otherClient = await RegisterAppAsync("https://other.example/bye");
        var browser = new PageClient(app).SignedInAs(person);
        var hint = IdToken(clientId, person.Uid);
        var parts = hint.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? "B" : "A") + parts[2][1..];
        var accessToken = app.Services.GetRequiredService<JwtService>().Create(TokenTypes.AccessToken, app.Services.GetRequiredService<JwtService>().Issuer,
            new Dictionary<string, object> { ["sub"] = person.Uid, ["client_id"] = clientId }, TimeSpan.FromMinutes(5));

        AssertGoesNowhere(await browser.GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", "https://evil.example/bye"))), "not registered for this app");
        // The app's redirect URI is not a post-logout URI, and no prefix or other app's URI counts.
        AssertGoesNowhere(await browser.GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", OAuthFlow.RedirectUri))), "not registered");
        AssertGoesNowhere(await browser.GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", SignedOutUri + "/x"))), "not registered");
        AssertGoesNowhere(await browser.GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", "https://other.example/bye"))), "not registered");
        AssertGoesNowhere(await browser.GetAsync(Logout(("post_logout_redirect_uri", SignedOutUri))), "needs client_id or id_token_hint");
        AssertGoesNowhere(await browser.GetAsync(Logout(("client_id", "no-such-app"))), "Unknown client_id");
        AssertGoesNowhere(await browser.GetAsync(Logout(("client_id", otherClient), ("id_token_hint", hint))), "client_id is not the audience");
        AssertGoesNowhere(await browser.GetAsync(Logout(("id_token_hint", forged), ("post_logout_redirect_uri", SignedOutUri))), "id_token_hint");
        AssertGoesNowhere(await browser.GetAsync(Logout(("id_token_hint", accessToken))), "id_token_hint");
        AssertGoesNowhere(await browser.GetAsync(Logout(("id_token_hint", "not.a.jwt"))), "id_token_hint");
        AssertGoesNowhere(await browser.GetAsync(Logout(("id_token_hint", hint), ("post_logout_redirect_uri", SignedOutUri), ("state", new string('s', 2049)))), "state is too long");
        Assert.True(await SignedInAsync(browser));

        // The answer to the question is checked again: a hidden field changed to another address is refused.
        var tampered = await browser.PostAsync("/oauth/logout/confirm", new { client_id = clientId, post_logout_redirect_uri = "https://evil.example/bye", action = "sign_out" });
        AssertGoesNowhere(tampered, "not registered");
        Assert.True(await SignedInAsync(browser));
    }

    [Fact]
    public async Task A_form_post_from_the_app_becomes_the_same_request_as_a_get()
    {
        var clientId = await RegisterAppAsync(SignedOutUri);
        var browser = new PageClient(app);
        // What an app's auto-submitting form sends: no CSRF token, and (cross-site) no SameSite=Lax session cookie.
        var posted = await browser.Http.PostAsync("/oauth/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId, ["post_logout_redirect_uri"] = SignedOutUri, ["state"] = "a b", ["ui_locales"] = "zh-CN", ["other"] = "dropped",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var location = posted.Headers.Location!.ToString();
        Assert.StartsWith("/oauth/logout?", location, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location[location.IndexOf('?', StringComparison.Ordinal)..]);
        Assert.Equal([clientId, SignedOutUri, "a b", "zh-CN"], new[] { "client_id", "post_logout_redirect_uri", "state", "ui_locales" }.Select(k => query[k].ToString()));
        Assert.False(query.ContainsKey("other"));
    }

    [Theory]
    [InlineData("zh-Hant en", "en", "退出 Bangumoe？", "zh-Hans")]
    [InlineData("en-GB", "zh-CN", "Sign out of Bangumoe?", "en")]
    [InlineData("fr", "zh-CN", "退出 Bangumoe？", "zh-Hans")]
    public async Task The_question_speaks_the_language_the_app_asks_for_unless_the_person_chose_one(string uiLocales, string acceptLanguage, string title, string lang)
    {
        var person = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var browser = new PageClient(app, acceptLanguage).SignedInAs(person);
        var question = await browser.GetAsync(Logout(("client_id", clientId), ("ui_locales", uiLocales)));
        Assert.Equal(title, question.Text("main h1"));
        Assert.Equal(lang, question.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal(uiLocales, OAuthFlow.FormFields(question.Html)["ui_locales"]);

        // A language the person chose here (the switch's cookie) wins over the app's wish.
        browser.Cookies.Add(browser.Http.BaseAddress!, new Cookie("bgm_lang", lang == "en" ? "zh-Hans" : "en", "/"));
        var chosen = await browser.GetAsync(Logout(("client_id", clientId), ("ui_locales", uiLocales)));
        Assert.NotEqual(lang, chosen.Document.DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task Post_logout_uris_are_registered_changed_and_checked_through_the_api()
    {
        var developer = await app.DeveloperAsync();
        var clientId = await RegisterAppAsync(SignedOutUri);
        var http = app.CreateClient();

        var changed = await (await http.Send(HttpMethod.Patch, "/api/clients/" + clientId, developer.Token,
            new { post_logout_redirect_uris = new[] { "https://client.example/bye", "http://localhost:8080/bye" } })).Ok();
        Assert.Equal(["https://client.example/bye", "http://localhost:8080/bye"], changed.GetProperty("post_logout_redirect_uris").EnumerateArray().Select(u => u.GetString()));
        // The old one is no longer registered.
        AssertGoesNowhere(await new PageClient(app).GetAsync(Logout(("client_id", clientId), ("post_logout_redirect_uri", SignedOutUri))), "not registered");

        foreach (var (uris, field) in new[]
                 {
                     (new[] { "http://client.example/bye" }, "post_logout_redirect_uris[0]"),
                     (new[] { "https://client.example/bye#x" }, "post_logout_redirect_uris[0]"),
                     (new[] { "https://client.example/bye", "/relative" }, "post_logout_redirect_uris[1]"),
                     (new[] { "https://client.example/bye", "https://client.example/bye" }, "post_logout_redirect_uris"),
                     (Enumerable.Range(0, 11).Select(i => $"https://client.example/{i}").ToArray(), "post_logout_redirect_uris"),
                 })
        {
            var refused = await http.Send(HttpMethod.Patch, "/api/clients/" + clientId, developer.Token, new { post_logout_redirect_uris = uris });
            var problem = await refused.Problem(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{string.Join(", ", uris)}: {problem}");
        }
        var kept = await (await http.Send(HttpMethod.Get, "/api/clients/" + clientId, developer.Token)).Ok();
        Assert.Equal(2, kept.GetProperty("post_logout_redirect_uris").GetArrayLength());
    }
}
