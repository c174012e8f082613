using System.Net;
using Bangumoe.Tests.Infrastructure;
using static Bangumoe.Tests.Collections.CollectionTestHelpers;

namespace Bangumoe.Tests.Collections;

/// <summary>
/// Third-party apps, with tokens from the real authorization code flow: <c>collection:read</c> lets them read the
/// collection, <c>collection:write</c> lets them change it (and add anime), and each without the other is a 403.
/// </summary>
public sealed class CollectionScopeTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    /// <summary>A user with one public and one private item (first-party token), and a third anime not collected yet.</summary>
    private async Task<(HttpClient Client, TestUser User, string Public, string Private, string Uncollected)> UserWithItems()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var open = await client.CreateAnime(user.Token);
        var hidden = await client.CreateAnime(user.Token);
        var uncollected = await client.CreateAnime(user.Token);
        await client.AddItem(user.Token, open.Id(), new { status = "doing", score = 7, episodes_watched = 2 });
        await client.AddItem(user.Token, hidden.Id(), new { status = "wish", @private = true });
        return (client, user, open.Id(), hidden.Id(), uncollected.Id());
    }

    private static async Task AssertInsufficientScope(Task<HttpResponseMessage> request) =>
        await (await request).Problem(HttpStatusCode.Forbidden, "insufficient-scope");

    [Fact]
    public async Task A_read_token_reads_everything_and_changes_nothing()
    {
        var (client, user, open, hidden, uncollected) = await UserWithItems();
        var before = await client.GetItem(user.Token, open);
        var token = await app.ThirdPartyToken(user, "openid collection:read");
        var api = app.NewClient();

        // It sees the private item too: it is the user's own view.
        var listed = await api.AllItems("/api/me/collection", token);
        Assert.Equal(new[] { hidden, open }.Order(StringComparer.Ordinal), listed.Select(i => i.AnimeId()).Order(StringComparer.Ordinal));
        Assert.Equal(before.GetRawText(), (await api.GetItem(token, open)).GetRawText());
        Assert.Equal(hidden, (await api.GetItem(token, hidden)).AnimeId());
        AssertStats(await api.Stats(token), wish: 1, doing: 1);
        Assert.Single(await api.AllItems("/api/me/collection?status=wish", token));

        await AssertInsufficientScope(api.PutItem(token, open, new { status = "dropped", score = 1 }));
        await AssertInsufficientScope(api.PutItem(token, uncollected, new { status = "wish" }));
        await AssertInsufficientScope(api.Send(HttpMethod.Delete, ItemPath(open), token));
        var marker = NewMarker();
        await AssertInsufficientScope(api.PostAnime(token, new { name = marker }));

        Assert.Equal(before.GetRawText(), (await client.GetItem(user.Token, open)).GetRawText());
        await client.AssertNoItem(user.Token, uncollected);
        AssertStats(await client.Stats(user.Token), wish: 1, doing: 1);
        Assert.Empty(await api.Search(marker));
    }

    [Fact]
    public async Task A_write_token_changes_the_collection_but_cannot_read_it()
    {
        var (client, user, open, hidden, uncollected) = await UserWithItems();
        var token = await app.ThirdPartyToken(user, "collection:write");
        var api = app.NewClient();

        await AssertInsufficientScope(api.Send(HttpMethod.Get, "/api/me/collection", token));
        await AssertInsufficientScope(api.Send(HttpMethod.Get, "/api/me/collection?status=doing", token));
        await AssertInsufficientScope(api.Send(HttpMethod.Get, ItemPath(open), token));
        await AssertInsufficientScope(api.Send(HttpMethod.Get, "/api/me/collection/stats", token));

        var added = await api.AddItem(token, uncollected, new { status = "done", score = 8 });
        AssertItem(added, "done", 8, null, 0, false);
        AssertItem(await api.UpdateItem(token, open, new { status = "done" }), "done", 7, null, 2, false);
        await (await api.Send(HttpMethod.Delete, ItemPath(hidden), token)).Ok(HttpStatusCode.NoContent);

        // It can add to the catalog, too.
        var created = await api.CreateAnime(token, new { name = "Added by an app " + NewMarker() });
        await api.AddItem(token, created.Id(), new { status = "wish" });

        // The user (first-party token) sees what the app did.
        AssertItem(await client.GetItem(user.Token, uncollected), "done", 8, null, 0, false);
        AssertItem(await client.GetItem(user.Token, open), "done", 7, null, 2, false);
        await client.AssertNoItem(user.Token, hidden);
        AssertStats(await client.Stats(user.Token), wish: 1, done: 2);
    }

    [Theory]
    [InlineData("openid profile")]
    [InlineData("openid email offline_access")]
    public async Task A_token_without_collection_scopes_can_do_nothing_with_the_collection(string scope)
    {
        var (client, user, open, _, uncollected) = await UserWithItems();
        var before = await client.GetItem(user.Token, open);
        var token = await app.ThirdPartyToken(user, scope);
        var api = app.NewClient();

        await AssertInsufficientScope(api.Send(HttpMethod.Get, "/api/me/collection", token));
        await AssertInsufficientScope(api.Send(HttpMethod.Get, ItemPath(open), token));
        await AssertInsufficientScope(api.Send(HttpMethod.Get, "/api/me/collection/stats", token));
        await AssertInsufficientScope(api.PutItem(token, open, new { status = "dropped" }));
        await AssertInsufficientScope(api.PutItem(token, uncollected, new { status = "wish" }));
        await AssertInsufficientScope(api.Send(HttpMethod.Delete, ItemPath(open), token));
        var marker = NewMarker();
        await AssertInsufficientScope(api.PostAnime(token, new { name = marker }));

        Assert.Equal(before.GetRawText(), (await client.GetItem(user.Token, open)).GetRawText());
        await client.AssertNoItem(user.Token, uncollected);
        AssertStats(await client.Stats(user.Token), wish: 1, doing: 1);
        Assert.Empty(await api.Search(marker));

        // What is public needs no scope at all, whatever token comes along.
        await (await api.Send(HttpMethod.Get, $"/api/users/{user.Uname}/collection", token)).Ok();
        await (await api.Send(HttpMethod.Get, AnimePath(open), token)).Ok();
    }

    [Fact]
    public async Task A_token_with_both_scopes_reads_and_writes()
    {
        var (client, user, open, _, uncollected) = await UserWithItems();
        var token = await app.ThirdPartyToken(user, "openid collection:read collection:write");
        var api = app.NewClient();

        await api.AddItem(token, uncollected, new { status = "on_hold", comment = "From the app" });
        AssertItem(await api.GetItem(token, uncollected), "on_hold", null, "From the app", 0, false);
        AssertStats(await api.Stats(token), wish: 1, doing: 1, onHold: 1);
        await (await api.Send(HttpMethod.Delete, ItemPath(open), token)).Ok(HttpStatusCode.NoContent);
        Assert.Equal(2, (await api.AllItems("/api/me/collection", token)).Count);
        AssertStats(await client.Stats(user.Token), wish: 1, onHold: 1);
    }

    [Fact]
    public async Task A_first_party_login_token_has_both_scopes()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var anime = await client.CreateAnime(user.Token);
        await client.AddItem(user.Token, anime.Id(), new { status = "wish" });
        AssertItem(await client.GetItem(user.Token, anime.Id()), "wish", null, null, 0, false);
        Assert.Single(await client.AllItems("/api/me/collection", user.Token));
    }
}
