using System.Net;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using static Bangumoe.Tests.Collections.CollectionTestHelpers;

namespace Bangumoe.Tests.Collections;

/// <summary>
/// <c>PUT /api/me/collection/{anime_id}</c> with bad values: a 400 naming each bad field, and nothing changes, neither
/// an existing item (compared byte for byte, <c>updated_at</c> included) nor the listing and stats, nor does a refused
/// first PUT create anything.
/// </summary>
public sealed class CollectionValidationTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Before = """{"status":"doing","score":7,"comment":"Before","episodes_watched":3,"private":true}""";

    /// <summary>A user with one item (on an anime of 12 episodes) holding a value in every field.</summary>
    private async Task<(HttpClient Client, TestUser User, string AnimeId, JsonElement Item)> UserWithItem(int? episodes = 12)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var anime = await client.CreateAnime(user.Token, episodes: episodes);
        var item = await (await client.PutItemRaw(user.Token, anime.Id(), Before)).Ok(HttpStatusCode.Created);
        AssertItem(item, "doing", 7, "Before", 3, true);
        return (client, user, anime.Id(), item);
    }

    /// <summary>The item, the listing and the stats are exactly as before the refused request.</summary>
    private static async Task AssertUnchanged(HttpClient client, TestUser user, string animeId, JsonElement before)
    {
        Assert.Equal(before.GetRawText(), (await client.GetItem(user.Token, animeId)).GetRawText());
        Assert.Equal(before.GetRawText(), Assert.Single(await client.AllItems("/api/me/collection", user.Token)).GetRawText());
        AssertStats(await client.Stats(user.Token), doing: 1);
    }

    /// <summary>A body with a valid status and then <paramref name="rest"/>.</summary>
    private static string Done(string rest) => "{\"status\":\"done\"," + rest + "}";

    public static TheoryData<string, string> BadFields => new()
    {
        { Done("\"score\":0"), "score" },
        { Done("\"score\":11"), "score" },
        { Done("\"score\":-1"), "score" },
        { Done("\"score\":5.5"), "score" },
        { Done("\"score\":\"5\""), "score" },
        { Done("\"score\":true"), "score" },
        { Done("\"comment\":\"" + new string('c', 257) + "\""), "comment" },
        { Done("\"comment\":\"" + new string('好', 257) + "\""), "comment" },
        { Done("\"comment\":\"" + string.Concat(Enumerable.Repeat("😀", 257)) + "\""), "comment" },
        { Done("\"comment\":5"), "comment" },
        { Done("\"episodes_watched\":-1"), "episodes_watched" },
        { Done("\"episodes_watched\":13"), "episodes_watched" }, // the anime has 12 episodes
        { Done("\"episodes_watched\":1.5"), "episodes_watched" },
        { Done("\"episodes_watched\":\"3\""), "episodes_watched" },
        { Done("\"private\":\"yes\""), "private" },
        { Done("\"private\":1"), "private" },
        { """{"status":"watching"}""", "status" },
        { """{"status":""}""", "status" },
        { """{"status":null}""", "status" },
        { """{"status":"Done"}""", "status" },
        { """{"status":3}""", "status" },
        { """{"score":8}""", "status" }, // status is required on every PUT, updates included
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task An_invalid_update_is_a_400_naming_the_field_and_changes_nothing(string json, string field)
    {
        var (client, user, animeId, before) = await UserWithItem();
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        var problem = await client.PutItemRaw(user.Token, animeId, json).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.FieldNames());
        await AssertUnchanged(client, user, animeId, before);
    }

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task An_invalid_first_put_is_a_400_and_collects_nothing(string json, string field)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var anime = await client.CreateAnime(user.Token, episodes: 12);
        var problem = await client.PutItemRaw(user.Token, anime.Id(), json).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.FieldNames());
        await client.AssertNoItem(user.Token, anime.Id());
        Assert.Empty(await client.AllItems("/api/me/collection", user.Token));
        AssertStats(await client.Stats(user.Token));
    }

    [Fact]
    public async Task Values_of_the_right_type_but_out_of_range_are_validation_problems()
    {
        var (client, user, animeId, before) = await UserWithItem();
        var problem = await client.PutItem(user.Token, animeId, new { status = "done", score = 11 }).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { "score" }, problem.FieldNames());
        await AssertUnchanged(client, user, animeId, before);
    }

    [Fact]
    public async Task Every_bad_field_is_named_and_the_valid_ones_are_not_applied()
    {
        var (client, user, animeId, before) = await UserWithItem();
        app.Clock.Advance(TimeSpan.FromSeconds(5));

        var all = await client.PutItem(user.Token, animeId, new { status = "watching", score = 0, comment = new string('c', 257), episodes_watched = -1 })
            .Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { "comment", "episodes_watched", "score", "status" }, all.FieldNames().Order(StringComparer.Ordinal));
        await AssertUnchanged(client, user, animeId, before);

        // Valid changes riding along with one bad field are refused with it.
        var one = await client.PutItem(user.Token, animeId, new { status = "done", score = 11, comment = "After", episodes_watched = 12, @private = false })
            .Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { "score" }, one.FieldNames());
        await AssertUnchanged(client, user, animeId, before);

        // Clearing fields in the same request as a bad one clears nothing.
        var clearing = await client.PutItemRaw(user.Token, animeId,
            """{"status":"done","score":null,"comment":null,"episodes_watched":-1,"private":null}""").Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { "episodes_watched" }, clearing.FieldNames());
        await AssertUnchanged(client, user, animeId, before);
    }

    [Fact]
    public async Task Episodes_beyond_the_anime_are_named_alongside_other_bad_fields()
    {
        // 13 watched of a 12-episode anime is as wrong as a score of 11, and the client learns of both at once.
        var (client, user, animeId, before) = await UserWithItem(episodes: 12);
        var problem = await client.PutItem(user.Token, animeId, new { status = "done", score = 11, episodes_watched = 13 })
            .Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(new[] { "episodes_watched", "score" }, problem.FieldNames().Order(StringComparer.Ordinal));
        await AssertUnchanged(client, user, animeId, before);
    }

    [Fact]
    public async Task Without_a_known_episode_count_episodes_watched_stops_at_10000()
    {
        var (client, user, animeId, _) = await UserWithItem(episodes: null);
        AssertItem(await client.UpdateItem(user.Token, animeId, new { status = "doing", episodes_watched = 10000 }), "doing", 7, "Before", 10000, true);
        var problem = await client.PutItem(user.Token, animeId, new { status = "doing", episodes_watched = 10001 }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "episodes_watched" }, problem.FieldNames());
        AssertItem(await client.GetItem(user.Token, animeId), "doing", 7, "Before", 10000, true);
    }

    [Fact]
    public async Task Episodes_watched_is_checked_against_the_anime_even_when_only_the_status_changes()
    {
        // 12 watched of a 12-episode anime: the bound is inclusive, and a status-only update keeps it valid.
        var (client, user, animeId, _) = await UserWithItem(episodes: 12);
        AssertItem(await client.UpdateItem(user.Token, animeId, new { status = "done", episodes_watched = 12 }), "done", 7, "Before", 12, true);
        AssertItem(await client.UpdateItem(user.Token, animeId, new { status = "on_hold" }), "on_hold", 7, "Before", 12, true);
        var problem = await client.PutItem(user.Token, animeId, new { status = "done", episodes_watched = 13 }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "episodes_watched" }, problem.FieldNames());
        AssertItem(await client.GetItem(user.Token, animeId), "on_hold", 7, "Before", 12, true);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("""{"status":"done" """)]
    [InlineData("not json")]
    public async Task A_body_that_is_not_an_item_is_a_400_and_changes_nothing(string json)
    {
        var (client, user, animeId, before) = await UserWithItem();
        await client.PutItemRaw(user.Token, animeId, json).Problem(HttpStatusCode.BadRequest);
        await AssertUnchanged(client, user, animeId, before);
    }

    [Fact]
    public async Task An_unknown_anime_with_a_valid_body_is_a_404_not_a_400()
    {
        var (client, user, animeId, before) = await UserWithItem();
        await client.PutItem(user.Token, "bm-doesnotexist", new { status = "done" }).Problem(HttpStatusCode.NotFound, "anime-not-found");
        await AssertUnchanged(client, user, animeId, before);
    }
}
