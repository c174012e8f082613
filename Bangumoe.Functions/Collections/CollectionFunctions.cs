using System.Text.Json;
using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Collections;

/// <summary>
/// The signed-in user's collection: <c>/api/me/collection</c>. Apps need <c>collection:read</c> to read it and
/// <c>collection:write</c> to change it; Bangumoe's own login has both. And anyone's public collection.
/// </summary>
public sealed class CollectionFunctions(CollectionService collections, CollectionStore store)
{
    [Function("ListMyCollection")]
    [RequireScope(Scopes.CollectionRead)]
    public async Task<IResult> ListMine([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me/collection")] HttpRequest req, CancellationToken ct) =>
        Page(await collections.ListAsync(req.Caller().User.Uid, req.Query["status"].FirstOrDefault(), req.Query["limit"].FirstOrDefault(), req.Query["cursor"].FirstOrDefault(), publicOnly: false, ct), req);

    [Function("ListUserCollection")]
    public async Task<IResult> ListPublic([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{uname}/collection")] HttpRequest req, string uname, CancellationToken ct) =>
        Page(await collections.ListPublicAsync(uname, req.Query["status"].FirstOrDefault(), req.Query["limit"].FirstOrDefault(), req.Query["cursor"].FirstOrDefault(), ct), req);

    [Function("GetCollectionStats")]
    [RequireScope(Scopes.CollectionRead)]
    public async Task<IResult> Stats([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me/collection/stats")] HttpRequest req, CancellationToken ct)
    {
        var s = await store.StatsAsync(req.Caller().User.Uid, ct: ct);
        return TypedResults.Ok(new CollectionStatsView(s.Wish, s.Doing, s.Done, s.OnHold, s.Dropped, s.Total));
    }

    [Function("GetCollectionItem")]
    [RequireScope(Scopes.CollectionRead)]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me/collection/{anime_id}")] HttpRequest req, string anime_id, CancellationToken ct) =>
        await store.GetAsync(req.Caller().User.Uid, anime_id, ct) is { } item
            ? TypedResults.Ok(CollectionItemView.Of(item))
            : CollectionService.ItemNotFound.ToProblem(req.HttpContext);

    [Function("PutCollectionItem")]
    [RequireScope(Scopes.CollectionWrite)]
    public async Task<IResult> Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/me/collection/{anime_id}")] HttpRequest req, string anime_id, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<JsonElement>(ct);
        var result = await collections.PutAsync(req.Caller().User.Uid, anime_id, CollectionChangeReader.Read(body), ct);
        if (!result.Ok) return result.Error!.ToProblem(req.HttpContext);
        var view = CollectionItemView.Of(result.Value!.Item);
        return result.Value.Created ? TypedResults.Created($"/api/me/collection/{anime_id}", view) : TypedResults.Ok(view);
    }

    [Function("DeleteCollectionItem")]
    [RequireScope(Scopes.CollectionWrite)]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/me/collection/{anime_id}")] HttpRequest req, string anime_id, CancellationToken ct) =>
        await collections.DeleteAsync(req.Caller().User.Uid, anime_id, ct) is { } error ? error.ToProblem(req.HttpContext) : TypedResults.NoContent();

    private static IResult Page(Result<CollectionPage> result, HttpRequest req) =>
        result.Ok
            ? TypedResults.Ok(new PageView<CollectionItemView>(result.Value!.Items.Select(CollectionItemView.Of).ToList(), result.Value.NextCursor))
            : result.Error!.ToProblem(req.HttpContext);
}
