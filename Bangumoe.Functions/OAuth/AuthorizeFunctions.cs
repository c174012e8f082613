using System.Globalization;
using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/oauth/authorize</c>: reads the request (query or form, cookies, CSRF) and renders what
/// <see cref="AuthorizationFlow"/> decided: an error page (a bad client or redirect URI never redirects), the login or
/// consent page, or a 303 back to the app carrying <c>state</c> and <c>iss</c>.
/// </summary>
public sealed class AuthorizeFunctions(AuthorizationFlow flow)
{
    [Function("Authorize")]
    [NoStore]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/authorize")] HttpRequest req, CancellationToken ct) =>
        Render(req.HttpContext, await flow.StartAsync(req.Query.ToList(), BrowserCookies.Session(req.HttpContext), ct));

    [Function("AuthorizeForm")]
    [NoStore]
    public async Task<IResult> Post([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/authorize")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        if (await req.ReadFormOrNullAsync(ct) is not { } form) return AuthorizePages.Error(context, "Submit the sign-in form from its page.");
        if (!BrowserCookies.CsrfValid(context, form[BrowserCookies.CsrfField]))
            return HtmlPage.Render(context, 403, "Please try again", "<p class=\"error\">This form expired or did not come from this page. Go back to the app and start the sign-in again.</p>");
        var submission = new AuthorizeSubmission(form["action"].FirstOrDefault(), form["login"].FirstOrDefault(), form["password"].FirstOrDefault(), ClientAddress.Of(context));
        return Render(context, await flow.SubmitAsync(form.ToList(), BrowserCookies.Session(context), submission, ct));
    }

    private static IResult Render(HttpContext context, AuthorizeOutcome outcome)
    {
        switch (outcome)
        {
            case AuthorizeOutcome.Redirect redirect:
                return SeeOther(context, redirect.Location);
            case AuthorizeOutcome.SignedIn signedIn:
                BrowserCookies.SetSession(context, signedIn.Session, signedIn.Lifetime);
                return SeeOther(context, signedIn.ContinueAt);
            case AuthorizeOutcome.ConsentPage consent:
                return AuthorizePages.Consent(context, consent.Request, consent.Session, consent.Parameters);
            case AuthorizeOutcome.LoginPage { Failure: { } failure } login:
                if (failure.RetryAfter is { } wait) context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var (status, message) = failure.Kind switch
                {
                    ErrorKind.TooManyRequests => (429, "Too many failed sign-ins. Wait a little and try again."),
                    ErrorKind.Forbidden => (403, "Verify your email address first: open the link we mailed you."),
                    _ => (401, "The email/user name or password is wrong."),
                };
                return AuthorizePages.Login(context, login.Request, login.Parameters, message, status);
            case AuthorizeOutcome.LoginPage login:
                return AuthorizePages.Login(context, login.Request, login.Parameters);
            case AuthorizeOutcome.ErrorPage error:
                return AuthorizePages.Error(context, error.Message);
            default:
                return AuthorizePages.Error(context, "The request is not valid.");
        }
    }

    /// <summary>303 See Other (RFC 9700 §4.12: never 307 after a credential POST), no referrer.</summary>
    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }
}
