using Bangumoe.Bangumi;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.Bangumi;

/// <summary>
/// The person's side of the Bangumi binding: <c>/account/bangumi</c> shows it and the import's progress; its forms bind
/// (off to Bangumi's consent page), sync and unbind, each answering 303 back to the page with a notice. Bangumi sends
/// the browser back to <c>/oauth2.0/redirect</c> (the seed's path; <c>/oauth/redirect</c> too), which lands on the page
/// as well, or explains why nothing was bound.
/// </summary>
public sealed class BangumiPages(BangumiBinding binding, PageRequests pages, IOptions<BangumiOptions> options, TimeProvider time)
{
    public const string Path = "/account/bangumi";

    /// <summary>What a form did, as the <c>notice</c> the 303 carries back: a fixed key, never text from the request.</summary>
    private static readonly Dictionary<string, Func<BangumiTexts, string>> Notices = new(StringComparer.Ordinal)
    {
        ["linked"] = t => t.NoticeLinked,
        ["sync-started"] = t => t.NoticeSyncStarted,
        ["sync-running"] = t => t.NoticeSyncRunning,
        ["reauthorize"] = t => t.NoticeReauthorize,
        ["unbound"] = t => t.NoticeUnbound,
        ["unbound-purged"] = t => t.NoticeUnboundPurged,
        ["not-bound"] = t => t.NoticeNotBound,
    };

    [Function("BangumiPage")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "account/bangumi")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (page.User is not { } user) return PageResults.SignInFirst(page);
        var notice = Notices.GetValueOrDefault(req.Query["notice"].ToString())?.Invoke(page.Texts.Bangumi);
        return await RenderAsync(page, 200, user.Uid, notice, null, ct);
    }

    [Function("BangumiBindForm")]
    [Page]
    public async Task<IResult> Bind([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/bangumi/bind")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var user = post.User;
        var url = await binding.StartAsync(user.Uid, ct);
        // Not configured: the page says so (and offers no bind button).
        return url.Ok ? PageResults.SeeOther(req.HttpContext, url.Value!) : await RenderAsync(post.Page, 404, user.Uid, null, null, ct);
    }

    [Function("BangumiSyncForm")]
    [Page]
    public async Task<IResult> Sync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/bangumi/sync")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var user = post.User;
        var result = await binding.SyncAsync(user.Uid, ct);
        // A sync while an import runs answers with that import: a notice, not an error.
        var notice = result.Ok
            ? result.Value!.Started ? "sync-started" : "sync-running"
            : result.Error!.Code == "bangumi-reauthorization-required" ? "reauthorize" : "not-bound";
        return Back(req, notice);
    }

    [Function("BangumiUnbindForm")]
    [Page]
    public async Task<IResult> Unbind([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/bangumi/unbind")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var user = post.User;
        var purge = post.Form["purge"];
        // The checkbox sends "true" when ticked and nothing otherwise; anything else did not come from the page.
        if (purge.Count > 1 || (purge.Count == 1 && purge[0] is not ("true" or "on")))
            return await RenderAsync(post.Page, 400, user.Uid, null, post.Page.Texts.Bangumi.PurgeInvalid, ct);
        var purged = purge.Count == 1;
        return await binding.UnbindAsync(user.Uid, purged, ct) is null
            ? Back(req, purged ? "unbound-purged" : "unbound")
            : Back(req, "not-bound");
    }

    [Function("BangumiCallback")]
    [Page]
    public Task<IResult> Callback([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth2.0/redirect")] HttpRequest req, CancellationToken ct) =>
        CompleteAsync(req, ct);

    [Function("BangumiCallbackAlias")]
    [Page]
    public Task<IResult> CallbackAlias([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/redirect")] HttpRequest req, CancellationToken ct) =>
        CompleteAsync(req, ct);

    /// <summary>Bound: back to the page, which shows the import starting. Not bound: why, and the way back.</summary>
    private async Task<IResult> CompleteAsync(HttpRequest req, CancellationToken ct)
    {
        var result = await binding.CompleteAsync(req.Query["state"].FirstOrDefault(), req.Query["code"].FirstOrDefault(), req.Query["error"].FirstOrDefault(), ct);
        if (result.Ok) return Back(req, "linked");
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Bangumi;
        PageLink[] back = [new(Path, t.BackToBangumi)];
        var error = result.Error!;
        return error.Code switch
        {
            "bind-denied" => PageResults.Message(page, 400, t.BindCancelledTitle, [t.BindCancelled], links: back),
            "bind-exchange-failed" => PageResults.Message(page, 502, t.BindFailedTitle, [t.BindFailed], error.Message, back),
            _ => PageResults.Message(page, 400, t.BindLinkInvalidTitle, [t.BindLinkInvalid], links: back),
        };
    }

    private static IResult Back(HttpRequest req, string notice) => PageResults.SeeOther(req.HttpContext, Path + "?notice=" + notice);

    private async Task<IResult> RenderAsync(PageContext page, int status, string uid, string? notice, string? purgeError, CancellationToken ct)
    {
        var link = await binding.GetAsync(uid, ct);
        // The bind form's 303 goes on to Bangumi's consent page, and browsers hold that redirect to form-action too.
        var bangumi = new Uri(options.Value.OAuthBaseUrl).GetLeftPart(UriPartial.Authority);
        return PageResults.Render<BangumiPage>(page with { ReturnPath = Path }, status, new Dictionary<string, object?>
        {
            [nameof(BangumiPage.Link)] = link,
            [nameof(BangumiPage.Enabled)] = binding.Enabled,
            [nameof(BangumiPage.Running)] = link is not null && BangumiBinding.InProgress(link, time.GetUtcNow()),
            [nameof(BangumiPage.Notice)] = notice,
            [nameof(BangumiPage.PurgeError)] = purgeError,
        }, formTargets: binding.Enabled ? bangumi : null);
    }
}
