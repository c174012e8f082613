using System.Text.Json;
using Bangumoe.Accounts;
using Bangumoe.Hosting;
using Bangumoe.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.OAuth;

/// <summary>What <c>/oauth/authorize</c> does next; the endpoint only renders it.</summary>
public abstract record AuthorizeOutcome
{
    /// <summary>The client or redirect URI cannot be trusted: an error page, never a redirect (RFC 6749 §4.1.2.1).</summary>
    public sealed record ErrorPage(string Message) : AuthorizeOutcome;

    /// <summary>Back to the app with a code or an error, always with state and iss (303 See Other).</summary>
    public sealed record Redirect(string Location) : AuthorizeOutcome;

    /// <summary>Ask the person to sign in; <paramref name="Failure"/> says why the last try did not work.</summary>
    public sealed record LoginPage(AuthorizationRequest Request, IReadOnlyList<KeyValuePair<string, string>> Parameters, Error? Failure = null) : AuthorizeOutcome;

    /// <summary>Ask the signed-in person to allow or deny the app.</summary>
    public sealed record ConsentPage(AuthorizationRequest Request, IReadOnlyList<KeyValuePair<string, string>> Parameters, SessionUser Session) : AuthorizeOutcome;

    /// <summary>Signed in: set the session and the device cookie, and go back to the authorization request (<paramref name="ContinueAt"/>).</summary>
    public sealed record SignedIn(string Session, TimeSpan Lifetime, DeviceCookie Device, string ContinueAt) : AuthorizeOutcome;
}

/// <summary>A POST of the authorization pages: which button, the sign-in fields, and where it came from (the client
/// address and the browser's device cookie, for the login throttle).</summary>
public sealed record AuthorizeSubmission(string? Action, string? Login, string? Password, string ClientAddress, string? DeviceCookie);

/// <summary>
/// The decisions of <c>/oauth/authorize</c>: validate the request, sign the person in when there is no session (or
/// <c>prompt=login</c>, or an older login than <c>max_age</c> allows), ask for consent unless an earlier consent covers
/// the scopes (or <c>prompt=consent</c>), answer <c>prompt=none</c> without a page, and issue the code.
/// </summary>
public sealed class AuthorizationFlow(ClientService clients, BrowserSession sessions, GrantService grants, AuthorizationCodeStore codes,
    AccountService accounts, LoginDevices devices, IOptions<AppOptions> options, TimeProvider time, PushedAuthorizationStore pushedRequests, JwtService jwt)
{
    /// <summary>The field that carries a pushed request through the sign-in and consent pages (see <see cref="ResolveAsync"/>).</summary>
    public const string PushedRequestField = "pushed_request";

    private const string PushedRequestType = "bangumoe-pushed-request+jwt";

    /// <summary>How long a person may take on the pages of one pushed request.</summary>
    private static readonly TimeSpan PushedRequestPageLifetime = TimeSpan.FromHours(1);

    /// <summary>Form fields of the pages themselves, not part of the authorization request.</summary>
    public static readonly IReadOnlySet<string> PageFields = new HashSet<string>(StringComparer.Ordinal) { "action", "csrf", "login", "password" };

    private string Issuer => options.Value.Issuer;

    /// <summary>GET: the app sent the person here, signed in (<paramref name="session"/>) or not.</summary>
    public async Task<AuthorizeOutcome> StartAsync(IReadOnlyList<KeyValuePair<string, StringValues>> parameters, SessionUser? session, CancellationToken ct)
    {
        var (resolved, refused) = await ResolveAsync(parameters, ct).ConfigureAwait(false);
        if (resolved is null) return refused!;
        var check = await AuthorizationRequests.CheckAsync(resolved.Parameters, clients, ct, resolved.Pushed).ConfigureAwait(false);
        if (check is not AuthorizeCheck.Valid valid) return Reject(check);
        return await ContinueAsync(valid.Request, PageParameters(resolved.Pushed, Flatten(resolved.Parameters)), session, ct).ConfigureAwait(false);
    }

    /// <summary>POST: the person signed in, allowed or denied on one of the pages.</summary>
    public async Task<AuthorizeOutcome> SubmitAsync(IReadOnlyList<KeyValuePair<string, StringValues>> form, SessionUser? session, AuthorizeSubmission submission, CancellationToken ct)
    {
        var (resolved, refused) = await ResolveAsync(form.Where(f => !PageFields.Contains(f.Key)).ToList(), ct).ConfigureAwait(false);
        if (resolved is null) return refused!;
        var check = await AuthorizationRequests.CheckAsync(resolved.Parameters, clients, ct, resolved.Pushed).ConfigureAwait(false);
        if (check is not AuthorizeCheck.Valid valid) return Reject(check);
        var request = valid.Request;
        var pushed = resolved.Pushed;
        var flat = PageParameters(pushed, Flatten(resolved.Parameters));

        if (submission.Action == "login")
        {
            var result = await accounts.AuthenticateAsync(LoginRequest.For(submission.Login, submission.Password, submission.ClientAddress, submission.DeviceCookie), ct).ConfigureAwait(false);
            if (!result.Ok) return new AuthorizeOutcome.LoginPage(request, flat, result.Error);
            var (cookie, lifetime) = sessions.Create(result.Value!, time.GetUtcNow());
            // Back to the authorization request, now signed in: this login honours prompt=login and max_age, so both
            // come off (auth_time has whole seconds; max_age=0 would otherwise ask for a login forever).
            var again = Flatten(resolved.Parameters).Where(p => p.Key != "max_age")
                .Select(p => p.Key == "prompt" ? new KeyValuePair<string, string>("prompt", string.Join(' ', p.Value.Split(' ').Where(v => v != "login"))) : p)
                .Where(p => p.Value.Length > 0 || p.Key != "prompt");
            return new AuthorizeOutcome.SignedIn(cookie, lifetime, devices.Issue(result.Value!), "/oauth/authorize" + Query(PageParameters(pushed, again.ToList())));
        }

        if (session is not { } signedIn) return new AuthorizeOutcome.LoginPage(request, flat);
        if (submission.Action == "deny")
            return Back(request, ("error", "access_denied"), ("error_description", "The user denied access."));
        if (submission.Action != "allow") return new AuthorizeOutcome.ConsentPage(request, flat, signedIn);
        var (user, grant) = await grants.ConsentAsync(signedIn.User, request.Client.ClientId, request.Scope, ct).ConfigureAwait(false);
        return await IssueCodeAsync(request, user, grant, signedIn.AuthTime, ct).ConfigureAwait(false);
    }

    private sealed record ResolvedRequest(List<KeyValuePair<string, StringValues>> Parameters, bool Pushed);

    /// <summary>
    /// The authorization request itself: the parameters sent, or a pushed request (RFC 9126 §4: then only client_id and
    /// request_uri count, the rest is ignored). A request_uri is used up the first time a browser brings it, before
    /// any page is shown: that is what makes it single-use against a race (one of any number of browsers gets it) and
    /// keeps a leaked URL worthless. The person still needs several round trips (sign in, consent), so from then on
    /// the pushed parameters travel in <see cref="PushedRequestField"/>, signed by this server: they cannot be changed
    /// on the way, which is what an app requiring PAR relies on, and need no storage. Of the query, only prompt=login
    /// (the consent page's "not you?") is honoured with it, since that only ever asks for more.
    /// </summary>
    private async Task<(ResolvedRequest? Request, AuthorizeOutcome? Refused)> ResolveAsync(IReadOnlyList<KeyValuePair<string, StringValues>> parameters,
        CancellationToken ct)
    {
        string? One(string name) => parameters.Where(p => p.Key == name).SelectMany(p => p.Value).ToList() is [var v] ? v : null;
        bool Has(string name) => parameters.Any(p => p.Key == name);
        if (Has("request_uri"))
        {
            if (One("client_id") is not { Length: > 0 } clientId) return (null, new AuthorizeOutcome.ErrorPage("The request has no client_id."));
            if (One("request_uri") is not { } requestUri) return (null, new AuthorizeOutcome.ErrorPage("The request repeats request_uri."));
            return await pushedRequests.UseAsync(requestUri, clientId, ct).ConfigureAwait(false) switch
            {
                PushedRequestUse.Used used => (new(used.Parameters.Select(p => new KeyValuePair<string, StringValues>(p.Key, p.Value)).ToList(), true), null),
                PushedRequestUse.Refused no => (null, new AuthorizeOutcome.ErrorPage("invalid_request_uri: " + no.Description)),
                _ => (null, new AuthorizeOutcome.ErrorPage("invalid_request_uri")),
            };
        }
        if (Has(PushedRequestField))
        {
            var token = await jwt.ValidateAsync(One(PushedRequestField), PushedRequestType, Issuer + "/oauth/authorize").ConfigureAwait(false);
            if (!token.IsValid || token.Claim("params") is not { } json || token.Claim("client_id") != One("client_id"))
                return (null, new AuthorizeOutcome.ErrorPage("This sign-in page has expired or was changed; start again from the app."));
            var pushed = (JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [])
                .Select(p => new KeyValuePair<string, StringValues>(p.Key, p.Value)).ToList();
            if (One("prompt") == "login")
            {
                var prompt = pushed.Where(p => p.Key == "prompt").Select(p => p.Value.ToString()).FirstOrDefault() ?? "";
                pushed = pushed.Where(p => p.Key != "prompt").Append(new("prompt", string.Join(' ', prompt.Split(' ').Append("login").Where(v => v is "login" or "consent").Distinct()))).ToList();
            }
            return (new(pushed, true), null);
        }
        return (new(parameters.ToList(), false), null);
    }

    /// <summary>What the pages carry in their hidden fields: the request as sent, or a pushed one sealed in one field.</summary>
    private List<KeyValuePair<string, string>> PageParameters(bool pushed, List<KeyValuePair<string, string>> parameters)
    {
        if (!pushed) return parameters;
        var clientId = parameters.FirstOrDefault(p => p.Key == "client_id").Value ?? "";
        var sealedRequest = jwt.Create(PushedRequestType, Issuer + "/oauth/authorize", new Dictionary<string, object>
        {
            ["client_id"] = clientId,
            ["params"] = JsonSerializer.Serialize(parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)),
        }, PushedRequestPageLifetime);
        return [new("client_id", clientId), new(PushedRequestField, sealedRequest)];
    }

    private async Task<AuthorizeOutcome> ContinueAsync(AuthorizationRequest request, IReadOnlyList<KeyValuePair<string, string>> parameters,
        SessionUser? session, CancellationToken ct)
    {
        var loginNeeded = session is null || request.Prompt.Contains("login")
            || (request.MaxAge is { } maxAge && time.GetUtcNow() - session.AuthTime > TimeSpan.FromSeconds(maxAge));
        if (loginNeeded)
        {
            return request.Prompt.Contains("none")
                ? Back(request, ("error", "login_required"), ("error_description", "The user is not signed in."))
                : new AuthorizeOutcome.LoginPage(request, parameters);
        }
        var grant = GrantService.Find(session!.User, request.Client.ClientId);
        if (GrantService.Covers(grant, request.Scope) && !request.Prompt.Contains("consent"))
            return await IssueCodeAsync(request, session.User, grant!, session.AuthTime, ct).ConfigureAwait(false);
        if (request.Prompt.Contains("none"))
            return Back(request, ("error", "consent_required"), ("error_description", "The user has not consented to these scopes."));
        return new AuthorizeOutcome.ConsentPage(request, parameters, session);
    }

    private async Task<AuthorizeOutcome> IssueCodeAsync(AuthorizationRequest request, UserEntity user, GrantRecord grant, DateTimeOffset authTime, CancellationToken ct)
    {
        var code = await codes.CreateAsync(request, user.Uid, grant.Id, authTime, ct).ConfigureAwait(false);
        return Back(request, ("code", code));
    }

    private AuthorizeOutcome.Redirect Back(AuthorizationRequest request, params (string Name, string? Value)[] parameters) =>
        new(AuthorizationRequests.RedirectBack(request.RedirectUri, Issuer, request.State, parameters));

    private AuthorizeOutcome Reject(AuthorizeCheck check) => check switch
    {
        AuthorizeCheck.ErrorRedirect e => new AuthorizeOutcome.Redirect(
            AuthorizationRequests.RedirectBack(e.RedirectUri, Issuer, e.State, ("error", e.Error), ("error_description", e.Description))),
        AuthorizeCheck.ErrorPage e => new AuthorizeOutcome.ErrorPage(e.Message),
        _ => new AuthorizeOutcome.ErrorPage("The request is not valid."),
    };

    private static List<KeyValuePair<string, string>> Flatten(IEnumerable<KeyValuePair<string, StringValues>> parameters) =>
        parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value.ToString())).ToList();

    /// <summary>A query string ("?a=1&amp;b=2"), each name and value escaped.</summary>
    public static string Query(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var pairs = parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)).ToList();
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }
}
