using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// <c>/login</c> and <c>/logout</c>: signing in starts the same browser session the authorization pages use (and
/// counts against the same login throttle) and gives the browser its device cookie; signing out revokes that session
/// on the server, so a copy of the cookie stops working too (the device cookie stays: the browser did sign in here).
/// </summary>
public sealed class SignInPages(AccountService accounts, LoginDevices devices, BrowserSession sessions, PageRequests pages, TimeProvider time)
{
    [Function("LoginPage")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "login")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var returnTo = PageResults.LocalPath(req.Query["return_to"]);
        return page.User is null ? Form(page, 200, FormState.Empty, returnTo) : PageResults.SeeOther(page.Http, returnTo);
    }

    [Function("LoginForm")]
    [Page]
    public async Task<IResult> Submit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "login")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, "/login", ct);
        if (post.Refused is { } refused) return refused;
        var (page, form) = (post.Page, post.Form);
        var t = page.Texts.Account;
        var returnTo = PageResults.LocalPath(form["return_to"]);
        var result = await accounts.AuthenticateAsync(
            LoginRequest.For(form["login"], form["password"], ClientAddress.Of(page.Http), BrowserCookies.Device(page.Http)), ct);
        if (result.Ok)
        {
            var (session, lifetime) = sessions.Create(result.Value!, time.GetUtcNow());
            BrowserCookies.SetSession(page.Http, session, lifetime);
            BrowserCookies.SetDevice(page.Http, devices.Issue(result.Value!));
            return PageResults.SeeOther(page.Http, returnTo);
        }

        var error = result.Error!;
        var state = FormState.From(form);
        switch (error.Kind)
        {
            case ErrorKind.Validation:
                return Form(page, 400, AccountForms.WithErrors(form, error,
                    (field, _) => field == "password" ? ("password", t.PasswordRequired) : ("login", t.LoginRequired)), returnTo);
            default:
                var (status, message) = PageResults.SignInFailed(page, error);
                state.Message = message;
                return Form(page, status, state, returnTo, offerResend: status == 403);
        }
    }

    [Function("SignOut")]
    [Page]
    public async Task<IResult> SignOut([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "logout")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, "/", ct);
        if (post.Refused is { } refused) return refused;
        if (post.Page.Session is { } session) await sessions.EndAsync(session, ct);
        BrowserCookies.DeleteSession(post.Page.Http);
        return PageResults.SeeOther(post.Page.Http, "/");
    }

    private static IResult Form(PageContext page, int status, FormState form, string returnTo, bool offerResend = false) =>
        // The language switch comes back to the sign-in page (a GET), not to the address the form posted to.
        PageResults.Render<LoginPage>(page with { ReturnPath = returnTo == "/" ? "/login" : "/login" + QueryString.Create("return_to", returnTo) }, status, new Dictionary<string, object?>
        {
            [nameof(LoginPage.Form)] = form,
            [nameof(LoginPage.ReturnTo)] = returnTo,
            [nameof(LoginPage.OfferResend)] = offerResend,
        });
}
