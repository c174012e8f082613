using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/oauth/logout</c>, the <c>end_session_endpoint</c> (OpenID Connect RP-Initiated Logout 1.0): an app sends the
/// person's browser here to sign them out of Bangumoe. With an <c>id_token_hint</c> for the person signed in, the
/// session ends at once; otherwise the person is asked first, so that a link on any page cannot sign anyone out. Then
/// the browser goes back to one of the app's registered post-logout URIs (with <c>state</c>), or sees "signed out".
/// </summary>
public sealed class EndSessionFunctions(EndSessionChecks checks, BrowserSession sessions, PageRequests pages)
{
    private const string ConfirmPath = "/oauth/logout/confirm";

    [Function("EndSession")]
    [NoStore]
    [Page]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/logout")] HttpRequest req, CancellationToken ct)
    {
        var query = req.Query;
        var page = Localized(await pages.ReadAsync(req, ct), query["ui_locales"]);
        var target = await checks.CheckAsync(new EndSessionRequest(query["id_token_hint"], query["client_id"], query["post_logout_redirect_uri"], query["state"]), ct);
        if (!target.Ok) return Broken(page, target.Error!);
        var t = page.Texts.Logout;
        if (page.Session is not { } session) return Finish(page, target.Value!, t.WasNotSignedIn);
        if (!target.Value!.VouchesFor(session.User.Uid)) return Confirm(page, target.Value, query["ui_locales"]);
        await sessions.EndAsync(session, ct);
        BrowserCookies.DeleteSession(page.Http);
        return Finish(page, target.Value, t.SignedOut);
    }

    /// <summary>
    /// The same request as a form post (the specification allows both). A post from the app's site carries no
    /// SameSite=Lax session cookie, so Bangumoe could not see who is signed in: it answers with the same request as a
    /// GET, a top-level navigation that does carry it.
    /// </summary>
    [Function("EndSessionPost")]
    [NoStore]
    [Page]
    public async Task<IResult> Post([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/logout")] HttpRequest req, CancellationToken ct)
    {
        if (await req.ReadFormOrNullAsync(ct) is not { } form)
        {
            var page = await pages.ReadAsync(req, ct);
            return PageResults.Message(page, 415, page.Texts.UnsupportedFormTitle, [page.Texts.UnsupportedForm]);
        }
        var parameters = new[] { "id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales" }
            .Where(name => form[name].Count > 0)
            .Select(name => new KeyValuePair<string, string?>(name, form[name].ToString()));
        return PageResults.SeeOther(req.HttpContext, "/oauth/logout" + QueryString.Create(parameters));
    }

    /// <summary>The person's answer to "sign out of Bangumoe?" (a CSRF-checked form of our own page).</summary>
    [Function("EndSessionConfirm")]
    [NoStore]
    [Page]
    public async Task<IResult> ConfirmSubmit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/logout/confirm")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, "/", ct);
        if (post.Refused is { } refused) return refused;
        var form = post.Form;
        var page = Localized(post.Page, form["ui_locales"]);
        // The request is checked again: the hidden fields came back from the browser.
        var target = await checks.CheckAsync(new EndSessionRequest(null, form["client_id"], form["post_logout_redirect_uri"], form["state"]), ct);
        if (!target.Ok) return Broken(page, target.Error!);
        var t = page.Texts.Logout;
        if (form["action"] != "sign_out") return Finish(page, target.Value!, t.StayedSignedIn);
        if (page.Session is not { } session) return Finish(page, target.Value!, t.WasNotSignedIn);
        await sessions.EndAsync(session, ct);
        BrowserCookies.DeleteSession(page.Http);
        return Finish(page, target.Value!, t.SignedOut);
    }

    /// <summary>Back to the app when it named a registered URI, else a page saying what happened.</summary>
    private static IResult Finish(PageContext page, EndSessionTarget target, string outcome) =>
        target.Location is { } location
            ? PageResults.SeeOther(page.Http, location)
            : PageResults.Message(page, 200, page.Texts.Logout.SignedOutTitle, [outcome], links: [new("/", page.Texts.BackHome)]);

    private static IResult Confirm(PageContext page, EndSessionTarget target, string? uiLocales) =>
        PageResults.Render<LogoutConfirmPage>(page, 200, new Dictionary<string, object?>
        {
            [nameof(LogoutConfirmPage.Target)] = target,
            [nameof(LogoutConfirmPage.UiLocales)] = uiLocales,
            [nameof(LogoutConfirmPage.Action)] = ConfirmPath,
        }, target.PostLogoutRedirectUri is { } uri ? new Uri(uri).GetLeftPart(UriPartial.Authority) : null);

    /// <summary>A request with an error goes nowhere (§3): the reason is for the app's developer, in English.</summary>
    private static IResult Broken(PageContext page, Error error) =>
        PageResults.Message(page, 400, page.Texts.Logout.RequestBrokenTitle, [page.Texts.Logout.RequestBroken, page.Texts.OAuth.DetailForDeveloper], error.Message);

    /// <summary>The page in the first language of <c>ui_locales</c> Bangumoe speaks, when the app asked for one and the
    /// person has not chosen a language here themselves (their choice wins over the app's wish).</summary>
    private static PageContext Localized(PageContext page, string? uiLocales) =>
        !page.Http.Request.Cookies.ContainsKey(Texts.CookieName) && Texts.FromLocales(uiLocales) is { } texts ? page with { Texts = texts } : page;
}
