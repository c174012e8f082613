using System.Net;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using static Bangumoe.Tests.Collections.CollectionTestHelpers;

namespace Bangumoe.Tests.Collections;

/// <summary>
/// One's own collection: <c>PUT</c>/<c>GET</c>/<c>DELETE /api/me/collection/{anime_id}</c>, merge semantics, the
/// stats, and that one user's collection is theirs alone.
/// </summary>
public sealed class CollectionCrudTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private async Task<(HttpClient Client, TestUser User)> SignedIn()
    {
        var client = app.NewClient();
        return (client, await app.NewVerifiedUser());
    }

    [Fact]
    public async Task A_user_collects_an_anime_and_reads_it_back()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token, new
        {
            name = "Bocchi the Rock! " + NewMarker(), name_cn = "孤独摇滚！", episodes = 12, director = "斎藤圭一郎",
            air_date = "2022-10-09", image = "https://lain.bgm.tv/pic/cover/l/a.jpg",
        });

        var item = await client.AddItem(user.Token, anime.Id(), new { status = "doing", score = 9, comment = "最高", episodes_watched = 4, @private = true });
        AssertItem(item, "doing", 9, "最高", 4, true);
        var summary = item.GetProperty("anime");
        Assert.Equal(anime.Id(), summary.Id());
        foreach (var field in ItemAnimeFields) Assert.Equal(anime.Raw(field), summary.Raw(field));
        Assert.Equal(item.Time("created_at"), item.Time("updated_at"));
        Assert.True((DateTimeOffset.UtcNow - item.Time("created_at")).Duration() < TimeSpan.FromMinutes(5), item.Raw("created_at"));

        Assert.Equal(item.GetRawText(), (await client.GetItem(user.Token, anime.Id())).GetRawText());
        var listed = Assert.Single((await client.GetPage("/api/me/collection", user.Token)).Items);
        Assert.Equal(item.GetRawText(), listed.GetRawText());
        AssertStats(await client.Stats(user.Token), doing: 1);
    }

    [Fact]
    public async Task Absent_fields_default_on_create()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        var item = await client.AddItem(user.Token, anime.Id(), new { status = "wish" });
        AssertItem(item, "wish", null, null, 0, false);
        AssertItem(await client.GetItem(user.Token, anime.Id()), "wish", null, null, 0, false);
    }

    [Fact]
    public async Task Explicit_nulls_on_create_are_the_defaults()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        var response = await client.PutItemRaw(user.Token, anime.Id(),
            """{"status":"on_hold","score":null,"comment":null,"episodes_watched":null,"private":null}""");
        var item = await response.Ok(HttpStatusCode.Created);
        AssertItem(item, "on_hold", null, null, 0, false);
    }

    [Fact]
    public async Task A_second_put_updates_and_absent_fields_keep_their_values()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        var created = await client.AddItem(user.Token, anime.Id(), new { status = "doing", score = 8, comment = "Good so far", episodes_watched = 3, @private = true });

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var statusOnly = await client.UpdateItem(user.Token, anime.Id(), new { status = "done" });
        AssertItem(statusOnly, "done", 8, "Good so far", 3, true);
        Assert.Equal(created.Raw("created_at"), statusOnly.Raw("created_at"));
        Assert.True(statusOnly.Time("updated_at") > created.Time("updated_at"), $"{statusOnly.Raw("updated_at")} after {created.Raw("updated_at")}");

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var scoreOnly = await client.UpdateItem(user.Token, anime.Id(), new { status = "done", score = 10 });
        AssertItem(scoreOnly, "done", 10, "Good so far", 3, true);
        Assert.Equal(created.Raw("created_at"), scoreOnly.Raw("created_at"));
        Assert.True(scoreOnly.Time("updated_at") > statusOnly.Time("updated_at"));

        var read = await client.GetItem(user.Token, anime.Id());
        Assert.Equal(scoreOnly.GetRawText(), read.GetRawText());
        AssertStats(await client.Stats(user.Token), done: 1);
    }

    [Fact]
    public async Task Explicit_nulls_clear_each_field()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        await client.AddItem(user.Token, anime.Id(), new { status = "doing", score = 8, comment = "Good so far", episodes_watched = 3, @private = true });

        AssertItem(await client.UpdateItem(user.Token, anime.Id(), new { status = "doing", score = (int?)null }), "doing", null, "Good so far", 3, true);
        AssertItem(await client.UpdateItem(user.Token, anime.Id(), new { status = "doing", comment = (string?)null }), "doing", null, null, 3, true);
        AssertItem(await client.UpdateItem(user.Token, anime.Id(), new { status = "doing", episodes_watched = (int?)null }), "doing", null, null, 0, true);
        AssertItem(await client.UpdateItem(user.Token, anime.Id(), new { status = "doing", @private = (bool?)null }), "doing", null, null, 0, false);
        AssertItem(await client.GetItem(user.Token, anime.Id()), "doing", null, null, 0, false);

        // And all of them at once.
        await client.UpdateItem(user.Token, anime.Id(), new { status = "dropped", score = 2, comment = "Not for me", episodes_watched = 5, @private = true });
        var cleared = await client.PutItemRaw(user.Token, anime.Id(),
            """{"status":"dropped","score":null,"comment":null,"episodes_watched":null,"private":null}""").Ok();
        AssertItem(cleared, "dropped", null, null, 0, false);
        AssertItem(await client.GetItem(user.Token, anime.Id()), "dropped", null, null, 0, false);
    }

    [Fact]
    public async Task An_empty_comment_is_stored_as_null()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        AssertItem(await client.AddItem(user.Token, anime.Id(), new { status = "wish", comment = "" }), "wish", null, null, 0, false);
        await client.UpdateItem(user.Token, anime.Id(), new { status = "wish", comment = "Looking forward" });
        AssertItem(await client.UpdateItem(user.Token, anime.Id(), new { status = "wish", comment = "" }), "wish", null, null, 0, false);
        Assert.Equal(JsonValueKind.Null, (await client.GetItem(user.Token, anime.Id())).GetProperty("comment").ValueKind);
    }

    [Fact]
    public async Task Limits_are_inclusive()
    {
        var (client, user) = await SignedIn();
        var twelve = await client.CreateAnime(user.Token, episodes: 12);
        var unknownLength = await client.CreateAnime(user.Token, episodes: null);

        AssertItem(await client.AddItem(user.Token, twelve.Id(), new { status = "done", score = 10, comment = new string('好', 256), episodes_watched = 12 }),
            "done", 10, new string('好', 256), 12, false);
        AssertItem(await client.UpdateItem(user.Token, twelve.Id(), new { status = "done", score = 1, comment = new string('c', 256) }),
            "done", 1, new string('c', 256), 12, false);
        AssertItem(await client.AddItem(user.Token, unknownLength.Id(), new { status = "doing", episodes_watched = 10000 }),
            "doing", null, null, 10000, false);
        AssertItem(await client.GetItem(user.Token, unknownLength.Id()), "doing", null, null, 10000, false);
    }

    [Fact]
    public async Task A_comment_counts_unicode_characters_not_utf16_units()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        // 256 emoji are 256 characters (512 UTF-16 code units).
        var emoji = string.Concat(Enumerable.Repeat("😀", 256));
        AssertItem(await client.AddItem(user.Token, anime.Id(), new { status = "done", comment = emoji }), "done", null, emoji, 0, false);
        AssertItem(await client.GetItem(user.Token, anime.Id()), "done", null, emoji, 0, false);
    }

    [Fact]
    public async Task Every_status_is_accepted_and_counted()
    {
        var (client, user) = await SignedIn();
        AssertStats(await client.Stats(user.Token));
        var ids = new List<string>();
        foreach (var (status, count) in new[] { ("wish", 1), ("doing", 2), ("done", 3), ("on_hold", 1), ("dropped", 2) })
            for (var i = 0; i < count; i++)
            {
                var anime = await client.CreateAnime(user.Token);
                Assert.Equal(status, (await client.AddItem(user.Token, anime.Id(), new { status })).GetProperty("status").GetString());
                ids.Add(anime.Id());
            }
        AssertStats(await client.Stats(user.Token), wish: 1, doing: 2, done: 3, onHold: 1, dropped: 2);

        // Moving one from doing to done, deleting a dropped one.
        var doing = (await client.AllItems("/api/me/collection?status=doing", user.Token)).First();
        await client.UpdateItem(user.Token, doing.AnimeId(), new { status = "done" });
        var dropped = (await client.AllItems("/api/me/collection?status=dropped", user.Token)).First();
        await (await client.Send(HttpMethod.Delete, ItemPath(dropped.AnimeId()), user.Token)).Ok(HttpStatusCode.NoContent);
        AssertStats(await client.Stats(user.Token), wish: 1, doing: 1, done: 4, onHold: 1, dropped: 1);
        Assert.Equal(8, (await client.AllItems("/api/me/collection", user.Token)).Count);
    }

    [Fact]
    public async Task Deleting_removes_the_item_and_a_second_delete_is_a_404()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        var kept = await client.CreateAnime(user.Token);
        await client.AddItem(user.Token, anime.Id(), new { status = "done", score = 7, comment = "Fine", episodes_watched = 12 });
        await client.AddItem(user.Token, kept.Id(), new { status = "wish" });

        var deleted = await client.Send(HttpMethod.Delete, ItemPath(anime.Id()), user.Token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsStringAsync());

        await client.AssertNoItem(user.Token, anime.Id());
        await (await client.Send(HttpMethod.Delete, ItemPath(anime.Id()), user.Token)).Problem(HttpStatusCode.NotFound, "collection-item-not-found");
        Assert.Equal(new[] { kept.Id() }, (await client.AllItems("/api/me/collection", user.Token)).Select(i => i.AnimeId()));
        AssertStats(await client.Stats(user.Token), wish: 1);
        // The anime itself stays in the catalog.
        await (await client.GetAsync(AnimePath(anime.Id()))).Ok();

        // Collecting it again starts afresh: 201, defaults, not the old values.
        AssertItem(await client.AddItem(user.Token, anime.Id(), new { status = "wish" }), "wish", null, null, 0, false);
    }

    [Fact]
    public async Task An_anime_not_in_the_collection_is_a_404()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        await client.AssertNoItem(user.Token, anime.Id());
        await (await client.Send(HttpMethod.Delete, ItemPath(anime.Id()), user.Token)).Problem(HttpStatusCode.NotFound, "collection-item-not-found");
        await client.AssertNoItem(user.Token, "bm-doesnotexist");
        await (await client.Send(HttpMethod.Delete, ItemPath("bm-doesnotexist"), user.Token)).Problem(HttpStatusCode.NotFound, "collection-item-not-found");
    }

    [Theory]
    [InlineData("bm-doesnotexist")]
    [InlineData("bgm-999999999")]
    public async Task Collecting_an_unknown_anime_is_a_404_and_adds_nothing(string animeId)
    {
        var (client, user) = await SignedIn();
        await client.PutItem(user.Token, animeId, new { status = "wish" }).Problem(HttpStatusCode.NotFound, "anime-not-found");
        await client.AssertNoItem(user.Token, animeId);
        Assert.Empty((await client.GetPage("/api/me/collection", user.Token)).Items);
        AssertStats(await client.Stats(user.Token));
    }

    [Fact]
    public async Task The_item_shows_the_catalog_entry_it_refers_to()
    {
        var (client, user) = await SignedIn();
        var bare = await client.CreateAnime(user.Token, new { name = "Bare " + NewMarker() });
        var item = await client.AddItem(user.Token, bare.Id(), new { status = "wish" });
        var summary = item.GetProperty("anime");
        Assert.Equal(bare.GetProperty("name").GetString(), summary.GetProperty("name").GetString());
        foreach (var field in new[] { "name_cn", "episodes", "image", "bangumi_id" })
            Assert.True(summary.GetProperty(field).ValueKind == JsonValueKind.Null, $"anime.{field} is {summary.Raw(field)}");
    }

    [Fact]
    public async Task One_users_collection_is_invisible_and_untouchable_to_another()
    {
        var (client, alice) = await SignedIn();
        var bob = await app.NewVerifiedUser();
        var anime = await client.CreateAnime(alice.Token);
        await client.AddItem(alice.Token, anime.Id(), new { status = "doing", score = 6, comment = "Alice's", episodes_watched = 2, @private = true });

        await client.AssertNoItem(bob.Token, anime.Id());
        Assert.Empty((await client.GetPage("/api/me/collection", bob.Token)).Items);
        AssertStats(await client.Stats(bob.Token));
        await (await client.Send(HttpMethod.Delete, ItemPath(anime.Id()), bob.Token)).Problem(HttpStatusCode.NotFound, "collection-item-not-found");

        // Bob collecting the same anime creates his own item and leaves Alice's as it was.
        AssertItem(await client.AddItem(bob.Token, anime.Id(), new { status = "dropped", score = 1 }), "dropped", 1, null, 0, false);
        AssertItem(await client.GetItem(alice.Token, anime.Id()), "doing", 6, "Alice's", 2, true);
        AssertStats(await client.Stats(alice.Token), doing: 1);
        AssertStats(await client.Stats(bob.Token), dropped: 1);

        await (await client.Send(HttpMethod.Delete, ItemPath(anime.Id()), bob.Token)).Ok(HttpStatusCode.NoContent);
        AssertItem(await client.GetItem(alice.Token, anime.Id()), "doing", 6, "Alice's", 2, true);
    }

    [Fact]
    public async Task Ten_parallel_puts_of_the_same_item_leave_one_consistent_item()
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token, episodes: 24);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            app.NewClient().PutItem(user.Token, anime.Id(), new { status = Statuses[i % Statuses.Length], score = i + 1, episodes_watched = i })));
        var texts = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        var statuses = responses.Select(r => (int)r.StatusCode).ToList();
        Assert.True(statuses.All(s => s is 200 or 201), "Statuses: " + string.Join(", ", statuses) + "\n" + string.Join("\n", texts));
        Assert.True(statuses.Count(s => s == 201) == 1, "Exactly one PUT creates the item. Statuses: " + string.Join(", ", statuses));

        var item = await client.GetItem(user.Token, anime.Id());
        var listed = Assert.Single(await client.AllItems("/api/me/collection", user.Token));
        Assert.Equal(item.GetRawText(), listed.GetRawText());
        var status = item.GetProperty("status").GetString()!;
        var score = item.GetProperty("score").GetInt32();
        // The item is one of the PUTs, whole: its score, status and episodes belong together.
        Assert.Equal(Statuses[(score - 1) % Statuses.Length], status);
        Assert.Equal(score - 1, item.GetProperty("episodes_watched").GetInt32());
        Assert.Equal(listed.AnimeId(), Assert.Single(await client.AllItems($"/api/me/collection?status={status}", user.Token)).AnimeId());

        var stats = await client.Stats(user.Token);
        Assert.Equal(1, stats.GetProperty("total").GetInt32());
        foreach (var s in Statuses) Assert.Equal(s == status ? 1 : 0, stats.GetProperty(s).GetInt32());

        // And it still behaves as one item afterwards.
        await client.UpdateItem(user.Token, anime.Id(), new { status = "done" });
        Assert.Single(await client.AllItems("/api/me/collection", user.Token));
        AssertStats(await client.Stats(user.Token), done: 1);
        await (await client.Send(HttpMethod.Delete, ItemPath(anime.Id()), user.Token)).Ok(HttpStatusCode.NoContent);
        Assert.Empty(await client.AllItems("/api/me/collection", user.Token));
        AssertStats(await client.Stats(user.Token));
    }

    [Fact]
    public async Task Parallel_puts_of_different_items_are_all_kept()
    {
        var (client, user) = await SignedIn();
        var animes = new List<JsonElement>();
        for (var i = 0; i < 10; i++) animes.Add(await client.CreateAnime(user.Token));

        var responses = await Task.WhenAll(animes.Select(a => app.NewClient().PutItem(user.Token, a.Id(), new { status = "doing" })));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));

        var listed = await client.AllItems("/api/me/collection", user.Token, limit: 3);
        Assert.Equal(animes.Select(a => a.Id()).Order(StringComparer.Ordinal), listed.Select(i => i.AnimeId()).Order(StringComparer.Ordinal));
        AssertStats(await client.Stats(user.Token), doing: 10);
    }

    [Theory]
    [InlineData("GET", "/api/me/collection")]
    [InlineData("GET", "/api/me/collection/stats")]
    [InlineData("GET", "/api/me/collection/{0}")]
    [InlineData("PUT", "/api/me/collection/{0}")]
    [InlineData("DELETE", "/api/me/collection/{0}")]
    public async Task The_own_collection_needs_a_token(string method, string path)
    {
        var (client, user) = await SignedIn();
        var anime = await client.CreateAnime(user.Token);
        var url = path.Replace("{0}", anime.Id(), StringComparison.Ordinal);
        var body = method == "PUT" ? new { status = "wish" } : null;

        await (await client.Send(new HttpMethod(method), url, null, body)).Problem(HttpStatusCode.Unauthorized, "unauthenticated");
        await (await client.Send(new HttpMethod(method), url, "not.a.token", body)).Problem(HttpStatusCode.Unauthorized, "invalid-token");
        await client.AssertNoItem(user.Token, anime.Id());
    }
}
