using System.Net;
using System.Text.Json;
using Bangumoe.Tests.Collections;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>What the anime, collection, profile and home page tests set up through the JSON API, and how they look for
/// markup that a stored value must never become.</summary>
public static class CollectionPageSteps
{
    public const string ScriptPayload = "<script>alert(1)</script>";
    public const string AttributePayload = "\"><img src=x onerror=alert(1)>";

    /// <summary>A catalog entry made by <paramref name="user"/>; returns its id.</summary>
    public static async Task<string> NewAnime(this BangumoeApp app, TestUser user, string name, string? nameCn = null, int? episodes = 12,
        string? airDate = null, string? image = null) =>
        (await app.CreateClient().CreateAnime(user.Token, new { name, name_cn = nameCn, episodes, air_date = airDate, image })).Id();

    /// <summary>Puts the anime in the user's collection through the API (201 or 200).</summary>
    public static async Task<JsonElement> Collect(this BangumoeApp app, TestUser user, string animeId, string status, int? score = null,
        string? comment = null, int episodes = 0, bool isPrivate = false)
    {
        var response = await app.CreateClient().PutItem(user.Token, animeId,
            new { status, score, comment, episodes_watched = episodes, @private = isPrivate });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Json();
    }

    /// <summary>The item as the API has it, or null when it is not in the collection.</summary>
    public static async Task<JsonElement?> Item(this BangumoeApp app, TestUser user, string animeId)
    {
        var response = await app.CreateClient().Send(HttpMethod.Get, CollectionTestHelpers.ItemPath(animeId), user.Token);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        return await response.Ok();
    }

    public static async Task SetProfile(this BangumoeApp app, TestUser user, string? nickname = null, string? avatar = null, string? intro = null) =>
        await (await app.CreateClient().Send(HttpMethod.Patch, "/api/me", user.Token, new { nickname, avatar, intro })).Ok();

    public static void AssertStatus(this PageResponse page, HttpStatusCode status) =>
        Assert.True(page.Status == status, $"Expected {(int)status}, got {(int)page.Status}: {page.Html}");

    /// <summary>
    /// The stored payloads appear as text, and became no element: no script but the layout's files, no element with an
    /// event handler, no img without a real source.
    /// </summary>
    public static void AssertShownAsText(this PageResponse page, params string[] payloads)
    {
        Assert.DoesNotContain(page.Document.QuerySelectorAll("script"), s => !(s.GetAttribute("src") ?? "").StartsWith("/assets/", StringComparison.Ordinal));
        Assert.DoesNotContain(page.Document.All, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)));
        Assert.Empty(page.Document.QuerySelectorAll("img[src='x']"));
        var text = page.Document.Body!.TextContent;
        foreach (var payload in payloads) Assert.Contains(payload, text, StringComparison.Ordinal);
    }

    /// <summary>The texts of the links to anime pages, in page order.</summary>
    public static List<string> AnimeLinks(this PageResponse page) =>
        page.Document.QuerySelectorAll(".item-title a").Select(a => a.TextContent.Trim()).ToList();
}
