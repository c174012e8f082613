using System.Net;
using Bangumoe.Tests.Infrastructure;
using static Bangumoe.Tests.Collections.CollectionTestHelpers;

namespace Bangumoe.Tests.Collections;

/// <summary>
/// <c>GET /api/me/collection</c>: newest <c>updated_at</c> first, pages of <c>limit</c>, next_cursor visiting every
/// item exactly once (with and without a status filter), and 400s for a bad status, limit or cursor.
/// </summary>
public sealed class CollectionPagingTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    /// <summary>The status of the i-th item of <see cref="UserWith45Items"/>: 15 done, 10 doing, 10 wish, 5 on_hold, 5 dropped.</summary>
    private static string StatusOf(int i) => (i % 9) switch
    {
        0 or 1 or 2 => "done",
        3 or 4 => "doing",
        5 or 6 => "wish",
        7 => "on_hold",
        _ => "dropped",
    };

    /// <summary>A user with 45 items, collected a second apart; returns their anime ids newest first.</summary>
    private async Task<(HttpClient Client, TestUser User, List<string> NewestFirst)> UserWith45Items()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var ids = new List<string>();
        for (var i = 0; i < 45; i++)
        {
            var anime = await client.CreateAnime(user.Token);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            await client.AddItem(user.Token, anime.Id(), new { status = StatusOf(i), score = i % 10 + 1 });
            ids.Add(anime.Id());
        }
        ids.Reverse();
        return (client, user, ids);
    }

    [Fact]
    public async Task Forty_five_items_in_pages_of_20_are_20_20_and_5_newest_first()
    {
        var (client, user, newestFirst) = await UserWith45Items();

        var pages = await client.AllPages("/api/me/collection", user.Token, limit: 20);
        Assert.Equal(new[] { 20, 20, 5 }, pages.Select(p => p.Items.Count));
        Assert.NotNull(pages[0].NextCursor);
        Assert.NotNull(pages[1].NextCursor);
        Assert.Null(pages[2].NextCursor);
        var items = pages.SelectMany(p => p.Items).ToList();
        Assert.Equal(newestFirst, items.Select(i => i.AnimeId()));
        Assert.All(items, AssertItemShape);
        var times = items.Select(i => i.Time("updated_at")).ToList();
        Assert.Equal(times.OrderDescending(), times);

        // The default limit is 20 too.
        var first = await client.GetPage("/api/me/collection", user.Token);
        Assert.Equal(newestFirst.Take(20), first.Items.Select(i => i.AnimeId()));
        Assert.NotNull(first.NextCursor);

        // Odd sizes, the smallest and the largest page.
        foreach (var limit in new[] { 1, 7, 44, 45, 100 })
        {
            var sized = await client.AllPages("/api/me/collection", user.Token, limit);
            Assert.Equal(newestFirst, sized.SelectMany(p => p.Items).Select(i => i.AnimeId()));
            Assert.All(sized.SkipLast(1), p => Assert.Equal(limit, p.Items.Count));
            Assert.Equal((45 + limit - 1) / limit, sized.Count(p => p.Items.Count > 0));
        }
    }

    [Fact]
    public async Task A_status_filter_pages_through_only_that_status_newest_first()
    {
        var (client, user, newestFirst) = await UserWith45Items();
        var expectedCounts = new Dictionary<string, int>(StringComparer.Ordinal) { ["done"] = 15, ["doing"] = 10, ["wish"] = 10, ["on_hold"] = 5, ["dropped"] = 5 };
        AssertStats(await client.Stats(user.Token), wish: 10, doing: 10, done: 15, onHold: 5, dropped: 5);

        foreach (var (status, count) in expectedCounts)
        {
            var expected = newestFirst.Where(id => StatusOf(45 - 1 - newestFirst.IndexOf(id)) == status).ToList();
            Assert.Equal(count, expected.Count);
            var pages = await client.AllPages($"/api/me/collection?status={status}", user.Token, limit: 4);
            var items = pages.SelectMany(p => p.Items).ToList();
            Assert.Equal(expected, items.Select(i => i.AnimeId()));
            Assert.All(items, i => Assert.Equal(status, i.GetProperty("status").GetString()));
            Assert.Null(pages[^1].NextCursor);
        }

        var done = await client.AllPages("/api/me/collection?status=done", user.Token, limit: 6);
        Assert.Equal(new[] { 6, 6, 3 }, done.Where(p => p.Items.Count > 0).Select(p => p.Items.Count));
    }

    [Fact]
    public async Task Updating_an_item_moves_it_to_the_top()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var anime = await client.CreateAnime(user.Token);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            await client.AddItem(user.Token, anime.Id(), new { status = "wish" });
            ids.Add(anime.Id());
        }
        Assert.Equal(Enumerable.Reverse(ids), (await client.AllItems("/api/me/collection", user.Token)).Select(i => i.AnimeId()));

        // The oldest one is updated: it comes first, the rest keep their order, nothing appears twice.
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.UpdateItem(user.Token, ids[0], new { status = "doing", episodes_watched = 1 });
        var expected = new[] { ids[0], ids[4], ids[3], ids[2], ids[1] };
        Assert.Equal(expected, (await client.AllItems("/api/me/collection", user.Token)).Select(i => i.AnimeId()));
        Assert.Equal(expected, (await client.AllItems("/api/me/collection", user.Token, limit: 2)).Select(i => i.AnimeId()));
        Assert.Equal(new[] { ids[0] }, (await client.AllItems("/api/me/collection?status=doing", user.Token)).Select(i => i.AnimeId()));
        Assert.Equal(new[] { ids[4], ids[3], ids[2], ids[1] }, (await client.AllItems("/api/me/collection?status=wish", user.Token)).Select(i => i.AnimeId()));

        // An update that changes nothing but is still a PUT moves it too (updated_at is bumped).
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.UpdateItem(user.Token, ids[2], new { status = "wish" });
        Assert.Equal(ids[2], (await client.GetPage("/api/me/collection", user.Token, limit: 1)).Items.Single().AnimeId());
        AssertStats(await client.Stats(user.Token), wish: 4, doing: 1);
    }

    [Fact]
    public async Task Paging_while_items_are_added_and_deleted_never_repeats_an_item()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var anime = await client.CreateAnime(user.Token);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            await client.AddItem(user.Token, anime.Id(), new { status = "done" });
            ids.Add(anime.Id());
        }

        var first = await client.GetPage("/api/me/collection", user.Token, limit: 4);
        Assert.Equal(new[] { ids[9], ids[8], ids[7], ids[6] }, first.Items.Select(i => i.AnimeId()));

        // A new item arrives (at the top, already seen territory) and an unseen one is deleted.
        var late = await client.CreateAnime(user.Token);
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.AddItem(user.Token, late.Id(), new { status = "done" });
        await (await client.Send(HttpMethod.Delete, ItemPath(ids[3]), user.Token)).Ok(HttpStatusCode.NoContent);

        var rest = new List<string>();
        var cursor = first.NextCursor;
        while (cursor is not null)
        {
            var page = await client.GetPage("/api/me/collection", user.Token, limit: 4, cursor: cursor);
            rest.AddRange(page.Items.Select(i => i.AnimeId()));
            cursor = page.NextCursor;
        }
        Assert.Equal(new[] { ids[5], ids[4], ids[2], ids[1], ids[0] }, rest);
    }

    [Fact]
    public async Task An_empty_collection_is_one_empty_page()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var page = await client.GetPage("/api/me/collection", user.Token);
        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
        var filtered = await client.GetPage("/api/me/collection?status=dropped", user.Token, limit: 1);
        Assert.Empty(filtered.Items);
        Assert.Null(filtered.NextCursor);
        AssertStats(await client.Stats(user.Token));
    }

    [Fact]
    public async Task A_full_last_page_is_followed_by_at_most_one_empty_page()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        for (var i = 0; i < 4; i++)
        {
            var anime = await client.CreateAnime(user.Token);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            await client.AddItem(user.Token, anime.Id(), new { status = "doing" });
        }
        var pages = await client.AllPages("/api/me/collection", user.Token, limit: 2);
        Assert.Equal(4, pages.Sum(p => p.Items.Count));
        // Either the second page says it is the last, or one empty page follows; never more.
        Assert.InRange(pages.Count, 2, 3);
        if (pages.Count == 3) Assert.Empty(pages[2].Items);
    }

    [Theory]
    [InlineData("status=watching", "status")]
    [InlineData("status=DONE", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-5", "limit")]
    [InlineData("limit=many", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=%25%25%25", "cursor")]
    [InlineData("cursor=%E8%BF%9B%E5%87%BB", "cursor")]
    public async Task A_bad_status_limit_or_cursor_is_a_400_naming_it(string query, string field)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var problem = await (await client.Send(HttpMethod.Get, "/api/me/collection?" + query, user.Token)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.FieldNames());
    }

    [Fact]
    public async Task A_cursor_of_the_catalog_is_not_a_cursor_of_the_collection_or_is_harmless()
    {
        // Whatever a cursor holds, one from another listing never leaks or breaks anything: a 400 or a normal page.
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        for (var i = 0; i < 3; i++) await client.CreateAnime(user.Token);
        var catalogCursor = (await client.GetPage("/api/anime", null, limit: 1)).NextCursor;
        Assert.NotNull(catalogCursor);
        var response = await client.Send(HttpMethod.Get, WithQuery("/api/me/collection", ("cursor", catalogCursor)), user.Token);
        if (response.StatusCode == HttpStatusCode.BadRequest) Assert.Contains("cursor", (await response.Problem(HttpStatusCode.BadRequest)).FieldNames());
        else Assert.Empty(ToPage(await response.Ok(), 20, "collection with a catalog cursor").Items);
    }
}
