using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Collections;

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
