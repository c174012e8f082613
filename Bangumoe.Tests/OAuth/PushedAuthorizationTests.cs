using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// Pushed authorization requests (RFC 9126): the app posts its request to /oauth/par and sends the browser with only
/// client_id and the request_uri, which works once, for a minute, for that app alone.
/// </summary>
public sealed class PushedAuthorizationTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string PushedState = "pushed state é&=";

    private static Dictionary<string, string> Request(RegisteredClient client, string challenge, string scope = "openid profile offline_access") => new()
    {
        ["response_type"] = "code", ["redirect_uri"] = client.RedirectUri, ["scope"] = scope, ["state"] = PushedState,
        ["code_challenge"] = challenge, ["code_challenge_method"] = "S256", ["nonce"] = "pushed-nonce",
    };

    private async Task<string> PushAsync(RegisteredClient client, Dictionary<string, string> request)
    {
        var response = await app.CreateClient().PostFormAsync("/oauth/par", request, client.ClientId, client.Secret);
        var json = await response.Ok(HttpStatusCode.Created);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(60, json.GetProperty("expires_in").GetInt32());
        var requestUri = json.GetProperty("request_uri").GetString()!;
        Assert.StartsWith("urn:ietf:params:oauth:request_uri:", requestUri, StringComparison.Ordinal);
        return requestUri;
    }

    private static string AuthorizeUrl(string clientId, string requestUri, string extra = "") =>
        $"/oauth/authorize?client_id={Uri.EscapeDataString(clientId)}&request_uri={Uri.EscapeDataString(requestUri)}{extra}";

    [Fact]
    public async Task A_dpop_proof_sent_with_the_push_binds_the_code_to_its_key()
    {
        var client = await app.NewClientAsync("public");
        var user = await app.NewVerifiedUser();
        using var key = new DPoPClientKey(app.Clock);
        using var other = new DPoPClientKey(app.Clock);
        var (verifier, challenge) = OAuthFlow.Pkce();
        async Task<HttpResponseMessage> PushWithProofAsync(Dictionary<string, string> form, string proof)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/par");
            form["client_id"] = client.ClientId;
            Assert.True(request.Headers.TryAddWithoutValidation("DPoP", proof));
            request.Content = new FormUrlEncodedContent(form);
            return await app.CreateClient().SendAsync(request);
        }
        const string ParUrl = DPoPRequests.Issuer + "/oauth/par";

        // RFC 9449 §10.1: the proof's key and a dpop_jkt sent beside it must agree; a bad proof is refused outright.
        var mismatch = Request(client, challenge);
        mismatch["dpop_jkt"] = other.Jkt;
        await (await PushWithProofAsync(mismatch, key.Proof("POST", ParUrl))).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        await (await PushWithProofAsync(Request(client, challenge), key.Proof("POST", DPoPRequests.TokenUrl))).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_dpop_proof");

        var pushed = await (await PushWithProofAsync(Request(client, challenge), key.Proof("POST", ParUrl))).Ok(HttpStatusCode.Created);
        var flow = app.NewFlow();
        var redirect = await flow.SignInAndAllowAsync(AuthorizeUrl(client.ClientId, pushed.GetProperty("request_uri").GetString()!), user);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = OAuthFlow.Query(redirect)["code"], ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
        };
        // The code is the key's: without a proof, or with another key's, it is refused and not used up.
        await (await flow.Backend.TokenAsync(client, new(form))).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        await (await flow.Backend.TokenAsync(client, new(form), other.Proof("POST", DPoPRequests.TokenUrl))).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await (await flow.Backend.TokenAsync(client, new(form), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);
    }

    [Fact]
    public async Task A_pushed_request_signs_in_consents_and_gets_tokens_with_pkce()
    {
        var client = await app.NewClientAsync();
        var user = await app.NewVerifiedUser();
        var (verifier, challenge) = OAuthFlow.Pkce();
        var requestUri = await PushAsync(client, Request(client, challenge));

        // Everything but client_id and request_uri in the query is ignored (RFC 9126 §4): this scope and state are not used.
        var flow = app.NewFlow();
        var loginHtml = await (await flow.Browser.GetAsync(AuthorizeUrl(client.ClientId, requestUri, "&scope=email&state=evil&redirect_uri=https%3A%2F%2Fevil.example%2F")))
            .AssertLoginPage("pushed request");
        Assert.DoesNotContain(requestUri, loginHtml, StringComparison.Ordinal);
        var afterLogin = await flow.PostLoginAsync(loginHtml, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.SeeOther, afterLogin.StatusCode);
        var consentHtml = await (await flow.Browser.GetAsync(afterLogin.RawLocation())).AssertConsentPage("consent for the pushed request");
        var code = (await flow.PostFormAsync(consentHtml, new() { ["action"] = "allow" })).AssertCodeBack(client.RedirectUri, PushedState, because: "allow");

        var tokens = await (await flow.RedeemAsync(client, code, verifier)).Ok();
        Assert.Equal("openid profile offline_access", tokens.GetProperty("scope").GetString());
        Assert.Equal("pushed-nonce", AccountTestHelpers.JwtPayload(tokens.GetProperty("id_token").GetString()!)["nonce"]!.GetValue<string>());

        // Used: a second visit, even by the same browser, is refused.
        var again = await (await flow.Browser.GetAsync(AuthorizeUrl(client.ClientId, requestUri))).AssertPage(HttpStatusCode.BadRequest, "second use");
        Assert.Contains("invalid_request_uri", again, StringComparison.Ordinal);

        // A changed sealed request in the pages' fields is refused, not followed.
        var fresh = await PushAsync(client, Request(client, OAuthFlow.Pkce().Challenge));
        var consentAgain = await (await app.NewFlow().Browser.GetAsync(AuthorizeUrl(client.ClientId, fresh))).AssertLoginPage("fresh pushed request");
        var fields = OAuthFlow.FormFields(consentAgain);
        Assert.Equal(client.ClientId, fields["client_id"]);
        Assert.True(fields.ContainsKey("pushed_request"), "the pages carry the pushed request sealed in one field");
        Assert.False(fields.ContainsKey("scope"), "and not as loose parameters");
    }

    [Fact]
    public async Task Twenty_browsers_with_one_request_uri_one_gets_the_page()
    {
        var client = await app.NewClientAsync();
        var requestUri = await PushAsync(client, Request(client, OAuthFlow.Pkce().Challenge));
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.NewBrowser().GetAsync(AuthorizeUrl(client.ClientId, requestUri))));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        await answers.Single(a => a.StatusCode == HttpStatusCode.OK).AssertLoginPage("the winner");
        foreach (var loser in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
            Assert.Contains("invalid_request_uri", await loser.AssertPage(HttpStatusCode.BadRequest, "a loser"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_uri_is_its_clients_only_and_expires_after_a_minute()
    {
        var client = await app.NewClientAsync();
        var other = await app.NewClientAsync();
        var requestUri = await PushAsync(client, Request(client, OAuthFlow.Pkce().Challenge));

        // Another client_id: refused, and the request is not spent by it.
        var foreign = await (await app.NewBrowser().GetAsync(AuthorizeUrl(other.ClientId, requestUri))).AssertPage(HttpStatusCode.BadRequest, "another client");
        Assert.Contains("invalid_request_uri", foreign, StringComparison.Ordinal);
        await (await app.NewBrowser().GetAsync(AuthorizeUrl(client.ClientId, requestUri))).AssertLoginPage("its own client after the foreign try");

        // Unknown and malformed ones.
        await (await app.NewBrowser().GetAsync(AuthorizeUrl(client.ClientId, "urn:ietf:params:oauth:request_uri:nope"))).AssertPage(HttpStatusCode.BadRequest, "unknown");
        await (await app.NewBrowser().GetAsync(AuthorizeUrl(client.ClientId, "https://client.example/request.jwt"))).AssertPage(HttpStatusCode.BadRequest, "not ours");

        var expiring = await PushAsync(client, Request(client, OAuthFlow.Pkce().Challenge));
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        var expired = await (await app.NewBrowser().GetAsync(AuthorizeUrl(client.ClientId, expiring))).AssertPage(HttpStatusCode.BadRequest, "expired");
        Assert.Contains("invalid_request_uri", expired, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_push_is_validated_as_authorize_would_and_authenticated_as_at_the_token_endpoint()
    {
        var client = await app.NewClientAsync();
        var http = app.CreateClient();
        var challenge = OAuthFlow.Pkce().Challenge;
        async Task Refused(Action<Dictionary<string, string>> change, HttpStatusCode status, string error, string? secret = null)
        {
            var request = Request(client, challenge);
            change(request);
            await OAuthFlow.OAuthError(await http.PostFormAsync("/oauth/par", request, client.ClientId, secret ?? client.Secret), status, error);
        }
        await Refused(r => r["redirect_uri"] = "https://evil.example/callback", HttpStatusCode.BadRequest, "invalid_request");
        await Refused(r => r.Remove("redirect_uri"), HttpStatusCode.BadRequest, "invalid_request");
        await Refused(r => r.Remove("code_challenge"), HttpStatusCode.BadRequest, "invalid_request");
        await Refused(r => r["code_challenge_method"] = "plain", HttpStatusCode.BadRequest, "invalid_request");
        await Refused(r => r["scope"] = "openid admin", HttpStatusCode.BadRequest, "invalid_scope");
        await Refused(r => r["response_type"] = "token", HttpStatusCode.BadRequest, "unsupported_response_type");
        await Refused(r => r["request_uri"] = "urn:ietf:params:oauth:request_uri:x", HttpStatusCode.BadRequest, "invalid_request");
        await Refused(r => r["client_id"] = "someone-else", HttpStatusCode.BadRequest, "invalid_request");
        await Refused(_ => { }, HttpStatusCode.Unauthorized, "invalid_client", secret: "wrong secret");
        await OAuthFlow.OAuthError(await http.PostFormAsync("/oauth/par", Request(client, challenge)), HttpStatusCode.Unauthorized, "invalid_client");

        // A public app pushes with its client_id alone (it has no credentials; PKCE protects its code).
        var publicApp = await app.NewClientAsync("public");
        var publicRequest = Request(publicApp, challenge);
        publicRequest["client_id"] = publicApp.ClientId;
        await (await http.PostFormAsync("/oauth/par", publicRequest)).Ok(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_app_that_requires_par_is_refused_a_plain_authorization_request()
    {
        var developer = await app.DeveloperAsync();
        var registered = await (await app.CreateClient().Send(HttpMethod.Post, "/api/clients", developer.Token, new Dictionary<string, object>
        {
            ["name"] = "Pushy", ["home_url"] = "https://client.example", ["redirect_uris"] = new[] { OAuthFlow.RedirectUri }, ["type"] = "confidential",
            ["require_pushed_authorization_requests"] = true,
        })).Ok(HttpStatusCode.Created);
        Assert.True(registered.GetProperty("require_pushed_authorization_requests").GetBoolean());
        var client = new RegisteredClient(registered.GetProperty("client_id").GetString()!, registered.GetProperty("client_secret").GetString(), OAuthFlow.RedirectUri);
        var challenge = OAuthFlow.Pkce().Challenge;

        // In the URL: refused back to the app (its redirect URI is registered, so the error can go there).
        (await app.NewBrowser().GetAsync(AuthorizeQuery.For(client, challenge).Url)).AssertErrorBack(client.RedirectUri, "invalid_request", because: "PAR required");
        // Nor as a form post of loose parameters from a page of ours.
        var browser = app.NewFlow();
        var page = await (await browser.Browser.GetAsync(AuthorizeUrl(client.ClientId, await PushAsync(client, Request(client, challenge))))).AssertLoginPage("pushed");
        var fields = OAuthFlow.FormFields(page);
        fields.Remove("pushed_request");
        foreach (var (k, v) in Request(client, challenge)) fields[k] = v;
        fields["action"] = "login";
        (await browser.Browser.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields))).AssertErrorBack(client.RedirectUri, "invalid_request", PushedState, because: "loose fields");
        // A tampered sealed request is an error page.
        var tampered = OAuthFlow.FormFields(page);
        tampered["pushed_request"] = tampered["pushed_request"][..^4] + "AAAA";
        tampered["action"] = "login";
        await (await browser.Browser.PostAsync("/oauth/authorize", new FormUrlEncodedContent(tampered))).AssertPage(HttpStatusCode.BadRequest, "tampered");

        // Turning the requirement off lets plain requests through again.
        await (await app.CreateClient().Send(HttpMethod.Patch, "/api/clients/" + client.ClientId, developer.Token, new { require_pushed_authorization_requests = false })).Ok();
        await (await app.NewBrowser().GetAsync(AuthorizeQuery.For(client, challenge).Url)).AssertLoginPage("PAR no longer required");
    }
}
