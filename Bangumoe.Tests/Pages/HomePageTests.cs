using System.Net;
using Bangumoe.Tests.Bangumi;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// <c>/</c>: what Bangumoe is, with sign-up and sign-in, for someone signed out; for someone signed in a dashboard:
/// profile card, counts by status, the latest changes and the Bangumi binding (here: not set up on the server).
/// </summary>
public sealed class HomePageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Theory]
    [InlineData("en", "Bangumoe: your anime collection", "Create an account")]
    [InlineData("zh-CN", "Bangumoe：你的动画收藏", "注册账号")]
    public async Task A_signed_out_visitor_learns_what_Bangumoe_is_and_can_sign_up_or_in(string language, string title, string signUp)
    {
        var page = await new PageClient(app, language).GetAsync("/");
        page.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(title, page.Text("h1"));
        Assert.Equal(signUp, page.Text("main a[href='/signup']"));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/login']"));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/anime']"));
        Assert.Equal("no-store", page.Response.Headers.CacheControl?.ToString());
        Assert.Contains("frame-ancestors 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_root_is_the_home_page()
    {
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nothing-here")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/?x=1")).StatusCode);
    }

    [Fact]
    public async Task A_signed_in_person_gets_a_dashboard_in_both_languages()
    {
        var user = await app.NewVerifiedUser();
        await app.SetProfile(user, nickname: "Haruhi", avatar: "https://example.com/haruhi.png", intro: "Ordinary humans do not interest me.");
        var marker = CollectionTestHelpers.NewMarker();
        var statuses = new[] { "wish", "wish", "doing", "done", "on_hold", "dropped" };
        for (var i = 0; i < statuses.Length; i++)
            await app.Collect(user, await app.NewAnime(user, $"Dash {marker} {i}"), statuses[i], isPrivate: i == 5);

        var en = await new PageClient(app, "en").SignedInAs(user).GetAsync("/");
        en.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Hello, Haruhi", en.Text("h1"));
        Assert.Contains("@" + user.Uname, en.Text(".profile-name"), StringComparison.Ordinal);
        Assert.Equal("Ordinary humans do not interest me.", en.Text(".intro"));
        Assert.Equal("https://example.com/haruhi.png", en.Document.QuerySelector("img.avatar")?.GetAttribute("src"));
        Assert.NotNull(en.Document.QuerySelector("main a[href='/account']"));
        Assert.NotNull(en.Document.QuerySelector($"main a[href='/u/{user.Uname}']"));
        var counts = en.Document.QuerySelectorAll(".stats > div").Select(d => d.QuerySelector("dt")!.TextContent.Trim() + "=" + d.QuerySelector("dd")!.TextContent.Trim());
        Assert.Equal(["Want to watch=2", "Watching=1", "Watched=1", "On hold=1", "Dropped=1", "Total=6"], counts);
        Assert.Equal("/collection?status=on_hold", en.Document.QuerySelectorAll(".stats a")[3].GetAttribute("href"));
        // The five latest changes, newest first, the private one marked.
        Assert.Equal(new[] { 5, 4, 3, 2, 1 }.Select(i => $"Dash {marker} {i}"), en.AnimeLinks());
        Assert.Equal("Private", en.Text(".item .badge"));
        Assert.Contains("Binding a Bangumi account is not set up on this server.", en.Html, StringComparison.Ordinal);

        var zh = await new PageClient(app, "zh-CN").SignedInAs(user).GetAsync("/");
        Assert.Equal("你好，Haruhi", zh.Text("h1"));
        Assert.Equal("最近更新", zh.Text("#recent-heading"));
        Assert.Contains("这台服务器没有开启 Bangumi 账号绑定。", zh.Html, StringComparison.Ordinal);
        Assert.Equal("想看", zh.Text(".stats dt a"));
    }

    [Fact]
    public async Task A_new_person_without_a_nickname_sees_their_user_name_and_an_empty_start()
    {
        var user = await app.NewVerifiedUser();
        await app.SetProfile(user, nickname: "");
        var page = await new PageClient(app, "zh-CN").SignedInAs(user).GetAsync("/");
        page.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("你好，" + user.Uname, page.Text("h1"));
        Assert.Contains("你还没有收藏任何动画。", page.Html, StringComparison.Ordinal);
        Assert.Equal("0", page.Text(".stats > div:last-child dd"));
    }

    [Fact]
    public async Task Markup_in_the_profile_and_the_latest_changes_is_shown_as_text()
    {
        var user = await app.NewVerifiedUser();
        await app.SetProfile(user, nickname: CollectionPageSteps.AttributePayload, avatar: "https://example.com/'onerror='alert(1)'",
            intro: CollectionPageSteps.ScriptPayload + CollectionPageSteps.AttributePayload);
        var name = CollectionPageSteps.ScriptPayload + " " + CollectionTestHelpers.NewMarker();
        await app.Collect(user, await app.NewAnime(user, name), "doing", comment: CollectionPageSteps.AttributePayload + CollectionPageSteps.ScriptPayload);

        var page = await new PageClient(app, "en").SignedInAs(user).GetAsync("/");
        page.AssertStatus(HttpStatusCode.OK);
        page.AssertShownAsText("Hello, " + CollectionPageSteps.AttributePayload, name,
            CollectionPageSteps.ScriptPayload + CollectionPageSteps.AttributePayload, CollectionPageSteps.AttributePayload + CollectionPageSteps.ScriptPayload);

        await app.SetProfile(user, nickname: CollectionPageSteps.ScriptPayload);
        var again = await new PageClient(app, "zh-CN").SignedInAs(user).GetAsync("/");
        again.AssertShownAsText("你好，" + CollectionPageSteps.ScriptPayload);
        Assert.Equal("你好，" + CollectionPageSteps.ScriptPayload + " · Bangumoe", again.Document.Title);
    }
}

/// <summary>The dashboard's Bangumi card against the fake Bangumi: not bound, then bound with the import's result.</summary>
public sealed class HomeBangumiTests(BangumiFixture f) : IClassFixture<BangumiFixture>
{
    [Fact]
    public async Task The_dashboard_shows_the_binding_and_the_last_import()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var browser = new PageClient(f.App, "en").SignedInAs(user);

        var unbound = await browser.GetAsync("/");
        unbound.AssertStatus(HttpStatusCode.OK);
        Assert.Contains("No Bangumi account is bound.", unbound.Html, StringComparison.Ordinal);
        Assert.Equal("Bind a Bangumi account", unbound.Text("#bangumi-heading ~ p a[href='/account/bangumi']"));

        var bangumiUser = f.NewBangumiUser(anime: 3);
        await f.BindAndImportAsync(client, user, bangumiUser);

        var bound = await browser.GetAsync("/");
        Assert.Contains($"Bound to the Bangumi account {bangumiUser.Nickname}.", bound.Html, StringComparison.Ordinal);
        Assert.Matches(@"Last import finished \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: 3 items\.", bound.Html);
        Assert.Equal("Manage the binding", bound.Text("#bangumi-heading ~ p a[href='/account/bangumi']"));
        Assert.Equal(3, bound.AnimeLinks().Count);
        Assert.Equal("Total=3", bound.Document.QuerySelectorAll(".stats > div").Select(d => d.QuerySelector("dt")!.TextContent.Trim() + "=" + d.QuerySelector("dd")!.TextContent.Trim()).Last());

        var zh = await new PageClient(f.App, "zh-CN").SignedInAs(user).GetAsync("/");
        Assert.Contains($"已绑定 Bangumi 账号 {bangumiUser.Nickname}。", zh.Html, StringComparison.Ordinal);
        Assert.Contains("共 3 条。", zh.Html, StringComparison.Ordinal);
    }
}
