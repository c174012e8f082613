using System.Globalization;
using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.Functions.Collections;

/// <summary>
/// The catalog's pages: <c>/anime</c> (search and paging) and <c>/anime/{id}</c>, whose collect and remove forms post
/// to <c>/anime/{id}/collect</c> and <c>/anime/{id}/remove</c>. The core decides what a change may be
/// (<see cref="CollectionService"/>); these functions read the form and say its verdict in the page's language.
/// </summary>
public sealed class AnimePageFunctions(PageRequests pages, AnimeCatalog catalog, CollectionService collections, CollectionStore store)
{
    public const int PageSize = 20;

    [Function("AnimeListPage")]
    [Page]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "anime")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var c = page.Texts.Collection;
        var query = req.Query["q"].FirstOrDefault();
        var cursor = req.Query["cursor"].FirstOrDefault() is { Length: > 0 } given ? given : null;
        var search = FormState.Empty.With("q", query);
        var result = await catalog.ListAsync(query, PageSize, cursor, ct);
        if (result.Ok)
            return Catalog(page, 200, search, query, cursor, result.Value!, pageError: null);
        var fields = result.Error!.FieldErrors ?? new Dictionary<string, string[]>();
        if (fields.ContainsKey("q")) search.AddError("q", c.QueryTooLong(AnimeCatalog.QueryMaxLength));
        return Catalog(page, 400, search, query, cursor, new AnimePage([], null), fields.ContainsKey("q") ? null : c.BadPageLink);
    }

    [Function("AnimeDetailsPage")]
    [Page]
    public async Task<IResult> Details([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "anime/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (await catalog.GetAsync(id, ct) is not { } anime) return PageResults.NotFound(page);
        var c = page.Texts.Collection;
        var notice = req.Query["notice"].FirstOrDefault() switch
        {
            "saved" => c.Saved,
            "removed" => c.Removed,
            _ => null,
        };
        var item = page.User is { } user ? await store.GetAsync(user.Uid, anime.Id, ct) : null;
        return Details(page, 200, anime, item, form: null, notice);
    }

    [Function("AnimeCollectForm")]
    [Page]
    public async Task<IResult> Collect([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "anime/{id}/collect")] HttpRequest req, string id, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, CollectionLinks.Anime(id), ct);
        if (post.Refused is { } refused) return refused;
        var (page, user) = (post.Page, post.User);

        var result = await collections.PutAsync(user.Uid, id, ReadChange(post.Form), ct);
        // Back to where the form was: the anime page, or the collection page's in-place form (its return_to).
        if (result.Ok) return PageResults.SeeOther(req.HttpContext, PageResults.LocalPath(post.Form["return_to"], CollectionLinks.With(CollectionLinks.Anime(id), ("notice", "saved"))));
        if (result.Error!.Kind == ErrorKind.NotFound || await catalog.GetAsync(id, ct) is not { } anime) return PageResults.NotFound(page);

        // Nothing was written: the form comes back as typed, each field with what is wrong with it.
        var c = page.Texts.Collection;
        var form = FormState.From(post.Form);
        var max = anime.Episodes ?? CollectionInput.MaxEpisodesWatched;
        foreach (var field in result.Error.FieldErrors?.Keys ?? [])
        {
            var message = field switch
            {
                "status" => c.StatusInvalid,
                "score" => c.ScoreInvalid,
                "episodes_watched" => c.EpisodesWatchedInvalid(max),
                "comment" => post.Form["comment"].ToString().Trim().EnumerateRunes().Count() > CollectionInput.CommentMaxLength
                    ? c.CommentTooLong(CollectionInput.CommentMaxLength)
                    : c.CommentInvalid,
                "private" => c.PrivateInvalid,
                _ => null,
            };
            if (message is null) form.Message = page.Texts.FixTheFields;
            else form.AddError(field, message);
        }
        return Details(page, 400, anime, await store.GetAsync(user.Uid, anime.Id, ct), form, notice: null);
    }

    [Function("AnimeRemoveForm")]
    [Page]
    public async Task<IResult> Remove([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "anime/{id}/remove")] HttpRequest req, string id, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, CollectionLinks.Anime(id), ct);
        if (post.Refused is { } refused) return refused;
        var (page, user) = (post.Page, post.User);
        // Only a catalog id is ever a key of a collection item; anything else is not in anyone's collection.
        if (!AnimeCatalog.IsId(id) || await collections.DeleteAsync(user.Uid, id, ct) is not null) return PageResults.NotFound(page);
        var back = CollectionLinks.With(CollectionLinks.Anime(id), ("notice", "removed"));
        return PageResults.SeeOther(req.HttpContext, PageResults.LocalPath(post.Form["return_to"], back));
    }

    /// <summary>
    /// The collect form as a complete change: the form always sends every field, so an empty score clears it, an empty
    /// episode count is 0, and an unticked (absent) private box is false. A field left out of a hand-made post keeps
    /// its stored value, as in the API; text where a number belongs is reported by the core with the other fields.
    /// </summary>
    public static CollectionChange ReadChange(IFormCollection form) => new(
        form.TryGetValue("status", out var status) ? Optional<string?>.Of(status.ToString()) : default,
        Number(form, "score"),
        form.TryGetValue("comment", out var comment) ? Optional<string?>.Of(comment.ToString()) : default,
        Number(form, "episodes_watched"),
        form["private"].ToString() switch
        {
            "" => Optional<bool?>.Of(false),
            "true" => Optional<bool?>.Of(true),
            _ => Optional<bool?>.Malformed,
        });

    private static Optional<int?> Number(IFormCollection form, string name)
    {
        if (!form.TryGetValue(name, out StringValues values)) return default;
        var text = values.ToString().Trim();
        if (text.Length == 0) return Optional<int?>.Of(null);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? Optional<int?>.Of(n) : Optional<int?>.Malformed;
    }

    private static IResult Catalog(PageContext page, int status, FormState search, string? query, string? cursor, AnimePage list, string? pageError) =>
        PageResults.Render<CatalogPage>(page, status, new Dictionary<string, object?>
        {
            [nameof(CatalogPage.Items)] = list.Items,
            [nameof(CatalogPage.Search)] = search,
            [nameof(CatalogPage.Query)] = query,
            [nameof(CatalogPage.Cursor)] = cursor,
            [nameof(CatalogPage.NextCursor)] = list.NextCursor,
            [nameof(CatalogPage.PageSize)] = PageSize,
            [nameof(CatalogPage.PageError)] = pageError,
        });

    private static IResult Details(PageContext page, int status, AnimeEntity anime, CollectionEntity? item, FormState? form, string? notice) =>
        PageResults.Render<AnimeDetailsPage>(page, status, new Dictionary<string, object?>
        {
            [nameof(AnimeDetailsPage.Anime)] = anime,
            [nameof(AnimeDetailsPage.Item)] = item,
            [nameof(AnimeDetailsPage.Form)] = form,
            [nameof(AnimeDetailsPage.Notice)] = notice,
        });
}
