using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Microsoft.Extensions.Options;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/oauth/authorize</c>: validates the request (a bad client or redirect URI gets a page, never a redirect), signs
/// the user in if needed, asks for consent unless an earlier consent covers the scopes, and sends the user back with a
/// code. Every redirect back carries <c>state</c> and <c>iss</c>; every POST answers 303.
/// </summary>
public sealed class AuthorizeFunctions(ClientService clients, BrowserSession sessions, GrantService grants,
    AuthorizationCodeStore codes, AccountService accounts, IOptions<AppOptions> options, TimeProvider time)
{
    /// <summary>Form fields of our own pages, not part of the authorization request.</summary>
    public static readonly HashSet<string> PageFields = new(StringComparer.Ordinal) { "action", OAuthCookies.CsrfField, "login", "password" };

    private AppOptions App => options.Value;

    [Function("Authorize")]
    public async Task<IResult> Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/authorize")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        var parameters = req.Query.ToList();
        var check = await AuthorizationRequests.CheckAsync(parameters, clients, ct);
        if (check is not AuthorizeCheck.Valid valid) return Reject(context, check, App);
        var session = await sessions.ReadAsync(OAuthCookies.Session(context), ct);
        return await ContinueAsync(context, valid.Request, Flatten(parameters), session, ct);
    }

    [Function("AuthorizeForm")]
    public async Task<IResult> Post([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/authorize")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        if (await req.ReadFormOrNullAsync(ct) is not { } form) return AuthorizePages.Error(context, "Submit the sign-in form from its page.");
        if (!OAuthCookies.CsrfValid(context, form[OAuthCookies.CsrfField]))
            return HtmlPage.Render(context, 403, "Please try again", "<p class=\"error\">This form expired or did not come from this page. Go back to the app and start the sign-in again.</p>");
        var parameters = form.Where(f => !PageFields.Contains(f.Key)).ToList();
        var check = await AuthorizationRequests.CheckAsync(parameters, clients, ct);
        if (check is not AuthorizeCheck.Valid valid) return Reject(context, check, App);
        var request = valid.Request;
        var flat = Flatten(parameters);

        var action = form["action"].ToString();
        if (action == "login")
        {
            var login = form["login"].ToString().Trim();
            var byEmail = login.Contains('@', StringComparison.Ordinal);
            var result = await accounts.AuthenticateAsync(new LoginRequest(byEmail ? login : null, byEmail ? null : login, form["password"], ClientAddress.Of(context)), ct);
            if (!result.Ok)
            {
                var error = result.Error!;
                if (error.RetryAfter is { } wait) context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var (status, message) = error.Kind switch
                {
                    ErrorKind.TooManyRequests => (429, "Too many failed sign-ins. Wait a little and try again."),
                    ErrorKind.Forbidden => (403, "Verify your email address first: open the link we mailed you."),
                    _ => (401, "The email/user name or password is wrong."),
                };
                return AuthorizePages.Login(context, request, flat, message, status);
            }
            var (cookie, lifetime) = sessions.Create(result.Value!, time.GetUtcNow());
            OAuthCookies.SetSession(context, cookie, lifetime);
            // Back to the authorization request, now signed in: this login honours prompt=login and max_age, so both
            // come off (auth_time has whole seconds; max_age=0 would otherwise ask for a login forever).
            var again = flat.Where(p => p.Key != "max_age")
                .Select(p => p.Key == "prompt" ? new KeyValuePair<string, string>("prompt", string.Join(' ', p.Value.Split(' ').Where(v => v != "login"))) : p)
                .Where(p => p.Value.Length > 0 || p.Key != "prompt");
            return SeeOther(context, "/oauth/authorize" + QueryString.Create(again.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))));
        }

        var session = await sessions.ReadAsync(OAuthCookies.Session(context), ct);
        if (session is null) return AuthorizePages.Login(context, request, flat);
        if (action == "deny")
            return SeeOther(context, AuthorizationRequests.RedirectBack(request.RedirectUri, App.Issuer, request.State, ("error", "access_denied"), ("error_description", "The user denied access.")));
        if (action != "allow") return AuthorizePages.Consent(context, request, session, flat);
        var (user, grant) = await grants.ConsentAsync(session.User, request.Client.ClientId, request.Scope, ct);
        return await IssueCodeAsync(context, request, user, grant, session.AuthTime, ct);
    }

    private async Task<IResult> ContinueAsync(HttpContext context, AuthorizationRequest request, List<KeyValuePair<string, string>> parameters,
        SessionUser? session, CancellationToken ct)
    {
        var loginNeeded = session is null || request.Prompt.Contains("login")
            || (request.MaxAge is { } maxAge && time.GetUtcNow() - session.AuthTime > TimeSpan.FromSeconds(maxAge));
        if (loginNeeded)
        {
            return request.Prompt.Contains("none")
                ? SeeOther(context, AuthorizationRequests.RedirectBack(request.RedirectUri, App.Issuer, request.State, ("error", "login_required"), ("error_description", "The user is not signed in.")))
                : AuthorizePages.Login(context, request, parameters);
        }
        var grant = GrantService.Find(session!.User, request.Client.ClientId);
        if (GrantService.Covers(grant, request.Scope) && !request.Prompt.Contains("consent"))
            return await IssueCodeAsync(context, request, session.User, grant!, session.AuthTime, ct);
        if (request.Prompt.Contains("none"))
            return SeeOther(context, AuthorizationRequests.RedirectBack(request.RedirectUri, App.Issuer, request.State, ("error", "consent_required"), ("error_description", "The user has not consented to these scopes.")));
        return AuthorizePages.Consent(context, request, session, parameters);
    }

    private async Task<IResult> IssueCodeAsync(HttpContext context, AuthorizationRequest request, UserEntity user, GrantRecord grant,
        DateTimeOffset authTime, CancellationToken ct)
    {
        var code = await codes.CreateAsync(request, user.Uid, grant.Id, authTime, ct);
        return SeeOther(context, AuthorizationRequests.RedirectBack(request.RedirectUri, App.Issuer, request.State, ("code", code)));
    }

    private static IResult Reject(HttpContext context, AuthorizeCheck check, AppOptions app) => check switch
    {
        AuthorizeCheck.ErrorRedirect e => SeeOther(context, AuthorizationRequests.RedirectBack(e.RedirectUri, app.Issuer, e.State, ("error", e.Error), ("error_description", e.Description))),
        AuthorizeCheck.ErrorPage e => AuthorizePages.Error(context, e.Message),
        _ => AuthorizePages.Error(context, "The request is not valid."),
    };

    /// <summary>303 See Other (RFC 9700 §4.12: never 307 after a credential POST), not cached, no referrer.</summary>
    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static List<KeyValuePair<string, string>> Flatten(IEnumerable<KeyValuePair<string, StringValues>> parameters) =>
        parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value.ToString())).ToList();
}
