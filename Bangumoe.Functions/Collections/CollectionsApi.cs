using System.Text.Json;
using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Bangumoe.Security;

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
public static class CatalogApi
{
    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/anime").WithTags("Collections");
        group.MapGet("", List).WithName("ListAnime");
        group.MapGet("/{id}", Get).WithName("GetAnime");
        group.MapPost("", Create).WithName("CreateAnime").RequireAuthorization().RequireScope(Scopes.CollectionWrite);
        return routes;
    }

    public static async Task<IResult> List(string? q, string? limit, string? cursor, AnimeCatalog catalog, HttpContext context, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var size = CollectionService.PageLimit(limit, errors);
        if (errors.Any) return errors.ToError().ToProblem(context);
        var result = await catalog.ListAsync(q, size, cursor, ct);
        return result.Ok
            ? TypedResults.Ok(new PageView<AnimeView>(result.Value!.Items.Select(AnimeView.Of).ToList(), result.Value.NextCursor))
            : result.Error!.ToProblem(context);
    }

    public static async Task<IResult> Get(string id, AnimeCatalog catalog, HttpContext context, CancellationToken ct) =>
        await catalog.GetAsync(id, ct) is { } anime ? TypedResults.Ok(AnimeView.Of(anime)) : CollectionService.AnimeNotFound.ToProblem(context);

    public static async Task<IResult> Create(NewAnimeBody body, CurrentUser me, AnimeCatalog catalog, HttpContext context, CancellationToken ct)
    {
        var result = await catalog.CreateAsync(new NewAnime(body.Name, body.NameCn, body.Episodes, body.Director, body.AirDate, body.Image), me.User.Uid, ct);
        return result.Ok ? TypedResults.Created($"/api/anime/{result.Value!.Id}", AnimeView.Of(result.Value)) : result.Error!.ToProblem(context);
    }
}

/// <summary>
/// The signed-in user's collection: <c>/api/me/collection</c>. Apps need <c>collection:read</c> to read it and
/// <c>collection:write</c> to change it; Bangumoe's own login has both.
/// </summary>
public static class CollectionApi
{
    public static IEndpointRouteBuilder MapCollections(this IEndpointRouteBuilder routes)
    {
        var mine = routes.MapGroup("/api/me/collection").WithTags("Collections").RequireAuthorization();
        mine.MapGet("", ListMine).WithName("ListMyCollection").RequireScope(Scopes.CollectionRead);
        mine.MapGet("/stats", Stats).WithName("GetCollectionStats").RequireScope(Scopes.CollectionRead);
        mine.MapGet("/{anime_id}", Get).WithName("GetCollectionItem").RequireScope(Scopes.CollectionRead);
        mine.MapPut("/{anime_id}", Put).WithName("PutCollectionItem").RequireScope(Scopes.CollectionWrite);
        mine.MapDelete("/{anime_id}", Delete).WithName("DeleteCollectionItem").RequireScope(Scopes.CollectionWrite);

        routes.MapGet("/api/users/{uname}/collection", ListPublic).WithName("ListUserCollection").WithTags("Collections");
        return routes;
    }

    public static async Task<IResult> ListMine(string? status, string? limit, string? cursor, CurrentUser me, CollectionService collections, HttpContext context, CancellationToken ct) =>
        Page(await collections.ListAsync(me.User.Uid, status, limit, cursor, publicOnly: false, ct), context);

    public static async Task<IResult> ListPublic(string uname, string? status, string? limit, string? cursor, CollectionService collections, HttpContext context, CancellationToken ct) =>
        Page(await collections.ListPublicAsync(uname, status, limit, cursor, ct), context);

    public static async Task<IResult> Stats(CurrentUser me, CollectionStore store, CancellationToken ct)
    {
        var s = await store.StatsAsync(me.User.Uid, ct);
        return TypedResults.Ok(new CollectionStatsView(s.Wish, s.Doing, s.Done, s.OnHold, s.Dropped, s.Total));
    }

    public static async Task<IResult> Get(string anime_id, CurrentUser me, CollectionStore store, HttpContext context, CancellationToken ct) =>
        await store.GetAsync(me.User.Uid, anime_id, ct) is { } item
            ? TypedResults.Ok(CollectionItemView.Of(item))
            : CollectionService.ItemNotFound.ToProblem(context);

    public static async Task<IResult> Put(string anime_id, JsonElement body, CurrentUser me, CollectionService collections, HttpContext context, CancellationToken ct)
    {
        var result = await collections.PutAsync(me.User.Uid, anime_id, body, ct);
        if (!result.Ok) return result.Error!.ToProblem(context);
        var view = CollectionItemView.Of(result.Value!.Item);
        return result.Value.Created ? TypedResults.Created($"/api/me/collection/{anime_id}", view) : TypedResults.Ok(view);
    }

    public static async Task<IResult> Delete(string anime_id, CurrentUser me, CollectionService collections, HttpContext context, CancellationToken ct) =>
        await collections.DeleteAsync(me.User.Uid, anime_id, ct) is { } error ? error.ToProblem(context) : TypedResults.NoContent();

    private static IResult Page(Result<CollectionPage> result, HttpContext context) =>
        result.Ok
            ? TypedResults.Ok(new PageView<CollectionItemView>(result.Value!.Items.Select(CollectionItemView.Of).ToList(), result.Value.NextCursor))
            : result.Error!.ToProblem(context);
}
