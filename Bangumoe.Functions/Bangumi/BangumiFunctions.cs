using Bangumoe.Bangumi;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.OAuth;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Bangumi;

/// <summary>
/// Binding a Bangumi account (Bangumoe is Bangumi's OAuth client), as an API: <c>/api/bangumi/bind</c> sends the user
/// to Bangumi, Bangumi sends them back to the callback (see <see cref="BangumiPages"/>), and <c>/api/me/bangumi</c>
/// shows, re-runs and ends the binding.
/// </summary>
public sealed class BangumiFunctions(BangumiBinding binding, BrowserSession sessions, BearerAuthenticator bearer)
{
    /// <summary>
    /// 302 to Bangumi's consent page, for a user signed in by Bearer token (Bangumoe's own login) or by the browser
    /// session of the authorization pages. A script that cannot follow a cross-origin redirect asks with
    /// <c>Accept: application/json</c> and gets the URL instead.
    /// </summary>
    [Function("BindBangumi")]
    [NoStore]
    public async Task<IResult> Bind([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/bangumi/bind")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        string uid;
        var caller = await bearer.AuthenticateAsync(req, ct);
        if (caller.User is { } me)
        {
            if (!Scopes.Has(me.Scope, Scopes.Account)) return BearerAuthenticator.InsufficientScope(context, Scopes.Account);
            uid = me.User.Uid;
        }
        else if (!caller.TokenRefused && await sessions.ReadAsync(BrowserCookies.Session(context), ct) is { } session)
        {
            uid = session.User.Uid;
        }
        else
        {
            return BearerAuthenticator.Challenge(context, caller);
        }

        var url = await binding.StartAsync(uid, ct);
        if (!url.Ok) return url.Error!.ToProblem(context);
        return req.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            ? TypedResults.Ok(new BindStart(url.Value!))
            : TypedResults.Redirect(url.Value!);
    }

    [Function("GetBangumiBinding")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Status([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me/bangumi")] HttpRequest req, CancellationToken ct) =>
        TypedResults.Ok(BangumiStatusView.Of(await binding.GetAsync(req.Caller().User.Uid, ct)));

    [Function("SyncBangumi")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Sync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/me/bangumi/sync")] HttpRequest req, CancellationToken ct)
    {
        var result = await binding.SyncAsync(req.Caller().User.Uid, ct);
        return result.Ok ? TypedResults.Accepted("/api/me/bangumi", BangumiStatusView.Of(result.Value!.Link)) : result.Error!.ToProblem(req.HttpContext);
    }

    [Function("UnbindBangumi")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Unbind([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/me/bangumi")] HttpRequest req, CancellationToken ct)
    {
        var purge = req.Query["purge"].FirstOrDefault();
        if (purge is not null && !bool.TryParse(purge, out _))
            return Error.Field("purge", "Must be true or false.").ToProblem(req.HttpContext);
        return await binding.UnbindAsync(req.Caller().User.Uid, purge is not null && bool.Parse(purge), ct) is { } error
            ? error.ToProblem(req.HttpContext)
            : TypedResults.NoContent();
    }
}
