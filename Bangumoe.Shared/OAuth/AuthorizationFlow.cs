using Bangumoe.Accounts;
using Bangumoe.Hosting;
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
    AccountService accounts, LoginDevices devices, IOptions<AppOptions> options, TimeProvider time)
{
    /// <summary>Form fields of the pages themselves, not part of the authorization request.</summary>
    public static readonly IReadOnlySet<string> PageFields = new HashSet<string>(StringComparer.Ordinal) { "action", "csrf", "login", "password" };

    private string Issuer => options.Value.Issuer;

    /// <summary>GET: the app sent the person here, signed in (<paramref name="session"/>) or not.</summary>
    public async Task<AuthorizeOutcome> StartAsync(IReadOnlyList<KeyValuePair<string, StringValues>> parameters, SessionUser? session, CancellationToken ct)
    {
        var check = await AuthorizationRequests.CheckAsync(parameters, clients, ct).ConfigureAwait(false);
        if (check is not AuthorizeCheck.Valid valid) return Reject(check);
        return await ContinueAsync(valid.Request, Flatten(parameters), session, ct).ConfigureAwait(false);
    }

    /// <summary>POST: the person signed in, allowed or denied on one of the pages.</summary>
    public async Task<AuthorizeOutcome> SubmitAsync(IReadOnlyList<KeyValuePair<string, StringValues>> form, SessionUser? session, AuthorizeSubmission submission, CancellationToken ct)
    {
        var parameters = form.Where(f => !PageFields.Contains(f.Key)).ToList();
        var check = await AuthorizationRequests.CheckAsync(parameters, clients, ct).ConfigureAwait(false);
        if (check is not AuthorizeCheck.Valid valid) return Reject(check);
        var request = valid.Request;
        var flat = Flatten(parameters);

        if (submission.Action == "login")
        {
            var result = await accounts.AuthenticateAsync(LoginRequest.For(submission.Login, submission.Password, submission.ClientAddress, submission.DeviceCookie), ct).ConfigureAwait(false);
            if (!result.Ok) return new AuthorizeOutcome.LoginPage(request, flat, result.Error);
            var (cookie, lifetime) = sessions.Create(result.Value!, time.GetUtcNow());
            // Back to the authorization request, now signed in: this login honours prompt=login and max_age, so both
            // come off (auth_time has whole seconds; max_age=0 would otherwise ask for a login forever).
            var again = flat.Where(p => p.Key != "max_age")
                .Select(p => p.Key == "prompt" ? new KeyValuePair<string, string>("prompt", string.Join(' ', p.Value.Split(' ').Where(v => v != "login"))) : p)
                .Where(p => p.Value.Length > 0 || p.Key != "prompt");
            return new AuthorizeOutcome.SignedIn(cookie, lifetime, devices.Issue(result.Value!), "/oauth/authorize" + Query(again));
        }

        if (session is not { } signedIn) return new AuthorizeOutcome.LoginPage(request, flat);
        if (submission.Action == "deny")
            return Back(request, ("error", "access_denied"), ("error_description", "The user denied access."));
        if (submission.Action != "allow") return new AuthorizeOutcome.ConsentPage(request, flat, signedIn);
        var (user, grant) = await grants.ConsentAsync(signedIn.User, request.Client.ClientId, request.Scope, ct).ConfigureAwait(false);
        return await IssueCodeAsync(request, user, grant, signedIn.AuthTime, ct).ConfigureAwait(false);
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
