using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

public sealed class AuthorizationsApiTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    /// <summary>A developer's app that a user has signed in to, with its first tokens (refresh token included).</summary>
    private async Task<(OAuthFlow Flow, TestUser Developer, RegisteredClient Client, TestUser User, TokenSet Tokens)> AuthorizedAppAsync()
    {
        var flow = new OAuthFlow(app);
        var developer = await app.NewVerifiedUser();
        var client = await flow.RegisterClientAsync(developer.Token);
        var user = await app.NewVerifiedUser();
        return (flow, developer, client, user, await flow.TokensAsync(client, user, "openid profile offline_access"));
    }

    [Fact]
    public async Task A_user_lists_the_apps_they_authorized_and_revoking_one_ends_all_its_tokens()
    {
        var (flow, developer, client, user, tokens) = await AuthorizedAppAsync();
        var access = tokens.AccessToken;
        var refresh = tokens.RefreshToken!;

        var list = await (await flow.Backend.Send(HttpMethod.Get, "/api/me/authorizations", user.Token)).Ok();
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(client.ClientId, item.GetProperty("client_id").GetString());
        Assert.Equal("Anime Tracker", item.GetProperty("name").GetString());
        Assert.Equal("openid profile offline_access", item.GetProperty("scope").GetString());

        // The app's own token cannot manage authorizations (that needs Bangumoe's own login).
        Assert.Equal(HttpStatusCode.Forbidden, (await flow.Backend.Send(HttpMethod.Get, "/api/me/authorizations", access)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await flow.Backend.Send(HttpMethod.Delete, $"/api/me/authorizations/{client.ClientId}", user.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await flow.Backend.Send(HttpMethod.Get, "/oauth/userinfo", access)).StatusCode);
        var refreshed = await flow.TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        await OAuthFlow.OAuthError(refreshed, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Empty((await (await flow.Backend.Send(HttpMethod.Get, "/api/me/authorizations", user.Token)).Ok()).GetProperty("items").EnumerateArray());
        await (await flow.Backend.Send(HttpMethod.Delete, $"/api/me/authorizations/{client.ClientId}", user.Token)).Problem(HttpStatusCode.NotFound, "authorization-not-found");

        // Consent was withdrawn too: the next authorization asks again.
        var (_, challenge2) = OAuthFlow.Pkce();
        var again = await flow.Browser.GetAsync(OAuthFlow.AuthorizeUrl(client, "openid profile", "s2", challenge2));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("Allow access?", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_endpoint_is_rate_limited_per_client()
    {
        await using var limited = new BangumoeApp(app.Emulators, new Dictionary<string, string?> { ["OAuth:ClientRequestsPerMinute"] = "3" });
        var flow = new OAuthFlow(limited);
        var developer = await limited.NewVerifiedUser();
        var client = await flow.RegisterClientAsync(developer.Token);
        var other = await flow.RegisterClientAsync(developer.Token);
        for (var i = 0; i < 3; i++)
            await OAuthFlow.OAuthError(await flow.TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = "x.y" }), HttpStatusCode.BadRequest, "invalid_grant");
        var throttled = await flow.TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = "x.y" });
        await OAuthFlow.OAuthError(throttled, HttpStatusCode.TooManyRequests, "temporarily_unavailable");
        Assert.True(throttled.Headers.RetryAfter is not null);
        // Another client is not affected.
        await OAuthFlow.OAuthError(await flow.TokenAsync(other, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = "x.y" }), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Deleting_an_app_ends_its_access_and_refresh_tokens()
    {
        var (flow, developer, client, user, tokens) = await AuthorizedAppAsync();
        var access = tokens.AccessToken;
        await (await flow.Backend.Send(HttpMethod.Get, "/oauth/userinfo", access)).Ok();

        Assert.Equal(HttpStatusCode.NoContent, (await flow.Backend.Send(HttpMethod.Delete, $"/api/clients/{client.ClientId}", developer.Token)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await flow.Backend.Send(HttpMethod.Get, "/oauth/userinfo", access)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await flow.Backend.Send(HttpMethod.Get, "/api/me", access)).StatusCode);
        var refreshed = await flow.TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken! });
        await OAuthFlow.OAuthError(refreshed, HttpStatusCode.Unauthorized, "invalid_client");
        // The deleted app no longer appears among the user's authorizations.
        Assert.Empty((await (await flow.Backend.Send(HttpMethod.Get, "/api/me/authorizations", user.Token)).Ok()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Deleting_the_account_deletes_its_refresh_tokens()
    {
        var (flow, _, client, user, tokens) = await AuthorizedAppAsync();
        var refresh = (await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse()).RefreshToken!;
        var table = new Azure.Data.Tables.TableClient(app.Emulators.StorageConnectionString, app.Prefix + "RefreshTokens");
        // One row per family, however often it was refreshed: the current token and the ones it replaced live in it.
        var family = Assert.Single(table.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == user.Uid));
        Assert.DoesNotContain(refresh.Split('.')[2], family.GetString("CurrentHash") + family.GetString("History"), StringComparison.Ordinal); // hashed, never the token

        Assert.Equal(HttpStatusCode.NoContent, (await flow.Backend.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).StatusCode);

        Assert.Empty(table.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == user.Uid));
        await OAuthFlow.OAuthError(await flow.TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh }), HttpStatusCode.BadRequest, "invalid_grant");
    }
}
