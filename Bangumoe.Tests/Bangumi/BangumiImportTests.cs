using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Bangumoe.FakeBangumi;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Bangumi;

/// <summary>Bind → callback → import, against the fake Bangumi over real HTTP, with the faults Bangumi really has.</summary>
public sealed class BangumiImportTests(BangumiFixture f) : IClassFixture<BangumiFixture>
{
    private static readonly Dictionary<int, string> StatusOfType = new() { [1] = "wish", [2] = "done", [3] = "doing", [4] = "on_hold", [5] = "dropped" };

    [Fact]
    public async Task A_multi_page_collection_is_imported_whole_through_a_429_a_500_and_a_token_that_expires_mid_import()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.Fake.AddUser(BangumiSteps.NewBangumiName(), "Sai🖖");
        bangumiUser.GenerateCollection(120);
        var expected = await f.BangumiAnimeAsync(bangumiUser);
        var refreshesBefore = f.Fake.RefreshCount;

        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.TooManyRequests, RetryAfterSeconds: 1));
        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.ServerError));
        var (status, html) = await f.BindAsync(user, bangumiUser);
        Assert.True(status == HttpStatusCode.SeeOther, html);
        Assert.Equal(BangumiSteps.BoundPage, html);
        // The token the callback stored dies after /v0/me and the first page.
        f.Fake.ExpireAccessTokenAfter(2);

        var binding = await client.WaitForImportAsync(user);
        var import = binding.GetProperty("import");
        Assert.True(import.GetProperty("status").GetString() == "done", binding.ToString());
        Assert.Equal(expected.Count, import.GetProperty("imported").GetInt32());
        Assert.Equal(expected.Count, import.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, import.GetProperty("error").ValueKind);
        Assert.Equal(bangumiUser.Username, binding.GetProperty("bangumi_user").GetProperty("username").GetString());
        Assert.Equal(bangumiUser.Id, binding.GetProperty("bangumi_user").GetProperty("id").GetInt64());
        Assert.Equal(1, f.Fake.RefreshCount - refreshesBefore);

        var items = (await client.AllItemsAsync(user)).ToDictionary(i => i.GetProperty("anime_id").GetString()!);
        Assert.Equal(expected.Count, items.Count);
        foreach (var b in expected)
        {
            var item = items["bgm-" + b.GetProperty("subject_id").GetInt32()];
            Assert.Equal(StatusOfType[b.GetProperty("type").GetInt32()], item.GetProperty("status").GetString());
            var rate = b.GetProperty("rate").GetInt32();
            if (rate == 0) Assert.Equal(JsonValueKind.Null, item.GetProperty("score").ValueKind);
            else Assert.Equal(rate, item.GetProperty("score").GetInt32());
            Assert.Equal(b.GetProperty("comment").ValueKind == JsonValueKind.Null ? null : b.GetProperty("comment").GetString(), item.GetProperty("comment").GetString());
            Assert.Equal(b.GetProperty("ep_status").GetInt32(), item.GetProperty("episodes_watched").GetInt32());
            Assert.Equal(b.GetProperty("private").GetBoolean(), item.GetProperty("private").GetBoolean());
            var subject = b.GetProperty("subject");
            Assert.Equal(subject.GetProperty("name").GetString(), item.GetProperty("anime").GetProperty("name").GetString());
            Assert.Equal(subject.GetProperty("id").GetInt32(), item.GetProperty("anime").GetProperty("bangumi_id").GetInt32());
        }
        // The whole range of what Bangumi has came through.
        Assert.Equal(StatusOfType.Values.Order(), items.Values.Select(i => i.GetProperty("status").GetString()!).Distinct().Order());
        Assert.Contains(items.Values, i => i.GetProperty("private").GetBoolean());
        Assert.Contains(items.Values, i => i.GetProperty("comment").ValueKind == JsonValueKind.Null);
        // Newest first, as on Bangumi.
        var order = (await client.AllItemsAsync(user)).Select(i => i.GetProperty("updated_at").GetDateTimeOffset()).ToList();
        Assert.Equal(order.OrderDescending(), order);

        var stats = await (await client.Send(HttpMethod.Get, "/api/me/collection/stats", user.Token)).Ok();
        foreach (var (type, name) in StatusOfType)
            Assert.Equal(expected.Count(b => b.GetProperty("type").GetInt32() == type), stats.GetProperty(name).GetInt32());

        // Every call to Bangumi carried our User-Agent, and the token never went into a URL.
        // (The consent page is the browser's visit, not ours.)
        Assert.All(f.Fake.Requests.Where(r => r.Path != "/oauth/authorize"), r => Assert.Equal(BangumiFixture.UserAgent, r.UserAgent));
        Assert.DoesNotContain(f.Fake.Requests, r => r.Query.Contains("access_token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_second_import_changes_nothing()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.Fake.AddUser(BangumiSteps.NewBangumiName());
        bangumiUser.GenerateCollection(60);
        await f.BindAsync(user, bangumiUser);
        var first = await client.WaitForImportAsync(user);
        Assert.Equal("done", first.GetProperty("import").GetProperty("status").GetString());
        var before = Versions(await f.CollectionRowsAsync(user.Uid));
        var catalogBefore = Versions(await f.CatalogRowsAsync());

        var sync = await (await client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token)).Ok(HttpStatusCode.Accepted);
        var importId = sync.GetProperty("import").GetProperty("id").GetString();
        Assert.NotEqual(first.GetProperty("import").GetProperty("id").GetString(), importId);
        var second = await client.WaitForImportAsync(user, importId);
        Assert.Equal("done", second.GetProperty("import").GetProperty("status").GetString());
        Assert.Equal(first.GetProperty("import").GetProperty("imported").GetInt32(), second.GetProperty("import").GetProperty("imported").GetInt32());

        // Not one row was rewritten: same keys, same ETags.
        Assert.Equal(before, Versions(await f.CollectionRowsAsync(user.Uid)));
        Assert.Equal(catalogBefore, Versions(await f.CatalogRowsAsync()));
    }

    [Fact]
    public async Task An_import_that_keeps_failing_ends_as_failed_with_the_reason()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.Fake.AddUser(BangumiSteps.NewBangumiName());
        bangumiUser.GenerateCollection(80);
        f.Fake.Faults.Add(new FakeFault("/collections", FaultKind.ServerError, Times: 100));
        try
        {
            await f.BindAsync(user, bangumiUser);
            var binding = await client.WaitForImportAsync(user);
            var import = binding.GetProperty("import");
            Assert.Equal("failed", import.GetProperty("status").GetString());
            Assert.Contains("500", import.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.NotEqual(JsonValueKind.Null, import.GetProperty("finished_at").ValueKind);
            Assert.True(binding.GetProperty("bound").GetBoolean());
        }
        finally
        {
            f.Fake.Faults.Clear();
        }
    }

    /// <summary>Keys and ETags: any write, even of equal data, changes an ETag.</summary>
    private static List<string> Versions(IEnumerable<TableEntity> rows) => rows.Select(e => e.RowKey + " " + e.ETag).Order(StringComparer.Ordinal).ToList();
}
