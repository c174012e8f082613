using System.Text.Json;
using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Collections;

public sealed record NewAnimeBody(string? Name, string? NameCn, int? Episodes, string? Director, string? AirDate, string? Image);

public sealed record AnimeView(string Id, string Name, string? NameCn, int? Episodes, string? Director, string? AirDate, string? Image, int? BangumiId, DateTimeOffset CreatedAt)
{
    public static AnimeView Of(AnimeEntity a) => new(a.Id, a.Name, a.NameCn, a.Episodes, a.Director, a.AirDate, a.Image, a.BangumiId, a.CreatedAt);
}

/// <summary>What a collection item shows of its anime (a copy kept with the item, so a page reads one partition).</summary>
public sealed record AnimeSummary(string Id, string Name, string? NameCn, int? Episodes, string? Image, int? BangumiId);

public sealed record CollectionItemView(string AnimeId, AnimeSummary Anime, string Status, int? Score, string? Comment, int EpisodesWatched, bool Private, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static CollectionItemView Of(CollectionEntity c) => new(c.AnimeId,
        new AnimeSummary(c.AnimeId, c.AnimeName, c.AnimeNameCn, c.AnimeEpisodes, c.AnimeImage, c.AnimeBangumiId),
        c.Status, c.Score, c.Comment, c.EpisodesWatched, c.Private, c.CreatedAt, c.UpdatedAt);
}

public sealed record PageView<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record CollectionStatsView(int Wish, int Doing, int Done, int OnHold, int Dropped, int Total);

/// <summary>The anime catalog: <c>/api/anime</c>. Anyone may read it; a signed-in user may add to it.</summary>
public sealed class CatalogFunctions(AnimeCatalog catalog)
{
    [Function("ListAnime")]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/anime")] HttpRequest req, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var size = CollectionService.PageLimit(req.Query["limit"].FirstOrDefault(), errors);
        if (errors.Any) return errors.ToError().ToProblem(req.HttpContext);
        var result = await catalog.ListAsync(req.Query["q"].FirstOrDefault(), size, req.Query["cursor"].FirstOrDefault(), ct);
        return result.Ok
            ? TypedResults.Ok(new PageView<AnimeView>(result.Value!.Items.Select(AnimeView.Of).ToList(), result.Value.NextCursor))
            : result.Error!.ToProblem(req.HttpContext);
    }

    [Function("GetAnime")]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/anime/{id}")] HttpRequest req, string id, CancellationToken ct) =>
        await catalog.GetAsync(id, ct) is { } anime ? TypedResults.Ok(AnimeView.Of(anime)) : CollectionService.AnimeNotFound.ToProblem(req.HttpContext);

    [Function("CreateAnime")]
    [RequireScope(Scopes.CollectionWrite)]
    public async Task<IResult> Create([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/anime")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<NewAnimeBody>(ct);
        var result = await catalog.CreateAsync(new NewAnime(body.Name, body.NameCn, body.Episodes, body.Director, body.AirDate, body.Image), req.Caller().User.Uid, ct);
        return result.Ok ? TypedResults.Created($"/api/anime/{result.Value!.Id}", AnimeView.Of(result.Value)) : result.Error!.ToProblem(req.HttpContext);
    }
}

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
        var s = await store.StatsAsync(req.Caller().User.Uid, ct);
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
        var result = await collections.PutAsync(req.Caller().User.Uid, anime_id, body, ct);
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
