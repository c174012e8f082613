using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Bangumoe.Bangumi;
using Bangumoe.FakeBangumi;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Bangumi;

/// <summary>
/// Bangumoe as Bangumi's OAuth client: what it sends to the token endpoint, how it keeps the tokens (encrypted), what
/// it does when Bangumi refuses the refresh token, and that one user's tokens are never refreshed twice at once.
/// </summary>
public sealed partial class BangumiTokenTests(BangumiFixture f) : IClassFixture<BangumiFixture>
{
    private static readonly string[] ExchangeFields = ["client_id", "client_secret", "code", "grant_type", "redirect_uri"];
    private static readonly string[] RefreshFields = ["client_id", "client_secret", "grant_type", "redirect_uri", "refresh_token"];

    [Fact]
    public async Task The_code_exchange_and_the_refresh_are_form_posts_with_the_client_credentials_and_redirect_uri()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 5);
        var callback = await f.CallbackForAsync(user, bangumiUser);
        var code = BangumiExtraSteps.QueryValue(callback, "code");
        var (status, html) = await f.FollowAsync(callback);
        Assert.True(status == HttpStatusCode.SeeOther, html);
        await client.WaitForImportAsync(user);

        var exchange = Assert.Single(f.Fake.TokenRequests(), r => r.Form.GetValueOrDefault("code") == code);
        Assert.Equal("POST", exchange.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", exchange.ContentType, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ExchangeFields, exchange.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("authorization_code", exchange.Form["grant_type"]);
        Assert.Equal(BangumiFixture.ClientId, exchange.Form["client_id"]);
        Assert.Equal(BangumiFixture.ClientSecret, exchange.Form["client_secret"]);
        Assert.Equal(BangumiExtraSteps.CallbackUrl, exchange.Form["redirect_uri"]);
        Assert.Equal(BangumiFixture.UserAgent, exchange.UserAgent);
        Assert.Null(exchange.Authorization); // the client authenticates in the body, as Bangumi documents
        Assert.Equal("", exchange.Query);
        Assert.Equal(200, exchange.Status);

        // Force a refresh: every access token is dead, and a sync must get a new one.
        var storedRefresh = f.Service<BangumiTokenCipher>().Decrypt((await f.Service<BangumiLinkStore>().GetAsync(user.Uid))!.RefreshTokenCipher, user.Uid, BangumiBinding.RefreshField);
        Assert.NotNull(storedRefresh);
        var before = f.Fake.TokenRequests().Count;
        f.Fake.ExpireAllAccessTokens();
        var importId = (await client.SyncAsync(user)).GetProperty("import").GetProperty("id").GetString();
        var done = await client.WaitForImportAsync(user, importId);
        Assert.True(done.GetProperty("import").GetProperty("status").GetString() == "done", done.ToString());

        var refresh = Assert.Single(f.Fake.TokenRequests().Skip(before));
        Assert.Equal("POST", refresh.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", refresh.ContentType, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(RefreshFields, refresh.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("refresh_token", refresh.Form["grant_type"]);
        Assert.Equal(storedRefresh, refresh.Form["refresh_token"]);
        Assert.Equal(BangumiFixture.ClientId, refresh.Form["client_id"]);
        Assert.Equal(BangumiFixture.ClientSecret, refresh.Form["client_secret"]);
        Assert.Equal(BangumiExtraSteps.CallbackUrl, refresh.Form["redirect_uri"]);
        Assert.Equal(BangumiFixture.UserAgent, refresh.UserAgent);
        Assert.Null(refresh.Authorization);
        Assert.Equal(200, refresh.Status);
    }

    [Fact]
    public async Task Tokens_are_stored_encrypted_and_bound_to_the_user_and_field()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 5);
        var mark = f.Fake.Requests.Count;
        await f.BindAndImportAsync(client, user, bangumiUser);
        // The access token the import used is in the Authorization header the fake recorded.
        var firstAccess = BearerOf(f.Fake.Requests.Skip(mark).Last(r => r.Path.StartsWith("/v0/", StringComparison.Ordinal) && r.Status == 200));
        var firstRow = await f.LinkRowAsync(user.Uid);
        Assert.NotNull(firstRow);

        // A refresh: its request carries, in the clear, the refresh token that was stored.
        mark = f.Fake.Requests.Count;
        f.Fake.ExpireAllAccessTokens();
        var importId = (await client.SyncAsync(user)).GetProperty("import").GetProperty("id").GetString();
        var done = await client.WaitForImportAsync(user, importId);
        Assert.True(done.GetProperty("import").GetProperty("status").GetString() == "done", done.ToString());
        var since = f.Fake.Requests.Skip(mark).ToList();
        var firstRefresh = Assert.Single(since, r => r.Path == BangumiExtraSteps.TokenPath).Form["refresh_token"];
        var secondAccess = BearerOf(since.Last(r => r.Path.StartsWith("/v0/", StringComparison.Ordinal) && r.Status == 200));
        Assert.NotEqual(firstAccess, secondAccess);
        var secondRow = await f.LinkRowAsync(user.Uid);
        Assert.NotNull(secondRow);

        foreach (var (row, secrets) in new[] { (firstRow!, new[] { firstAccess, firstRefresh }), (secondRow!, new[] { firstAccess, firstRefresh, secondAccess }) })
        {
            var texts = row.Where(p => p.Value is string).Select(p => (p.Key, Value: (string)p.Value)).ToList();
            foreach (var secret in secrets)
                Assert.DoesNotContain(texts, t => t.Value.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(texts, t => BangumiTokenShape().IsMatch(t.Value));
            Assert.StartsWith("v1.", row.GetString("AccessTokenCipher"), StringComparison.Ordinal);
            Assert.StartsWith("v1.", row.GetString("RefreshTokenCipher"), StringComparison.Ordinal);
        }
        Assert.NotEqual(firstRow!.GetString("AccessTokenCipher"), secondRow!.GetString("AccessTokenCipher"));
        Assert.NotEqual(firstRow.GetString("RefreshTokenCipher"), secondRow.GetString("RefreshTokenCipher"));

        // The ciphertext is the token, for this user and this field only.
        var cipher = f.Service<BangumiTokenCipher>();
        Assert.Equal(secondAccess, cipher.Decrypt(secondRow.GetString("AccessTokenCipher"), user.Uid, BangumiBinding.AccessField));
        Assert.Equal(firstRefresh, cipher.Decrypt(firstRow.GetString("RefreshTokenCipher"), user.Uid, BangumiBinding.RefreshField));
        Assert.Null(cipher.Decrypt(secondRow.GetString("AccessTokenCipher"), user.Uid, BangumiBinding.RefreshField));
        Assert.Null(cipher.Decrypt(secondRow.GetString("AccessTokenCipher"), user.Uid + "x", BangumiBinding.AccessField));
    }

    [Theory]
    [InlineData(TokenResponseStyle.Legacy)]
    [InlineData(TokenResponseStyle.ServerPrivate)]
    public async Task A_refresh_token_Bangumi_refuses_fails_the_import_and_asks_for_a_new_binding(TokenResponseStyle style)
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 60);
        f.Fake.Options.ResponseStyle = style;
        try
        {
            await f.BindAndImportAsync(client, user, bangumiUser);
            var itemsBefore = (await client.AllItemsAsync(user)).Count;

            // Someone rotates the stored refresh token away (as a second, unsynchronised refresh would), and every
            // access token dies: Bangumi no longer accepts anything Bangumoe holds.
            var link = (await f.Service<BangumiLinkStore>().GetAsync(user.Uid))!;
            var refresh = f.Service<BangumiTokenCipher>().Decrypt(link.RefreshTokenCipher, user.Uid, BangumiBinding.RefreshField)!;
            await RotateAwayAsync(refresh);
            f.Fake.ExpireAllAccessTokens();

            var refreshes = f.Fake.RefreshCount;
            var importId = (await client.SyncAsync(user)).GetProperty("import").GetProperty("id").GetString();
            var failed = await client.WaitForImportAsync(user, importId);
            var import = failed.GetProperty("import");
            Assert.True(import.GetProperty("status").GetString() == "failed", failed.ToString());
            Assert.True(failed.GetProperty("reauthorization_required").GetBoolean(), failed.ToString());
            Assert.True(failed.GetProperty("bound").GetBoolean());
            Assert.Contains("bind", import.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual(JsonValueKind.Null, import.GetProperty("finished_at").ValueKind);
            // One refresh try: a refused refresh token is not retried.
            Assert.Equal(1, f.Fake.RefreshCount - refreshes);
            // What was imported before stays.
            Assert.Equal(itemsBefore, (await client.AllItemsAsync(user)).Count);

            await (await client.Send(HttpMethod.Post, "/api/me/bangumi/sync", user.Token))
                .Problem(HttpStatusCode.Conflict, "bangumi-reauthorization-required");
            Assert.Equal(importId, (await client.BindingAsync(user)).GetProperty("import").GetProperty("id").GetString());

            // Binding again clears it.
            var again = await f.BindAndImportAsync(client, user, bangumiUser);
            Assert.False(again.GetProperty("reauthorization_required").GetBoolean(), again.ToString());
            Assert.Equal(60, again.GetProperty("import").GetProperty("imported").GetInt32());
            var next = await client.SyncAsync(user);
            Assert.False(next.GetProperty("reauthorization_required").GetBoolean());
            await client.WaitForImportAsync(user, next.GetProperty("import").GetProperty("id").GetString());
        }
        finally
        {
            f.Fake.Options.ResponseStyle = TokenResponseStyle.Legacy;
        }
    }

    [Fact]
    public async Task Concurrent_refreshes_for_one_user_make_one_refresh_request_and_agree_on_the_new_token()
    {
        var client = f.App.CreateClient();
        var user = await f.App.NewVerifiedUser();
        var bangumiUser = f.NewBangumiUser(anime: 3);
        await f.BindAndImportAsync(client, user, bangumiUser);
        var links = f.Service<BangumiLinkStore>();
        var refresher = f.Service<BangumiTokenRefresher>();
        var cipher = f.Service<BangumiTokenCipher>();
        var stale = (await links.GetAsync(user.Uid))!;

        // A slow token endpoint keeps the first refresh in flight while the others arrive.
        f.Fake.Faults.Add(new FakeFault(BangumiExtraSteps.TokenPath, FaultKind.Slow, DelayMs: 700));
        try
        {
            var refreshes = f.Fake.RefreshCount;
            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
                Task.Run(() => refresher.RefreshAsync(user.Uid, stale.AccessTokenCipher, CancellationToken.None))));

            Assert.Equal(1, f.Fake.RefreshCount - refreshes);
            Assert.All(results, r =>
            {
                Assert.True(r.Link is not null, $"A caller got no token: {r.Failure}");
                Assert.False(r.Reauthorize);
            });
            var ciphers = results.Select(r => r.Link!.AccessTokenCipher).Distinct().ToList();
            var newCipher = Assert.Single(ciphers);
            Assert.NotEqual(stale.AccessTokenCipher, newCipher);

            var stored = (await links.GetAsync(user.Uid))!;
            Assert.Equal(newCipher, stored.AccessTokenCipher);
            Assert.False(stored.NeedsReauthorization);
            Assert.Null(stored.RefreshingUntil);

            // The new token works at Bangumi, and the new refresh token is the one Bangumi issued last.
            var access = cipher.Decrypt(newCipher, user.Uid, BangumiBinding.AccessField)!;
            using var http = new HttpClient();
            http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", BangumiFixture.UserAgent);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", access);
            using var me = await http.GetAsync(f.Fake.BaseUrl + "/v0/me");
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            f.Fake.ExpireAllAccessTokens(); // the next import must refresh with the stored refresh token
            var importId = (await client.SyncAsync(user)).GetProperty("import").GetProperty("id").GetString();
            var done = await client.WaitForImportAsync(user, importId);
            Assert.True(done.GetProperty("import").GetProperty("status").GetString() == "done", done.ToString());
            Assert.False(done.GetProperty("reauthorization_required").GetBoolean());
        }
        finally
        {
            f.Fake.Faults.Clear();
        }
    }

    /// <summary>Uses the refresh token at Bangumi directly, so Bangumi rotates it away.</summary>
    private async Task RotateAwayAsync(string refreshToken)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", BangumiFixture.UserAgent);
        using var response = await http.PostAsync(f.Fake.BaseUrl + BangumiExtraSteps.TokenPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = BangumiFixture.ClientId,
            ["client_secret"] = BangumiFixture.ClientSecret,
            ["refresh_token"] = refreshToken,
            ["redirect_uri"] = BangumiExtraSteps.CallbackUrl,
        }));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static string BearerOf(RecordedRequest request)
    {
        Assert.NotNull(request.Authorization);
        Assert.StartsWith("Bearer ", request.Authorization, StringComparison.Ordinal);
        return request.Authorization["Bearer ".Length..];
    }

    /// <summary>A Bangumi token: 30 random bytes in base64url, 40 characters.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{40}$")]
    private static partial Regex BangumiTokenShape();
}
