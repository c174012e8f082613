using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Bangumoe.Accounts;
using Bangumoe.Bangumi;
using Bangumoe.Collections;
using Bangumoe.Email;
using Bangumoe.OAuth;
using Bangumoe.Queues;
using Bangumoe.Storage;
using Bangumoe.Tests.Bangumi;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Hosting;

/// <summary>An app whose storage goes through a <see cref="StorageLink"/> the tests cut and restore, with the fake
/// Bangumi beside it.</summary>
public sealed class StorageOutageFixture(Emulators emulators) : BangumiFixture(emulators)
{
    public StorageLink Link { get; } = StorageLink.Start(emulators);

    protected override Dictionary<string, string?> AppSettings(string bangumiUrl)
    {
        var settings = Settings(bangumiUrl);
        settings["AzureWebJobsStorage"] = Link.ConnectionString;
        // A short lease, so that outages outlast it and a dead run is seen quickly.
        settings["Bangumi:ImportLease"] = "00:00:03";
        return settings;
    }

    public TableClient Table(string name) => new(Link.DirectConnectionString, App.Prefix + name);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Link.DisposeAsync();
    }
}

/// <summary>
/// Storage goes away in the middle of registrations, token refreshes, collection writes and a Bangumi import, and comes
/// back (issue 12, "Faults, measured"). Every request answers 503 or succeeds; nothing is left half-written; the import
/// goes on by itself within seconds. The figures each test prints are the README's reliability section.
/// </summary>
public sealed class StorageOutageTests(StorageOutageFixture f, ITestOutputHelper output) : IClassFixture<StorageOutageFixture>
{
    /// <summary>Runs <paramref name="count"/> operations, <paramref name="parallel"/> at a time, while storage is cut for
    /// 2 s, back for 1 s, cut again for 2 s… until they are done, and goes on with more until storage has been cut and
    /// given back at least once, however fast the machine is; storage is back when this returns. The results come in
    /// the order of the operations' numbers.</summary>
    private async Task<List<T>> UnderOutagesAsync<T>(int count, int parallel, Func<int, Task<T>> operation)
    {
        using var done = new CancellationTokenSource();
        var cycled = 0;
        var chaos = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(300, done.Token);
                while (true)
                {
                    f.Link.Cut();
                    await Task.Delay(2000, done.Token);
                    f.Link.Restore();
                    Volatile.Write(ref cycled, 1);
                    await Task.Delay(1000, done.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                if (f.Link.IsCut) f.Link.Restore();
            }
        });
        var results = new ConcurrentDictionary<int, T>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count || Volatile.Read(ref cycled) == 0; i = Interlocked.Increment(ref next))
                results[i] = await operation(i);
        }));
        await done.CancelAsync();
        await chaos;
        return [.. results.OrderBy(r => r.Key).Select(r => r.Value)];
    }

    private void Report(string what, IEnumerable<HttpStatusCode> statuses) =>
        output.WriteLine($"{what}: " + string.Join(", ", statuses.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Count()}× {g.Key}")));

    [Fact]
    public async Task Registrations_answer_201_or_503_and_leave_no_account_without_its_keys()
    {
        var client = f.App.CreateClient();
        f.App.EnsureStarted();
        var attempts = await UnderOutagesAsync(24, 4, async _ =>
        {
            var (uname, email) = (TestApi.NewUname(), TestApi.NewEmail());
            using var response = await client.PostRegister(uname, email, "correct horse battery");
            return (response.StatusCode, Uname: uname, Email: email);
        });
        Report("registrations", attempts.Select(a => a.StatusCode));
        Assert.All(attempts, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"{a.Uname}: {a.StatusCode}\n{f.App.Errors}"));
        Assert.Contains(attempts, a => a.StatusCode == HttpStatusCode.ServiceUnavailable);

        // A registered account always has both of its keys; a 201 is always a registered account.
        var users = await f.Table("Users").QueryAsync<TableEntity>().ToListAsync();
        var keys = (await f.Table("UserKeys").QueryAsync<TableEntity>().ToListAsync()).ToDictionary(k => k.PartitionKey, k => k.GetString("Uid"));
        foreach (var attempt in attempts)
        {
            var user = users.SingleOrDefault(u => u.GetString("Uname") == attempt.Uname);
            if (attempt.StatusCode == HttpStatusCode.Created) Assert.True(user?.GetBoolean("Registered") == true, attempt.Uname);
            if (user?.GetBoolean("Registered") != true) continue;
            Assert.Equal(user.PartitionKey, keys.GetValueOrDefault(UserStore.KeyOf(KeyKind.Email, attempt.Email)));
            Assert.Equal(user.PartitionKey, keys.GetValueOrDefault(UserStore.KeyOf(KeyKind.Uname, attempt.Uname)));
        }
        output.WriteLine($"answered 503 but registered all the same: {attempts.Count(a => a.StatusCode != HttpStatusCode.Created && users.Any(u => u.GetString("Uname") == a.Uname && u.GetBoolean("Registered") == true))}");

        // The queue listener outlived the outages: a registration now gets its mail at once.
        var (lateUname, lateEmail) = (TestApi.NewUname(), TestApi.NewEmail());
        (await client.PostRegister(lateUname, lateEmail, "correct horse battery")).EnsureSuccessStatusCode();
        await f.App.Mail.WaitForAsync(lateEmail, "Verify");

        // What was acknowledged is not lost: every 201's mail was sent, or its message is still on the queue (a receive
        // whose answer the cut swallowed leaves the message invisible until its visibility timeout, as in Azure).
        var created = attempts.Where(a => a.StatusCode == HttpStatusCode.Created).ToList();
        var delivered = 0;
        foreach (var attempt in created)
        {
            try
            {
                await f.App.Mail.WaitForAsync(attempt.Email, "Verify", timeout: TimeSpan.FromSeconds(delivered == 0 ? 15 : 2));
                delivered++;
            }
            catch (TimeoutException)
            {
            }
        }
        var outbox = new QueueClient(f.Link.DirectConnectionString, f.App.Prefix + EmailOutbox.QueueName);
        var queued = (await outbox.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        output.WriteLine($"mails of the 201s: {delivered} sent, {created.Count - delivered} not yet ({queued} message(s) still queued)");
        Assert.True(delivered + queued >= created.Count, $"{created.Count - delivered} acknowledged mail(s) neither sent nor queued");
    }

    [Fact]
    public async Task An_insert_whose_answer_is_lost_is_sent_again_and_still_counts_as_this_insert()
    {
        var name = f.App.Prefix + "LostAnswers";
        await new TableClient(f.Link.DirectConnectionString, name).CreateIfNotExistsAsync();
        var table = new TableClient(f.Link.ConnectionString, name);

        // What the SDK does: storage wrote the row, the answer was lost, and the insert sent again meets the row.
        f.Link.LoseTableAnswer(1);
        var conflict = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => table.AddEntityAsync(new TableEntity(Guid.NewGuid().ToString("N"), "")));
        Assert.Equal(409, conflict.Status);

        var row = new UserKeyEntity { PartitionKey = Guid.NewGuid().ToString("N"), Uid = "someone" };
        f.Link.LoseTableAnswer(1);
        await table.AddNewAsync(row);
        var stored = await new TableClient(f.Link.DirectConnectionString, name).GetEntityAsync<UserKeyEntity>(row.PartitionKey, "");
        Assert.Equal(stored.Value.ETag, row.ETag);
        Assert.Equal("someone", stored.Value.Uid);

        // A race row (a jti used once): the winner whose answer was lost still wins, and a rival still loses.
        var jti = Guid.NewGuid().ToString("N");
        f.Link.LoseTableAnswer(1);
        Assert.True(await table.AddFirstAsync(new DPoPProofEntity { PartitionKey = jti }));
        Assert.False(await table.AddFirstAsync(new DPoPProofEntity { PartitionKey = jti }));
        f.Link.LoseTableAnswer(1);
        Assert.False(await table.AddFirstAsync(new DPoPProofEntity { PartitionKey = jti }));
    }

    /// <summary>A registration makes four table writes: the user row, the email and user-name claims, and the row marked
    /// registered. Whichever of them loses its answer, the registration completes, once; so does following its link.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task A_registration_whose_storage_answer_is_lost_completes_all_the_same(int lost)
    {
        var client = f.App.CreateClient();
        // The tables exist and the app has met them, so the registration's own writes are the next table answers.
        (await client.PostRegister(TestApi.NewUname(), TestApi.NewEmail(), "correct horse battery")).EnsureSuccessStatusCode();

        var (uname, email) = (TestApi.NewUname(), TestApi.NewEmail());
        f.Link.LoseTableAnswer(lost);
        using var response = await client.PostRegister(uname, email, "correct horse battery");
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{f.App.Errors}");

        var users = await f.Table("Users").QueryAsync<TableEntity>(u => u.GetString("Uname") == uname).ToListAsync();
        var user = Assert.Single(users);
        Assert.True(user.GetBoolean("Registered"));
        foreach (var key in new[] { UserStore.KeyOf(KeyKind.Email, email), UserStore.KeyOf(KeyKind.Uname, uname) })
            Assert.Equal(user.PartitionKey, (await f.Table("UserKeys").GetEntityAsync<TableEntity>(key, "")).Value.GetString("Uid"));
        var mail = await f.App.Mail.WaitForAsync(email, "Verify");

        // The mailed link, losing the answer of one of its reads or writes (the link's redemption among them), verifies.
        f.Link.LoseTableAnswer(lost);
        using var verified = await client.GetAsync(mail.Link().PathAndQuery);
        f.Link.LoseTableAnswer(0);
        var html = await verified.Content.ReadAsStringAsync();
        Assert.True(verified.StatusCode == HttpStatusCode.OK && html.Contains("Email verified", StringComparison.Ordinal), $"{verified.StatusCode}: {html}\n{f.App.Errors}");
        Assert.True((await f.Table("Users").GetEntityAsync<TableEntity>(user.PartitionKey, "")).Value.GetBoolean("EmailVerified"));
    }

    [Fact]
    public async Task Refreshes_answer_200_or_503_and_the_family_ends_in_one_state()
    {
        var flow = new OAuthFlow(f.App);
        var user = await f.App.NewVerifiedUser();
        var app = await f.App.NewClientAsync();
        var current = (await flow.TokensAsync(app, user, "openid offline_access")).RefreshToken!;
        var statuses = new List<HttpStatusCode>();
        var lostAnswers = 0;
        await UnderOutagesAsync(1, 1, async _ =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(9))
            {
                using var response = await flow.RefreshAsync(app, current);
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.OK) current = (await response.AssertTokenResponse()).RefreshToken!;
                else if (response.StatusCode == HttpStatusCode.BadRequest)
                {
                    // Only possible after a 503 whose rotation storage had in fact made: the client's retry presents
                    // a rotated token (refused; past OAuth:RefreshReuseLeeway it would revoke the grant, RFC 9700).
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, statuses[^2]);
                    lostAnswers++;
                    return 0;
                }
                else Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
            return 0;
        });
        Report("refreshes", statuses);
        output.WriteLine($"503s whose rotation had been made (the retry refused): {lostAnswers}");
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);

        // One state: the token the client holds last works and is then rotated; or the family is gone as a whole.
        using var after = await flow.RefreshAsync(app, current);
        if (lostAnswers == 0 && after.StatusCode == HttpStatusCode.BadRequest)
        {
            // The loop's last answer was a 503 whose rotation storage had made: the same lost answer, seen only now.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, statuses[^1]);
            lostAnswers++;
        }
        if (lostAnswers == 0) await after.AssertTokenResponse();
        else await after.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Collection_writes_answer_or_503_and_never_leave_an_item_without_its_index_row()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var anime = new List<string>();
        for (var i = 0; i < 6; i++) anime.Add((await client.CreateAnime(user.Token)).Id());
        var writes = await UnderOutagesAsync(36, 4, async i =>
        {
            var status = CollectionTestHelpers.Statuses[i % 5];
            using var response = await client.PutItem(user.Token, anime[i % anime.Count], new { status, score = 1 + i % 10, episodes_watched = i % 12 });
            return response.StatusCode;
        });
        Report("collection writes", writes);
        Assert.All(writes, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"{s}\n{f.App.Errors}"));
        Assert.Contains(HttpStatusCode.ServiceUnavailable, writes);

        // Item and index rows agree: each item has exactly its current index row, and no index row is left over.
        var rows = await f.CollectionRowsAsync(user.Uid);
        var items = rows.Where(r => r.RowKey.StartsWith(CollectionEntity.ItemPrefix, StringComparison.Ordinal)).ToList();
        var index = rows.Where(r => CollectionStore.IsIndexKey(r.RowKey)).Select(r => r.RowKey).Order(StringComparer.Ordinal).ToList();
        var expected = items
            .Select(r => CollectionEntity.IndexKey(r.GetDateTimeOffset("UpdatedAt")!.Value, r.GetString("AnimeId")!))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, index);
        Assert.Equal(anime.Count, items.Count);
        Assert.Equal(items.Count, (await client.AllItemsAsync(user)).Count);
    }

    [Fact]
    public async Task An_import_cut_off_by_an_outage_goes_on_within_seconds_of_storage_coming_back()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 120);
        // Slow pages, so the outage falls in the middle of the import.
        f.Fake.Faults.Add(new FakeBangumi.FakeFault("/collections", FakeBangumi.FaultKind.Slow, Times: 3, DelayMs: 1500));
        var (status, html) = await f.BindAsync(user, bangumiUser);
        Assert.True(status == HttpStatusCode.SeeOther, html);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await f.LinkRowAsync(user.Uid))?.GetInt32("Imported") is null or 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The import never saved its first page.");
            await Task.Delay(50);
        }
        f.Link.Cut();
        await Task.Delay(TimeSpan.FromSeconds(8));
        f.Link.Restore();
        var back = Stopwatch.StartNew();

        var binding = await client.WaitForImportAsync(user, seconds: 30);
        var resumed = back.Elapsed;
        output.WriteLine($"import finished {resumed.TotalSeconds:0.0} s after storage came back (8 s outage)");
        var import = binding.GetProperty("import");
        Assert.True(import.GetProperty("status").GetString() == "done", binding.ToString());
        Assert.Equal(120, import.GetProperty("imported").GetInt32());
        Assert.Equal(120, import.GetProperty("total").GetInt32());
        Assert.True(resumed < TimeSpan.FromSeconds(30), $"{resumed}");

        var rows = await f.CollectionRowsAsync(user.Uid);
        Assert.Equal(120, rows.Count(r => r.RowKey.StartsWith(CollectionEntity.ItemPrefix, StringComparison.Ordinal)));
        Assert.Equal(120, rows.Count(r => CollectionStore.IsIndexKey(r.RowKey)));
        Assert.Equal(120, (await client.AllItemsAsync(user)).Select(i => i.GetProperty("anime_id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task A_run_slower_than_its_lease_keeps_it_and_a_second_delivery_runs_nothing_twice()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 120);
        // Each page takes most of the 3 s lease: only the heartbeat keeps the run's claim.
        f.Fake.Faults.Add(new FakeBangumi.FakeFault("/collections", FakeBangumi.FaultKind.Slow, Times: 3, DelayMs: 2500));
        var pagesBefore = f.Fake.Requests.Count(r => r.Path.Contains("/collections", StringComparison.Ordinal));
        var (status, html) = await f.BindAsync(user, bangumiUser);
        Assert.True(status == HttpStatusCode.SeeOther, html);
        var importId = (await f.LinkRowAsync(user.Uid))!.GetString("ImportId")!;
        // The same message delivered again while the run goes on (as a queue may).
        await f.App.Services.GetRequiredService<QueueSender>().SendAsync(BangumiBinding.QueueName, new BangumiImportRequest(user.Uid, importId));

        var binding = await client.WaitForImportAsync(user, importId, seconds: 60);
        var import = binding.GetProperty("import");
        Assert.True(import.GetProperty("status").GetString() == "done", binding.ToString());
        Assert.Equal(120, import.GetProperty("imported").GetInt32());
        Assert.Equal(3, f.Fake.Requests.Count(r => r.Path.Contains("/collections", StringComparison.Ordinal)) - pagesBefore);
    }

    [Fact]
    public async Task Sync_now_starts_afresh_once_a_dead_runs_lease_has_lapsed()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 10);
        await f.BindAndImportAsync(client, user, bangumiUser);

        // What a run whose worker died leaves behind: "running", its lease still good for a moment, no message.
        var links = f.Table("BangumiLinks");
        var row = (await f.LinkRowAsync(user.Uid))!;
        var deadImport = row.GetString("ImportId")!;
        row["ImportStatus"] = "running";
        row["RunId"] = "dead";
        row["LeaseUntil"] = DateTimeOffset.UtcNow.AddSeconds(3);
        await links.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Merge);

        var during = await client.SyncAsync(user);
        Assert.Equal(deadImport, during.GetProperty("import").GetProperty("id").GetString());
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var after = await client.SyncAsync(user);
        var fresh = after.GetProperty("import").GetProperty("id").GetString();
        Assert.NotEqual(deadImport, fresh);
        var done = await client.WaitForImportAsync(user, fresh, seconds: 30);
        Assert.Equal("done", done.GetProperty("import").GetProperty("status").GetString());
        Assert.Equal(10, done.GetProperty("import").GetProperty("imported").GetInt32());
    }

    /// <summary>
    /// CI once found 50 imported items left after an account deletion: the import wrote its last pages after the
    /// deletion had cleared the collection and finished before the binding row went, so no save of it ever saw the row
    /// gone. Here the deletion of the binding row is held back until the import is done, which makes that order certain.
    /// </summary>
    [Fact]
    public async Task An_import_that_finishes_while_the_account_is_being_deleted_leaves_no_rows_behind()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        using var hold = f.Link.HoldTableRequest($"DELETE /devstoreaccount1/{f.App.Prefix}BangumiLinks(");
        using var slowPages = await f.BindUntilTheFirstPageAsync(client, user, f.NewBangumiUser(anime: 150));

        var deletion = client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password });
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        slowPages.Dispose(); // the import may finish now
        // The account and its binding are still there while the deletion is held, so the API still answers.
        var done = (await client.WaitForImportAsync(user)).GetProperty("import");
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal(150, done.GetProperty("imported").GetInt32());

        hold.Release();
        await (await deletion).Ok(HttpStatusCode.NoContent);
        await f.AssertNothingLeftOfAsync(user.Uid);
    }

    /// <summary>
    /// A Bangumi bind whose callback passed its account check and is about to save the tokens when the account's
    /// deletion begins: the deletion's clean-up finds no binding yet, and the callback's write comes after it. Both
    /// writes are held at the storage link to make that order certain.
    /// </summary>
    [Fact]
    public async Task A_bind_that_lands_while_the_account_is_being_deleted_keeps_no_tokens_and_starts_no_import()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var callback = await f.CallbackForAsync(user, f.NewBangumiUser(anime: 10));
        using var bindingWrite = f.Link.HoldTableRequest($"POST /devstoreaccount1/{f.App.Prefix}BangumiLinks");
        using var userDelete = f.Link.HoldTableRequest($"DELETE /devstoreaccount1/{f.App.Prefix}Users(");

        var bind = f.FollowAsync(callback);
        await bindingWrite.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        var deletion = client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password });
        await userDelete.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        bindingWrite.Release();
        var (status, html) = await bind;
        Assert.True(status == HttpStatusCode.BadRequest, html);
        Assert.Contains("no longer valid", html, StringComparison.Ordinal);
        Assert.Null(await f.LinkRowAsync(user.Uid));

        // No binding row, so no import can run for the account (a run without its row does nothing). Waiting for the
        // import queue to empty would not say more here: the other outage tests leave their own delayed messages in it.
        userDelete.Release();
        await (await deletion).Ok(HttpStatusCode.NoContent);
        await f.AssertNothingLeftOfAsync(user.Uid);
    }
}
