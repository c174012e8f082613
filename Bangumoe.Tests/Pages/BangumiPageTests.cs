using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Bangumoe.FakeBangumi;
using Bangumoe.Tests.Bangumi;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// /account/bangumi against the fake Bangumi, as a person without JavaScript uses it: bind (the form → Bangumi's
/// consent → the callback → back on the page), watch the import, sync, unbind with or without the imported anime; every
/// form refused without its CSRF token.
/// </summary>
public sealed class BangumiPageTests(BangumiFixture f) : IClassFixture<BangumiFixture>
{
    private async Task<(TestUser User, HttpClient Api, PageClient Browser)> SignedIn(string language = "en")
    {
        var api = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        return (user, api, new PageClient(f.App, language).SignedInAs(user));
    }

    /// <summary>The bind form → Bangumi (approving as <paramref name="bangumiUser"/>) → the callback: where it sends the browser.</summary>
    private async Task<string> BindThroughThePagesAsync(PageClient browser, FakeUser bangumiUser)
    {
        var bind = await browser.PostAsync("/account/bangumi/bind", new { });
        Assert.True(bind.Status == HttpStatusCode.SeeOther, bind.Html);
        var callback = await f.ApproveOnBangumiAsync(new Uri(bind.Location!), bangumiUser);
        var back = await browser.GetAsync(callback.PathAndQuery);
        Assert.True(back.Status == HttpStatusCode.SeeOther, back.Html);
        return back.Location!;
    }

    private async Task<List<TableEntity>> BindStatesOf(string uid)
    {
        var table = new TableClient(f.App.Emulators.StorageConnectionString, f.App.Prefix + "BangumiStates");
        await table.CreateIfNotExistsAsync();
        return (await table.QueryAsync<TableEntity>().ToListAsync()).Where(e => e.GetString("Uid") == uid).ToList();
    }

    [Fact]
    public async Task Binding_through_the_pages_lands_back_on_the_page_which_shows_the_import_running_and_then_what_it_imported()
    {
        var (user, api, browser) = await SignedIn();
        var bangumiUser = f.NewBangumiUser(anime: 60);

        var unbound = await browser.GetAsync("/account/bangumi");
        Assert.Equal(HttpStatusCode.OK, unbound.Status);
        Assert.Equal("Bangumi account", unbound.Text("h1"));
        Assert.Equal("Bind Bangumi account", unbound.Text("form[action='/account/bangumi/bind'] button"));
        Assert.Null(unbound.Document.QuerySelector("form[action='/account/bangumi/unbind']"));
        // The bind form's 303 goes on to Bangumi: its origin is allowed as a form target, nothing else is.
        var csp = unbound.Response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains($"form-action 'self' {f.Fake.BaseUrl};", csp, StringComparison.Ordinal);

        // Slow pages, so the import is still running when the browser comes back.
        using (f.SlowPages(TimeSpan.FromMilliseconds(700)))
        {
            var location = await BindThroughThePagesAsync(browser, bangumiUser);
            Assert.Equal("/account/bangumi?notice=linked", location);

            var running = await browser.GetAsync(location);
            Assert.Equal(HttpStatusCode.OK, running.Status);
            Assert.Contains("Your Bangumi account is bound", running.Text(".notice"), StringComparison.Ordinal);
            Assert.Contains(running.Text("#import-state"), new[] { "Waiting to start", "Importing" });
            // Without JavaScript it reloads itself; with it, the script updates the section in place.
            Assert.Equal("3", running.Document.QuerySelector("noscript meta[http-equiv='refresh']")?.GetAttribute("content"));
            Assert.NotNull(running.Document.QuerySelector("script[src='/assets/bangumi-progress.js']"));
            Assert.Equal("true", running.Document.QuerySelector("#import-status")?.GetAttribute("data-running"));
            var script = await browser.Http.GetAsync("/assets/bangumi-progress.js");
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        }

        var done = await api.WaitForImportAsync(user);
        Assert.Equal("done", done.GetProperty("import").GetProperty("status").GetString());
        var finished = await browser.GetAsync("/account/bangumi");
        Assert.Equal("Finished", finished.Text("#import-state"));
        Assert.StartsWith("60 of 60", finished.Text("#imported"), StringComparison.Ordinal);
        Assert.Equal("60", finished.Document.QuerySelector("#imported progress")?.GetAttribute("value"));
        Assert.Contains(bangumiUser.Nickname, finished.Text("#bangumi-user"), StringComparison.Ordinal);
        Assert.Contains("@" + bangumiUser.Username, finished.Text("#bangumi-user"), StringComparison.Ordinal);
        Assert.Null(finished.Document.QuerySelector("meta[http-equiv='refresh']"));
        Assert.Null(finished.Document.QuerySelector("script[src='/assets/bangumi-progress.js']"));
        Assert.Equal("false", finished.Document.QuerySelector("#import-status")?.GetAttribute("data-running"));
        Assert.NotNull(finished.Document.QuerySelector("form[action='/account/bangumi/sync'] button"));
        Assert.NotNull(finished.Document.QuerySelector("form[action='/account/bangumi/unbind'] input[type='checkbox'][name='purge']"));
        Assert.Null(finished.Document.QuerySelector(".notice"));
        Assert.Equal(60, (await api.AllItemsAsync(user)).Count);
    }

    [Fact]
    public async Task The_page_speaks_chinese_and_the_language_switch_comes_back_to_it()
    {
        var (user, api, browser) = await SignedIn("zh-CN");
        var page = await browser.GetAsync("/account/bangumi");
        Assert.Equal("zh-Hans", page.Document.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Bangumi 账号", page.Text("h1"));
        Assert.Equal("绑定 Bangumi 账号", page.Text("form[action='/account/bangumi/bind'] button"));
        Assert.Equal("/account/bangumi", page.Document.QuerySelector("form[action='/lang'] input[name='return_to']")?.GetAttribute("value"));

        var location = await BindThroughThePagesAsync(browser, f.NewBangumiUser(anime: 3));
        await api.WaitForImportAsync(user);
        var bound = await browser.GetAsync(location);
        Assert.Contains("你的 Bangumi 账号已绑定", bound.Text(".notice"), StringComparison.Ordinal);
        Assert.Equal("已完成", bound.Text("#import-state"));
        Assert.StartsWith("3 / 3", bound.Text("#imported"), StringComparison.Ordinal);
        Assert.Equal("立即同步", bound.Text("form[action='/account/bangumi/sync'] button"));
        Assert.Equal("解除 Bangumi 绑定", bound.Text("form[action='/account/bangumi/unbind'] button"));
        Assert.Equal("同时删除从 Bangumi 导入的动画", bound.Text("label[for='purge']"));
    }

    [Fact]
    public async Task Sync_now_starts_a_new_import_or_says_one_is_already_under_way()
    {
        var (user, api, browser) = await SignedIn();
        await BindThroughThePagesAsync(browser, f.NewBangumiUser(anime: 60));
        var first = (await api.WaitForImportAsync(user)).GetProperty("import").GetProperty("id").GetString();

        string? second;
        using (f.SlowPages(TimeSpan.FromMilliseconds(700)))
        {
            var sync = await browser.PostAsync("/account/bangumi/sync", new { });
            Assert.Equal(HttpStatusCode.SeeOther, sync.Status);
            Assert.Equal("/account/bangumi?notice=sync-started", sync.Location);
            second = (await api.BindingAsync(user)).GetProperty("import").GetProperty("id").GetString();
            Assert.NotEqual(first, second);
            var started = await browser.GetAsync(sync.Location!);
            Assert.Equal("A new import has started.", started.Text(".notice"));

            // Pressed again while that import runs: the same import goes on, and the page says so (no error page).
            var again = await browser.PostAsync("/account/bangumi/sync", new { });
            Assert.Equal(HttpStatusCode.SeeOther, again.Status);
            Assert.Equal("/account/bangumi?notice=sync-running", again.Location);
            Assert.Equal(second, (await api.BindingAsync(user)).GetProperty("import").GetProperty("id").GetString());
            var running = await browser.GetAsync(again.Location!);
            Assert.Equal(HttpStatusCode.OK, running.Status);
            Assert.Equal("An import is already under way; it continues below.", running.Text(".notice"));
        }
        Assert.Equal("done", (await api.WaitForImportAsync(user, second)).GetProperty("import").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unbinding_keeps_the_imported_anime_unless_asked_to_remove_them()
    {
        // Without removal.
        var (keeper, keeperApi, keeperBrowser) = await SignedIn();
        await BindThroughThePagesAsync(keeperBrowser, f.NewBangumiUser(anime: 5));
        await keeperApi.WaitForImportAsync(keeper);
        var unbind = await keeperBrowser.PostAsync("/account/bangumi/unbind", new { });
        Assert.Equal(HttpStatusCode.SeeOther, unbind.Status);
        Assert.Equal("/account/bangumi?notice=unbound", unbind.Location);
        Assert.False((await keeperApi.BindingAsync(keeper)).GetProperty("bound").GetBoolean());
        Assert.Equal(5, (await keeperApi.AllItemsAsync(keeper)).Count);
        var after = await keeperBrowser.GetAsync(unbind.Location!);
        Assert.Equal("Your Bangumi account is unbound. The imported anime stay in your collection.", after.Text(".notice"));
        Assert.NotNull(after.Document.QuerySelector("form[action='/account/bangumi/bind']"));

        // Unbinding again (a second tab) changes nothing and says why.
        var twice = await keeperBrowser.PostAsync("/account/bangumi/unbind", new { });
        Assert.Equal("/account/bangumi?notice=not-bound", twice.Location);

        // With removal: the imported anime go, one the person added on Bangumoe stays.
        var (purger, purgerApi, purgerBrowser) = await SignedIn();
        await BindThroughThePagesAsync(purgerBrowser, f.NewBangumiUser(anime: 5));
        await purgerApi.WaitForImportAsync(purger);
        var own = await (await purgerApi.Send(HttpMethod.Post, "/api/anime", purger.Token, new { name = "Own entry " + Guid.NewGuid().ToString("N")[..6] })).Ok(HttpStatusCode.Created);
        await (await purgerApi.Send(HttpMethod.Put, "/api/me/collection/" + own.GetProperty("id").GetString(), purger.Token, new { status = "wish" })).Ok(HttpStatusCode.Created);
        Assert.Equal(6, (await purgerApi.AllItemsAsync(purger)).Count);

        var purge = await purgerBrowser.PostAsync("/account/bangumi/unbind", new { purge = "true" });
        Assert.Equal(HttpStatusCode.SeeOther, purge.Status);
        Assert.Equal("/account/bangumi?notice=unbound-purged", purge.Location);
        Assert.False((await purgerApi.BindingAsync(purger)).GetProperty("bound").GetBoolean());
        var left = Assert.Single(await purgerApi.AllItemsAsync(purger));
        Assert.Equal(own.GetProperty("id").GetString(), left.GetProperty("anime_id").GetString());
        Assert.Contains("removed from your collection", (await purgerBrowser.GetAsync(purge.Location!)).Text(".notice"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_purge_value_the_checkbox_cannot_send_is_refused_next_to_the_field_and_nothing_changes()
    {
        var (user, api, browser) = await SignedIn("zh-CN");
        await BindThroughThePagesAsync(browser, f.NewBangumiUser(anime: 3));
        await api.WaitForImportAsync(user);

        var bad = await browser.PostAsync("/account/bangumi/unbind", new { purge = "maybe" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("请勾选或不勾选这个选项。", bad.FieldError("purge"));
        Assert.True((await api.BindingAsync(user)).GetProperty("bound").GetBoolean());
        Assert.Equal(3, (await api.AllItemsAsync(user)).Count);
    }

    [Fact]
    public async Task Every_form_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing()
    {
        var (user, api, browser) = await SignedIn();
        foreach (var csrf in new[] { "", "wrong" })
        {
            var bind = await browser.PostAsync("/account/bangumi/bind", new { }, csrf);
            Assert.Equal(HttpStatusCode.Forbidden, bind.Status);
            Assert.Null(bind.Location);
            Assert.Equal("Please try again", bind.Text("h1"));
        }
        Assert.Empty(await BindStatesOf(user.Uid));

        await BindThroughThePagesAsync(browser, f.NewBangumiUser(anime: 3));
        var before = await api.WaitForImportAsync(user);
        foreach (var csrf in new[] { "", "wrong" })
        {
            var sync = await browser.PostAsync("/account/bangumi/sync", new { }, csrf);
            Assert.Equal(HttpStatusCode.Forbidden, sync.Status);
            var unbind = await browser.PostAsync("/account/bangumi/unbind", new { purge = "true" }, csrf);
            Assert.Equal(HttpStatusCode.Forbidden, unbind.Status);
            Assert.Null(unbind.Location);
        }
        Assert.Equal(before.ToString(), (await api.BindingAsync(user)).ToString());
        Assert.Equal(3, (await api.AllItemsAsync(user)).Count);
    }

    [Fact]
    public async Task Signed_out_the_page_and_its_forms_send_the_browser_to_sign_in_and_back()
    {
        var browser = new PageClient(f.App);
        var page = await browser.GetAsync("/account/bangumi");
        Assert.Equal(HttpStatusCode.SeeOther, page.Status);
        Assert.Equal("/login?return_to=%2Faccount%2Fbangumi", page.Location);
        foreach (var form in new[] { "bind", "sync", "unbind" })
        {
            var post = await browser.PostAsync("/account/bangumi/" + form, new { });
            Assert.Equal(HttpStatusCode.SeeOther, post.Status);
            Assert.Equal("/login?return_to=%2Faccount%2Fbangumi", post.Location);
        }
    }

    [Fact]
    public async Task A_nickname_from_Bangumi_with_markup_is_shown_as_text()
    {
        var (user, api, browser) = await SignedIn();
        const string nickname = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
        var bangumiUser = f.Fake.AddUser(BangumiSteps.NewBangumiName(), nickname);
        bangumiUser.GenerateCollection(2, BangumiExtraSteps.NewSubjects());
        await BindThroughThePagesAsync(browser, bangumiUser);
        await api.WaitForImportAsync(user);

        var page = await browser.GetAsync("/account/bangumi");
        Assert.Contains(nickname, page.Text("#bangumi-user"), StringComparison.Ordinal);
        Assert.Empty(page.Document.QuerySelectorAll("main script, main img"));
        Assert.Null(page.Document.QuerySelector("[onerror]"));
    }

    [Fact]
    public async Task A_callback_that_binds_nothing_says_why_in_the_persons_language_and_links_back()
    {
        var (user, api, browser) = await SignedIn("zh-CN");
        var state = BangumiExtraSteps.QueryValue(await f.StartBindAsync(user), "state");

        var denied = await browser.GetAsync("/oauth2.0/redirect?error=access_denied&state=" + Uri.EscapeDataString(state));
        Assert.Equal(HttpStatusCode.BadRequest, denied.Status);
        Assert.Equal("绑定已取消", denied.Text("h1"));
        Assert.Equal("返回 Bangumi 绑定页面", denied.Text("main a.button[href='/account/bangumi']"));

        var replayed = await new PageClient(f.App).GetAsync("/oauth/redirect?code=x&state=" + Uri.EscapeDataString(state));
        Assert.Equal(HttpStatusCode.BadRequest, replayed.Status);
        Assert.Equal("This link is no longer valid", replayed.Text("h1"));
        Assert.Equal("Back to your Bangumi binding", replayed.Text("main a.button[href='/account/bangumi']"));
        BangumiExtraSteps.AssertNeverBound(await api.BindingAsync(user));
    }

    [Fact]
    public async Task A_binding_Bangumi_no_longer_accepts_offers_to_bind_again_instead_of_sync()
    {
        var (user, api, browser) = await SignedIn();
        await BindThroughThePagesAsync(browser, f.NewBangumiUser(anime: 3));
        await api.WaitForImportAsync(user);
        var table = new TableClient(f.App.Emulators.StorageConnectionString, f.App.Prefix + "BangumiLinks");
        var row = (await table.GetEntityAsync<TableEntity>(Storage.KeyEncoding.Escape(user.Uid), "")).Value;
        row["NeedsReauthorization"] = true;
        await table.UpdateEntityAsync(row, row.ETag);

        var page = await browser.GetAsync("/account/bangumi");
        Assert.Contains("no longer accepts", page.Text("main .error[role='alert']"), StringComparison.Ordinal);
        Assert.Equal("Bind again", page.Text("form[action='/account/bangumi/bind'] button"));
        Assert.Null(page.Document.QuerySelector("form[action='/account/bangumi/sync']"));

        // A sync posted anyway (an old tab) is a notice, not an error page.
        var sync = await browser.PostAsync("/account/bangumi/sync", new { });
        Assert.Equal("/account/bangumi?notice=reauthorize", sync.Location);
        Assert.Contains("bind your account again", (await browser.GetAsync(sync.Location!)).Text(".notice"), StringComparison.Ordinal);
    }
}

/// <summary>/account/bangumi on a server where binding is not configured (no Bangumi app).</summary>
public sealed class BangumiPageUnconfiguredTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task The_page_says_binding_is_not_set_up_and_a_bind_posted_anyway_changes_nothing()
    {
        var user = await app.NewVerifiedUser();
        foreach (var (language, text) in new[] { ("en", "not set up on this server"), ("zh-CN", "没有开启 Bangumi 账号绑定") })
        {
            var browser = new PageClient(app, language).SignedInAs(user);
            var page = await browser.GetAsync("/account/bangumi");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            Assert.Contains(text, page.Text("main .error"), StringComparison.Ordinal);
            Assert.Null(page.Document.QuerySelector("form[action='/account/bangumi/bind']"));
            Assert.Contains("form-action 'self';", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

            var bind = await browser.PostAsync("/account/bangumi/bind", new { });
            Assert.Equal(HttpStatusCode.NotFound, bind.Status);
            Assert.Null(bind.Location);
            Assert.Contains(text, bind.Text("main .error"), StringComparison.Ordinal);
        }
    }
}
