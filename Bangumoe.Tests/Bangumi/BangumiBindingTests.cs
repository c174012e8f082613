using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using Bangumoe.FakeBangumi;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using FakeServer = Bangumoe.FakeBangumi.FakeBangumi;

namespace Bangumoe.Tests.Bangumi;

/// <summary>
/// Binding a Bangumi account: <c>/api/bangumi/bind</c>, who may call it, and the callback's defences (state forged,
/// replayed, expired, raced; denial; a code Bangumi refuses), with both token response styles of Bangumi.
/// </summary>
public sealed class BangumiBindingTests(BangumiFixture f) : IClassFixture<BangumiFixture>
{
    [Fact]
    public async Task The_bind_redirect_carries_exactly_client_id_response_type_redirect_uri_and_a_long_state()
    {
        var user = await f.App.NewVerifiedUser();
        var bangumoe = f.App.NoRedirects();

        using var redirect = await bangumoe.Send(HttpMethod.Get, "/api/bangumi/bind", user.Token);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.True(redirect.Headers.CacheControl?.NoStore == true, $"Cache-Control: {redirect.Headers.CacheControl}");
        var first = AssertAuthorizeUrl(redirect.RawLocation()!);

        // A script that cannot follow a cross-origin redirect gets the same URL as JSON.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/bangumi/bind");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        request.Headers.Accept.ParseAdd("application/json");
        using var asJson = await bangumoe.SendAsync(request);
        var body = await asJson.Ok();
        Assert.Null(asJson.Headers.Location);
        Assert.True(asJson.Headers.CacheControl?.NoStore == true, $"Cache-Control: {asJson.Headers.CacheControl}");
        Assert.Equal("application/json", asJson.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["authorize_url"], body.EnumerateObject().Select(p => p.Name));
        var second = AssertAuthorizeUrl(body.GetProperty("authorize_url").GetString()!);

        // Every bind gets a state of its own.
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Bind_needs_a_first_party_token_or_the_browser_session_of_the_login_pages()
    {
        var bangumoe = f.App.NoRedirects();

        using (var anonymous = await bangumoe.Send(HttpMethod.Get, "/api/bangumi/bind"))
        {
            await anonymous.Problem(HttpStatusCode.Unauthorized);
            Assert.Null(anonymous.Headers.Location);
            Assert.StartsWith("Bearer", string.Join(", ", anonymous.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);
        }
        using (var invalid = await bangumoe.Send(HttpMethod.Get, "/api/bangumi/bind", "not-a-real-token"))
        {
            await invalid.AssertInvalidToken();
            Assert.Null(invalid.Headers.Location);
        }

        // A third-party app's token never carries the account scope.
        var user = await f.App.NewVerifiedUser();
        var app = await f.App.NewClientAsync();
        var flow = f.App.NewFlow();
        var tokens = await flow.TokensAsync(app, user, "openid profile collection:read collection:write");
        using (var thirdParty = await bangumoe.Send(HttpMethod.Get, "/api/bangumi/bind", tokens.AccessToken))
        {
            await thirdParty.Problem(HttpStatusCode.Forbidden, "insufficient-scope");
            Assert.Null(thirdParty.Headers.Location);
        }

        // The flow's browser signed in on the login page: its session cookie alone binds that user.
        using (var withBadToken = new HttpRequestMessage(HttpMethod.Get, "/api/bangumi/bind"))
        {
            // A refused token is not quietly replaced by the cookie.
            withBadToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-real-token");
            using var refused = await flow.Browser.SendAsync(withBadToken);
            await refused.AssertInvalidToken();
        }
        using var session = await flow.Browser.GetAsync("/api/bangumi/bind");
        Assert.True(session.StatusCode == HttpStatusCode.Redirect, $"Expected 302, got {(int)session.StatusCode}: {await session.Content.ReadAsStringAsync()}");
        AssertAuthorizeUrl(session.RawLocation()!);
        var bangumiUser = f.NewBangumiUser(anime: 3);
        var callback = await f.ApproveOnBangumiAsync(session.Headers.Location!, bangumiUser);
        var (status, html) = await f.FollowAsync(callback);
        Assert.True(status == HttpStatusCode.SeeOther, html);
        var binding = await f.App.CreateClient().WaitForImportAsync(user);
        Assert.True(binding.GetProperty("bound").GetBoolean());
        Assert.Equal(bangumiUser.Id, binding.GetProperty("bangumi_user").GetProperty("id").GetInt64());
        Assert.Equal("done", binding.GetProperty("import").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_forged_state_changes_nothing_and_leaves_the_real_state_usable()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);
        var callback = await f.CallbackForAsync(user, bangumiUser);
        var code = BangumiExtraSteps.QueryValue(callback, "code");
        var state = BangumiExtraSteps.QueryValue(callback, "state");
        var tokenRequests = f.Fake.TokenRequests().Count;

        string[] forgedQueries =
        [
            "code=" + Uri.EscapeDataString(code) + "&state=" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
            "code=" + Uri.EscapeDataString(code) + "&state=" + Uri.EscapeDataString(state[..^1]),
            "code=" + Uri.EscapeDataString(code) + "&state=" + Uri.EscapeDataString(state + "A"),
            "code=" + Uri.EscapeDataString(code) + "&state=" + new string('a', 300),
            "code=" + Uri.EscapeDataString(code) + "&state=",
            "code=" + Uri.EscapeDataString(code),
        ];
        foreach (var query in forgedQueries)
        {
            var (status, html) = await f.FollowAsync(new Uri(BangumiExtraSteps.CallbackUrl + "?" + query));
            Assert.True(status == HttpStatusCode.BadRequest, $"{query}: {(int)status} {html}");
            Assert.Contains("no longer valid", html, StringComparison.Ordinal);
        }

        // Bangumi was never asked to redeem the code, and nothing is bound.
        Assert.Equal(tokenRequests, f.Fake.TokenRequests().Count);
        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));

        // The user's own state is still good, and so is the code.
        var (okStatus, okHtml) = await f.FollowAsync(callback);
        Assert.True(okStatus == HttpStatusCode.SeeOther, okHtml);
        var binding = await client.WaitForImportAsync(user);
        Assert.Equal(bangumiUser.Id, binding.GetProperty("bangumi_user").GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task A_used_state_cannot_be_replayed()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);
        var callback = await f.CallbackForAsync(user, bangumiUser);
        var (status, html) = await f.FollowAsync(callback);
        Assert.True(status == HttpStatusCode.SeeOther, html);
        var before = await client.WaitForImportAsync(user);
        Assert.Equal("done", before.GetProperty("import").GetProperty("status").GetString());
        var tokenRequests = f.Fake.TokenRequests().Count;

        foreach (var replay in new[] { callback, new Uri(BangumoeApp.PublicBaseUrl + "/oauth/redirect" + callback.Query) })
        {
            var (again, againHtml) = await f.FollowAsync(replay);
            Assert.True(again == HttpStatusCode.BadRequest, $"{replay}: {(int)again} {againHtml}");
            Assert.Contains("no longer valid", againHtml, StringComparison.Ordinal);
        }

        // No second token request, no new import, nothing changed.
        Assert.Equal(tokenRequests, f.Fake.TokenRequests().Count);
        Assert.Equal(before.ToString(), (await client.BindingAsync(user)).ToString());
    }

    [Fact]
    public async Task A_state_past_its_ten_minute_lifetime_is_refused_and_one_within_it_is_not()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);

        var late = await f.CallbackForAsync(user, bangumiUser);
        var tokenRequests = f.Fake.TokenRequests().Count;
        f.App.Clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(5));
        var (status, html) = await f.FollowAsync(late);
        Assert.True(status == HttpStatusCode.BadRequest, html);
        Assert.Contains("no longer valid", html, StringComparison.Ordinal);
        Assert.Equal(tokenRequests, f.Fake.TokenRequests().Count);
        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));

        // Nine minutes is still within the lifetime.
        var inTime = await f.CallbackForAsync(user, bangumiUser);
        f.App.Clock.Advance(TimeSpan.FromMinutes(9));
        var (okStatus, okHtml) = await f.FollowAsync(inTime);
        Assert.True(okStatus == HttpStatusCode.SeeOther, okHtml);
        var binding = await client.WaitForImportAsync(user);
        Assert.Equal("done", binding.GetProperty("import").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_same_state_used_by_parallel_callbacks_binds_once()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);
        var callback = await f.CallbackForAsync(user, bangumiUser);
        var tokenRequests = f.Fake.TokenRequests().Count;

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => f.FollowAsync(callback)));

        // One winner; the others are told the link is used, and only the winner's code went to Bangumi.
        var statuses = results.Select(r => (int)r.Status).Order().ToList();
        var exchanges = f.Fake.TokenRequests().Count - tokenRequests;
        Assert.True(statuses.SequenceEqual([303, 400, 400, 400, 400, 400]) && exchanges == 1,
            $"Callbacks answered {string.Join(", ", statuses)}; Bangumi got {exchanges} token request(s) for the one code.");
        Assert.All(results.Where(r => r.Status != HttpStatusCode.SeeOther), r => Assert.Contains("no longer valid", r.Html, StringComparison.Ordinal));
        var binding = await client.WaitForImportAsync(user);
        Assert.Equal("done", binding.GetProperty("import").GetProperty("status").GetString());
        Assert.Equal(3, binding.GetProperty("import").GetProperty("imported").GetInt32());
    }

    [Fact]
    public async Task Denying_on_Bangumi_binds_nothing()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var state = BangumiExtraSteps.QueryValue(await f.StartBindAsync(user), "state");
        var tokenRequests = f.Fake.TokenRequests().Count;

        var (status, html) = await f.FollowAsync(new Uri(BangumiExtraSteps.CallbackUrl +
            "?error=access_denied&error_description=" + Uri.EscapeDataString("The user denied access") + "&state=" + Uri.EscapeDataString(state)));

        Assert.True(status == HttpStatusCode.BadRequest, html);
        Assert.Contains("Binding cancelled", html, StringComparison.Ordinal);
        Assert.Equal(tokenRequests, f.Fake.TokenRequests().Count);
        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));
    }

    [Theory]
    [InlineData(TokenResponseStyle.Legacy)]
    [InlineData(TokenResponseStyle.ServerPrivate)]
    public async Task A_code_Bangumi_refuses_or_a_token_endpoint_outage_binds_nothing(TokenResponseStyle style)
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);
        f.Fake.Options.ResponseStyle = style;
        try
        {
            // A valid state, a code Bangumi never issued.
            var state = BangumiExtraSteps.QueryValue(await f.StartBindAsync(user), "state");
            var before = f.Fake.TokenRequests().Count;
            var (status, html) = await f.FollowAsync(new Uri(BangumiExtraSteps.CallbackUrl + "?code=nope&state=" + Uri.EscapeDataString(state)));
            Assert.True(status == HttpStatusCode.BadGateway, html);
            Assert.Contains("Bangumi did not confirm the binding", html, StringComparison.Ordinal);
            var exchange = Assert.Single(f.Fake.TokenRequests().Skip(before));
            Assert.Equal("nope", exchange.Form["code"]);
            Assert.InRange(exchange.Status, 400, 499);
            BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));

            // A real code, but the token endpoint is down (legacy: an HTML 500; server-private: Fastify's JSON 500).
            f.Fake.Faults.Add(new FakeFault("/oauth/access_token", FaultKind.ServerError));
            var callback = await f.CallbackForAsync(user, bangumiUser);
            var (outage, outageHtml) = await f.FollowAsync(callback);
            Assert.True(outage == HttpStatusCode.BadGateway, outageHtml);
            Assert.Contains("Bangumi did not confirm the binding", outageHtml, StringComparison.Ordinal);
            BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));
        }
        finally
        {
            f.Fake.Options.ResponseStyle = TokenResponseStyle.Legacy;
            f.Fake.Faults.Clear();
        }
    }

    [Theory]
    [InlineData(TokenResponseStyle.Legacy)]
    [InlineData(TokenResponseStyle.ServerPrivate)]
    public async Task Both_token_response_styles_bind_refresh_and_import(TokenResponseStyle style)
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        // Another user first, so the Bangumi id is not just "the first user".
        f.NewBangumiUser();
        var bangumiUser = f.NewBangumiUser(anime: 60);
        f.Fake.Options.ResponseStyle = style;
        try
        {
            // /v0/me is down for this first import, so the id Bangumoe shows can only come from the token response.
            f.Fake.Faults.Add(new FakeFault("/v0/me", FaultKind.ServerError, Times: 100));
            var tokenRequests = f.Fake.TokenRequests().Count;
            var (status, html) = await f.BindAsync(user, bangumiUser);
            Assert.True(status == HttpStatusCode.SeeOther, html);
            Assert.Equal(BangumiSteps.BoundPage, html);
            var exchange = Assert.Single(f.Fake.TokenRequests().Skip(tokenRequests));
            Assert.Equal(200, exchange.Status);
            var failed = await client.WaitForImportAsync(user);
            Assert.Equal("failed", failed.GetProperty("import").GetProperty("status").GetString());
            Assert.True(failed.GetProperty("bound").GetBoolean());
            Assert.Equal(bangumiUser.Id, failed.GetProperty("bangumi_user").GetProperty("id").GetInt64());
            f.Fake.Faults.Clear();

            // With /v0/me back, a sync imports everything, refreshing (in this style) when the token dies half-way.
            var refreshes = f.Fake.RefreshCount;
            f.Fake.ExpireAccessTokenAfter(2);
            var importId = (await client.SyncAsync(user)).GetProperty("import").GetProperty("id").GetString();
            var done = await client.WaitForImportAsync(user, importId);
            var import = done.GetProperty("import");
            Assert.True(import.GetProperty("status").GetString() == "done", done.ToString());
            Assert.Equal(60, import.GetProperty("imported").GetInt32());
            Assert.Equal(60, import.GetProperty("total").GetInt32());
            Assert.Equal(1, f.Fake.RefreshCount - refreshes);
            Assert.Equal(bangumiUser.Id, done.GetProperty("bangumi_user").GetProperty("id").GetInt64());
            Assert.Equal(bangumiUser.Username, done.GetProperty("bangumi_user").GetProperty("username").GetString());
            Assert.Equal(60, (await client.AllItemsAsync(user)).Count);
        }
        finally
        {
            f.Fake.Options.ResponseStyle = TokenResponseStyle.Legacy;
            f.Fake.Faults.Clear();
        }
    }

    [Fact]
    public async Task The_callback_also_answers_on_oauth_redirect()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);
        var callback = await f.CallbackForAsync(user, bangumiUser);

        var (status, html) = await f.FollowAsync(new Uri(BangumoeApp.PublicBaseUrl + "/oauth/redirect" + callback.Query));

        Assert.True(status == HttpStatusCode.SeeOther, html);
        Assert.Equal(BangumiSteps.BoundPage, html);
        var binding = await client.WaitForImportAsync(user);
        Assert.Equal(bangumiUser.Username, binding.GetProperty("bangumi_user").GetProperty("username").GetString());
    }

    [Fact]
    public async Task A_user_who_never_bound_sees_an_empty_binding_and_cannot_unbind_or_sync()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();

        var binding = await client.BindingAsync(user);
        Assert.Equal(["bangumi_user", "bound", "import", "reauthorization_required"], binding.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        BangumiExtraSteps.AssertNeverBound(binding);

        await (await client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");
        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));
        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");
        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi?purge=true", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");
    }

    /// <summary>Checks the URL of Bangumi's consent page; returns its state.</summary>
    private string AssertAuthorizeUrl(string url)
    {
        Assert.StartsWith(f.Fake.BaseUrl + "/oauth/authorize?", url, StringComparison.Ordinal);
        var query = AuthorizeHelpers.QueryOf(url);
        Assert.Equal(["client_id", "redirect_uri", "response_type", "state"], query.Keys.Order(StringComparer.Ordinal));
        Assert.All(query, kv => Assert.True(kv.Value.Length == 1, $"{kv.Key} appears {kv.Value.Length} times in {url}"));
        Assert.Equal(BangumiFixture.ClientId, query["client_id"][0]);
        Assert.Equal("code", query["response_type"][0]);
        Assert.Equal(BangumiExtraSteps.CallbackUrl, query["redirect_uri"][0]);
        var state = query["state"][0];
        Assert.True(state.Length >= 32, $"state '{state}' is shorter than 32 characters");
        return state;
    }
}
