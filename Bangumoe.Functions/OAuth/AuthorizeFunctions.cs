using System.Globalization;
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
        return await RenderAsync(req, parameters, await flow.StartAsync(parameters, BrowserCookies.Session(req.HttpContext), ct), null, ct);
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
        if (!BrowserCookies.CsrfValid(context, form[BrowserCookies.CsrfField]))
        {
            var page = WithReturnPath(await pages.ReadAsync(req, ct), parameters);
            return PageResults.Message(page, 403, page.Texts.FormExpiredTitle, [page.Texts.OAuth.AuthorizeFormExpired]);
        }
        var submission = new AuthorizeSubmission(form["action"].FirstOrDefault(), form["login"].FirstOrDefault(), form["password"].FirstOrDefault(), ClientAddress.Of(context));
        return await RenderAsync(req, parameters, await flow.SubmitAsync(parameters, BrowserCookies.Session(context), submission, ct), submission.Login, ct);
    }

    private async Task<IResult> RenderAsync(HttpRequest req, IReadOnlyList<KeyValuePair<string, StringValues>> request, AuthorizeOutcome outcome,
        string? typedLogin, CancellationToken ct)
    {
        var context = req.HttpContext;
        switch (outcome)
        {
            case AuthorizeOutcome.Redirect redirect:
                return PageResults.SeeOther(context, redirect.Location);
            case AuthorizeOutcome.SignedIn signedIn:
                BrowserCookies.SetSession(context, signedIn.Session, signedIn.Lifetime);
                return PageResults.SeeOther(context, signedIn.ContinueAt);
        }

        // A page: read who is signed in and the language only now (a redirect needs neither).
        var page = WithReturnPath(await pages.ReadAsync(req, ct), request);
        var t = page.Texts.OAuth;
        switch (outcome)
        {
            case AuthorizeOutcome.ConsentPage consent:
                return AuthorizePages.Consent(page, consent.Request, consent.Session, consent.Parameters);
            case AuthorizeOutcome.LoginPage { Failure: { } failure } login:
                if (failure.RetryAfter is { } wait) context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var (status, message) = failure.Kind switch
                {
                    ErrorKind.TooManyRequests => (429, t.TooManySignIns),
                    ErrorKind.Forbidden => (403, t.VerifyEmailFirst),
                    _ => (401, t.WrongCredentials),
                };
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
