using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Bangumoe.FakeBangumi;
using Bangumoe.Tests.Infrastructure;
using FakeServer = Bangumoe.FakeBangumi.FakeBangumi;

namespace Bangumoe.Tests.Bangumi;

/// <summary>
/// The import around its edges: syncing while one runs, local edits against Bangumi's, unbinding (with and without
/// purge, also while an import runs), account deletion, Bangumi's faults, a shared catalog, and books.
/// </summary>
public sealed class BangumiImportEdgeTests(BangumiFixture f) : IClassFixture<BangumiFixture>
{
    private static readonly DateTimeOffset LongAgo = new(2025, 3, 1, 20, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task Sync_while_an_import_is_queued_or_running_answers_with_that_import()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        await (await client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");

        var bangumiUser = f.NewBangumiUser(anime: 120);
        var mark = f.Fake.Requests.Count;
        string? importId;
        using (f.SlowPages(TimeSpan.FromMilliseconds(600)))
        {
            var (status, html) = await f.BindAsync(user, bangumiUser);
            Assert.True(status == HttpStatusCode.SeeOther, html);
            importId = (await client.BindingAsync(user)).GetProperty("import").GetProperty("id").GetString();
            Assert.NotNull(importId);

            var syncs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token)));
            foreach (var sync in syncs)
            {
                var body = await sync.Ok(HttpStatusCode.Accepted);
                Assert.Equal("/api/me/bangumi", sync.Headers.Location?.OriginalString);
                Assert.Equal(importId, body.GetProperty("import").GetProperty("id").GetString());
                Assert.Contains(body.GetProperty("import").GetProperty("status").GetString(), new[] { "queued", "running" });
            }

            var running = await client.WaitForBindingAsync(user, b => b.GetProperty("import").GetProperty("status").GetString() == "running", "the import to run");
            Assert.Equal(importId, running.GetProperty("import").GetProperty("id").GetString());
            var whileRunning = await client.SyncAsync(user);
            Assert.Equal(importId, whileRunning.GetProperty("import").GetProperty("id").GetString());
            Assert.Equal("running", whileRunning.GetProperty("import").GetProperty("status").GetString());

            var done = await client.WaitForImportAsync(user, importId);
            Assert.True(done.GetProperty("import").GetProperty("status").GetString() == "done", done.ToString());
            Assert.Equal(120, done.GetProperty("import").GetProperty("imported").GetInt32());

            // One run: Bangumi saw one /v0/me and each of the three pages once.
            var since = f.Fake.Requests.Skip(mark).ToList();
            Assert.Single(since, r => r.Path == "/v0/me");
            Assert.Equal(3, since.Count(r => r.Path.EndsWith("/collections", StringComparison.Ordinal)));
        }

        // Once it is over, a sync starts a new one.
        var next = await client.SyncAsync(user);
        var nextId = next.GetProperty("import").GetProperty("id").GetString();
        Assert.NotEqual(importId, nextId);
        var again = await client.WaitForImportAsync(user, nextId);
        Assert.Equal("done", again.GetProperty("import").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_local_edit_survives_a_resync_and_a_later_change_on_Bangumi_wins()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var s = BangumiExtraSteps.NewSubjects();
        var bangumiUser = f.NewBangumiUser();
        bangumiUser.AddAnime(s, type: 3, rate: 6, comment: "watching", epStatus: 2, updatedAt: LongAgo);
        bangumiUser.AddAnime(s + 1, type: 1, updatedAt: LongAgo.AddMinutes(1));
        bangumiUser.AddAnime(s + 2, type: 3, rate: 5, epStatus: 1, updatedAt: LongAgo.AddMinutes(2));
        bangumiUser.AddAnime(s + 3, type: 2, rate: 7, epStatus: 12, updatedAt: LongAgo.AddMinutes(3));
        await f.BindAndImportAsync(client, user, bangumiUser);

        // Edits in Bangumoe.
        await (await client.Send(HttpMethod.Put, ItemPath(s), user.Token, new { status = "dropped", score = 3, comment = "changed my mind" })).Ok();
        var edited = await (await client.Send(HttpMethod.Put, ItemPath(s + 2), user.Token, new { status = "on_hold", score = 4 })).Ok();
        var editedAt = edited.GetProperty("updated_at").GetDateTimeOffset();

        // Changes on Bangumi: s and s+1 changed after the import but before the local edit; s+2 after the local edit.
        Change(bangumiUser, s, c => c with { Type = 2, Rate = 9, Comment = "finished on Bangumi", UpdatedAt = LongAgo.AddDays(30) });
        Change(bangumiUser, s + 1, c => c with { Type = 5, Rate = 8, UpdatedAt = LongAgo.AddDays(30) });
        Change(bangumiUser, s + 2, c => c with { Type = 2, Rate = 10, EpStatus = 12, UpdatedAt = editedAt.AddSeconds(2) });

        var importId = (await client.SyncAsync(user)).GetProperty("import").GetProperty("id").GetString();
        var done = await client.WaitForImportAsync(user, importId);
        Assert.True(done.GetProperty("import").GetProperty("status").GetString() == "done", done.ToString());

        var localWins = await Item(client, user, s);
        Assert.Equal("dropped", localWins.GetProperty("status").GetString());
        Assert.Equal(3, localWins.GetProperty("score").GetInt32());
        Assert.Equal("changed my mind", localWins.GetProperty("comment").GetString());

        var bangumiChanged = await Item(client, user, s + 1);
        Assert.Equal("dropped", bangumiChanged.GetProperty("status").GetString());
        Assert.Equal(8, bangumiChanged.GetProperty("score").GetInt32());
        Assert.Equal(LongAgo.AddDays(30), bangumiChanged.GetProperty("updated_at").GetDateTimeOffset());

        var bangumiLater = await Item(client, user, s + 2);
        Assert.Equal("done", bangumiLater.GetProperty("status").GetString());
        Assert.Equal(10, bangumiLater.GetProperty("score").GetInt32());
        Assert.Equal(12, bangumiLater.GetProperty("episodes_watched").GetInt32());

        var untouched = await Item(client, user, s + 3);
        Assert.Equal("done", untouched.GetProperty("status").GetString());
        Assert.Equal(7, untouched.GetProperty("score").GetInt32());

        Assert.Equal(4, (await client.AllItemsAsync(user)).Count);
    }

    [Fact]
    public async Task Unbinding_keeps_imported_items_and_purge_deletes_only_what_was_imported()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 8);
        await f.BindAndImportAsync(client, user, bangumiUser);
        var imported = (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).ToHashSet();
        Assert.Equal(8, imported.Count);

        // Added by hand: an anime of the user's own making, and a Bangumi subject someone else's import put in the catalog.
        var own = await (await client.Send(HttpMethod.Post, "/api/anime", user.Token, new { name = "Hand-made " + Guid.NewGuid().ToString("N")[..8], episodes = 12 }))
            .Ok(HttpStatusCode.Created);
        var ownId = own.GetProperty("id").GetString()!;
        await (await client.Send(HttpMethod.Put, "/api/me/collection/" + Uri.EscapeDataString(ownId), user.Token, new { status = "wish" })).Ok(HttpStatusCode.Created);
        var someoneElse = await f.App.NewVerifiedUser();
        var otherBangumi = f.NewBangumiUser(anime: 2);
        await f.BindAndImportAsync(client, someoneElse, otherBangumi);
        var fromCatalog = (await client.AllItemsAsync(someoneElse)).First().GetProperty("anime_id").GetString()!;
        await (await client.Send(HttpMethod.Put, "/api/me/collection/" + fromCatalog, user.Token, new { status = "doing" })).Ok(HttpStatusCode.Created);
        var handAdded = new HashSet<string> { ownId, fromCatalog };

        // Unbind: the binding is gone, the items stay.
        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi", user.Token)).Ok(HttpStatusCode.NoContent);
        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));
        BangumiExtraSteps.AssertUnboundRow(await f.LinkRowAsync(user.Uid));
        Assert.Equal(imported.Union(handAdded).Order(), (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).Order());
        await (await client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");

        // Binding the same account again matches the items instead of adding them twice.
        await f.BindAndImportAsync(client, user, bangumiUser);
        Assert.Equal(imported.Union(handAdded).Order(), (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).Order());

        // Unbind with purge: what came from Bangumi goes, what the user added stays.
        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi?purge=true", user.Token)).Ok(HttpStatusCode.NoContent);
        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));
        Assert.Equal(handAdded.Order(), (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).Order());
        var stats = await (await client.Send(HttpMethod.Get, "/api/me/collection/stats", user.Token)).Ok();
        Assert.Equal(2, stats.GetProperty("total").GetInt32());
        // The other user's import is untouched.
        Assert.Equal(2, (await client.AllItemsAsync(someoneElse)).Count);

        // Unbinding what is no longer bound is a 404, with or without purge, and deletes nothing.
        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");
        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi?purge=true", user.Token)).Problem(HttpStatusCode.NotFound, "bangumi-not-bound");
        Assert.Equal(handAdded.Order(), (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).Order());
    }

    [Fact]
    public async Task Unbinding_with_purge_while_an_import_runs_leaves_no_imported_items_behind()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        // The first page is in; the next is on its way.
        using var slowPages = await f.BindUntilTheFirstPageAsync(client, user, f.NewBangumiUser(anime: 150));

        await (await client.Send(HttpMethod.Delete, "/api/me/bangumi?purge=true", user.Token)).Ok(HttpStatusCode.NoContent);
        // The run is mid-page: it writes that page, finds the binding unbound at its next save and clears up.
        await f.WaitForImportRunsToEndAsync();

        BangumiExtraSteps.AssertNeverBound(await client.BindingAsync(user));
        BangumiExtraSteps.AssertUnboundRow(await f.LinkRowAsync(user.Uid));
        var left = await client.AllItemsAsync(user);
        Assert.True(left.Count == 0, $"{left.Count} imported item(s) are back after the purge, e.g. {left.FirstOrDefault()}");
        Assert.Empty(await f.CollectionRowsAsync(user.Uid));
    }

    [Fact]
    public async Task Rate_limits_bad_gateways_slow_pages_and_short_pages_are_survived()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 120);
        var expected = (await f.BangumiAnimeAsync(bangumiUser)).Select(b => "bgm-" + b.GetProperty("subject_id").GetInt32()).ToList();
        Assert.Equal(120, expected.Count);

        // The pages come as: 429 (Retry-After: 1), a 502 HTML page, page 1 short by 5, page 2 slow, page 3.
        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.TooManyRequests, RetryAfterSeconds: 1));
        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.BadGatewayHtml));
        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.ShortPage, DropItems: 5));
        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.Slow, DelayMs: 1500));
        try
        {
            await using var timeline = new RequestTimeline(f.Fake);
            var (status, html) = await f.BindAsync(user, bangumiUser);
            Assert.True(status == HttpStatusCode.SeeOther, html);
            var binding = await client.WaitForImportAsync(user);
            var import = binding.GetProperty("import");
            Assert.True(import.GetProperty("status").GetString() == "done", binding.ToString());
            Assert.Equal(0, f.Fake.Faults.Pending);
            Assert.Equal(120, import.GetProperty("total").GetInt32());
            Assert.Equal(115, import.GetProperty("imported").GetInt32());

            // Everything but the five items page 1 left out, every item of the later pages included.
            var items = (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).ToList();
            var dropped = expected.Skip(45).Take(5).ToList();
            Assert.Equal(expected.Except(dropped).Order(), items.Order());
            Assert.All(expected.Skip(50), id => Assert.Contains(id, items));

            // The retry after the 429 waited for Retry-After.
            var pages = timeline.Seen.Where(s => s.Request.Path.EndsWith("/collections", StringComparison.Ordinal)).ToList();
            Assert.Equal([429, 502, 200, 200, 200], pages.Select(p => p.Request.Status));
            Assert.Equal(["0", "0", "0", "50", "100"], pages.Select(p => AuthorizeHelpers.QueryOf("?" + p.Request.Query)["offset"][0]));
            var wait = pages[1].SeenAt - pages[0].SeenAt;
            Assert.True(wait >= TimeSpan.FromMilliseconds(900), $"The retry came {wait.TotalMilliseconds:0} ms after the 429 with Retry-After: 1.");
        }
        finally
        {
            f.Fake.Faults.Clear();
        }
    }

    [Fact]
    public async Task Deleting_the_account_removes_the_binding_and_the_collection_and_voids_a_pending_bind()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 20);
        await f.BindAndImportAsync(client, user, bangumiUser);
        var own = await (await client.Send(HttpMethod.Post, "/api/anime", user.Token, new { name = "Hand-made " + Guid.NewGuid().ToString("N")[..8] })).Ok(HttpStatusCode.Created);
        await (await client.Send(HttpMethod.Put, "/api/me/collection/" + Uri.EscapeDataString(own.GetProperty("id").GetString()!), user.Token, new { status = "wish" }))
            .Ok(HttpStatusCode.Created);
        var someAnime = (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).First(id => id.StartsWith("bgm-", StringComparison.Ordinal));
        Assert.NotNull(await f.LinkRowAsync(user.Uid));
        Assert.NotEmpty(await f.CollectionRowsAsync(user.Uid));
        // A second bind, approved on Bangumi but not yet back.
        var pending = await f.CallbackForAsync(user, bangumiUser);

        await (await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).Ok(HttpStatusCode.NoContent);

        Assert.Null(await f.LinkRowAsync(user.Uid));
        Assert.Empty(await f.CollectionRowsAsync(user.Uid));
        // The catalog is shared: it keeps the anime.
        await (await client.Send(HttpMethod.Get, "/api/anime/" + someAnime)).Ok();

        var tokenRequests = f.Fake.TokenRequests().Count;
        var (status, html) = await f.FollowAsync(pending);
        Assert.True(status == HttpStatusCode.BadRequest, html);
        Assert.Contains("no longer valid", html, StringComparison.Ordinal);
        Assert.Equal(tokenRequests, f.Fake.TokenRequests().Count);
        Assert.Null(await f.LinkRowAsync(user.Uid));
    }

    [Fact]
    public async Task Deleting_the_account_while_an_import_runs_leaves_no_rows_behind()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        // The first page is in; the next is on its way.
        using var slowPages = await f.BindUntilTheFirstPageAsync(client, user, f.NewBangumiUser(anime: 150));

        await (await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).Ok(HttpStatusCode.NoContent);
        Assert.Null(await f.LinkRowAsync(user.Uid));

        // The run is mid-page: it writes that page, finds the binding gone at its next save and clears up after
        // itself. How long that takes depends on the machine's load, so wait for the run to end, not a fixed time.
        await f.WaitForImportRunsToEndAsync();
        await f.AssertNothingLeftOfAsync(user.Uid);
    }

    [Fact]
    public async Task Two_users_importing_overlapping_subjects_share_one_catalog_entry_per_subject()
    {
        var client = f.App.CreateClient();
        var first = await f.App.NewVerifiedUser();
        var second = await f.App.NewVerifiedUser();
        var s = BangumiExtraSteps.NewSubjects();
        var x = f.NewBangumiUser();
        var y = f.NewBangumiUser();
        for (var id = s; id < s + 30; id++) x.AddAnime(id, type: 1 + id % 5, rate: id % 11, name: "Shared " + id);
        for (var id = s + 15; id < s + 45; id++) y.AddAnime(id, type: 1 + (id + 1) % 5, rate: (id + 3) % 11, name: "Shared " + id);

        // Both imports run at the same time.
        var (s1, h1) = await f.BindAsync(first, x);
        var (s2, h2) = await f.BindAsync(second, y);
        Assert.True(s1 == HttpStatusCode.SeeOther, h1);
        Assert.True(s2 == HttpStatusCode.SeeOther, h2);
        var imports = await Task.WhenAll(client.WaitForImportAsync(first), client.WaitForImportAsync(second));
        Assert.All(imports, b => Assert.True(b.GetProperty("import").GetProperty("status").GetString() == "done", b.ToString()));

        var catalog = (await f.CatalogRowsAsync())
            .Where(r => r.GetInt32("BangumiId") is { } id && id >= s && id < s + 45)
            .ToList();
        var perSubject = catalog.GroupBy(r => r.GetInt32("BangumiId")!.Value).ToDictionary(g => g.Key, g => g.Select(r => r.RowKey).ToList());
        Assert.Equal(Enumerable.Range(s, 45), perSubject.Keys.Order());
        Assert.All(perSubject, kv => Assert.Equal(["bgm-" + kv.Key], kv.Value));

        var shared = s + 20;
        var anime = await (await client.Send(HttpMethod.Get, "/api/anime/bgm-" + shared)).Ok();
        Assert.Equal("bgm-" + shared, anime.GetProperty("id").GetString());
        Assert.Equal(shared, anime.GetProperty("bangumi_id").GetInt32());
        Assert.Equal("Shared " + shared, anime.GetProperty("name").GetString());

        var firstItems = await client.AllItemsAsync(first);
        var secondItems = await client.AllItemsAsync(second);
        Assert.Equal(30, firstItems.Count);
        Assert.Equal(30, secondItems.Count);
        Assert.Equal(15, firstItems.Select(i => i.GetProperty("anime_id").GetString()).Intersect(secondItems.Select(i => i.GetProperty("anime_id").GetString())).Count());
        // The same subject, each user's own status.
        Assert.Equal("bgm-" + shared, (await Item(client, first, shared)).GetProperty("anime").GetProperty("id").GetString());
        Assert.Equal("bgm-" + shared, (await Item(client, second, shared)).GetProperty("anime").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Books_are_never_imported()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var s = BangumiExtraSteps.NewSubjects();
        var bangumiUser = f.NewBangumiUser();
        bangumiUser.GenerateCollection(40, s); // 40 anime (s .. s+39) and 2 books (s+40, s+41)
        bangumiUser.AddAnime(s + 42, type: 2, rate: 8, name: "A book added later", subjectType: 1);
        var mark = f.Fake.Requests.Count;

        var binding = await f.BindAndImportAsync(client, user, bangumiUser);

        Assert.Equal(40, binding.GetProperty("import").GetProperty("imported").GetInt32());
        Assert.Equal(40, binding.GetProperty("import").GetProperty("total").GetInt32());
        var items = (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()!).Order().ToList();
        Assert.Equal(Enumerable.Range(s, 40).Select(id => "bgm-" + id).Order(), items);
        foreach (var book in new[] { s + 40, s + 41, s + 42 })
        {
            await (await client.Send(HttpMethod.Get, "/api/anime/bgm-" + book)).Problem(HttpStatusCode.NotFound, "anime-not-found");
            await (await client.Send(HttpMethod.Get, "/api/me/collection/bgm-" + book, user.Token)).Problem(HttpStatusCode.NotFound);
        }
        Assert.DoesNotContain(await f.CatalogRowsAsync(), r => r.GetInt32("BangumiId") is { } id && id >= s + 40 && id <= s + 42);
        // Bangumoe asked for anime only.
        var lists = f.Fake.Requests.Skip(mark).Where(r => r.Path.EndsWith("/collections", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lists);
        Assert.All(lists, r => Assert.Equal("2", AuthorizeHelpers.QueryOf("?" + r.Query)["subject_type"][0]));
    }

    private static string ItemPath(int subjectId) => "/api/me/collection/bgm-" + subjectId;

    private static async Task<JsonElement> Item(HttpClient client, TestUser user, int subjectId) =>
        await (await client.Send(HttpMethod.Get, ItemPath(subjectId), user.Token)).Ok();

    /// <summary>Changes one item of the fake user's collection, as an edit on Bangumi would.</summary>
    private static void Change(FakeUser user, int subjectId, Func<FakeCollectionItem, FakeCollectionItem> change)
    {
        lock (user.Collections)
        {
            var i = user.Collections.FindIndex(c => c.SubjectId == subjectId);
            Assert.True(i >= 0, $"No subject {subjectId}");
            user.Collections[i] = change(user.Collections[i]);
        }
    }

    /// <summary>Watches the fake's request log and notes when each request appeared (to a few milliseconds).</summary>
    private sealed class RequestTimeline : IAsyncDisposable
    {
        private readonly FakeServer _fake;
        private readonly int _skip;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<(RecordedRequest Request, TimeSpan SeenAt)> _seen = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public RequestTimeline(FakeServer fake)
        {
            _fake = fake;
            _skip = fake.Requests.Count;
            _loop = Task.Run(LoopAsync);
        }

        public IReadOnlyList<(RecordedRequest Request, TimeSpan SeenAt)> Seen
        {
            get
            {
                Poll();
                lock (_seen) return [.. _seen];
            }
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Poll();
                try
                {
                    await Task.Delay(5, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private void Poll()
        {
            var all = _fake.Requests;
            var now = _clock.Elapsed;
            lock (_seen)
            {
                for (var i = _skip + _seen.Count; i < all.Count; i++) _seen.Add((all[i], now));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }
    }
}
