using System.Net;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// <c>/anime</c> and <c>/anime/{id}</c>: the catalog searched and paged in both languages, and the collect and remove
/// forms: a change lands and shows, bad input is shown next to its field with nothing written, a form without its
/// CSRF token changes nothing, and stored markup stays text.
/// </summary>
public sealed class AnimePageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private static string Collect(string id) => $"/anime/{id}/collect";

    private static string Remove(string id) => $"/anime/{id}/remove";

    [Fact]
    public async Task The_catalog_searches_in_both_languages()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        var id = await app.NewAnime(user, "Frieren " + marker, "葬送的芙莉莲 " + marker, 28, "2023-09-29", "https://lain.bgm.tv/pic/cover/l/frieren.jpg");
        var plain = await app.NewAnime(user, "Plain " + marker, episodes: null, image: "http://insecure.example/cover.jpg");
        await app.NewAnime(user, "Someone else " + CollectionTestHelpers.NewMarker());

        var zh = await new PageClient(app, "zh-CN").GetAsync("/anime?q=" + marker);
        zh.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("动画", zh.Text("h1"));
        Assert.Equal(["Frieren " + marker, "Plain " + marker], zh.AnimeLinks().Order(StringComparer.Ordinal));
        Assert.NotNull(zh.Document.QuerySelector($"a[href='/anime/{id}']"));
        Assert.Contains("共 28 话", zh.Html, StringComparison.Ordinal);
        Assert.Contains("2023-09-29 开播", zh.Html, StringComparison.Ordinal);
        Assert.Contains("话数未知", zh.Html, StringComparison.Ordinal);
        Assert.Contains("葬送的芙莉莲 " + marker, zh.Html, StringComparison.Ordinal);
        Assert.Equal(marker, zh.FieldValue("q"));
        // Only an https cover is loaded; the http one is left out.
        Assert.Equal(["https://lain.bgm.tv/pic/cover/l/frieren.jpg"], zh.Document.QuerySelectorAll("img.cover").Select(i => i.GetAttribute("src")));
        Assert.Null(zh.Document.QuerySelector(".pager"));

        var en = await new PageClient(app, "en").GetAsync("/anime?q=" + Uri.EscapeDataString("芙莉莲 " + marker));
        en.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("Anime", en.Text("h1"));
        Assert.Equal(["Frieren " + marker], en.AnimeLinks());
        Assert.Contains("28 episodes", en.Html, StringComparison.Ordinal);
        Assert.Contains("Aired 2023-09-29", en.Html, StringComparison.Ordinal);

        var none = await new PageClient(app, "en").GetAsync("/anime?q=nothing-" + marker);
        none.AssertStatus(HttpStatusCode.OK);
        Assert.Empty(none.AnimeLinks());
        Assert.Contains($"No anime on this page matches “nothing-{marker}”.", none.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.NotEqual(plain, id);
    }

    [Fact]
    public async Task The_catalog_pages_with_its_cursor_and_keeps_the_search()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        for (var i = 0; i < 21; i++) await app.NewAnime(user, $"Paged {marker} {i:D2}");
        var browser = new PageClient(app, "en");

        var first = await browser.GetAsync("/anime?q=" + marker);
        Assert.Equal(20, first.AnimeLinks().Count);
        var next = first.Document.QuerySelector(".pager a[rel='next']")?.GetAttribute("href");
        Assert.NotNull(next);
        Assert.StartsWith($"/anime?q={marker}&cursor=", next, StringComparison.Ordinal);
        Assert.Null(first.Document.QuerySelector(".pager a:not([rel])"));

        var second = await browser.GetAsync(next);
        second.AssertStatus(HttpStatusCode.OK);
        Assert.Single(second.AnimeLinks());
        Assert.Empty(first.AnimeLinks().Intersect(second.AnimeLinks()));
        Assert.Null(second.Document.QuerySelector(".pager a[rel='next']"));
        Assert.Equal($"/anime?q={marker}", second.Document.QuerySelector(".pager a")?.GetAttribute("href"));
        Assert.Equal(marker, second.FieldValue("q"));
    }

    [Theory]
    [InlineData("en", "Search for at most 100 characters.")]
    [InlineData("zh-CN", "搜索词最多 100 个字符。")]
    public async Task A_too_long_search_is_400_with_the_message_next_to_the_field(string language, string message)
    {
        var q = new string('q', 101);
        var page = await new PageClient(app, language).GetAsync("/anime?q=" + q);
        page.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Equal(message, page.FieldError("q"));
        Assert.Equal(q, page.FieldValue("q"));
        Assert.Equal("q-error", page.Document.QuerySelector("#q")?.GetAttribute("aria-describedby"));
    }

    [Fact]
    public async Task A_cursor_Bangumoe_did_not_make_is_a_400_page()
    {
        var page = await new PageClient(app, "zh-CN").GetAsync("/anime?cursor=not-a-cursor!");
        page.AssertStatus(HttpStatusCode.BadRequest);
        Assert.Contains("这个分页链接不是 Bangumoe 生成的", page.Text(".error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_details_offer_a_signed_out_visitor_the_sign_in_and_an_unknown_id_is_404()
    {
        var user = await app.NewVerifiedUser();
        var id = await app.NewAnime(user, "Details " + CollectionTestHelpers.NewMarker(), "细节", 24, "2020-04-01");

        var en = await new PageClient(app, "en").GetAsync("/anime/" + id);
        en.AssertStatus(HttpStatusCode.OK);
        Assert.StartsWith("Details ", en.Text("h1"), StringComparison.Ordinal);
        Assert.Contains("2020-04-01", en.Text(".facts"), StringComparison.Ordinal);
        Assert.Contains("细节", en.Text(".facts"), StringComparison.Ordinal);
        Assert.Equal("Sign in to add this anime to your collection.", en.Document.QuerySelector("main h2 + p")?.TextContent);
        Assert.NotNull(en.Document.QuerySelector($"a[href='/login?return_to=%2Fanime%2F{id}']"));
        Assert.Null(en.Document.QuerySelector($"form[action='{Collect(id)}']"));

        var zh = await new PageClient(app, "zh-CN").GetAsync("/anime/" + id);
        Assert.Contains("话数", zh.Text(".facts"), StringComparison.Ordinal);
        Assert.Contains("登录后即可把这部动画加入收藏。", zh.Html, StringComparison.Ordinal);

        foreach (var unknown in new[] { "bm-doesnotexist", "x", "%3Cscript%3E", "bgm-99999999" })
        {
            var missing = await new PageClient(app, "zh-CN").GetAsync("/anime/" + unknown);
            missing.AssertStatus(HttpStatusCode.NotFound);
            Assert.Equal("找不到页面", missing.Text("h1"));
        }
    }

    [Fact]
    public async Task Collecting_editing_and_removing_land_and_show()
    {
        var user = await app.NewVerifiedUser();
        var id = await app.NewAnime(user, "Collect " + CollectionTestHelpers.NewMarker(), episodes: 12);
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);

        var empty = await browser.GetAsync("/anime/" + id);
        empty.AssertStatus(HttpStatusCode.OK);
        Assert.Contains("这部动画还不在你的收藏里。", empty.Html, StringComparison.Ordinal);
        Assert.Equal(["想看", "在看", "看过", "搁置", "抛弃"], empty.Document.QuerySelectorAll("#status option").Select(o => o.TextContent));
        Assert.Equal("12", empty.Document.QuerySelector("#episodes_watched")?.GetAttribute("max"));
        Assert.Equal("加入收藏", empty.Text($"form[action='{Collect(id)}'] button"));
        Assert.Null(empty.Document.QuerySelector($"form[action='{Remove(id)}']"));
        Assert.NotNull(empty.Document.QuerySelector($"form[action='{Collect(id)}'] input[name='csrf']"));

        var saved = await browser.PostAsync(Collect(id), new { status = "doing", score = "8", comment = "  好看  ", episodes_watched = "3", @private = "true" });
        saved.AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal($"/anime/{id}?notice=saved", saved.Location);
        var item = (await app.Item(user, id))!.Value;
        CollectionTestHelpers.AssertItem(item, "doing", 8, "好看", 3, isPrivate: true);

        var shown = await browser.GetAsync(saved.Location!);
        Assert.Equal("已保存到你的收藏。", shown.Text(".notice"));
        Assert.Contains("已收藏，状态：在看。", shown.Html, StringComparison.Ordinal);
        Assert.Equal("doing", shown.FieldValue("status"));
        Assert.Equal("8", shown.FieldValue("score"));
        Assert.Equal("好看", shown.FieldValue("comment"));
        Assert.Equal("3", shown.FieldValue("episodes_watched"));
        Assert.True(shown.Document.QuerySelector("#private")?.HasAttribute("checked"));
        Assert.Equal("保存", shown.Text($"form[action='{Collect(id)}'] button"));

        // The form sends every field: an unticked box, no score and an empty comment clear what was there.
        var edited = await browser.PostAsync(Collect(id), new { status = "done", score = "", comment = "", episodes_watched = "12" });
        edited.AssertStatus(HttpStatusCode.SeeOther);
        CollectionTestHelpers.AssertItem((await app.Item(user, id))!.Value, "done", null, null, 12, isPrivate: false);
        var english = await new PageClient(app, "en").SignedInAs(user).GetAsync("/anime/" + id);
        Assert.Contains("In your collection as “Watched”.", english.Html, StringComparison.Ordinal);
        Assert.False(english.Document.QuerySelector("#private")?.HasAttribute("checked"));

        var removed = await browser.PostAsync(Remove(id), new { });
        removed.AssertStatus(HttpStatusCode.SeeOther);
        Assert.Equal($"/anime/{id}?notice=removed", removed.Location);
        Assert.Null(await app.Item(user, id));
        var after = await browser.GetAsync(removed.Location!);
        Assert.Equal("已从你的收藏中移除。", after.Text(".notice"));

        // Removing what is not there (a second click) is a 404 page, not an error.
        var again = await browser.PostAsync(Remove(id), new { });
        again.AssertStatus(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("zh-CN")]
    public async Task Bad_input_is_shown_next_to_its_field_with_the_input_kept_and_nothing_written(string language)
    {
        var user = await app.NewVerifiedUser();
        var id = await app.NewAnime(user, "Bad input " + CollectionTestHelpers.NewMarker(), episodes: 12);
        await app.Collect(user, id, "wish", score: 5, comment: "before", episodes: 1);
        var before = (await app.Item(user, id))!.Value.GetRawText();
        var browser = new PageClient(app, language).SignedInAs(user);
        var zh = language != "en";

        var cases = new (object Form, string Field, string Message)[]
        {
            (new { status = "doing", score = "11", comment = "typed", episodes_watched = "2" }, "score", zh ? "请选择 1 到 10 分，或者不评分。" : "Choose a score from 1 to 10, or no score."),
            (new { status = "doing", score = "7", comment = "typed", episodes_watched = "13" }, "episodes_watched", zh ? "请输入 0 到 12 之间的整数。" : "Enter a whole number from 0 to 12."),
            (new { status = "doing", score = "7", comment = "typed", episodes_watched = "two" }, "episodes_watched", zh ? "请输入 0 到 12 之间的整数。" : "Enter a whole number from 0 to 12."),
            (new { status = "doing", score = "7", comment = new string('长', 257), episodes_watched = "2" }, "comment", zh ? "短评最多 256 个字，请删减。" : "Shorten the comment to at most 256 characters."),
            (new { status = "doing", score = "7", comment = "bell\u0007", episodes_watched = "2" }, "comment", zh ? "短评里有不允许的字符（控制字符）。" : "The comment contains characters that are not allowed (control characters)."),
            (new { status = "watching", score = "7", comment = "typed", episodes_watched = "2" }, "status", zh ? "请选择一个状态。" : "Choose one of the statuses."),
            (new { status = "doing", score = "7", comment = "typed", episodes_watched = "2", @private = "yes" }, "private", zh ? "请勾选或留空这个选项。" : "Tick the box or leave it empty."),
        };
        foreach (var (form, field, message) in cases)
        {
            var page = await browser.PostAsync(Collect(id), form);
            page.AssertStatus(HttpStatusCode.BadRequest);
            Assert.Equal(message, page.FieldError(field));
            if (field != "private") Assert.Equal("true", page.Document.QuerySelector($"[name='{field}']")?.GetAttribute("aria-invalid"));
            Assert.Single(page.Document.QuerySelectorAll(".field-error"));
            Assert.NotNull(page.Document.QuerySelector($".error-summary a[href='#{field}']"));
            var typed = form.GetType().GetProperty("comment")!.GetValue(form)!.ToString();
            Assert.Equal(typed, page.FieldValue("comment"));
            Assert.Equal(before, (await app.Item(user, id))!.Value.GetRawText());
        }

        // Several at once: each next to its own field.
        var many = await browser.PostAsync(Collect(id), new { status = "", score = "0", comment = "kept", episodes_watched = "-1" });
        many.AssertStatus(HttpStatusCode.BadRequest);
        Assert.NotNull(many.FieldError("status"));
        Assert.NotNull(many.FieldError("score"));
        Assert.NotNull(many.FieldError("episodes_watched"));
        Assert.Equal("-1", many.FieldValue("episodes_watched"));
        Assert.Equal("kept", many.FieldValue("comment"));
        Assert.Equal(before, (await app.Item(user, id))!.Value.GetRawText());
    }

    [Fact]
    public async Task A_post_for_an_unknown_anime_is_404_and_a_signed_out_post_goes_to_sign_in()
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, "en").SignedInAs(user);
        (await browser.PostAsync(Collect("bm-doesnotexist"), new { status = "wish" })).AssertStatus(HttpStatusCode.NotFound);
        (await browser.PostAsync(Collect("bad%23id"), new { status = "wish" })).AssertStatus(HttpStatusCode.NotFound);
        (await browser.PostAsync(Remove("bad%23id"), new { })).AssertStatus(HttpStatusCode.NotFound);

        var id = await app.NewAnime(user, "Signed out " + CollectionTestHelpers.NewMarker());
        var stranger = new PageClient(app, "en");
        foreach (var path in new[] { Collect(id), Remove(id) })
        {
            var page = await stranger.PostAsync(path, new { status = "wish" });
            page.AssertStatus(HttpStatusCode.SeeOther);
            Assert.Equal($"/login?return_to=%2Fanime%2F{id}", page.Location);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task A_form_without_its_csrf_token_is_refused_and_changes_nothing(string csrf)
    {
        var user = await app.NewVerifiedUser();
        var fresh = await app.NewAnime(user, "Csrf " + CollectionTestHelpers.NewMarker());
        var kept = await app.NewAnime(user, "Csrf kept " + CollectionTestHelpers.NewMarker());
        await app.Collect(user, kept, "doing", comment: "stays");
        var before = (await app.Item(user, kept))!.Value.GetRawText();
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);
        await browser.CsrfTokenAsync();

        var collect = await browser.PostAsync(Collect(fresh), new { status = "wish" }, csrf);
        collect.AssertStatus(HttpStatusCode.Forbidden);
        Assert.Equal("请重试", collect.Text("h1"));
        Assert.Null(await app.Item(user, fresh));

        (await browser.PostAsync(Collect(kept), new { status = "dropped", comment = "changed" }, csrf)).AssertStatus(HttpStatusCode.Forbidden);
        (await browser.PostAsync(Remove(kept), new { }, csrf)).AssertStatus(HttpStatusCode.Forbidden);
        Assert.Equal(before, (await app.Item(user, kept))!.Value.GetRawText());
    }

    [Fact]
    public async Task Stored_markup_is_shown_as_text()
    {
        var user = await app.NewVerifiedUser();
        var marker = CollectionTestHelpers.NewMarker();
        var name = $"{marker} {CollectionPageSteps.ScriptPayload}{CollectionPageSteps.AttributePayload}";
        var id = await app.NewAnime(user, name, CollectionPageSteps.AttributePayload, image: "https://example.com/c.png?'onerror='alert(1)'");
        var comment = CollectionPageSteps.ScriptPayload + "\n" + CollectionPageSteps.AttributePayload;
        await app.Collect(user, id, "done", comment: comment);
        var browser = new PageClient(app, "en").SignedInAs(user);

        var list = await browser.GetAsync("/anime?q=" + marker);
        list.AssertStatus(HttpStatusCode.OK);
        list.AssertShownAsText(name, CollectionPageSteps.AttributePayload);

        var details = await browser.GetAsync("/anime/" + id);
        details.AssertStatus(HttpStatusCode.OK);
        details.AssertShownAsText(name, CollectionPageSteps.AttributePayload);
        Assert.Equal(name, details.Text("h1"));
        Assert.Equal(name + " · Bangumoe", details.Document.Title);
        Assert.Equal(comment, details.FieldValue("comment"));
        var poster = details.Document.QuerySelector("img.poster")!;
        Assert.Equal("https://example.com/c.png?'onerror='alert(1)'", poster.GetAttribute("src"));
        Assert.Null(poster.GetAttribute("onerror"));

        // Typed markup shown again after bad input stays text too.
        var refused = await browser.PostAsync($"/anime/{id}/collect", new { status = "done", score = "99", comment = CollectionPageSteps.AttributePayload });
        refused.AssertStatus(HttpStatusCode.BadRequest);
        refused.AssertShownAsText(name);
        Assert.Equal(CollectionPageSteps.AttributePayload, refused.FieldValue("comment"));
    }
}
