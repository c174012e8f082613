using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bangumoe.FakeBangumi;

namespace Bangumoe.Tests.Bangumi;

/// <summary>
/// The fake Bangumi follows the contracts in /work/shared/bangumi (OAUTH.md, COLLECTIONS.md): these tests start it on a
/// free loopback port and talk to it over real HTTP, as Bangumoe will. No emulators needed.
/// </summary>
public sealed partial class FakeBangumiTests
{
    private const string UserAgent = "bangumoe/fake-bangumi-tests/1.0 (https://github.com/bangumoe)";
    private const string ExpiredToken = "access token has been expired or doesn't exist";

    // ---- the whole flow ----

    [Fact]
    public async Task Consent_page_code_token_me_and_three_pages_of_the_owners_collection()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai", "Sai🖖");
        sai.GenerateCollection(120);
        fake.AddUser("other");
        using var client = Client(fake);

        // The consent page has one button per user and posts back the same parameters.
        var authorizeUrl = AuthorizeUrl(fake, state: "xyz");
        var page = await client.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Authorize as sai", html, StringComparison.Ordinal);
        Assert.Contains("Authorize as other", html, StringComparison.Ordinal);

        var approved = await client.PostAsync("/oauth/authorize", Form(
            ("client_id", fake.Options.ClientId), ("response_type", "code"), ("redirect_uri", fake.Options.RedirectUri),
            ("state", "xyz"), ("username", "sai")));
        var (code, state) = Callback(fake, approved);
        Assert.Equal("xyz", state);

        var token = await ExchangeAsync(client, fake, code);
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        Assert.Equal(604800, token.GetProperty("expires_in").GetInt32());
        Assert.Equal(JsonValueKind.Number, token.GetProperty("user_id").ValueKind);
        Assert.Equal(sai.Id, token.GetProperty("user_id").GetInt32());
        Assert.Equal(JsonValueKind.Null, token.GetProperty("scope").ValueKind);
        var access = token.GetProperty("access_token").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{40}$", access);
        Assert.Matches("^[A-Za-z0-9_-]{40}$", token.GetProperty("refresh_token").GetString()!);

        var me = await OkJson(await GetAsync(client, "/v0/me", access));
        Assert.Equal(1, me.GetProperty("id").GetInt32());
        Assert.Equal("sai", me.GetProperty("username").GetString());
        Assert.Equal("Sai🖖", me.GetProperty("nickname").GetString());
        Assert.Equal(10, me.GetProperty("user_group").GetInt32());
        Assert.Equal("https://bgm.tv/user/sai", me.GetProperty("url").GetString());
        Assert.Equal(8, me.GetProperty("time_offset").GetInt32());
        Assert.Equal("", me.GetProperty("sign").GetString());
        Assert.Equal("sai@example.com", me.GetProperty("email").GetString());
        Assert.Matches(TimeFormat(), me.GetProperty("reg_time").GetString()!);
        Assert.Equal("https://lain.bgm.tv/pic/user/l/000/00/00/1.jpg?r=1391790456", me.GetProperty("avatar").GetProperty("large").GetString());
        Assert.True(me.GetProperty("avatar").TryGetProperty("medium", out _));
        Assert.True(me.GetProperty("avatar").TryGetProperty("small", out _));

        // The owner's token sees every item, private ones included: 50 + 50 + 20.
        var items = new List<JsonElement>();
        foreach (var (offset, expected) in new[] { (0, 50), (50, 50), (100, 20) })
        {
            var pageJson = await OkJson(await GetAsync(client, $"/v0/users/sai/collections?subject_type=2&limit=50&offset={offset}", access));
            Assert.Equal(120, pageJson.GetProperty("total").GetInt32());
            Assert.Equal(50, pageJson.GetProperty("limit").GetInt32());
            Assert.Equal(offset, pageJson.GetProperty("offset").GetInt32());
            Assert.Equal(expected, pageJson.GetProperty("data").GetArrayLength());
            items.AddRange(pageJson.GetProperty("data").EnumerateArray());
        }
        Assert.Equal(120, items.Select(i => i.GetProperty("subject_id").GetInt32()).Distinct().Count());
        Assert.Equal(17, items.Count(i => i.GetProperty("private").GetBoolean()));
        Assert.All(items, i => Assert.Equal(2, i.GetProperty("subject_type").GetInt32()));
        var times = items.Select(i => DateTimeOffset.Parse(i.GetProperty("updated_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.Equal(5, items.Select(i => i.GetProperty("type").GetInt32()).Distinct().Count());

        // Every request was recorded, the token request with its form fields.
        var exchange = Assert.Single(fake.Requests, r => r.Path == "/oauth/access_token");
        Assert.Equal("POST", exchange.Method);
        Assert.Equal(200, exchange.Status);
        Assert.StartsWith("application/x-www-form-urlencoded", exchange.ContentType, StringComparison.Ordinal);
        Assert.Equal("authorization_code", exchange.Form["grant_type"]);
        Assert.Equal(code, exchange.Form["code"]);
        Assert.Equal(fake.Options.ClientSecret, exchange.Form["client_secret"]);
        var pages = fake.Requests.Where(r => r.Path == "/v0/users/sai/collections").ToList();
        Assert.Equal(3, pages.Count);
        Assert.All(pages, r => Assert.Equal(UserAgent, r.UserAgent));
        Assert.All(pages, r => Assert.Equal("Bearer " + access, r.Authorization));
        Assert.Equal("subject_type=2&limit=50&offset=100", pages[2].Query);
    }

    [Fact]
    public async Task Anonymous_callers_and_other_users_see_neither_private_items_nor_their_count()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        fake.AddUser("sai").GenerateCollection(120);
        var other = fake.AddUser("other");
        var otherToken = fake.IssueTokensFor(other, out _);
        using var client = Client(fake);

        foreach (var token in new[] { null, otherToken })
        {
            var counts = new List<int>();
            for (var offset = 0; offset < 103; offset += 50)
            {
                var page = await OkJson(await GetAsync(client, $"/v0/users/sai/collections?subject_type=2&limit=50&offset={offset}", token));
                Assert.Equal(103, page.GetProperty("total").GetInt32());
                Assert.All(page.GetProperty("data").EnumerateArray(), i => Assert.False(i.GetProperty("private").GetBoolean()));
                counts.Add(page.GetProperty("data").GetArrayLength());
            }
            Assert.Equal([50, 50, 3], counts);
        }

        // Private items are also hidden from the single-item endpoint.
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(client, "/v0/users/sai/collections/1006")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/users/sai/collections/1005")).StatusCode);
    }

    [Fact]
    public async Task Items_have_the_fields_of_the_samples_with_nulls_and_empty_strings_where_Bangumi_sends_them()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        sai.GenerateCollection(120);
        var token = fake.IssueTokensFor(sai, out _);
        using var client = Client(fake);

        var response = await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=20", token);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var page = await OkJson(response);
        Assert.Equal(["data", "total", "limit", "offset"], page.EnumerateObject().Select(p => p.Name));
        var items = page.GetProperty("data").EnumerateArray().ToDictionary(i => i.GetProperty("subject_id").GetInt32());

        string[] itemFields = ["updated_at", "comment", "tags", "subject", "subject_id", "vol_status", "ep_status", "subject_type", "type", "rate", "private"];
        string[] subjectFields = ["date", "images", "name", "name_cn", "short_summary", "tags", "score", "type", "id", "eps", "volumes", "collection_total", "rank"];
        string[] imageFields = ["small", "grid", "large", "medium", "common"];
        foreach (var item in items.Values)
        {
            Assert.Equal(itemFields, item.EnumerateObject().Select(p => p.Name));
            var subject = item.GetProperty("subject");
            Assert.Equal(subjectFields, subject.EnumerateObject().Select(p => p.Name));
            Assert.Equal(imageFields, subject.GetProperty("images").EnumerateObject().Select(p => p.Name));
            Assert.Matches(TimeFormat(), item.GetProperty("updated_at").GetString()!);
            Assert.Equal(item.GetProperty("subject_id").GetInt32(), subject.GetProperty("id").GetInt32());
            Assert.Equal(JsonValueKind.Array, item.GetProperty("tags").ValueKind);
            Assert.Equal(0, item.GetProperty("vol_status").GetInt32());
        }

        // Item 1 (subject 1000) is the newest and complete.
        var first = page.GetProperty("data")[0];
        Assert.Equal(1000, first.GetProperty("subject_id").GetInt32());
        Assert.Equal("2025-06-01T12:00:00+08:00", first.GetProperty("updated_at").GetString());
        Assert.Equal(JsonValueKind.String, first.GetProperty("comment").ValueKind);
        Assert.StartsWith("https://lain.bgm.tv/pic/cover/l/", first.GetProperty("subject").GetProperty("images").GetProperty("large").GetString(), StringComparison.Ordinal);
        Assert.NotEqual("", first.GetProperty("subject").GetProperty("name_cn").GetString());

        // Every 5th has no comment (null, not ""); every 7th is private; every 9th has no Chinese name, no date, no cover.
        Assert.Equal(JsonValueKind.Null, items[1004].GetProperty("comment").ValueKind);
        Assert.True(items[1006].GetProperty("private").GetBoolean());
        var bare = items[1008].GetProperty("subject");
        Assert.Equal("", bare.GetProperty("name_cn").GetString());
        Assert.Equal(JsonValueKind.Null, bare.GetProperty("date").ValueKind);
        Assert.All(bare.GetProperty("images").EnumerateObject(), image => Assert.Equal("", image.Value.GetString()));
        Assert.Equal(0, bare.GetProperty("rank").GetInt32());
        Assert.Equal(JsonValueKind.Array, bare.GetProperty("tags").ValueKind);
        Assert.Matches(@"^\d{4}-\d\d-\d\d$", items[1000].GetProperty("subject").GetProperty("date").GetString()!);
    }

    [Fact]
    public async Task Added_items_come_back_newest_first_with_what_was_given()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var user = fake.AddUser("adder");
        user.AddAnime(8, type: 3, rate: 4, comment: "看看", epStatus: 5, name: "サンプルアニメ", nameCn: "示例动画", eps: 25, date: "2008-04-06");
        user.AddAnime(400001, type: 2, epStatus: 2, isPrivate: true, name: "Example OVA", eps: 2, date: null, withImages: false);
        user.AddAnime(9, type: 1, comment: "", updatedAt: new DateTimeOffset(2020, 1, 2, 3, 4, 5, 678, TimeSpan.Zero));
        using var client = Client(fake);

        var page = await OkJson(await GetAsync(client, "/v0/users/adder/collections", fake.IssueTokensFor(user, out _)));
        Assert.Equal(30, page.GetProperty("limit").GetInt32());
        Assert.Equal(0, page.GetProperty("offset").GetInt32());
        var data = page.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([400001, 8, 9], data.Select(i => i.GetProperty("subject_id").GetInt32()));
        Assert.Equal("看看", data[1].GetProperty("comment").GetString());
        Assert.Equal(5, data[1].GetProperty("ep_status").GetInt32());
        Assert.Equal(4, data[1].GetProperty("rate").GetInt32());
        Assert.Equal(25, data[1].GetProperty("subject").GetProperty("eps").GetInt32());
        Assert.Equal("2008-04-06", data[1].GetProperty("subject").GetProperty("date").GetString());
        Assert.True(data[0].GetProperty("private").GetBoolean());
        Assert.Equal("", data[0].GetProperty("subject").GetProperty("images").GetProperty("grid").GetString());
        Assert.Equal(JsonValueKind.Null, data[2].GetProperty("comment").ValueKind);
        Assert.Equal("2020-01-02T11:04:05+08:00", data[2].GetProperty("updated_at").GetString());
    }

    // ---- query rules ----

    [Fact]
    public async Task Subject_type_2_leaves_out_books_and_type_filters_the_status()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        sai.GenerateCollection(120);
        var token = fake.IssueTokensFor(sai, out _);
        using var client = Client(fake);

        var everything = await OkJson(await GetAsync(client, "/v0/users/sai/collections?limit=50&offset=100", token));
        Assert.Equal(126, everything.GetProperty("total").GetInt32());
        var books = await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=1&limit=50", token));
        Assert.Equal(6, books.GetProperty("total").GetInt32());
        Assert.All(books.GetProperty("data").EnumerateArray(), i => Assert.Equal(1, i.GetProperty("subject").GetProperty("type").GetInt32()));

        var anime = new List<JsonElement>();
        for (var offset = 0; offset < 120; offset += 50)
            anime.AddRange((await OkJson(await GetAsync(client, $"/v0/users/sai/collections?subject_type=2&limit=50&offset={offset}", token))).GetProperty("data").EnumerateArray());
        Assert.Equal(120, anime.Count);
        Assert.DoesNotContain(anime, i => i.GetProperty("subject_type").GetInt32() != 2);

        var done = await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&type=2&limit=50", token));
        Assert.Equal(24, done.GetProperty("total").GetInt32());
        Assert.All(done.GetProperty("data").EnumerateArray(), i => Assert.Equal(2, i.GetProperty("type").GetInt32()));
        Assert.Equal(120, (await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&type=0", token))).GetProperty("total").GetInt32());

        await AssertV0Error(await GetAsync(client, "/v0/users/sai/collections?subject_type=5"), HttpStatusCode.BadRequest, "\"5\" is not a valid subject type");
        await AssertV0Error(await GetAsync(client, "/v0/users/sai/collections?subject_type=anime"), HttpStatusCode.BadRequest, "bad subject type: \"anime\"");
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(client, "/v0/users/sai/collections?type=6")).StatusCode);
    }

    [Fact]
    public async Task Limit_and_offset_are_checked_like_the_Go_server()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        sai.GenerateCollection(120);
        fake.AddUser("empty");
        var token = fake.IssueTokensFor(sai, out _);
        using var client = Client(fake);
        const string path = "/v0/users/sai/collections?subject_type=2";

        var tooBig = await AssertV0Error(await GetAsync(client, path + "&limit=51", token), HttpStatusCode.BadRequest, "limit should less equal than 50");
        Assert.Equal("subject_type=2&limit=51", tooBig.GetProperty("details").GetProperty("query_string").GetString());
        Assert.Equal("GET", tooBig.GetProperty("details").GetProperty("method").GetString());
        await AssertV0Error(await GetAsync(client, path + "&limit=x", token), HttpStatusCode.BadRequest, "can't parse query args limit as int: \"x\"");
        await AssertV0Error(await GetAsync(client, path + "&limit=0", token), HttpStatusCode.BadRequest, "limit should be greater than zero");
        await AssertV0Error(await GetAsync(client, path + "&offset=-1", token), HttpStatusCode.BadRequest, "offset should be greater than or equal to 0");
        await AssertV0Error(await GetAsync(client, path + "&limit=50&offset=121", token), HttpStatusCode.BadRequest, "offset should be less than or equal to 120");

        // Anonymous callers have a smaller total, so the same offset is past it sooner.
        await AssertV0Error(await GetAsync(client, path + "&limit=50&offset=104"), HttpStatusCode.BadRequest, "offset should be less than or equal to 103");

        var atTotal = await OkJson(await GetAsync(client, path + "&limit=50&offset=120", token));
        Assert.Equal(0, atTotal.GetProperty("data").GetArrayLength());
        Assert.Equal(120, atTotal.GetProperty("total").GetInt32());

        // An empty list never checks the offset.
        var empty = await OkJson(await GetAsync(client, "/v0/users/empty/collections?subject_type=2&limit=50&offset=500"));
        Assert.Equal(0, empty.GetProperty("total").GetInt32());
        Assert.Equal(500, empty.GetProperty("offset").GetInt32());

        await AssertV0Error(await GetAsync(client, "/v0/users/nobody/collections?subject_type=2"), HttpStatusCode.NotFound, "user doesn't exist or has been removed");
        var unknownRoute = await AssertV0Error(await GetAsync(client, "/v0/nothing-here"), HttpStatusCode.NotFound,
            "This is default response, if you see this response, please check your request");
        Assert.False(unknownRoute.TryGetProperty("request_id", out _));

        fake.Options.MaxLimit = 100;
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, path + "&limit=100", token)).StatusCode);
    }

    // ---- headers ----

    [Fact]
    public async Task Missing_or_library_default_user_agents_get_403()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        sai.GenerateCollection(10);
        var token = fake.IssueTokensFor(sai, out _);
        using var bare = new HttpClient { BaseAddress = new Uri(fake.BaseUrl) };

        await AssertV0Error(await bare.GetAsync("/v0/users/sai/collections?subject_type=2"), HttpStatusCode.Forbidden, "Please set a 'User-Agent'");
        await AssertV0Error(await GetAsync(bare, "/v0/me", token), HttpStatusCode.Forbidden, "Please set a 'User-Agent'");
        foreach (var library in new[] { "python-requests/2.31", "node-fetch", "axios/1.6.0", "Go-http-client/1.1", "Java/17.0.2" })
        {
            var forbidden = await AssertV0Error(await GetAsync(bare, "/v0/users/sai/collections?subject_type=2", token, library), HttpStatusCode.Forbidden);
            Assert.StartsWith("using HTTP request library's default User-Agent is forbidden", forbidden.GetProperty("description").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(bare, "/v0/users/sai/collections?subject_type=2", token, "sai/my-private-project")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(bare, "/v0/users/sai/collections", token, "node-fetch-ish/1.0")).StatusCode);
    }

    [Fact]
    public async Task Authorization_header_rules_and_expired_tokens_give_401_even_on_public_reads()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        sai.GenerateCollection(10);
        var token = fake.IssueTokensFor(sai, out _);
        using var client = Client(fake);
        const string list = "/v0/users/sai/collections?subject_type=2";

        await AssertV0Error(await GetAsync(client, "/v0/me"), HttpStatusCode.Unauthorized, "need Login");
        await AssertV0Error(await SendRaw(client, list, "Bearer" + token), HttpStatusCode.Unauthorized, "invalid http Authorization header, missing scope or missing token");
        await AssertV0Error(await SendRaw(client, list, "bearer " + token), HttpStatusCode.Unauthorized, "http Authorization header has wrong scope");
        await AssertV0Error(await SendRaw(client, list, "Basic " + token), HttpStatusCode.Unauthorized, "http Authorization header has wrong scope");
        await AssertV0Error(await GetAsync(client, list, "not-a-token"), HttpStatusCode.Unauthorized, ExpiredToken);
        await AssertV0Error(await GetAsync(client, list, token.ToUpperInvariant()), HttpStatusCode.Unauthorized, ExpiredToken);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, list, token)).StatusCode);

        fake.ExpireAllAccessTokens();
        await AssertV0Error(await GetAsync(client, list, token), HttpStatusCode.Unauthorized, ExpiredToken);
        await AssertV0Error(await GetAsync(client, "/v0/me", token), HttpStatusCode.Unauthorized, ExpiredToken);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, list)).StatusCode); // without the stale header the read is public

        // Tokens issued afterwards work.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/me", fake.IssueTokensFor(sai, out _))).StatusCode);

        // A token's lifetime is real too.
        await using var shortLived = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions { AccessTokenLifetime = TimeSpan.FromSeconds(1) });
        var user = shortLived.AddUser("brief");
        var brief = shortLived.IssueTokensFor(user, out _);
        using var shortClient = Client(shortLived);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(shortClient, "/v0/me", brief)).StatusCode);
        await Task.Delay(1300);
        await AssertV0Error(await GetAsync(shortClient, "/v0/me", brief), HttpStatusCode.Unauthorized, ExpiredToken);
    }

    [Fact]
    public async Task A_token_can_be_made_to_expire_in_the_middle_of_an_import()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        sai.GenerateCollection(120);
        var token = fake.IssueTokensFor(sai, out var refresh);
        using var client = Client(fake);

        fake.ExpireAccessTokenAfter(2);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/me", token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=50", token)).StatusCode);
        await AssertV0Error(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=50&offset=50", token), HttpStatusCode.Unauthorized, ExpiredToken);

        // The refreshed token is not limited.
        var renewed = await OkJson(await RefreshAsync(client, fake, refresh));
        var fresh = renewed.GetProperty("access_token").GetString()!;
        for (var offset = 50; offset < 120; offset += 50)
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, $"/v0/users/sai/collections?subject_type=2&limit=50&offset={offset}", fresh)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/me", fresh)).StatusCode);
        Assert.Equal(1, fake.RefreshCount);

        // With no token yet, the budget goes to the next one issued.
        await using var early = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions { AutoApproveUsername = "sai" });
        early.AddUser("sai");
        early.ExpireAccessTokenAfter(1);
        using var earlyClient = Client(early);
        var (code, _) = Callback(early, await earlyClient.GetAsync(AuthorizeUrl(early)));
        var issued = (await ExchangeAsync(earlyClient, early, code)).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(earlyClient, "/v0/me", issued)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(earlyClient, "/v0/me", issued)).StatusCode);
    }

    // ---- OAuth ----

    [Fact]
    public async Task Authorize_errors_are_pages_never_redirects()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions { AutoApproveUsername = "sai" });
        fake.AddUser("sai");
        using var client = Client(fake);
        var redirect = Uri.EscapeDataString(fake.Options.RedirectUri);

        foreach (var (query, message) in new[]
                 {
                     ("client_id=bgm-unknown&response_type=code", "App does not exist"),
                     ($"client_id={fake.Options.ClientId}&response_type=token", "Invalid response type"),
                     ($"client_id={fake.Options.ClientId}&response_type=code&redirect_uri={Uri.EscapeDataString("http://evil.example/cb")}", "Redirect URI mismatch"),
                     ($"client_id={fake.Options.ClientId}&response_type=code&redirect_uri={redirect}/", "Redirect URI mismatch"),
                     ($"client_id={fake.Options.ClientId}&response_type=code&scope=read:everything", "invalid scope: read:everything"),
                     ("response_type=code", "client_id"),
                 })
        {
            var response = await client.GetAsync("/oauth/authorize?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // redirect_uri may be left out; scope names from Bangumi are accepted.
        var (code, state) = Callback(fake, await client.GetAsync($"/oauth/authorize?client_id={fake.Options.ClientId}&response_type=code&scope=read:collection"));
        Assert.NotEmpty(code);
        Assert.Null(state);
    }

    [Fact]
    public async Task The_callback_is_the_registered_uri_with_its_own_query_plus_code_and_state_url_encoded()
    {
        var options = new FakeBangumiOptions { AutoApproveUsername = "sai", RedirectUri = "http://127.0.0.1:7071/cb?tenant=a%20b" };
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync(options);
        fake.AddUser("sai");
        using var client = Client(fake);

        var response = await client.GetAsync(AuthorizeUrl(fake, state: "s p&a=c/é"));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.Matches(@"^http://127\.0\.0\.1:7071/cb\?tenant=a%20b&code=[A-Za-z0-9_-]{40}&state=s%20p%26a%3Dc%2F%C3%A9$", location);
        var (code, state) = Callback(fake, response);
        Assert.Equal("s p&a=c/é", state);
        Assert.Equal(200, (int)(await ExchangeResponseAsync(client, fake, code)).StatusCode);
    }

    [Fact]
    public async Task Legacy_codes_are_single_use_short_lived_and_need_the_registered_redirect_uri_and_secret()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions { AutoApproveUsername = "sai" });
        fake.AddUser("sai");
        using var client = Client(fake);

        var (code, _) = Callback(fake, await client.GetAsync(AuthorizeUrl(fake)));
        await AssertLegacyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", "wrong"), ("code", code), ("redirect_uri", fake.Options.RedirectUri)), "invalid_client", "The client credentials are invalid");
        await AssertLegacyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("code", code)), "redirect_uri_mismatch", "The redirect URI provided is missing or does not match");
        await AssertLegacyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("code", code), ("redirect_uri", fake.Options.RedirectUri + "x")), "redirect_uri_mismatch");
        await AssertLegacyError(await PostToken(client, ("grant_type", "password"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret)), "unsupported_grant_type", "Grant type \"password\" not supported");
        await AssertLegacyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("redirect_uri", fake.Options.RedirectUri)), "invalid_request", "Missing parameter: \"code\" is required");

        // Failed attempts did not use the code up; a success does.
        Assert.Equal(HttpStatusCode.OK, (await ExchangeResponseAsync(client, fake, code)).StatusCode);
        await AssertLegacyError(await ExchangeResponseAsync(client, fake, code), "invalid_grant", "Authorization code doesn't exist or is invalid for the client");

        fake.Options.CodeLifetime = TimeSpan.FromMilliseconds(200);
        var (late, _) = Callback(fake, await client.GetAsync(AuthorizeUrl(fake)));
        await Task.Delay(500);
        await AssertLegacyError(await ExchangeResponseAsync(client, fake, late), "invalid_grant", "The authorization code has expired");

        // Form encoding only: JSON reads as an empty body, as in PHP.
        var json = await client.PostAsync("/oauth/access_token", new StringContent(
            JsonSerializer.Serialize(new { grant_type = "authorization_code", code, client_id = fake.Options.ClientId }), Encoding.UTF8, "application/json"));
        await AssertLegacyError(json, "invalid_request", "The grant type was not specified in the request");
    }

    [Fact]
    public async Task Legacy_refresh_rotates_the_pair_and_refuses_the_old_refresh_token()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync();
        var sai = fake.AddUser("sai");
        var firstAccess = fake.IssueTokensFor(sai, out var firstRefresh);
        using var client = Client(fake);

        var renewed = await OkJson(await RefreshAsync(client, fake, firstRefresh));
        var access = renewed.GetProperty("access_token").GetString()!;
        var refresh = renewed.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(firstAccess, access);
        Assert.NotEqual(firstRefresh, refresh);
        Assert.Equal(sai.Id, renewed.GetProperty("user_id").GetInt32());
        Assert.Equal(JsonValueKind.Null, renewed.GetProperty("scope").ValueKind);
        Assert.Equal(sai.Id, (await OkJson(await GetAsync(client, "/v0/me", access))).GetProperty("id").GetInt32());

        await AssertLegacyError(await RefreshAsync(client, fake, firstRefresh), "invalid_grant", "Invalid refresh token");
        await AssertLegacyError(await PostToken(client, ("grant_type", "refresh_token"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("refresh_token", refresh)), "redirect_uri_mismatch");
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(client, fake, refresh)).StatusCode);
        Assert.Equal(4, fake.RefreshCount);
        Assert.Equal("no-store", (await RefreshAsync(client, fake, "x")).Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Server_private_style_sends_user_id_as_a_string_no_scope_and_Fastify_errors()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions
        {
            AutoApproveUsername = "sai",
            ResponseStyle = TokenResponseStyle.ServerPrivate,
            AccessTokenLifetime = TimeSpan.FromDays(14),
        });
        var sai = fake.AddUser("sai");
        using var client = Client(fake);

        var (code, _) = Callback(fake, await client.GetAsync(AuthorizeUrl(fake)));
        await AssertFastifyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("code", code)), 400, "REQUEST_VALIDATION_ERROR", "body must have required property 'redirect_uri'");
        await AssertFastifyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", "bgm-other"),
            ("client_secret", fake.Options.ClientSecret), ("code", code), ("redirect_uri", fake.Options.RedirectUri)), 404, "APP_NONEXISTENCE", "App does not exist");
        await AssertFastifyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", "nope"), ("code", code), ("redirect_uri", fake.Options.RedirectUri)), 400, "INVALID_CLIENT_SECRET", "Invalid client secret");
        await AssertFastifyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("code", code), ("redirect_uri", "http://evil.example/")), 400, "REDIRECT_URI_MISMATCH", "Redirect URI mismatch");
        await AssertFastifyError(await PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("redirect_uri", fake.Options.RedirectUri)), 400, "MISSING_AUTHORIZATION_CODE", "Authorization code is missing");
        await AssertFastifyError(await PostToken(client, ("grant_type", "implicit"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("redirect_uri", fake.Options.RedirectUri)), 400, "INVALID_GRANT_TYPE", "Invalid grant type");

        var token = await ExchangeAsync(client, fake, code);
        Assert.Equal(JsonValueKind.String, token.GetProperty("user_id").ValueKind);
        Assert.Equal(sai.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), token.GetProperty("user_id").GetString());
        Assert.False(token.TryGetProperty("scope", out _));
        Assert.Equal(1209600, token.GetProperty("expires_in").GetInt32());
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        await AssertFastifyError(await ExchangeResponseAsync(client, fake, code), 400, "INVALID_AUTHORIZATION_CODE", "Invalid authorization code");

        var refresh = token.GetProperty("refresh_token").GetString()!;
        await AssertFastifyError(await PostToken(client, ("grant_type", "refresh_token"), ("client_id", fake.Options.ClientId),
            ("client_secret", fake.Options.ClientSecret), ("redirect_uri", fake.Options.RedirectUri)), 400, "MISSING_REFRESH_TOKEN", "Refresh token is missing");
        await AssertFastifyError(await PostToken(client, ("grant_type", "refresh_token"), ("client_id", "bgm-other"), ("client_secret", fake.Options.ClientSecret),
            ("refresh_token", refresh), ("redirect_uri", fake.Options.RedirectUri)), 400, "INVALID_CLIENT_ID", "Invalid client ID");
        var renewed = await OkJson(await RefreshAsync(client, fake, refresh));
        Assert.Equal(JsonValueKind.String, renewed.GetProperty("user_id").ValueKind);
        Assert.False(renewed.TryGetProperty("scope", out _));
        await AssertFastifyError(await RefreshAsync(client, fake, refresh), 400, "INVALID_REFRESH_TOKEN", "Invalid refresh token or expired");
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(client, fake, renewed.GetProperty("refresh_token").GetString()!)).StatusCode);
        Assert.Equal(5, fake.RefreshCount);

        var json = await client.PostAsync("/oauth/access_token", new StringContent("{\"grant_type\":\"refresh_token\"}", Encoding.UTF8, "application/json"));
        await AssertFastifyError(json, 400, "REQUEST_VALIDATION_ERROR");
    }

    // ---- faults ----

    [Fact]
    public async Task TooManyRequests_answers_429_with_Retry_After_for_the_given_number_of_matching_requests()
    {
        await using var fake = await StartWithSai();
        using var client = Client(fake);
        fake.Faults.Add(new FakeFault("/collections", FaultKind.TooManyRequests, Times: 2, RetryAfterSeconds: 7));
        Assert.Equal(2, fake.Faults.Pending);

        // A path that does not match is not affected.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/me", fake.IssueTokensFor(fake.FindUser("sai")!, out _))).StatusCode);
        Assert.Equal(2, fake.Faults.Pending);

        for (var i = 0; i < 2; i++)
        {
            var response = await GetAsync(client, "/v0/users/sai/collections?subject_type=2");
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("Too Many Request", body.GetProperty("title").GetString());
            Assert.Equal("too many request, you have be rate limited", body.GetProperty("description").GetString());
            Assert.False(body.TryGetProperty("details", out _));
        }
        Assert.Equal(0, fake.Faults.Pending);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/users/sai/collections?subject_type=2")).StatusCode);
        Assert.Equal([429, 429, 200], fake.Requests.Where(r => r.Path.EndsWith("/collections", StringComparison.Ordinal)).Select(r => r.Status));
    }

    [Fact]
    public async Task ServerError_and_BadGatewayHtml_answer_5xx_in_json_and_html()
    {
        await using var fake = await StartWithSai();
        using var client = Client(fake);
        fake.Faults.Add(new FakeFault("/collections", FaultKind.ServerError));
        fake.Faults.Add(new FakeFault("/collections", FaultKind.BadGatewayHtml));

        var error = await AssertV0Error(await GetAsync(client, "/v0/users/sai/collections?subject_type=2"), HttpStatusCode.InternalServerError, "Unexpected Internal Server Error");
        Assert.Equal("Internal Server Error", error.GetProperty("title").GetString());
        Assert.True(error.GetProperty("details").TryGetProperty("error", out _));

        var gateway = await GetAsync(client, "/v0/users/sai/collections?subject_type=2");
        Assert.Equal(HttpStatusCode.BadGateway, gateway.StatusCode);
        Assert.Equal("text/html", gateway.Content.Headers.ContentType?.MediaType);
        var html = await gateway.Content.ReadAsStringAsync();
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(html));

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/users/sai/collections?subject_type=2")).StatusCode);

        // On the token endpoint a 500 follows the style: not JSON for legacy, Fastify's JSON for server-private.
        fake.Faults.Add(new FakeFault("/oauth/access_token", FaultKind.ServerError, Times: 2));
        var legacy = await RefreshAsync(client, fake, "x");
        Assert.Equal(HttpStatusCode.InternalServerError, legacy.StatusCode);
        Assert.Equal("text/html", legacy.Content.Headers.ContentType?.MediaType);
        fake.Options.ResponseStyle = TokenResponseStyle.ServerPrivate;
        var fastify = await RefreshAsync(client, fake, "x");
        Assert.Equal(HttpStatusCode.InternalServerError, fastify.StatusCode);
        Assert.Equal(500, JsonDocument.Parse(await fastify.Content.ReadAsStringAsync()).RootElement.GetProperty("statusCode").GetInt32());
        Assert.Equal(2, fake.RefreshCount);
    }

    [Fact]
    public async Task Slow_waits_then_answers_normally()
    {
        await using var fake = await StartWithSai();
        using var client = Client(fake);
        fake.Faults.Add(new FakeFault("/collections", FaultKind.Slow, DelayMs: 400));

        var watch = Stopwatch.StartNew();
        var page = await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=50"));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(390), $"took {watch.Elapsed}");
        Assert.Equal(50, page.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task ShortPage_drops_items_but_keeps_the_total()
    {
        await using var fake = await StartWithSai();
        using var client = Client(fake);
        var token = fake.IssueTokensFor(fake.FindUser("sai")!, out _);
        fake.Faults.Add(new FakeFault("/collections", FaultKind.ShortPage, DropItems: 3));

        var short1 = await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=50", token));
        Assert.Equal(47, short1.GetProperty("data").GetArrayLength());
        Assert.Equal(120, short1.GetProperty("total").GetInt32());
        var full = await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=50", token));
        Assert.Equal(50, full.GetProperty("data").GetArrayLength());

        // A subject that cannot be loaded does the same, for good.
        var sai = fake.FindUser("sai")!;
        lock (sai.Collections) sai.Collections[0] = sai.Collections[0] with { SubjectMissing = true };
        var missing = await OkJson(await GetAsync(client, "/v0/users/sai/collections?subject_type=2&limit=50", token));
        Assert.Equal(49, missing.GetProperty("data").GetArrayLength());
        Assert.Equal(120, missing.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ExpireToken_kills_the_presented_token_and_answers_401()
    {
        await using var fake = await StartWithSai();
        using var client = Client(fake);
        var token = fake.IssueTokensFor(fake.FindUser("sai")!, out var refresh);
        fake.Faults.Add(new FakeFault("/collections", FaultKind.ExpireToken));

        await AssertV0Error(await GetAsync(client, "/v0/users/sai/collections?subject_type=2", token), HttpStatusCode.Unauthorized, ExpiredToken);
        await AssertV0Error(await GetAsync(client, "/v0/me", token), HttpStatusCode.Unauthorized, ExpiredToken);
        var fresh = (await OkJson(await RefreshAsync(client, fake, refresh))).GetProperty("access_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/v0/users/sai/collections?subject_type=2", fresh)).StatusCode);
    }

    [Fact]
    public async Task PageDelay_slows_every_collection_page()
    {
        await using var fake = await FakeBangumi.FakeBangumi.StartAsync(new FakeBangumiOptions { PageDelay = TimeSpan.FromMilliseconds(250) });
        fake.AddUser("sai").GenerateCollection(60);
        using var client = Client(fake);

        for (var offset = 0; offset < 60; offset += 50)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, $"/v0/users/sai/collections?subject_type=2&limit=50&offset={offset}")).StatusCode);
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(240), $"took {watch.Elapsed}");
        }
    }

    [Fact]
    public async Task The_control_api_adds_faults_and_expires_tokens_for_demos()
    {
        await using var fake = await StartWithSai();
        using var client = Client(fake);
        var token = fake.IssueTokensFor(fake.FindUser("sai")!, out _);

        var added = await client.PostAsync("/__fake/faults", new StringContent(
            """{"path_contains":"/collections","kind":"TooManyRequests","times":1,"retry_after_seconds":2}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        Assert.Equal(1, fake.Faults.Pending);
        var limited = await GetAsync(client, "/v0/users/sai/collections?subject_type=2", token);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), limited.Headers.RetryAfter?.Delta);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/__fake/faults", new StringContent("{\"kind\":\"Nope\"}", Encoding.UTF8, "application/json"))).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/__fake/expire-tokens", null)).StatusCode);
        await AssertV0Error(await GetAsync(client, "/v0/me", token), HttpStatusCode.Unauthorized, ExpiredToken);
        Assert.DoesNotContain(fake.Requests, r => r.Path.StartsWith("/__fake/", StringComparison.Ordinal));
    }

    // ---- helpers ----

    private static async Task<FakeBangumi.FakeBangumi> StartWithSai()
    {
        var fake = await FakeBangumi.FakeBangumi.StartAsync();
        fake.AddUser("sai", "Sai🖖").GenerateCollection(120);
        return fake;
    }

    private static HttpClient Client(FakeBangumi.FakeBangumi fake)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(fake.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Assert.True(client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent));
        return client;
    }

    private static string AuthorizeUrl(FakeBangumi.FakeBangumi fake, string? state = null) =>
        $"/oauth/authorize?client_id={Uri.EscapeDataString(fake.Options.ClientId)}&response_type=code&redirect_uri={Uri.EscapeDataString(fake.Options.RedirectUri)}" +
        (state is null ? "" : "&state=" + Uri.EscapeDataString(state));

    /// <summary>Asserts a 302 to the registered callback and returns its code and state.</summary>
    private static (string Code, string? State) Callback(FakeBangumi.FakeBangumi fake, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var location = response.Headers.Location!;
        var registered = fake.Options.RedirectUri.Split('?')[0];
        Assert.StartsWith(registered + "?", location.OriginalString, StringComparison.Ordinal);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        return (query["code"].ToString(), query.TryGetValue("state", out var state) ? state.ToString() : null);
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static Task<HttpResponseMessage> PostToken(HttpClient client, params (string Key, string Value)[] fields) =>
        client.PostAsync("/oauth/access_token", Form(fields));

    private static Task<HttpResponseMessage> ExchangeResponseAsync(HttpClient client, FakeBangumi.FakeBangumi fake, string code) =>
        PostToken(client, ("grant_type", "authorization_code"), ("client_id", fake.Options.ClientId), ("client_secret", fake.Options.ClientSecret),
            ("code", code), ("redirect_uri", fake.Options.RedirectUri));

    private static async Task<JsonElement> ExchangeAsync(HttpClient client, FakeBangumi.FakeBangumi fake, string code) =>
        await OkJson(await ExchangeResponseAsync(client, fake, code));

    private static Task<HttpResponseMessage> RefreshAsync(HttpClient client, FakeBangumi.FakeBangumi fake, string refreshToken) =>
        PostToken(client, ("grant_type", "refresh_token"), ("client_id", fake.Options.ClientId), ("client_secret", fake.Options.ClientSecret),
            ("refresh_token", refreshToken), ("redirect_uri", fake.Options.RedirectUri));

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? token = null, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (userAgent is not null) request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> SendRaw(HttpClient client, string path, string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", authorization));
        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> OkJson(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the v0 ErrorDetail shape of COLLECTIONS.md §5 and returns the body.</summary>
    private static async Task<JsonElement> AssertV0Error(HttpResponseMessage response, HttpStatusCode status, string? description = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        if (description is not null) Assert.Equal(description, body.GetProperty("description").GetString());
        var details = body.GetProperty("details");
        Assert.Equal(response.RequestMessage!.RequestUri!.AbsolutePath, details.GetProperty("path").GetString());
        return body;
    }

    private static async Task AssertLegacyError(HttpResponseMessage response, string error, string? description = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(error, body.GetProperty("error").GetString());
        if (description is not null) Assert.Equal(description, body.GetProperty("error_description").GetString());
        Assert.False(body.TryGetProperty("code", out _));
    }

    private static async Task AssertFastifyError(HttpResponseMessage response, int status, string code, string? message = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["statusCode", "code", "error", "message"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(status, body.GetProperty("statusCode").GetInt32());
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(status == 404 ? "Not Found" : "Bad Request", body.GetProperty("error").GetString());
        if (message is not null) Assert.Equal(message, body.GetProperty("message").GetString());
        Assert.False(body.TryGetProperty("error_description", out _));
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")]
    private static partial Regex TimeFormat();
}
