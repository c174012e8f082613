using Bangumoe.Bangumi;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.OAuth;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Net.Http.Headers;

namespace Bangumoe.Functions.Bangumi;

public sealed record BindStart(string AuthorizeUrl);

public sealed record BangumiUserView(long? Id, string? Username, string? Nickname);

public sealed record ImportView(string Id, string Status, int Imported, int? Total, DateTimeOffset? QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);

public sealed record BangumiStatusView(bool Bound, BangumiUserView? BangumiUser, bool ReauthorizationRequired, ImportView? Import)
{
    public static BangumiStatusView Of(BangumiLinkEntity? link) => link is not { IsBound: true }
        ? new(false, null, false, null)
        : new(true, new BangumiUserView(link.BangumiUserId, link.BangumiUsername, link.BangumiNickname), link.NeedsReauthorization,
            link.ImportId.Length == 0 ? null : new ImportView(link.ImportId, link.ImportStatus, link.Imported, link.Total, link.QueuedAt, link.StartedAt, link.FinishedAt, link.ImportError));
}

/// <summary>
/// Binding a Bangumi account (Bangumoe is Bangumi's OAuth client): <c>/api/bangumi/bind</c> sends the user to
/// Bangumi, Bangumi sends them back to <c>/oauth2.0/redirect</c> (the seed's path; <c>/oauth/redirect</c> too), and
/// <c>/api/me/bangumi</c> shows, re-runs and ends the binding.
/// </summary>
public static class BangumiApi
{
    public static IEndpointRouteBuilder MapBangumi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/bangumi/bind", Bind).WithName("BindBangumi").WithTags("Bangumi");
        routes.MapGet("/oauth2.0/redirect", Callback).WithName("BangumiCallback").WithTags("Bangumi");
        routes.MapGet("/oauth/redirect", Callback).WithName("BangumiCallbackAlias").WithTags("Bangumi");

        var me = routes.MapGroup("/api/me/bangumi").WithTags("Bangumi").RequireAuthorization().RequireScope(Scopes.Account);
        me.MapGet("", Status).WithName("GetBangumiBinding");
        me.MapPost("/sync", Sync).WithName("SyncBangumi");
        me.MapDelete("", Unbind).WithName("UnbindBangumi");
        return routes;
    }

    /// <summary>
    /// 302 to Bangumi's consent page, for a user signed in by Bearer token (Bangumoe's own login) or by the browser
    /// session of the authorization pages. A script that cannot follow a cross-origin redirect asks with
    /// <c>Accept: application/json</c> and gets the URL instead.
    /// </summary>
    public static async Task<IResult> Bind(HttpContext context, BangumiBinding binding, BrowserSession sessions, CancellationToken ct)
    {
        string uid;
        if (context.Items[typeof(CurrentUser)] is CurrentUser me)
        {
            if (!Scopes.Has(me.Scope, Scopes.Account)) return ScopeRequirement.InsufficientScope(context, Scopes.Account);
            uid = me.User.Uid;
        }
        else if (context.Request.Headers.Authorization.Count == 0 && await sessions.ReadAsync(OAuthCookies.Session(context), ct) is { } session)
        {
            uid = session.User.Uid;
        }
        else
        {
            return TypedResults.Challenge(); // 401 with WWW-Authenticate, invalid_token when a token was sent
        }

        var url = await binding.StartAsync(uid, ct);
        if (!url.Ok) return url.Error!.ToProblem(context);
        context.Response.Headers.CacheControl = "no-store";
        return context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            ? TypedResults.Ok(new BindStart(url.Value!))
            : TypedResults.Redirect(url.Value!);
    }

    public static async Task<IResult> Callback(string? state, string? code, string? error, HttpContext context, BangumiBinding binding, CancellationToken ct)
    {
        var result = await binding.CompleteAsync(state, code, error, ct);
        return result.Outcome switch
        {
            BindOutcome.Bound => HtmlPage.Render(context, 200, "Bangumi account linked",
                "<p>Your Bangumi account is now linked to Bangumoe.</p><p>We are importing your anime collection; it fills in over the next minutes. You can close this page.</p>"),
            BindOutcome.Denied => HtmlPage.Render(context, 400, "Binding cancelled",
                "<p>Bangumi did not authorize Bangumoe, so nothing was linked. You can start again from Bangumoe whenever you like.</p>"),
            BindOutcome.ExchangeFailed => HtmlPage.Render(context, 502, "Bangumi did not confirm the binding",
                $"<p>Bangumi did not hand over access, so nothing was linked. Please start again from Bangumoe.</p><p class=\"error\">{HtmlPage.Encode(result.Reason)}</p>"),
            _ => HtmlPage.Render(context, 400, "This link is no longer valid",
                "<p>This binding link has expired or was already used, so nothing was changed. Start binding again from Bangumoe.</p>"),
        };
    }

    public static async Task<IResult> Status(CurrentUser me, BangumiBinding binding, CancellationToken ct) =>
        TypedResults.Ok(BangumiStatusView.Of(await binding.GetAsync(me.User.Uid, ct)));

    public static async Task<IResult> Sync(CurrentUser me, BangumiBinding binding, HttpContext context, CancellationToken ct)
    {
        var result = await binding.SyncAsync(me.User.Uid, ct);
        return result.Ok ? TypedResults.Accepted("/api/me/bangumi", BangumiStatusView.Of(result.Value)) : result.Error!.ToProblem(context);
    }

    public static async Task<IResult> Unbind(bool? purge, CurrentUser me, BangumiBinding binding, HttpContext context, CancellationToken ct) =>
        await binding.UnbindAsync(me.User.Uid, purge == true, ct) is { } error ? error.ToProblem(context) : TypedResults.NoContent();
}
