using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Collections;

/// <summary>One page of a listing: its items and the cursor to the next page (null on the last).</summary>
public sealed record Page(IReadOnlyList<JsonElement> Items, string? NextCursor);

/// <summary>What a client of the catalog and collection API does, step by step.</summary>
public static class CollectionTestHelpers
{
    public static readonly string[] Statuses = ["wish", "doing", "done", "on_hold", "dropped"];

    public static readonly string[] AnimeFields = ["id", "name", "name_cn", "episodes", "director", "air_date", "image", "bangumi_id", "created_at"];

    public static readonly string[] ItemFields =
        ["anime_id", "anime", "status", "score", "comment", "episodes_watched", "private", "created_at", "updated_at"];

    public static readonly string[] ItemAnimeFields = ["id", "name", "name_cn", "episodes", "image", "bangumi_id"];

    /// <summary>A word no other test uses, to find exactly this test's anime in the shared catalog.</summary>
    public static string NewMarker() => "mk" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();

    public static string ItemPath(string animeId) => "/api/me/collection/" + Uri.EscapeDataString(animeId);

    public static string AnimePath(string animeId) => "/api/anime/" + Uri.EscapeDataString(animeId);

    /// <summary>Sends <paramref name="json"/> exactly as written (for wrong types, explicit nulls, absent fields).</summary>
    public static async Task<HttpResponseMessage> SendRaw(this HttpClient client, HttpMethod method, string path, string? token, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAnime(this HttpClient client, string? token, object body) =>
        client.Send(HttpMethod.Post, "/api/anime", token, body);

    /// <summary>POST /api/anime; asserts 201 with the Location of the new entry and returns it.</summary>
    public static async Task<JsonElement> CreateAnime(this HttpClient client, string token, object body)
    {
        var response = await client.PostAnime(token, body);
        var anime = await response.Ok(HttpStatusCode.Created);
        AssertShape(anime, AnimeFields);
        var id = anime.Id();
        Assert.False(string.IsNullOrEmpty(id));
        AssertLocation(response, AnimePath(id));
        return anime;
    }

    /// <summary>An anime named <paramref name="name"/> (a fresh marker by default) with <paramref name="episodes"/> episodes.</summary>
    public static Task<JsonElement> CreateAnime(this HttpClient client, string token, string? name = null, int? episodes = 12) =>
        client.CreateAnime(token, new { name = name ?? "Anime " + NewMarker(), episodes });

    public static Task<HttpResponseMessage> PutItem(this HttpClient client, string? token, string animeId, object body) =>
        client.Send(HttpMethod.Put, ItemPath(animeId), token, body);

    public static Task<HttpResponseMessage> PutItemRaw(this HttpClient client, string? token, string animeId, string json) =>
        client.SendRaw(HttpMethod.Put, ItemPath(animeId), token, json);

    /// <summary>PUT that creates the item: asserts 201, its Location and its shape; returns the item.</summary>
    public static async Task<JsonElement> AddItem(this HttpClient client, string token, string animeId, object body)
    {
        var response = await client.PutItem(token, animeId, body);
        var item = await response.Ok(HttpStatusCode.Created);
        AssertLocation(response, ItemPath(animeId));
        AssertItemShape(item);
        Assert.Equal(animeId, item.GetProperty("anime_id").GetString());
        return item;
    }

    /// <summary>PUT that updates an existing item: asserts 200 and returns the item.</summary>
    public static async Task<JsonElement> UpdateItem(this HttpClient client, string token, string animeId, object body)
    {
        var item = await (await client.PutItem(token, animeId, body)).Ok();
        AssertItemShape(item);
        Assert.Equal(animeId, item.GetProperty("anime_id").GetString());
        return item;
    }

    public static async Task<JsonElement> GetItem(this HttpClient client, string token, string animeId)
    {
        var item = await (await client.Send(HttpMethod.Get, ItemPath(animeId), token)).Ok();
        AssertItemShape(item);
        return item;
    }

    public static async Task AssertNoItem(this HttpClient client, string token, string animeId) =>
        await (await client.Send(HttpMethod.Get, ItemPath(animeId), token)).Problem(HttpStatusCode.NotFound, "collection-item-not-found");

    public static async Task<JsonElement> Stats(this HttpClient client, string token) =>
        await (await client.Send(HttpMethod.Get, "/api/me/collection/stats", token)).Ok();

    /// <summary>Asserts the stats answer exactly these counts (statuses not given are 0) and the total.</summary>
    public static void AssertStats(JsonElement stats, int wish = 0, int doing = 0, int done = 0, int onHold = 0, int dropped = 0)
    {
        var expected = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["wish"] = wish, ["doing"] = doing, ["done"] = done, ["on_hold"] = onHold, ["dropped"] = dropped,
            ["total"] = wish + doing + done + onHold + dropped,
        };
        var actual = expected.Keys.ToDictionary(k => k, k => stats.GetProperty(k).GetInt32(), StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }

    /// <summary>GET of one page; asserts 200 and the <c>{items, next_cursor}</c> shape, and that it holds at most <paramref name="limit"/> items.</summary>
    public static async Task<Page> GetPage(this HttpClient client, string path, string? token, int? limit = null, string? cursor = null)
    {
        var url = WithQuery(path, ("limit", limit?.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor));
        var json = await (await client.Send(HttpMethod.Get, url, token)).Ok();
        return ToPage(json, limit ?? 20, url);
    }

    public static Page ToPage(JsonElement json, int limit, string url)
    {
        Assert.Equal(JsonValueKind.Array, json.GetProperty("items").ValueKind);
        Assert.True(json.TryGetProperty("next_cursor", out var next), $"{url}: no next_cursor property (nulls are written explicitly)");
        Assert.True(next.ValueKind is JsonValueKind.String or JsonValueKind.Null, $"{url}: next_cursor is {next.ValueKind}");
        var items = json.GetProperty("items").EnumerateArray().ToList();
        Assert.True(items.Count <= limit, $"{url}: {items.Count} items on a page of limit {limit}");
        var cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
        if (cursor is not null) Assert.False(string.IsNullOrEmpty(cursor), $"{url}: empty next_cursor");
        return new Page(items, cursor);
    }

    /// <summary>Follows next_cursor from the first page until it is null; returns every page.</summary>
    public static async Task<List<Page>> AllPages(this HttpClient client, string path, string? token, int? limit = null)
    {
        var pages = new List<Page>();
        string? cursor = null;
        do
        {
            Assert.True(pages.Count < 500, $"{path}: still a next_cursor after 500 pages");
            var page = await client.GetPage(path, token, limit, cursor);
            if (cursor is not null) Assert.NotEqual(cursor, page.NextCursor);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return pages;
    }

    /// <summary>Every item of a listing, following next_cursor to the end.</summary>
    public static async Task<List<JsonElement>> AllItems(this HttpClient client, string path, string? token, int? limit = null) =>
        (await client.AllPages(path, token, limit)).SelectMany(p => p.Items).ToList();

    /// <summary>Every anime whose name or name_cn contains <paramref name="q"/>.</summary>
    public static Task<List<JsonElement>> Search(this HttpClient client, string q, int? limit = null) =>
        client.AllItems(WithQuery("/api/anime", ("q", q)), null, limit);

    public static string WithQuery(string path, params (string Name, string? Value)[] parameters)
    {
        var pairs = parameters.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        if (pairs.Count == 0) return path;
        return path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join("&", pairs);
    }

    public static string Id(this JsonElement anime) => anime.GetProperty("id").GetString()!;

    public static string AnimeId(this JsonElement item) => item.GetProperty("anime_id").GetString()!;

    public static DateTimeOffset Time(this JsonElement json, string property) =>
        DateTimeOffset.Parse(json.GetProperty(property).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>The JSON value of a property exactly as sent (e.g. <c>null</c>, <c>7</c>, <c>"text"</c>).</summary>
    public static string Raw(this JsonElement json, string property) => json.GetProperty(property).GetRawText();

    /// <summary>Exactly these properties, every one written (nulls included).</summary>
    public static void AssertShape(JsonElement json, string[] fields)
    {
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.Equal(fields.Order(StringComparer.Ordinal), json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    public static void AssertItemShape(JsonElement item)
    {
        AssertShape(item, ItemFields);
        AssertShape(item.GetProperty("anime"), ItemAnimeFields);
        Assert.Equal(item.AnimeId(), item.GetProperty("anime").Id());
        Assert.Contains(item.GetProperty("status").GetString(), Statuses);
        Assert.Equal(JsonValueKind.Number, item.GetProperty("episodes_watched").ValueKind);
        Assert.True(item.GetProperty("private").ValueKind is JsonValueKind.True or JsonValueKind.False);
    }

    /// <summary>The item's values: status, score, comment, episodes_watched, private.</summary>
    public static void AssertItem(JsonElement item, string status, int? score, string? comment, int episodesWatched, bool isPrivate)
    {
        Assert.Equal(status, item.GetProperty("status").GetString());
        Assert.Equal(score, item.GetProperty("score").ValueKind == JsonValueKind.Null ? null : item.GetProperty("score").GetInt32());
        Assert.Equal(comment, item.StringOrNull("comment"));
        Assert.Equal(episodesWatched, item.GetProperty("episodes_watched").GetInt32());
        Assert.Equal(isPrivate, item.GetProperty("private").GetBoolean());
    }

    public static void AssertLocation(HttpResponseMessage response, string path)
    {
        var location = response.Headers.Location;
        Assert.NotNull(location);
        var actual = location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
        Assert.Equal(path, actual);
    }

    /// <summary>A user's token from a third-party app that asked for <paramref name="scope"/>, through the real authorization code flow.</summary>
    public static async Task<string> ThirdPartyToken(this BangumoeApp app, TestUser user, string scope)
    {
        var client = await app.NewClientAsync();
        var tokens = await app.NewFlow().TokensAsync(client, user, scope);
        Assert.Equal(scope.Split(' ').Order(StringComparer.Ordinal), tokens.Scope.Split(' ').Order(StringComparer.Ordinal));
        return tokens.AccessToken;
    }

    /// <summary>Registers <paramref name="uname"/> (with a new email), verifies it by mail and logs in.</summary>
    public static async Task<TestUser> NewVerifiedUserNamed(this BangumoeApp app, HttpClient client, string uname, string password = "correct horse battery")
    {
        var email = TestApi.NewEmail();
        var registered = await client.Register(uname, email, password);
        var mail = await app.Mail.WaitForAsync(email, "Verify");
        var (status, html) = await client.FollowMailLink(mail);
        Assert.True(status == HttpStatusCode.OK, html);
        var token = await client.Login(email, password);
        return new TestUser(registered.GetProperty("uid").GetString()!, uname, email, password, token);
    }
}
