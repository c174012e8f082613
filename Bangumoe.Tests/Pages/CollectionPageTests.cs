using System.Net;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// <c>/collection</c>: only for the signed-in person; their items by status with counts, private ones marked, paged
/// with the cursor; changes in place, edit links and remove forms that come back to the same list; stored markup stays text.
/// </summary>
public sealed class CollectionPageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Theory]
    [InlineData("/collection", "/login?return_to=%2Fcollection")]
    [InlineData("/collection?status=done", "/login?return_to=%2Fcollection%3Fstatus%3Ddone")]
    public async Task A_signed_out_visitor_is_sent_to_sign_in(string path, string location)
    {
        var page = await new PageClient(app, "en").GetAsync(path);
        page.AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(location, page.Location);
    }

    [Theory]
    [InlineData("en", "My collection", "Your collection is empty. Find an anime in the catalog and add it.")]
    [InlineData("zh-CN", "我的收藏", "你的收藏还是空的。去动画目录找一部加入吧。")]
    public async Task An_empty_collection_says_where_to_start(string language, string title, string empty)
    {
        var user = await app.NewVerifiedUser();
        var page = await new PageClient(app, language).SignedInAs(user).GetAsync("/collection");
        page.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(title, page.Text("h1"));
        Assert.Contains(empty, page.Html, StringComparison.Ordinal);
        Assert.NotNull(page.Document.QuerySelector("main a[href='/anime']"));
        Assert.Equal("0", page.Text(".status-tabs a[aria-current='page'] .count"));
    }

    [Fact]
    public async Task The_collection_shows_by_status_with_counts_and_marks_private_items()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        var watching = await app.NewAnime(user, "Watching " + marker, "在看的 " + marker, 24);
        var done = await app.NewAnime(user, "Done " + marker, episodes: null);
        var secret = await app.NewAnime(user, "Secret " + marker);
        await app.Collect(user, watching, "doing", score: 9, comment: "great so far", episodes: 5);
        await app.Collect(user, done, "done", episodes: 3);
        await app.Collect(user, secret, "doing", isPrivate: true);

        var zh = await new PageClient(app, "zh-CN").SignedInAs(user).GetAsync("/collection");
        zh.AssertStatus(HttpStatusCode.OK);
        // Newest change first.
        Assert.Equal(["Secret " + marker, "Done " + marker, "Watching " + marker], zh.AnimeLinks());
        var tabs = zh.Document.QuerySelectorAll(".status-tabs a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal(["全部 3", "想看 0", "在看 2", "看过 1", "搁置 0", "抛弃 0"], tabs);
        var watchingRow = zh.Document.QuerySelectorAll(".item").Single(i => i.TextContent.Contains("Watching " + marker, StringComparison.Ordinal));
        Assert.Contains("在看", watchingRow.TextContent, StringComparison.Ordinal);
        Assert.Contains("评分 9/10", watchingRow.TextContent, StringComparison.Ordinal);
        Assert.Contains("已看 5/24 话", watchingRow.TextContent, StringComparison.Ordinal);
        Assert.Contains("great so far", watchingRow.TextContent, StringComparison.Ordinal);
        Assert.Contains("在看的 " + marker, watchingRow.TextContent, StringComparison.Ordinal);
        Assert.Null(watchingRow.QuerySelector(".badge"));
        Assert.NotNull(watchingRow.QuerySelector($"a[href='/anime/{watching}'][aria-label]"));
        Assert.Equal(["私密"], zh.Document.QuerySelectorAll(".badge").Select(b => b.TextContent));
        var doneRow = zh.Document.QuerySelectorAll(".item").Single(i => i.TextContent.Contains("Done " + marker, StringComparison.Ordinal));
        Assert.Contains("未评分", doneRow.TextContent, StringComparison.Ordinal);
        Assert.Contains("已看 3 话", doneRow.TextContent, StringComparison.Ordinal);

        var en = await new PageClient(app, "en").SignedInAs(user).GetAsync("/collection?status=doing");
        en.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(["Secret " + marker, "Watching " + marker], en.AnimeLinks());
        Assert.Equal("Watching 2", en.Text(".status-tabs a[aria-current='page']"));
        Assert.Contains("5 of 24 episodes watched", en.Html, StringComparison.Ordinal);
        Assert.Equal("Private", en.Text(".badge"));
        Assert.Equal("Remove", en.Text($".item form[action='/anime/{watching}/remove'] button"));

        var dropped = await new PageClient(app, "en").SignedInAs(user).GetAsync("/collection?status=dropped");
        Assert.Empty(dropped.AnimeLinks());
        Assert.Contains("Nothing here with this status.", dropped.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_collection_pages_with_its_cursor_and_refuses_links_it_did_not_make()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        for (var i = 0; i < 21; i++) await app.Collect(user, await app.NewAnime(user, $"Paged {marker} {i:D2}"), "wish");
        var browser = new PageClient(app, "en").SignedInAs(user);

        var first = await browser.GetAsync("/collection?status=wish");
        Assert.Equal(20, first.AnimeLinks().Count);
        Assert.Equal($"Paged {marker} 20", first.AnimeLinks()[0]);
        var next = first.Document.QuerySelector(".pager a[rel='next']")?.GetAttribute("href");
        Assert.StartsWith("/collection?status=wish&cursor=", next, StringComparison.Ordinal);
        var second = await browser.GetAsync(next!);
        second.AssertStatus(HttpStatusCode.OK);
        Assert.Equal([$"Paged {marker} 00"], second.AnimeLinks());
        Assert.Equal("/collection?status=wish", second.Document.QuerySelector(".pager a:not([rel])")?.GetAttribute("href"));

        foreach (var bad in new[] { "/collection?cursor=garbage", "/collection?status=watching" })
        {
            var page = await browser.GetAsync(bad);
            page.AssertStatus(HttpStatusCode.BadRequest);
            Assert.Equal("The link to this page is not one Bangumoe made. Start again from the first page.", page.Text(".error"));
        }
    }

    [Fact]
    public async Task Remove_in_place_comes_back_to_the_same_list()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        var gone = await app.NewAnime(user, "Gone " + marker);
        var stays = await app.NewAnime(user, "Stays " + marker);
        await app.Collect(user, gone, "dropped");
        await app.Collect(user, stays, "dropped");
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);

        var list = await browser.GetAsync("/collection?status=dropped");
        var form = list.Document.QuerySelector($"form[action='/anime/{gone}/remove']")!;
        var returnTo = form.QuerySelector("input[name='return_to']")!.GetAttribute("value")!;
        Assert.Equal("/collection?status=dropped&notice=removed", returnTo);
        Assert.NotNull(form.QuerySelector("input[name='csrf']"));

        var removed = await browser.PostAsync($"/anime/{gone}/remove", new { return_to = returnTo });
        removed.AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(returnTo, removed.Location);
        Assert.Null(await app.Item(user, gone));
        var after = await browser.GetAsync(removed.Location!);
        Assert.Equal("已从你的收藏中移除。", after.Text(".notice"));
        Assert.Equal(["Stays " + marker], after.AnimeLinks());

        // A return address elsewhere is not followed.
        var evil = await browser.PostAsync($"/anime/{stays}/remove", new { return_to = "https://evil.example/collection" });
        evil.AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal($"/anime/{stays}?notice=removed", evil.Location);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task Remove_without_its_csrf_token_is_refused_and_changes_nothing(string csrf)
    {
        var user = await app.NewVerifiedUser();
        var id = await app.NewAnime(user, "Kept " + CollectionTestHelpers.NewMarker());
        await app.Collect(user, id, "wish");
        var browser = new PageClient(app, "en").SignedInAs(user);
        await browser.GetAsync("/collection");
        var page = await browser.PostAsync($"/anime/{id}/remove", new { return_to = "/collection" }, csrf);
        page.AssertStatus(HttpStatusCode.Forbidden);
        Assert.Equal("Please try again", page.Text("h1"));
        Assert.NotNull(await app.Item(user, id));
    }

    [Fact]
    public async Task Stored_markup_is_shown_as_text()
    {
        var user = await app.NewVerifiedUser();
        var name = CollectionPageSteps.ScriptPayload + CollectionPageSteps.AttributePayload;
        var id = await app.NewAnime(user, name, CollectionPageSteps.ScriptPayload, image: "https://example.com/'onerror='alert(1).png");
        var comment = CollectionPageSteps.AttributePayload + CollectionPageSteps.ScriptPayload;
        await app.Collect(user, id, "doing", comment: comment);

        var page = await new PageClient(app, "en").SignedInAs(user).GetAsync("/collection");
        page.AssertStatus(HttpStatusCode.OK);
        page.AssertShownAsText(name, comment);
        Assert.Equal([name], page.AnimeLinks());
        Assert.Equal($"All details: {name}", page.Document.QuerySelector($".actions a[href='/anime/{id}']")?.GetAttribute("aria-label"));
        Assert.Equal($"Change here: {name}", page.Document.QuerySelector(".quick-edit summary")?.GetAttribute("aria-label"));
    }

    [Fact]
    public async Task Status_score_and_progress_change_in_place_keeping_the_comment_and_the_private_mark()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        var anime = await app.NewAnime(user, "Quick " + marker, episodes: 12);
        await app.Collect(user, anime, "doing", score: 6, comment: "keep this", episodes: 2, isPrivate: true);
        var browser = new PageClient(app, "en").SignedInAs(user);

        var list = await browser.GetAsync("/collection?status=doing");
        var form = list.Document.QuerySelector($"details.quick-edit form[action='/anime/{anime}/collect']")!;
        var returnTo = form.QuerySelector("input[name='return_to']")!.GetAttribute("value")!;
        Assert.Equal("/collection?status=doing&notice=saved", returnTo);
        Assert.Equal("true", form.QuerySelector("input[name='private']")!.GetAttribute("value"));
        Assert.Null(form.QuerySelector("[name='comment']"));

        var saved = await browser.PostAsync($"/anime/{anime}/collect", new { status = "done", score = "9", episodes_watched = "12", @private = "true", return_to = returnTo });
        saved.AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal(returnTo, saved.Location);
        var item = (await app.Item(user, anime))!.Value;
        Assert.Equal(("done", 9, 12, "keep this", true),
            (item.GetProperty("status").GetString(), item.GetProperty("score").GetInt32(), item.GetProperty("episodes_watched").GetInt32(),
             item.GetProperty("comment").GetString(), item.GetProperty("private").GetBoolean()));
        Assert.Equal("Saved to your collection.", (await browser.GetAsync(returnTo)).Text("main .notice"));

        // Bad input in place: the anime page's full form shows what is wrong, and nothing changed.
        var refused = await browser.PostAsync($"/anime/{anime}/collect", new { status = "done", score = "9", episodes_watched = "13", @private = "true", return_to = returnTo });
        refused.AssertStatus(HttpStatusCode.BadRequest);
        Assert.NotNull(refused.FieldError("episodes_watched"));
        Assert.Equal(12, (await app.Item(user, anime))!.Value.GetProperty("episodes_watched").GetInt32());

        // A return address elsewhere is not followed.
        var elsewhere = await browser.PostAsync($"/anime/{anime}/collect", new { status = "done", @private = "true", return_to = "//evil.example/x" });
        Assert.Equal($"/anime/{anime}?notice=saved", elsewhere.Location);
    }
}
