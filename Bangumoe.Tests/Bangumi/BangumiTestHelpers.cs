using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bangumoe.FakeBangumi;
using FakeServer = Bangumoe.FakeBangumi.FakeBangumi;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Azure.Data.Tables;
using System.Net.Http.Headers;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Bangumi;

/// <summary>
/// A fake Bangumi on a real loopback port and a Bangumoe app configured as its OAuth client, one pair per test class.
/// Tests in a class run one after another, so the fake's faults and auto-approving user belong to the running test.
/// </summary>
public class BangumiFixture(Emulators emulators) : IAsyncLifetime
{
    public const string ClientId = "bgm-test-client";
    public const string ClientSecret = "bgm-test-secret";
    public const string UserAgent = "bangumoe-tests/bangumoe/1.0 (https://example.com/bangumoe)";
    public static readonly string TokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public FakeBangumi.FakeBangumi Fake { get; private set; } = null!;

    public BangumoeApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Fake = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            RedirectUri = BangumoeApp.PublicBaseUrl + "/oauth2.0/redirect",
        });
        App = new BangumoeApp(emulators, AppSettings(Fake.BaseUrl));
    }

    /// <summary>The app's settings; a fixture for a special case adds its own.</summary>
    protected virtual Dictionary<string, string?> AppSettings(string bangumiUrl) => Settings(bangumiUrl);

    public static Dictionary<string, string?> Settings(string bangumiUrl) => new()
    {
        ["Bangumi:OAuthBaseUrl"] = bangumiUrl,
        ["Bangumi:ApiBaseUrl"] = bangumiUrl,
        ["Bangumi:ClientId"] = ClientId,
        ["Bangumi:ClientSecret"] = ClientSecret,
        ["Bangumi:UserAgent"] = UserAgent,
        ["Bangumi:TokenEncryptionKey"] = TokenKey,
        ["Bangumi:MaxAttempts"] = "4",
        ["Bangumi:RetryBaseDelay"] = "00:00:00.050",
        ["Bangumi:MaxRetryDelay"] = "00:00:01",
        ["Bangumi:RequestTimeout"] = "00:00:05",
    };

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await App.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

/// <summary>What a user does to bind Bangumi, step by step, and how a test watches the import.</summary>
public static class BangumiSteps
{
    /// <summary>A Bangumoe client that does not follow redirects, so each hop can be checked.</summary>
    public static HttpClient NoRedirects(this BangumoeApp app) => app.CreateClient(new ClientOptions { AllowAutoRedirect = false });

    /// <summary>A browser-like client for the fake Bangumi (real HTTP), not following redirects either.</summary>
    public static HttpClient BangumiBrowser() => new(new HttpClientHandler { AllowAutoRedirect = false });

    /// <summary>
    /// Bangumoe's /api/bangumi/bind → Bangumi's consent (auto-approved as <paramref name="bangumiUser"/>) → the callback
    /// on Bangumoe. Returns the callback's status and page (see <see cref="FollowCallbackAsync"/>).
    /// </summary>
    public static async Task<(HttpStatusCode Status, string Html)> BindAsync(this BangumiFixture f, TestUser user, FakeUser bangumiUser)
    {
        var bangumoe = f.App.NoRedirects();
        var bind = await bangumoe.Send(HttpMethod.Get, "/api/bangumi/bind", user.Token);
        Assert.Equal(HttpStatusCode.Redirect, bind.StatusCode);
        var callback = await f.ApproveOnBangumiAsync(bind.Headers.Location!, bangumiUser);
        return await FollowCallbackAsync(bangumoe, callback);
    }

    /// <summary>Bangumi's consent page approves; returns where Bangumi sends the browser back to.</summary>
    public static async Task<Uri> ApproveOnBangumiAsync(this BangumiFixture f, Uri authorizeUrl, FakeUser bangumiUser)
    {
        Assert.StartsWith(f.Fake.BaseUrl + "/oauth/authorize?", authorizeUrl.ToString(), StringComparison.Ordinal);
        f.Fake.Options.AutoApproveUsername = bangumiUser.Username;
        using var browser = BangumiBrowser();
        using var approved = await browser.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Redirect, approved.StatusCode);
        var back = approved.Headers.Location!;
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/oauth2.0/redirect?", back.ToString(), StringComparison.Ordinal);
        return back;
    }

    /// <summary>Where the callback sends the browser once the account is bound: the binding page, saying so.</summary>
    public const string BoundPage = "/account/bangumi?notice=linked";

    /// <summary>The callback's answer: 303 and its Location (<see cref="BoundPage"/>) when it bound, else the status and
    /// the page that says why not.</summary>
    public static async Task<(HttpStatusCode Status, string Html)> FollowCallbackAsync(HttpClient bangumoe, Uri callback)
    {
        using var response = await bangumoe.GetAsync(callback.PathAndQuery);
        return response.StatusCode == HttpStatusCode.SeeOther
            ? (response.StatusCode, response.Headers.Location?.OriginalString ?? "(no Location)")
            : (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement> BindingAsync(this HttpClient client, TestUser user) =>
        await (await client.Send(HttpMethod.Get, "/api/me/bangumi", user.Token)).Ok();

    /// <summary>Polls /api/me/bangumi until the import is done or failed (or the time is up).</summary>
    public static async Task<JsonElement> WaitForImportAsync(this HttpClient client, TestUser user, string? importId = null, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var binding = await client.BindingAsync(user);
            var import = binding.GetProperty("import");
            var status = import.ValueKind == JsonValueKind.Object ? import.GetProperty("status").GetString() : null;
            var sameImport = importId is null || import.GetProperty("id").GetString() == importId;
            if (sameImport && status is "done" or "failed") return binding;
            if (DateTime.UtcNow > deadline) Assert.Fail($"The import did not finish within {seconds} s: {binding}");
            await Task.Delay(100);
        }
    }

    /// <summary>Every item of the user's collection, following next_cursor.</summary>
    public static async Task<List<JsonElement>> AllItemsAsync(this HttpClient client, TestUser user, string path = "/api/me/collection")
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await (await client.Send(HttpMethod.Get, $"{path}?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), user.Token)).Ok();
            items.AddRange(page.GetProperty("items").EnumerateArray());
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        return items;
    }

    /// <summary>The user's anime collection as Bangumi itself serves it to the owner (all pages, private items included).</summary>
    public static async Task<List<JsonElement>> BangumiAnimeAsync(this BangumiFixture f, FakeUser user)
    {
        var token = f.Fake.IssueTokensFor(user, out _);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", BangumiFixture.UserAgent);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var items = new List<JsonElement>();
        for (var offset = 0; ; offset += 50)
        {
            var page = JsonDocument.Parse(await http.GetStringAsync($"{f.Fake.BaseUrl}/v0/users/{user.Username}/collections?subject_type=2&limit=50&offset={offset}")).RootElement.Clone();
            items.AddRange(page.GetProperty("data").EnumerateArray());
            if (offset + 50 >= page.GetProperty("total").GetInt32()) return items;
        }
    }

    public static string NewBangumiName() => "bgm" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();
}

/// <summary>Steps the binding, import-edge and token tests share (on top of <see cref="BangumiSteps"/>).</summary>
internal static class BangumiExtraSteps
{
    public const string CallbackUrl = BangumoeApp.PublicBaseUrl + "/oauth2.0/redirect";
    public const string TokenPath = "/oauth/access_token";

    private static int _nextSubject = 500_000;

    /// <summary>The first of 1000 subject ids no other test of this run uses.</summary>
    public static int NewSubjects() => Interlocked.Add(ref _nextSubject, 1000);

    /// <summary>A new Bangumi user with <paramref name="anime"/> generated anime (and the books that come with them).</summary>
    public static FakeUser NewBangumiUser(this BangumiFixture f, int anime = 0, int? firstSubjectId = null)
    {
        var user = f.Fake.AddUser(BangumiSteps.NewBangumiName(), "Nick " + Guid.NewGuid().ToString("N")[..6]);
        if (anime > 0) user.GenerateCollection(anime, firstSubjectId ?? NewSubjects());
        return user;
    }

    /// <summary>GET /api/bangumi/bind with the user's token: the URL of Bangumi's consent page.</summary>
    public static async Task<Uri> StartBindAsync(this BangumiFixture f, TestUser user)
    {
        using var response = await f.App.NoRedirects().Send(HttpMethod.Get, "/api/bangumi/bind", user.Token);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Bind: expected 302, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    /// <summary>Bind → Bangumi approves: the callback URL, not yet followed.</summary>
    public static async Task<Uri> CallbackForAsync(this BangumiFixture f, TestUser user, FakeUser bangumiUser) =>
        await f.ApproveOnBangumiAsync(await f.StartBindAsync(user), bangumiUser);

    public static Task<(HttpStatusCode Status, string Html)> FollowAsync(this BangumiFixture f, Uri callback) =>
        BangumiSteps.FollowCallbackAsync(f.App.NoRedirects(), callback);

    /// <summary>Makes every collection page of the fake Bangumi come <paramref name="delay"/> late until disposed, so an
    /// import is still running when the test acts.</summary>
    public static IDisposable SlowPages(this BangumiFixture f, TimeSpan delay)
    {
        f.Fake.Options.PageDelay = delay;
        return new QuickPagesAgain(f.Fake);
    }

    private sealed class QuickPagesAgain(FakeServer fake) : IDisposable
    {
        public void Dispose() => fake.Options.PageDelay = TimeSpan.Zero;
    }

    /// <summary>
    /// Binds <paramref name="bangumiUser"/> (at least 100 anime, so there are pages to come) with pages 800 ms apart and
    /// waits until the import has saved its first page: the next one is on its way. Dispose to make the pages quick again.
    /// </summary>
    public static async Task<IDisposable> BindUntilTheFirstPageAsync(this BangumiFixture f, HttpClient client, TestUser user, FakeUser bangumiUser)
    {
        var slow = f.SlowPages(TimeSpan.FromMilliseconds(800));
        try
        {
            var (status, html) = await f.BindAsync(user, bangumiUser);
            Assert.True(status == HttpStatusCode.SeeOther, html);
            await client.WaitForBindingAsync(user, b => b.GetProperty("import").GetProperty("imported").GetInt32() >= 50, "the first page");
            return slow;
        }
        catch
        {
            slow.Dispose();
            throw;
        }
    }

    /// <summary>Bind and wait for the first import, which must succeed.</summary>
    public static async Task<JsonElement> BindAndImportAsync(this BangumiFixture f, HttpClient client, TestUser user, FakeUser bangumiUser)
    {
        var (status, html) = await f.BindAsync(user, bangumiUser);
        Assert.True(status == HttpStatusCode.SeeOther, html);
        var binding = await client.WaitForImportAsync(user);
        Assert.True(binding.GetProperty("import").GetProperty("status").GetString() == "done", binding.ToString());
        return binding;
    }

    /// <summary>POST /api/me/bangumi/sync: 202 and the binding it answers with.</summary>
    public static async Task<JsonElement> SyncAsync(this HttpClient client, TestUser user)
    {
        using var response = await client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token);
        return await response.Ok(HttpStatusCode.Accepted);
    }

    public static void AssertNeverBound(JsonElement binding)
    {
        Assert.False(binding.GetProperty("bound").GetBoolean(), binding.ToString());
        Assert.Equal(JsonValueKind.Null, binding.GetProperty("bangumi_user").ValueKind);
        Assert.Equal(JsonValueKind.Null, binding.GetProperty("import").ValueKind);
        Assert.False(binding.GetProperty("reauthorization_required").GetBoolean(), binding.ToString());
    }

    public static string QueryValue(Uri uri, string name) =>
        AuthorizeHelpers.QueryOf(uri.ToString()).TryGetValue(name, out var values) ? values[0] : throw new InvalidOperationException($"No {name} in {uri}");

    public static List<RecordedRequest> TokenRequests(this FakeServer fake) => fake.Requests.Where(r => r.Path == TokenPath).ToList();

    public static T Service<T>(this BangumiFixture f) where T : notnull => f.App.Services.GetRequiredService<T>();

    /// <summary>After an unbind the row is only a marker (so a running import knows to stop and whether to purge): no
    /// tokens and no Bangumi user are kept.</summary>
    public static void AssertUnboundRow(TableEntity? row)
    {
        Assert.NotNull(row);
        Assert.True(row.GetBoolean("Unbound"));
        Assert.Equal("", row.GetString("AccessTokenCipher") ?? "");
        Assert.Equal("", row.GetString("RefreshTokenCipher") ?? "");
        Assert.Null(row.GetString("BangumiUsername"));
    }

    /// <summary>The user's BangumiLinks row exactly as stored (null when there is none).</summary>
    public static async Task<TableEntity?> LinkRowAsync(this BangumiFixture f, string uid)
    {
        var table = new TableClient(f.App.Emulators.StorageConnectionString, f.App.Prefix + "BangumiLinks");
        await table.CreateIfNotExistsAsync();
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Storage.KeyEncoding.Escape(uid), "");
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// Waits until the import queue holds no message, visible or not, so every import run has ended, its clean-up
    /// included: the host deletes a run's message only when the run returns. Waiting on the rows instead could end in
    /// the moment between a purge and a page that a stopping run still writes.
    /// </summary>
    public static async Task WaitForImportRunsToEndAsync(this BangumiFixture f, int seconds = 60)
    {
        var queue = new Azure.Storage.Queues.QueueClient(f.App.Emulators.StorageConnectionString, f.App.Prefix + Bangumoe.Bangumi.BangumiBinding.QueueName);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await queue.ExistsAsync() && (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(seconds), $"An import run was still going after {seconds} s.");
            await Task.Delay(100);
        }
    }

    /// <summary>A deleted account left nothing of its binding or collection behind.</summary>
    public static async Task AssertNothingLeftOfAsync(this BangumiFixture f, string uid)
    {
        var rows = await f.CollectionRowsAsync(uid);
        Assert.True(rows.Count == 0, $"{rows.Count} collection row(s) of the deleted account remain, e.g. {rows.FirstOrDefault()?.RowKey}");
        Assert.Null(await f.LinkRowAsync(uid));
    }

    /// <summary>Every row of the user's partition in the Collections table (item and index rows).</summary>
    public static async Task<List<TableEntity>> CollectionRowsAsync(this BangumiFixture f, string uid)
    {
        var table = new TableClient(f.App.Emulators.StorageConnectionString, f.App.Prefix + "Collections");
        await table.CreateIfNotExistsAsync();
        var pk = Storage.KeyEncoding.Escape(uid);
        return await table.QueryAsync<TableEntity>(e => e.PartitionKey == pk).ToListAsync();
    }

    /// <summary>Every row of the catalog.</summary>
    public static async Task<List<TableEntity>> CatalogRowsAsync(this BangumiFixture f)
    {
        var table = new TableClient(f.App.Emulators.StorageConnectionString, f.App.Prefix + "Anime");
        await table.CreateIfNotExistsAsync();
        return await table.QueryAsync<TableEntity>().ToListAsync();
    }

    /// <summary>Polls the binding until <paramref name="done"/> holds (or fails the test after <paramref name="seconds"/>).</summary>
    public static async Task<JsonElement> WaitForBindingAsync(this HttpClient client, TestUser user, Func<JsonElement, bool> done, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var binding = await client.BindingAsync(user);
            if (done(binding)) return binding;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Waited {seconds} s for {what}: {binding}");
            await Task.Delay(25);
        }
    }
}
