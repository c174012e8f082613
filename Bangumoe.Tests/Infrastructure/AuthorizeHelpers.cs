using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.WebUtilities;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// An authorization request as a list of query parameters that a test can change, drop or repeat, and then send
/// exactly as built (every name and value percent-encoded with <see cref="Uri.EscapeDataString"/>).
/// </summary>
public sealed class AuthorizeQuery
{
    private readonly List<KeyValuePair<string, string>> _pairs = [];

    /// <summary>A valid request: response_type=code, PKCE S256, the given scope and state.</summary>
    public static AuthorizeQuery For(RegisteredClient client, string challenge, string scope = "openid profile", string? state = AuthorizeHelpers.OddState)
    {
        var query = new AuthorizeQuery()
            .Set("response_type", "code").Set("client_id", client.ClientId).Set("redirect_uri", client.RedirectUri)
            .Set("scope", scope).Set("code_challenge", challenge).Set("code_challenge_method", "S256");
        return state is null ? query : query.Set("state", state);
    }

    /// <summary>Replaces every occurrence of <paramref name="name"/> by one with <paramref name="value"/>; null removes it.</summary>
    public AuthorizeQuery Set(string name, string? value)
    {
        var at = _pairs.FindIndex(p => p.Key == name);
        _pairs.RemoveAll(p => p.Key == name);
        if (value is not null) _pairs.Insert(at < 0 ? _pairs.Count : at, new(name, value));
        return this;
    }

    /// <summary>Appends another <paramref name="name"/> (a repeated parameter when one is there already).</summary>
    public AuthorizeQuery Add(string name, string value)
    {
        _pairs.Add(new(name, value));
        return this;
    }

    /// <summary>
    /// Applies changes written as text, separated by <c>|</c>: <c>-name</c> removes, <c>+name=value</c> appends,
    /// <c>name=value</c> sets.
    /// </summary>
    public AuthorizeQuery Apply(string changes)
    {
        foreach (var change in changes.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            if (change.StartsWith('-')) Set(change[1..], null);
            else if (change.StartsWith('+')) Add(change[1..change.IndexOf('=', StringComparison.Ordinal)], change[(change.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            else Set(change[..change.IndexOf('=', StringComparison.Ordinal)], change[(change.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        }
        return this;
    }

    public string Url => "/oauth/authorize" + (_pairs.Count == 0 ? "" : "?" + string.Join("&", _pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));

    public override string ToString() => Url;
}

/// <summary>A parsed <c>Set-Cookie</c> header: name, value, and attributes keyed in lower case.</summary>
public sealed record SetCookie(string Raw, string Name, string Value, IReadOnlyDictionary<string, string> Attributes)
{
    public bool Has(string attribute) => Attributes.ContainsKey(attribute.ToLowerInvariant());

    public string? Attribute(string attribute) => Attributes.TryGetValue(attribute.ToLowerInvariant(), out var v) ? v : null;

    public static SetCookie Parse(string raw)
    {
        var parts = raw.Split(';').Select(p => p.Trim()).ToList();
        var eq = parts[0].IndexOf('=', StringComparison.Ordinal);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in parts.Skip(1).Where(p => p.Length > 0))
        {
            var i = part.IndexOf('=', StringComparison.Ordinal);
            attributes[(i < 0 ? part : part[..i]).ToLowerInvariant()] = i < 0 ? "" : part[(i + 1)..];
        }
        return new SetCookie(raw, parts[0][..eq], parts[0][(eq + 1)..], attributes);
    }
}

/// <summary>Assertions and steps for the tests of <c>/oauth/authorize</c>: pages, redirects back, cookies.</summary>
public static class AuthorizeHelpers
{
    public const string Issuer = BangumoeApp.PublicBaseUrl;

    /// <summary>A state with a space, reserved characters and a non-ASCII letter: it must come back byte for byte.</summary>
    public const string OddState = "a b&c=d/é";

    public static readonly string[] SessionCookieNames = ["bgm_session", "__Host-bgm_session"];

    private static readonly ConditionalWeakTable<BangumoeApp, Lazy<Task<RegisteredClient>>> SharedClients = new();

    /// <summary>An OAuthFlow whose browser and back channel come from an address of their own (login throttle).</summary>
    public static OAuthFlow NewFlow(this BangumoeApp app)
    {
        var flow = new OAuthFlow(app);
        var address = AccountTestHelpers.NewAddress();
        flow.Browser.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", address);
        flow.Backend.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", address);
        return flow;
    }

    /// <summary>A second browser: own cookies, no redirects followed, own address.</summary>
    public static HttpClient NewBrowser(this BangumoeApp app, Uri? baseAddress = null)
    {
        var options = new ClientOptions { AllowAutoRedirect = false, HandleCookies = true };
        if (baseAddress is not null) options.BaseAddress = baseAddress;
        var browser = app.CreateClient(options);
        browser.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", AccountTestHelpers.NewAddress());
        return browser;
    }

    /// <summary>Registers an app named <paramref name="name"/> for <paramref name="owner"/>.</summary>
    public static async Task<RegisteredClient> RegisterAppAsync(this BangumoeApp app, TestUser owner, string name, string type = "confidential", params string[] redirectUris)
    {
        var uris = redirectUris.Length == 0 ? [OAuthFlow.RedirectUri] : redirectUris;
        var json = await (await app.NewClient().Send(HttpMethod.Post, "/api/clients", owner.Token, new
        {
            name, home_url = "https://client.example", description = "Tracks what you watch.", redirect_uris = uris, type,
        })).Ok(HttpStatusCode.Created);
        return new RegisteredClient(json.GetProperty("client_id").GetString()!,
            json.TryGetProperty("client_secret", out var s) ? s.GetString() : null, uris[0]);
    }

    /// <summary>A developer with one app on https://client.example/callback, registered once per app instance.</summary>
    public static Task<RegisteredClient> SharedClientAsync(this BangumoeApp app) =>
        SharedClients.GetValue(app, a => new Lazy<Task<RegisteredClient>>(async () =>
        {
            var developer = await a.NewVerifiedUser();
            return await a.RegisterAppAsync(developer, "Shared Tracker");
        })).Value;

    /// <summary>The Location header exactly as sent (null when there is none).</summary>
    public static string? RawLocation(this HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("Location", out var values) ? values.ToString() : null;

    public static IReadOnlyList<SetCookie> SetCookies(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(SetCookie.Parse).ToList() : [];

    public static SetCookie? Cookie(this HttpResponseMessage response, string name) =>
        response.SetCookies().SingleOrDefault(c => c.Name == name);

    public static void AssertNoSessionCookie(this HttpResponseMessage response) =>
        Assert.DoesNotContain(response.SetCookies(), c => SessionCookieNames.Contains(c.Name));

    /// <summary>The strict headers every page of /oauth/authorize carries.</summary>
    public static void AssertLockedDownPage(this HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(", ", response.Headers.TryGetValues("Content-Security-Policy", out var c) ? c : []);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", string.Join(", ", response.Headers.TryGetValues("X-Frame-Options", out var x) ? x : []));
        Assert.Equal("no-referrer", string.Join(", ", response.Headers.TryGetValues("Referrer-Policy", out var r) ? r : []));
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"Cache-Control: {response.Headers.CacheControl}");
    }

    /// <summary>A local HTML page with this status: no redirect of any kind, no session started.</summary>
    public static async Task<string> AssertPage(this HttpResponseMessage response, HttpStatusCode status, string because = "")
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status,
            $"{because}: expected {(int)status}, got {(int)response.StatusCode} (Location: {response.RawLocation() ?? "none"}): {html}");
        Assert.True(response.RawLocation() is null, $"{because}: unexpected Location {response.RawLocation()}");
        Assert.False((int)response.StatusCode is >= 300 and < 400, because);
        response.AssertLockedDownPage();
        Assert.StartsWith("<!doctype html>", html.TrimStart(), StringComparison.OrdinalIgnoreCase);
        return html;
    }

    /// <summary>The login page (200): the form with login, password and the CSRF field.</summary>
    public static async Task<string> AssertLoginPage(this HttpResponseMessage response, string because = "login page")
    {
        var html = await response.AssertPage(HttpStatusCode.OK, because);
        AssertLoginForm(html);
        return html;
    }

    public static void AssertLoginForm(string html)
    {
        Assert.Contains("name=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"login\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"allow\"", html, StringComparison.Ordinal);
        Assert.Equal(43, OAuthFlow.FormFields(html)["csrf"].Length);
    }

    /// <summary>The consent page (200): Allow and Deny.</summary>
    public static async Task<string> AssertConsentPage(this HttpResponseMessage response, string because = "consent page")
    {
        var html = await response.AssertPage(HttpStatusCode.OK, because);
        Assert.Contains("value=\"allow\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"deny\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"password\"", html, StringComparison.Ordinal);
        Assert.Equal(43, OAuthFlow.FormFields(html)["csrf"].Length);
        return html;
    }

    /// <summary>The query of a raw URL (after '?'), each name with all of its values, decoded.</summary>
    public static Dictionary<string, string[]> QueryOf(string url)
    {
        var q = url.IndexOf('?', StringComparison.Ordinal);
        return q < 0
            ? new Dictionary<string, string[]>(StringComparer.Ordinal)
            : QueryHelpers.ParseQuery(url[q..]).ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => v ?? "").ToArray(), StringComparer.Ordinal);
    }

    /// <summary>
    /// A 303 back to <paramref name="redirectUri"/> (its own query kept, ours appended), every parameter once, <c>iss</c>
    /// string-equal to the issuer and <c>state</c> exactly as sent (absent when none was sent). Returns the parameters.
    /// </summary>
    public static Dictionary<string, string> AssertRedirectBack(this HttpResponseMessage response, string redirectUri, string? state = OddState,
        string issuer = Issuer, string because = "")
    {
        var location = response.RawLocation();
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther,
            $"{because}: expected 303 back to the app, got {(int)response.StatusCode} (Location: {location ?? "none"})");
        Assert.NotNull(location);
        var separator = redirectUri.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        Assert.StartsWith(redirectUri + separator, location, StringComparison.Ordinal);
        Assert.DoesNotContain('#', location);
        Assert.True(response.Headers.CacheControl?.NoStore == true, $"{because}: Cache-Control {response.Headers.CacheControl}");
        Assert.Equal("no-referrer", string.Join(", ", response.Headers.TryGetValues("Referrer-Policy", out var r) ? r : []));
        var query = QueryOf(location);
        foreach (var (name, values) in query) Assert.True(values.Length == 1, $"{because}: parameter {name} appears {values.Length} times in {location}");
        var single = query.ToDictionary(kv => kv.Key, kv => kv.Value[0], StringComparer.Ordinal);
        Assert.True(single.TryGetValue("iss", out var iss), $"{because}: no iss in {location}");
        Assert.Equal(issuer, iss);
        if (state is null) Assert.False(single.ContainsKey("state"), $"{because}: unexpected state in {location}");
        else
        {
            Assert.True(single.TryGetValue("state", out var echoed), $"{because}: no state in {location}");
            Assert.Equal(state, echoed);
        }
        return single;
    }

    /// <summary>An error sent back to the app: <paramref name="error"/>, no code.</summary>
    public static Dictionary<string, string> AssertErrorBack(this HttpResponseMessage response, string redirectUri, string error, string? state = OddState,
        string issuer = Issuer, string because = "")
    {
        var query = response.AssertRedirectBack(redirectUri, state, issuer, because);
        Assert.True(query.TryGetValue("error", out var actual), $"{because}: no error in {response.RawLocation()}");
        Assert.True(actual == error, $"{because}: expected error={error}, got {actual} ({query.GetValueOrDefault("error_description")})");
        Assert.False(query.ContainsKey("code"), because);
        return query;
    }

    /// <summary>A code sent back to the app; returns it.</summary>
    public static string AssertCodeBack(this HttpResponseMessage response, string redirectUri, string? state = OddState, string issuer = Issuer, string because = "")
    {
        var query = response.AssertRedirectBack(redirectUri, state, issuer, because);
        Assert.False(query.ContainsKey("error"), $"{because}: error {query.GetValueOrDefault("error")}: {query.GetValueOrDefault("error_description")}");
        Assert.True(query.TryGetValue("code", out var code), $"{because}: no code in {response.RawLocation()}");
        return code!;
    }

    /// <summary>
    /// Submits the page's form the way a browser does: every hidden input in document order (duplicates included), then
    /// the visible inputs, then the pressed button's name and value.
    /// </summary>
    public static Task<HttpResponseMessage> SubmitLikeBrowserAsync(this HttpClient browser, string html, string button, params (string Name, string Value)[] inputs)
    {
        var fields = System.Text.RegularExpressions.Regex.Matches(OAuthFlow.MainOf(html), "<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\" ?/?>")
            .Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)))
            .Concat(inputs.Select(i => new KeyValuePair<string, string>(i.Name, i.Value)))
            .Append(new KeyValuePair<string, string>("action", button))
            .ToList();
        return browser.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields));
    }

    /// <summary>Posts the login form of <paramref name="loginHtml"/> with these credentials.</summary>
    public static Task<HttpResponseMessage> PostLoginAsync(this OAuthFlow flow, string loginHtml, string login, string password) =>
        flow.PostFormAsync(loginHtml, new() { ["action"] = "login", ["login"] = login, ["password"] = password });

    /// <summary>GET the authorization URL without a session, sign in: returns the 303 of the login POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(this OAuthFlow flow, string authorizeUrl, TestUser user)
    {
        var loginHtml = await (await flow.Browser.GetAsync(authorizeUrl)).AssertLoginPage();
        var afterLogin = await flow.PostLoginAsync(loginHtml, user.Email, user.Password);
        Assert.True(afterLogin.StatusCode == HttpStatusCode.SeeOther,
            $"Sign-in: expected 303, got {(int)afterLogin.StatusCode}: {await afterLogin.Content.ReadAsStringAsync()}");
        return afterLogin;
    }

    /// <summary>Signs in and follows back to /oauth/authorize: returns that answer (consent page or redirect to the app).</summary>
    public static async Task<HttpResponseMessage> SignInAndContinueAsync(this OAuthFlow flow, string authorizeUrl, TestUser user)
    {
        var afterLogin = await flow.SignInAsync(authorizeUrl, user);
        return await flow.Browser.GetAsync(afterLogin.RawLocation());
    }

    /// <summary>Signs in, allows on the consent page, and returns the code sent back.</summary>
    public static async Task<string> SignInAndAllowCodeAsync(this OAuthFlow flow, AuthorizeQuery query, RegisteredClient client, TestUser user, string? state = OddState)
    {
        var consentHtml = await (await flow.SignInAndContinueAsync(query.Url, user)).AssertConsentPage();
        var allowed = await flow.PostFormAsync(consentHtml, new() { ["action"] = "allow" });
        return allowed.AssertCodeBack(client.RedirectUri, state, because: "Allow");
    }
}
