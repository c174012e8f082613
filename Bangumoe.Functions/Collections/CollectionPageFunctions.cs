using Bangumoe.Accounts;
using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Collections;

/// <summary>
/// Collections as pages: <c>/collection</c> (the signed-in person's own, private items included, with edit and
/// remove) and <c>/u/{uname}</c> (anyone's public items). Both page by status with the list's cursor.
/// </summary>
public sealed class CollectionPageFunctions(PageRequests pages, CollectionService collections, CollectionStore store)
{
    public const int PageSize = 20;

    [Function("MyCollectionPage")]
    [Page]
    public async Task<IResult> Mine([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "collection")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (page.User is not { } user) return PageResults.SignInFirst(page);
        var (status, cursor) = ListQuery(req);
        var stats = await store.StatsAsync(user.Uid, ct: ct);
        var list = await collections.ListAsync(user.Uid, status, PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), cursor, publicOnly: false, ct);
        return PageResults.Render<MyCollectionPage>(page, list.Ok ? 200 : 400, new Dictionary<string, object?>
        {
            [nameof(MyCollectionPage.Stats)] = stats,
            [nameof(MyCollectionPage.Items)] = list.Value?.Items ?? Array.Empty<CollectionEntity>(),
            [nameof(MyCollectionPage.Status)] = list.Ok ? status : null,
            [nameof(MyCollectionPage.Cursor)] = cursor,
            [nameof(MyCollectionPage.NextCursor)] = list.Value?.NextCursor,
            [nameof(MyCollectionPage.Notice)] = req.Query["notice"].FirstOrDefault() switch
            {
                "removed" => page.Texts.Collection.Removed,
                "saved" => page.Texts.Collection.Saved,
                _ => null,
            },
            [nameof(MyCollectionPage.PageError)] = list.Ok ? null : page.Texts.Collection.BadPageLink,
        });
    }

    [Function("PublicCollectionPage")]
    [Page]
    public async Task<IResult> Public([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "u/{uname}")] HttpRequest req, string uname, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (await collections.FindPublicOwnerAsync(uname, ct) is not { } owner) return PageResults.NotFound(page);

        var (status, cursor) = ListQuery(req);
        var stats = await store.StatsAsync(owner.Uid, publicOnly: true, ct);
        var list = await collections.ListAsync(owner.Uid, status, PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), cursor, publicOnly: true, ct);
        return PageResults.Render<PublicCollectionPage>(page, list.Ok ? 200 : 400, new Dictionary<string, object?>
        {
            [nameof(PublicCollectionPage.Owner)] = owner,
            [nameof(PublicCollectionPage.Stats)] = stats,
            [nameof(PublicCollectionPage.Items)] = list.Value?.Items ?? Array.Empty<CollectionEntity>(),
            [nameof(PublicCollectionPage.Status)] = list.Ok ? status : null,
            [nameof(PublicCollectionPage.Cursor)] = cursor,
            [nameof(PublicCollectionPage.NextCursor)] = list.Value?.NextCursor,
            [nameof(PublicCollectionPage.PageError)] = list.Ok ? null : page.Texts.Collection.BadPageLink,
        });
    }

    /// <summary>The status and cursor of a list page; empty ones (as a form or a hand-edited link sends them) mean none.</summary>
    private static (string? Status, string? Cursor) ListQuery(HttpRequest req) =>
        (req.Query["status"].FirstOrDefault() is { Length: > 0 } status ? status : null,
         req.Query["cursor"].FirstOrDefault() is { Length: > 0 } cursor ? cursor : null);
}
