using System.Net;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// <c>/u/{uname}</c>: someone's public collection with their profile, for anyone; private items never show (nor count),
/// unknown or unverified people are 404, and markup in a profile or an item stays text.
/// </summary>
public sealed class PublicProfilePageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task A_public_collection_shows_the_profile_and_only_public_items_in_both_languages()
    {
        var owner = await app.NewVerifiedUser();
        await app.SetProfile(owner, nickname: "Lain", avatar: "https://lain.bgm.tv/pic/user/l/lain.jpg", intro: "Present day.\nPresent time.");
        var marker = CollectionTestHelpers.NewMarker();
        var open = await app.NewAnime(owner, "Open " + marker, episodes: 13);
        var hidden = await app.NewAnime(owner, "Hidden " + marker);
        var dropped = await app.NewAnime(owner, "Dropped " + marker);
        await app.Collect(owner, open, "done", score: 10, comment: "public words", episodes: 13);
        await app.Collect(owner, hidden, "done", comment: "private words", isPrivate: true);
        await app.Collect(owner, dropped, "dropped");

        var en = await new PageClient(app, "en").GetAsync("/u/" + owner.Uname);
        en.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Lain’s collection", en.Text("h1"));
        Assert.Equal("Present day.\nPresent time.", en.Text(".intro"));
        Assert.Contains("@" + owner.Uname, en.Text(".profile-name"), StringComparison.Ordinal);
        Assert.Equal("https://lain.bgm.tv/pic/user/l/lain.jpg", en.Document.QuerySelector("img.avatar")?.GetAttribute("src"));
        Assert.Equal(["Dropped " + marker, "Open " + marker], en.AnimeLinks());
        Assert.DoesNotContain("Hidden", en.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("private words", en.Html, StringComparison.Ordinal);
        Assert.Empty(en.Document.QuerySelectorAll(".badge"));
        Assert.Empty(en.Document.QuerySelectorAll("form[action$='/remove']"));
        // The counts are of public items only: a private item is not revealed by a number either.
        var tabs = en.Document.QuerySelectorAll(".status-tabs a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal(["All 2", "Want to watch 0", "Watching 0", "Watched 1", "On hold 0", "Dropped 1"], tabs);

        var zh = await new PageClient(app, "zh-CN").GetAsync($"/u/{owner.Uname}?status=done");
        zh.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Lain 的收藏", zh.Text("h1"));
        Assert.Equal(["Open " + marker], zh.AnimeLinks());
        Assert.Equal("看过 1", zh.Text(".status-tabs a[aria-current='page']"));
        Assert.Contains("评分 10/10", zh.Html, StringComparison.Ordinal);
        Assert.Equal($"/u/{owner.Uname}?status=wish", zh.Document.QuerySelectorAll(".status-tabs a")[1].GetAttribute("href"));

        var empty = await new PageClient(app, "zh-CN").GetAsync($"/u/{owner.Uname}?status=wish");
        Assert.Contains("这个状态下还没有条目。", empty.Html, StringComparison.Ordinal);

        // Signed in as another person changes nothing; the owner is told private items are hidden.
        var other = await app.NewVerifiedUser();
        var asOther = await new PageClient(app, "en").SignedInAs(other).GetAsync("/u/" + owner.Uname);
        Assert.DoesNotContain("Hidden", asOther.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("This is how others see your collection", asOther.Html, StringComparison.Ordinal);
        var asOwner = await new PageClient(app, "en").SignedInAs(owner).GetAsync("/u/" + owner.Uname);
        Assert.DoesNotContain("Hidden", asOwner.Html, StringComparison.Ordinal);
        Assert.Contains("This is how others see your collection", asOwner.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_without_public_items_and_without_a_profile_shows_their_user_name()
    {
        var owner = await app.NewVerifiedUser();
        await app.Collect(owner, await app.NewAnime(owner, "Only private " + CollectionTestHelpers.NewMarker()), "wish", isPrivate: true);
        var page = await new PageClient(app, "en").GetAsync("/u/" + owner.Uname.ToUpperInvariant());
        page.AssertStatus(HttpStatusCode.OK);
        Assert.Contains(owner.Uname, page.Text("h1"), StringComparison.Ordinal);
        Assert.Null(page.Document.QuerySelector("img.avatar"));
        Assert.Contains("No public entries yet.", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("Only private", page.Html, StringComparison.Ordinal);
        Assert.Equal("All 0", page.Text(".status-tabs a[aria-current='page']"));
    }

    [Fact]
    public async Task Unknown_and_unverified_people_are_404()
    {
        var client = app.CreateClient();
        var unverified = TestApi.NewUname();
        await client.Register(unverified, TestApi.NewEmail(), "correct horse battery");
        foreach (var uname in new[] { TestApi.NewUname(), unverified, "a", "%3Cscript%3E", new string('x', 300), "bad%23name" })
        {
            var page = await new PageClient(app, "zh-CN").GetAsync("/u/" + uname);
            page.AssertStatus(HttpStatusCode.NotFound);
            Assert.Equal("找不到页面", page.Text("h1"));
        }
    }

    [Fact]
    public async Task A_public_collection_pages_with_its_cursor()
    {
        var owner = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        for (var i = 0; i < 21; i++) await app.Collect(owner, await app.NewAnime(owner, $"Public {marker} {i:D2}"), "doing");
        await app.Collect(owner, await app.NewAnime(owner, $"Private {marker}"), "doing", isPrivate: true);
        var browser = new PageClient(app, "en");

        var first = await browser.GetAsync($"/u/{owner.Uname}?status=doing");
        Assert.Equal(20, first.AnimeLinks().Count);
        Assert.DoesNotContain($"Private {marker}", first.AnimeLinks());
        var next = first.Document.QuerySelector(".pager a[rel='next']")?.GetAttribute("href");
        Assert.StartsWith($"/u/{owner.Uname}?status=doing&cursor=", next, StringComparison.Ordinal);
        var second = await browser.GetAsync(next!);
        Assert.Equal([$"Public {marker} 00"], second.AnimeLinks());

        var bad = await browser.GetAsync($"/u/{owner.Uname}?cursor=nope");
        bad.AssertStatus(HttpStatusCode.BadRequest);
        Assert.NotNull(bad.Text(".error"));
    }

    [Fact]
    public async Task Markup_in_the_profile_and_the_items_is_shown_as_text()
    {
        var owner = await app.NewVerifiedUser();
        await app.SetProfile(owner, nickname: CollectionPageSteps.ScriptPayload, avatar: "https://example.com/a.png?'onerror='alert(1)'",
            intro: CollectionPageSteps.AttributePayload + "\n" + CollectionPageSteps.ScriptPayload);
        var name = CollectionPageSteps.AttributePayload + " " + CollectionTestHelpers.NewMarker();
        var comment = CollectionPageSteps.ScriptPayload + CollectionPageSteps.AttributePayload;
        await app.Collect(owner, await app.NewAnime(owner, name, CollectionPageSteps.ScriptPayload), "done", comment: comment);

        var page = await new PageClient(app, "en").GetAsync("/u/" + owner.Uname);
        page.AssertStatus(HttpStatusCode.OK);
        page.AssertShownAsText(CollectionPageSteps.ScriptPayload + "’s collection", name, comment,
            CollectionPageSteps.AttributePayload + "\n" + CollectionPageSteps.ScriptPayload);
        Assert.Equal(CollectionPageSteps.ScriptPayload + "’s collection · Bangumoe", page.Document.Title);
        Assert.Single(page.Document.QuerySelectorAll("img"));

        // The second payload in the nickname, too.
        await app.SetProfile(owner, nickname: CollectionPageSteps.AttributePayload);
        var again = await new PageClient(app, "zh-CN").GetAsync("/u/" + owner.Uname);
        again.AssertShownAsText(CollectionPageSteps.AttributePayload + " 的收藏");
    }
}
