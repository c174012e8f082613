using Bangumoe.Security;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Bangumoe.OAuth;

/// <summary>An OpenID Connect RP-Initiated Logout 1.0 request, as sent (query or form).</summary>
public sealed record EndSessionRequest(string? IdTokenHint, string? ClientId, string? PostLogoutRedirectUri, string? State);

/// <summary>
/// A logout request that passed its checks: the app that sent it (when it said), where the person goes afterwards
/// (only a URI the app registered), and whose id_token the app presented.
/// </summary>
/// <param name="HintSubject">The <c>sub</c> of a valid <c>id_token_hint</c>: the app knows who is signed in, so signing
/// that person out needs no question. Null without a hint.</param>
public sealed record EndSessionTarget(ClientEntity? Client, string? PostLogoutRedirectUri, string? State, string? HintSubject)
{
    /// <summary>Where to send the browser once done: the registered URI with <c>state</c> added, or null (Bangumoe's
    /// own "signed out" page).</summary>
    public string? Location
    {
        get
        {
            if (PostLogoutRedirectUri is null || State is null) return PostLogoutRedirectUri;
            var separator = PostLogoutRedirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            return PostLogoutRedirectUri + separator + "state=" + Uri.EscapeDataString(State);
        }
    }

    /// <summary>Whether the person signed in now may be signed out without being asked: the app presented an id_token
    /// it was issued for this very person.</summary>
    public bool VouchesFor(string uid) => HintSubject is not null && string.Equals(HintSubject, uid, StringComparison.Ordinal);
}

/// <summary>
/// The checks of the <c>end_session_endpoint</c> (OpenID Connect RP-Initiated Logout 1.0 §2–§3). An error means the
/// browser is never sent anywhere (§3: "MUST NOT perform post-logout redirection"): a bad hint or an unregistered URI
/// must not turn the endpoint into an open redirect.
/// </summary>
public sealed class EndSessionChecks(ClientService clients, JwtService jwt)
{
    /// <summary>The longest <c>state</c> carried back, as at /oauth/authorize.</summary>
    public const int StateMaxLength = 2048;

    public async Task<Result<EndSessionTarget>> CheckAsync(EndSessionRequest request, CancellationToken ct = default)
    {
        string? hintSubject = null;
        var clientId = request.ClientId is { Length: > 0 } id ? id : null;
        if (request.IdTokenHint is { Length: > 0 } hint)
        {
            var audience = Audience(hint);
            if (audience is null) return Invalid("id_token_hint is not an ID token Bangumoe issued.");
            if (clientId is not null && clientId != audience) return Invalid("client_id is not the audience of id_token_hint.");
            // §2: the hint may have expired by now (an app signs people out long after sign-in); its signature, issuer,
            // type and audience still prove Bangumoe issued it to this app.
            var check = await jwt.ValidateAsync(hint, "JWT", audience).ConfigureAwait(false);
            if (check.Token is null || check.Claim("sub") is not { Length: > 0 } sub) return Invalid("id_token_hint is not an ID token Bangumoe issued.");
            hintSubject = sub;
            clientId = audience;
        }

        ClientEntity? client = null;
        if (clientId is not null)
        {
            client = await clients.FindAsync(clientId, ct).ConfigureAwait(false);
            if (client is null) return Invalid("Unknown client_id.");
        }

        var postLogout = request.PostLogoutRedirectUri is { Length: > 0 } uri ? uri : null;
        if (postLogout is not null)
        {
            // §3: the URI must have been registered by the app the request names, so the app must be named.
            if (client is null) return Invalid("post_logout_redirect_uri needs client_id or id_token_hint, to know which app registered it.");
            if (!RedirectUris.Matches(client.PostLogoutRedirectUris, postLogout))
                return Invalid("post_logout_redirect_uri is not registered for this app.");
        }
        if (request.State?.Length > StateMaxLength) return Invalid("state is too long.");
        return new EndSessionTarget(client, postLogout, postLogout is null ? null : request.State, hintSubject);
    }

    /// <summary>The single audience of what claims to be an ID token, read before its signature is checked (the audience
    /// names the key's use); null for anything that is not one.</summary>
    private static string? Audience(string token)
    {
        if (token.Length > 8192) return null;
        try
        {
            var parsed = new JsonWebToken(token);
            var audiences = parsed.Audiences.ToList();
            return audiences.Count == 1 && audiences[0].Length is > 0 and <= 64 ? audiences[0] : null;
        }
        catch (Exception e) when (e is ArgumentException or Microsoft.IdentityModel.Tokens.SecurityTokenException)
        {
            return null;
        }
    }

    private static Error Invalid(string detail) => new(ErrorKind.Validation, "invalid_request", detail);
}
