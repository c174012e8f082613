using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/oauth/authorize</c>: reads the request (query or form, cookies, CSRF) and renders what
/// <see cref="AuthorizationFlow"/> decided: an error page (a bad client or redirect URI never redirects), the login or
/// consent page, or a 303 back to the app carrying <c>state</c> and <c>iss</c>.
/// </summary>
public sealed class AuthorizeFunctions(AuthorizationFlow flow, PageRequests pages)
{
    [Function("Authorize")]
    [NoStore]
    [Page]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/authorize")] HttpRequest req, CancellationToken ct)
    {
        var parameters = req.Query.ToList();
        // The session is read once, here: the flow decides with it and the page shows it.
        var page = WithReturnPath(await pages.ReadAsync(req, ct), parameters);
        return Render(page, await flow.StartAsync(parameters, page.Session, ct), null);
    }

    [Function("AuthorizeForm")]
    [NoStore]
    [Page]
    public async Task<IResult> Post([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/authorize")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        if (await req.ReadFormOrNullAsync(ct) is not { } form)
        {
            var page = await pages.ReadAsync(req, ct);
            return PageResults.Message(page, 400, page.Texts.UnsupportedFormTitle, [page.Texts.OAuth.SubmitFromSignInPage]);
        }
        var parameters = form.ToList();
        var current = WithReturnPath(await pages.ReadAsync(req, ct), parameters);
        if (!BrowserCookies.CsrfValid(context, form[BrowserCookies.CsrfField]))
            return PageResults.Message(current, 403, current.Texts.FormExpiredTitle, [current.Texts.OAuth.AuthorizeFormExpired]);
        var submission = new AuthorizeSubmission(form["action"].FirstOrDefault(), form["login"].FirstOrDefault(), form["password"].FirstOrDefault(),
            ClientAddress.Of(context), BrowserCookies.Device(context));
        return Render(current, await flow.SubmitAsync(parameters, current.Session, submission, ct), submission.Login);
    }

    private static IResult Render(PageContext page, AuthorizeOutcome outcome, string? typedLogin)
    {
        var context = page.Http;
        // A page returns to the request it shows: for a pushed one, not to its request_uri (used up by this very page).
        var shown = outcome switch
        {
            AuthorizeOutcome.LoginPage login => login.Parameters,
            AuthorizeOutcome.ConsentPage consent => consent.Parameters,
            _ => null,
        };
        if (shown is not null) page = page with { ReturnPath = "/oauth/authorize" + AuthorizationFlow.Query(shown) };
        switch (outcome)
        {
            case AuthorizeOutcome.Redirect redirect:
                return PageResults.SeeOther(context, redirect.Location);
            case AuthorizeOutcome.SignedIn signedIn:
                BrowserCookies.SetSession(context, signedIn.Session, signedIn.Lifetime);
                BrowserCookies.SetDevice(context, signedIn.Device);
                return PageResults.SeeOther(context, signedIn.ContinueAt);
            case AuthorizeOutcome.ConsentPage consent:
                return AuthorizePages.Consent(page, consent.Request, consent.Session, consent.Parameters);
            case AuthorizeOutcome.LoginPage { Failure: { } failure } login:
                var (status, message) = PageResults.SignInFailed(page, failure);
                return AuthorizePages.Login(page, login.Request, login.Parameters, message, typedLogin, status);
            case AuthorizeOutcome.LoginPage login:
                return AuthorizePages.Login(page, login.Request, login.Parameters);
            case AuthorizeOutcome.ErrorPage error:
                return AuthorizePages.Error(page, error.Message);
            default:
                return AuthorizePages.Error(page, "The request is not valid.");
        }
    }

    /// <summary>
    /// The language switch (and anything else that comes back to "this page") returns to the authorization request as a
    /// GET, also when the page answered a POST: the request's own parameters, without the page's fields.
    /// </summary>
    private static PageContext WithReturnPath(PageContext page, IEnumerable<KeyValuePair<string, StringValues>> request) =>
        page with
        {
            ReturnPath = "/oauth/authorize" + AuthorizationFlow.Query(request
                .Where(p => !AuthorizationFlow.PageFields.Contains(p.Key))
                .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? "")))),
        };
}
