using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// The refresh_token grant (RFC 6749 §6, RFC 9700 §4.14): rotation on every use, one winner under concurrency, family
/// revocation when a rotated token comes back after the leeway, binding to the client, no scope widening, and an end on
/// password change and expiry.
/// </summary>
public sealed class RefreshTokenTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Scope = "openid profile email offline_access";

    private async Task<(OAuthFlow Flow, RegisteredClient Client, TestUser User, TokenSet Tokens)> GrantAsync(
        BangumoeApp target, string scope = Scope, string type = "confidential")
    {
        var flow = new OAuthFlow(target);
        var client = await target.NewClientAsync(type);
        var user = await target.NewVerifiedUser();
        var tokens = await flow.TokensAsync(client, user, scope);
        Assert.NotNull(tokens.RefreshToken);
        return (flow, client, user, tokens);
    }

    [Fact]
    public async Task Each_refresh_rotates_the_refresh_token_and_the_old_one_stops_working()
    {
        var (flow, client, user, first) = await GrantAsync(app);

        var second = await (await flow.RefreshAsync(client, first.RefreshToken!)).AssertTokenResponse();
        Assert.NotNull(second.RefreshToken);
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        Assert.Equal(Scope, second.Scope);
        await flow.AssertAccessWorksAsync(second.AccessToken, user.Uid);

        // The old one is spent (within the leeway nothing else happens).
        await flow.AssertRefreshRefusedAsync(client, first.RefreshToken!);

        var third = await (await flow.RefreshAsync(client, second.RefreshToken!)).AssertTokenResponse();
        Assert.NotEqual(second.RefreshToken, third.RefreshToken);
        await flow.AssertRefreshRefusedAsync(client, second.RefreshToken!);
        await flow.AssertAccessWorksAsync(third.AccessToken, user.Uid);

        // A refresh keeps the subject and the client.
        Assert.Equal(user.Uid, TokenForgery.Claim(third.AccessToken, "sub"));
        Assert.Equal(client.ClientId, TokenForgery.Claim(third.AccessToken, "client_id"));
        Assert.Equal(user.Uid, TokenHelpers.JwtPart(third.IdToken!, 1).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Ten_parallel_refreshes_with_one_token_give_exactly_one_new_pair_that_keeps_working()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => flow.RefreshAsync(client, tokens.RefreshToken!)));

        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.True(winners.Count == 1, $"Expected exactly one 200 among 10 refreshes, got: {statuses}");
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            await loser.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");

        // Within the leeway the losers revoked nothing: the winner's pair works at once.
        var winner = await winners[0].AssertTokenResponse();
        await flow.AssertAccessWorksAsync(winner.AccessToken, user.Uid);
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
        var next = await (await flow.RefreshAsync(client, winner.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(next.AccessToken, user.Uid);
    }

    [Fact]
    public async Task A_rotated_token_presented_after_the_leeway_revokes_the_whole_family()
    {
        await using var strict = new BangumoeApp(app.Emulators, new Dictionary<string, string?> { ["OAuth:RefreshReuseLeeway"] = "00:00:01" });
        var (flow, client, user, first) = await GrantAsync(strict);
        var second = await (await flow.RefreshAsync(client, first.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(second.AccessToken, user.Uid);

        strict.Clock.Advance(TimeSpan.FromSeconds(5));
        // The control: after the leeway the newest pair still works until the old token comes back.
        await flow.AssertAccessWorksAsync(second.AccessToken, user.Uid);

        // Someone kept a copy of the rotated token.
        await flow.AssertRefreshRefusedAsync(client, first.RefreshToken!);

        // Everything of the family is gone: the newest refresh token and the latest access token.
        await flow.AssertRefreshRefusedAsync(client, second.RefreshToken!);
        await flow.AssertAccessRefusedAsync(second.AccessToken);
        await flow.AssertAccessRefusedAsync(first.AccessToken);
    }

    [Fact]
    public async Task A_token_retired_several_rotations_ago_is_still_recognised_as_a_reuse()
    {
        await using var strict = new BangumoeApp(app.Emulators, new Dictionary<string, string?> { ["OAuth:RefreshReuseLeeway"] = "00:00:01" });
        var (flow, client, user, first) = await GrantAsync(strict);
        var latest = first;
        for (var i = 0; i < 4; i++) latest = await (await flow.RefreshAsync(client, latest.RefreshToken!)).AssertTokenResponse();
        strict.Clock.Advance(TimeSpan.FromSeconds(5));
        await flow.AssertAccessWorksAsync(latest.AccessToken, user.Uid);

        // The first token, four rotations old, comes back: the family ends, newest token included.
        await flow.AssertRefreshRefusedAsync(client, first.RefreshToken!);
        await flow.AssertRefreshRefusedAsync(client, latest.RefreshToken!);
        await flow.AssertAccessRefusedAsync(latest.AccessToken);
    }

    [Fact]
    public async Task A_forged_secret_in_a_real_family_is_refused_without_touching_the_family()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);
        var parts = tokens.RefreshToken!.Split('.');
        Assert.Equal(3, parts.Length); // uid.family.secret
        await flow.AssertRefreshRefusedAsync(client, $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}");
        await flow.AssertRefreshRefusedAsync(client, $"{parts[0]}.{parts[1]}");
        await flow.AssertRefreshRefusedAsync(client, $"{parts[0]}.{parts[1]}.{parts[2]}.{parts[2]}");
        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, user.Uid);
    }

    [Fact]
    public async Task A_refresh_token_of_another_client_is_invalid_grant_and_stays_with_its_client()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);
        var thief = await app.NewClientAsync();
        var publicThief = await app.NewClientAsync("public");

        await flow.AssertRefreshRefusedAsync(thief, tokens.RefreshToken!);
        await flow.AssertRefreshRefusedAsync(thief, tokens.RefreshToken!);
        await flow.AssertRefreshRefusedAsync(publicThief, tokens.RefreshToken!);

        // The attempts neither rotated nor revoked it.
        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, user.Uid);
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
    }

    [Fact]
    public async Task A_refresh_can_narrow_the_scope()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);

        var narrowed = await (await flow.RefreshAsync(client, tokens.RefreshToken!, "openid")).AssertTokenResponse();
        Assert.Equal("openid", narrowed.Scope);
        Assert.Equal("openid", TokenForgery.Claim(narrowed.AccessToken, "scope"));
        await flow.AssertAccessWorksAsync(narrowed.AccessToken, user.Uid);
        // /api/me needs profile, which the narrowed token no longer carries.
        var me = await flow.Backend.Send(HttpMethod.Get, "/api/me", narrowed.AccessToken);
        Assert.Equal(HttpStatusCode.Forbidden, me.StatusCode);
        Assert.Contains("insufficient_scope", string.Join(", ", me.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);

        // Omitted, the scope is the one originally granted (RFC 6749 §6).
        Assert.NotNull(narrowed.RefreshToken);
        var full = await (await flow.RefreshAsync(client, narrowed.RefreshToken!)).AssertTokenResponse();
        Assert.Equal(Scope, full.Scope);
        Assert.Equal(Scope, TokenForgery.Claim(full.AccessToken, "scope"));
    }

    [Fact]
    public async Task A_refresh_cannot_widen_the_scope()
    {
        var (flow, client, user, tokens) = await GrantAsync(app, "openid offline_access");

        foreach (var wider in new[] { "openid profile", "profile", "openid offline_access email", "collection:write", "account", "openid account" })
            await flow.RefreshAsync(client, tokens.RefreshToken!, wider).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_scope");

        // None of that spent the token, and what it yields is the original scope.
        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        Assert.Equal("openid offline_access", refreshed.Scope);
        Assert.Equal("openid offline_access", TokenForgery.Claim(refreshed.AccessToken, "scope"));
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, user.Uid);
    }

    [Fact]
    public async Task A_password_change_ends_the_apps_refresh_and_access_tokens()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);
        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, user.Uid);

        await (await flow.Backend.Send(HttpMethod.Post, "/api/me/password", user.Token,
            new { current_password = user.Password, new_password = "a brand new horse battery" })).Ok();

        await flow.AssertRefreshRefusedAsync(client, refreshed.RefreshToken!);
        await flow.AssertAccessRefusedAsync(refreshed.AccessToken);
        await flow.AssertAccessRefusedAsync(tokens.AccessToken);
        await (await flow.Backend.Send(HttpMethod.Get, "/api/me", refreshed.AccessToken)).AssertInvalidToken();
    }

    [Fact]
    public async Task A_refresh_token_expires_after_thirty_days()
    {
        await using var timed = new BangumoeApp(app.Emulators);
        var flow = new OAuthFlow(timed);
        var client = await timed.NewClientAsync();
        var user = await timed.NewVerifiedUser();
        var idle = await flow.TokensAsync(client, user, Scope);
        var used = await flow.TokensAsync(client, user, Scope);

        // The control: on day 29 a refresh token works (and its successor starts a new 30 days).
        timed.Clock.Advance(TimeSpan.FromDays(29));
        var renewed = await (await flow.RefreshAsync(client, used.RefreshToken!)).AssertTokenResponse();

        timed.Clock.Advance(TimeSpan.FromDays(2));
        await flow.AssertRefreshRefusedAsync(client, idle.RefreshToken!);
        await (await flow.RefreshAsync(client, renewed.RefreshToken!)).AssertTokenResponse();
    }

    [Fact]
    public async Task A_public_client_refreshes_with_client_id_only_and_rotation_applies()
    {
        var (flow, client, user, tokens) = await GrantAsync(app, type: "public");
        Assert.Null(client.Secret);

        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, user.Uid);
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);
        await flow.AssertRefreshRefusedAsync(client, tokens.RefreshToken!);
    }
}
