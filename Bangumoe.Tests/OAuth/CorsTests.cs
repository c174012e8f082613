using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// Browser apps on other origins (issue 13, CORS): discovery and keys for anyone; the token, revocation and userinfo
/// endpoints for the origins the calling client registered (its redirect URIs' and its <c>allowed_origins</c>), never
/// with credentials; nothing that uses the browser session or the account API.
/// </summary>
public sealed class CorsTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string AppOrigin = "https://client.example"; // OAuthFlow.RedirectUri's origin
    private const string Foreign = "https://evil.example";

    private static HttpRequestMessage Preflight(string path, string origin, string method = "POST", string headers = "authorization,content-type")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string? AllowOrigin(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Access-Control-Allow-Origin", out var v) ? v.Single() : null;

    private static void AssertNoCredentials(HttpResponseMessage response) =>
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));

    /// <summary>A flow whose back channel speaks from <paramref name="origin"/>, as a browser app's fetch would.</summary>
    private OAuthFlow FlowFrom(string origin)
    {
        var flow = new OAuthFlow(app);
        flow.Backend.DefaultRequestHeaders.Add("Origin", origin);
        return flow;
    }

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/jwks.json")]
    public async Task Discovery_and_keys_are_readable_from_any_origin(string path)
    {
        var client = app.CreateClient();
        using var get = new HttpRequestMessage(HttpMethod.Get, path);
        get.Headers.Add("Origin", Foreign);
        using var response = await client.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", AllowOrigin(response));
        AssertNoCredentials(response);

        using var preflight = await client.SendAsync(Preflight(path, Foreign, "GET", "accept"));
        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("*", AllowOrigin(preflight));
    }

    [Theory]
    [InlineData("/oauth/token", "POST")]
    [InlineData("/oauth/revoke", "POST")]
    [InlineData("/oauth/userinfo", "GET")]
    [InlineData("/oauth/userinfo", "POST")]
    public async Task Preflights_of_the_client_endpoints_let_the_browser_send(string path, string method)
    {
        using var response = await app.CreateClient().SendAsync(Preflight(path, AppOrigin, method, "authorization,content-type,dpop"));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(AppOrigin, AllowOrigin(response));
        Assert.Contains(method, response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        var headers = response.Headers.GetValues("Access-Control-Allow-Headers").Single();
        foreach (var header in new[] { "Authorization", "Content-Type", "DPoP" }) Assert.Contains(header, headers, StringComparison.Ordinal);
        Assert.Contains("Origin", response.Headers.Vary);
        AssertNoCredentials(response);
    }

    [Fact]
    public async Task A_public_app_on_its_redirect_uris_origin_redeems_refreshes_reads_userinfo_and_revokes()
    {
        var developer = await app.DeveloperAsync();
        var user = await app.NewVerifiedUser();
        var flow = FlowFrom(AppOrigin);
        var client = await flow.RegisterClientAsync(developer.Token, "public");

        var (code, verifier) = await flow.CodeAsync(client, user, "openid profile offline_access");
        using var redeemed = await flow.RedeemAsync(client, code, verifier);
        Assert.Equal(AppOrigin, AllowOrigin(redeemed));
        AssertNoCredentials(redeemed);
        var tokens = await redeemed.AssertTokenResponse();

        using var refreshed = await flow.RefreshAsync(client, tokens.RefreshToken!);
        Assert.Equal(AppOrigin, AllowOrigin(refreshed));
        var fresh = await refreshed.AssertTokenResponse();

        using var userinfo = await flow.UserInfoAsync(fresh.AccessToken);
        Assert.Equal(AppOrigin, AllowOrigin(userinfo));
        Assert.Equal(user.Uid, (await userinfo.Ok()).GetProperty("sub").GetString());

        using var revoked = await flow.RevokeAsync(client, fresh.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(AppOrigin, AllowOrigin(revoked));
        await new OAuthFlow(app).AssertRefreshRefusedAsync(client, fresh.RefreshToken!);
    }

    [Fact]
    public async Task An_origin_the_client_did_not_register_is_refused_before_the_code_is_used()
    {
        var developer = await app.DeveloperAsync();
        var user = await app.NewVerifiedUser();
        var server = new OAuthFlow(app);
        var client = await server.RegisterClientAsync(developer.Token, "public");
        var (code, verifier) = await server.CodeAsync(client, user, "openid");

        using var foreign = await FlowFrom(Foreign).RedeemAsync(client, code, verifier);
        Assert.Null(AllowOrigin(foreign));
        await OAuthFlow.OAuthError(foreign, HttpStatusCode.BadRequest, "invalid_request");

        // Nothing was done: the code still works where no browser is involved.
        var tokens = await (await server.RedeemAsync(client, code, verifier)).AssertTokenResponse();
        using var userinfo = await FlowFrom(Foreign).UserInfoAsync(tokens.AccessToken);
        Assert.Null(AllowOrigin(userinfo));
        await OAuthFlow.OAuthError(userinfo, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Listed_origins_are_allowed_too_and_must_be_origins_as_a_browser_sends_them()
    {
        var developer = await app.DeveloperAsync();
        var http = app.CreateClient();
        var created = await (await http.Send(HttpMethod.Post, "/api/clients", developer.Token, new
        {
            name = "Web Tracker", home_url = "https://tracker.example", redirect_uris = new[] { "https://login.tracker.example/cb" }, type = "public",
            allowed_origins = new[] { "https://tracker.example", "http://localhost:5173" },
        })).Ok(HttpStatusCode.Created);
        Assert.Equal(["https://tracker.example", "http://localhost:5173"], created.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));
        var client = new RegisteredClient(created.GetProperty("client_id").GetString()!, null, "https://login.tracker.example/cb");
        var user = await app.NewVerifiedUser();
        var (code, verifier) = await new OAuthFlow(app).CodeAsync(client, user, "openid");
        using var redeemed = await FlowFrom("http://localhost:5173").RedeemAsync(client, code, verifier);
        Assert.Equal("http://localhost:5173", AllowOrigin(redeemed));
        await redeemed.AssertTokenResponse();

        foreach (var bad in new[] { "https://a.example/", "https://A.example", "https://a.example/app", "http://a.example", "*", "https://u@a.example", "null", "https://a.example:443" })
        {
            var refused = await (await http.Send(HttpMethod.Patch, "/api/clients/" + client.ClientId, developer.Token, new { allowed_origins = new[] { bad } }))
                .Problem(HttpStatusCode.BadRequest);
            Assert.True(refused.GetProperty("errors").TryGetProperty("allowed_origins[0]", out _), $"{bad}: {refused}");
        }
        var tooMany = Enumerable.Range(0, 11).Select(i => $"https://o{i}.example").ToArray();
        await (await http.Send(HttpMethod.Patch, "/api/clients/" + client.ClientId, developer.Token, new { allowed_origins = tooMany })).Problem(HttpStatusCode.BadRequest);
        var kept = await (await http.Send(HttpMethod.Get, "/api/clients/" + client.ClientId, developer.Token)).Ok();
        Assert.Equal(2, kept.GetProperty("allowed_origins").GetArrayLength());
    }

    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("POST", "/api/auth/login")]
    [InlineData("GET", "/api/me/collection")]
    [InlineData("POST", "/oauth/authorize")]
    [InlineData("POST", "/oauth/introspect")]
    public async Task Nothing_that_uses_the_session_or_the_account_api_answers_other_origins(string method, string path)
    {
        var http = app.CreateClient(new ClientOptions { AllowAutoRedirect = false });
        var user = await app.NewVerifiedUser();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Origin", AppOrigin);
        request.Headers.Authorization = new("Bearer", user.Token);
        if (method == "POST") request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "y" });
        using var response = await http.SendAsync(request);
        Assert.Null(AllowOrigin(response));

        using var preflight = await http.SendAsync(Preflight(path, AppOrigin, method));
        Assert.Null(AllowOrigin(preflight));
    }
}
