using System.Net;
using Bangumoe.Tests.Infrastructure;
using static Bangumoe.Tests.Collections.CollectionTestHelpers;

namespace Bangumoe.Tests.Collections;

/// <summary>
/// <c>GET /api/users/{uname}/collection</c>: anyone sees a user's items that are not private, with the same paging as
/// one's own listing; and deleting the account deletes the collection with it.
/// </summary>
public sealed class PublicCollectionTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private static string PublicPath(string uname) => $"/api/users/{Uri.EscapeDataString(uname)}/collection";

    [Fact]
    public async Task Anyone_sees_the_items_that_are_not_private()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var open = await client.CreateAnime(user.Token);
        var hidden = await client.CreateAnime(user.Token);
        var madePublicLater = await client.CreateAnime(user.Token);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var openItem = await client.AddItem(user.Token, open.Id(), new { status = "done", score = 9, comment = "Everyone should watch it", episodes_watched = 12 });
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.AddItem(user.Token, hidden.Id(), new { status = "dropped", score = 2, comment = "Secret", @private = true });
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.AddItem(user.Token, madePublicLater.Id(), new { status = "doing", @private = true });

        var stranger = app.NewClient();
        var visible = Assert.Single(await stranger.AllItems(PublicPath(user.Uname), null));
        Assert.Equal(openItem.GetRawText(), visible.GetRawText());
        Assert.False(visible.GetProperty("private").GetBoolean());

        // A token makes no difference: the owner's public view hides the private items as well.
        Assert.Equal(new[] { open.Id() }, (await client.AllItems(PublicPath(user.Uname), user.Token)).Select(i => i.AnimeId()));

        // Turning private off shows it (at the top, it was just updated); turning it on hides it again.
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.UpdateItem(user.Token, madePublicLater.Id(), new { status = "doing", @private = false });
        Assert.Equal(new[] { madePublicLater.Id(), open.Id() }, (await stranger.AllItems(PublicPath(user.Uname), null)).Select(i => i.AnimeId()));
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.UpdateItem(user.Token, open.Id(), new { status = "done", @private = true });
        Assert.Equal(new[] { madePublicLater.Id() }, (await stranger.AllItems(PublicPath(user.Uname), null)).Select(i => i.AnimeId()));
        // Clearing private with an explicit null makes it public.
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.PutItemRaw(user.Token, hidden.Id(), """{"status":"dropped","private":null}""").Ok();
        Assert.Equal(new[] { hidden.Id(), madePublicLater.Id() }, (await stranger.AllItems(PublicPath(user.Uname), null)).Select(i => i.AnimeId()));

        // The owner's own listing has all three all along.
        Assert.Equal(3, (await client.AllItems("/api/me/collection", user.Token)).Count);
    }

    [Fact]
    public async Task Public_paging_skips_private_items_and_visits_every_public_one_once()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var publicNewestFirst = new List<string>();
        var doneNewestFirst = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            var anime = await client.CreateAnime(user.Token);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            var isPrivate = i % 3 == 1;
            var status = i % 2 == 0 ? "done" : "wish";
            await client.AddItem(user.Token, anime.Id(), new { status, @private = isPrivate });
            if (!isPrivate)
            {
                publicNewestFirst.Insert(0, anime.Id());
                if (status == "done") doneNewestFirst.Insert(0, anime.Id());
            }
        }

        var stranger = app.NewClient();
        foreach (var limit in new[] { 1, 4, 20, 100 })
        {
            var items = await stranger.AllItems(PublicPath(user.Uname), null, limit);
            Assert.Equal(publicNewestFirst, items.Select(i => i.AnimeId()));
            Assert.All(items, i => Assert.False(i.GetProperty("private").GetBoolean()));
            Assert.All(items, AssertItemShape);
            Assert.Equal(doneNewestFirst, (await stranger.AllItems(PublicPath(user.Uname) + "?status=done", null, limit)).Select(i => i.AnimeId()));
        }
        // Without a limit: the first page starts with the newest public items.
        var firstPage = await stranger.GetPage(PublicPath(user.Uname), null);
        Assert.NotEmpty(firstPage.Items);
        Assert.Equal(publicNewestFirst.Take(firstPage.Items.Count), firstPage.Items.Select(i => i.AnimeId()));
    }

    [Fact]
    public async Task A_user_with_only_private_items_shows_an_empty_collection()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var anime = await client.CreateAnime(user.Token);
        await client.AddItem(user.Token, anime.Id(), new { status = "done", @private = true });

        var pages = await app.NewClient().AllPages(PublicPath(user.Uname), null);
        Assert.Empty(pages.SelectMany(p => p.Items));
        Assert.Null(pages[^1].NextCursor);
    }

    [Fact]
    public async Task An_unknown_user_is_a_404()
    {
        var stranger = app.NewClient();
        await (await stranger.GetAsync(PublicPath(TestApi.NewUname()))).Problem(HttpStatusCode.NotFound, "user-not-found");
        await (await stranger.GetAsync(PublicPath(TestApi.NewUname()) + "?status=done&limit=5")).Problem(HttpStatusCode.NotFound, "user-not-found");
    }

    [Theory]
    [InlineData("status=watching", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=%25%25%25", "cursor")]
    public async Task A_bad_status_limit_or_cursor_is_a_400_naming_it(string query, string field)
    {
        var user = await app.NewVerifiedUser();
        var problem = await (await app.NewClient().GetAsync(PublicPath(user.Uname) + "?" + query)).Problem(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.FieldNames());
    }

    [Fact]
    public async Task Deleting_the_account_deletes_the_collection()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var anime = await client.CreateAnime(user.Token);
        var other = await client.CreateAnime(user.Token);
        await client.AddItem(user.Token, anime.Id(), new { status = "done", score = 10, comment = "Mine" });
        await client.AddItem(user.Token, other.Id(), new { status = "wish", @private = true });
        Assert.Single(await app.NewClient().AllItems(PublicPath(user.Uname), null));

        await (await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).Ok(HttpStatusCode.NoContent);

        // The public listing of the name is gone with the account.
        await (await app.NewClient().GetAsync(PublicPath(user.Uname))).Problem(HttpStatusCode.NotFound, "user-not-found");
        // The catalog entries stay: they are not the user's.
        await (await app.NewClient().GetAsync(AnimePath(anime.Id()))).Ok();

        // Someone registering the same name starts with an empty collection, public and own.
        var again = await app.NewVerifiedUserNamed(client, user.Uname);
        Assert.NotEqual(user.Uid, again.Uid);
        var pages = await app.NewClient().AllPages(PublicPath(user.Uname), null);
        Assert.Empty(pages.SelectMany(p => p.Items));
        Assert.Empty(await client.AllItems("/api/me/collection", again.Token));
        AssertStats(await client.Stats(again.Token));
        await client.AssertNoItem(again.Token, anime.Id());
        await client.AssertNoItem(again.Token, other.Id());
        // And collecting the same anime is a fresh item.
        var fresh = await client.AddItem(again.Token, anime.Id(), new { status = "wish" });
        AssertItem(fresh, "wish", null, null, 0, false);
    }
}
