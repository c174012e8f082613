using Bangumoe.Security;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.OAuth;

/// <summary>A validated request to <c>/oauth/authorize</c>.</summary>
public sealed record AuthorizationRequest(
    ClientEntity Client, string RedirectUri, string Scope, string? State, string CodeChallenge, string? Nonce,
    IReadOnlySet<string> Prompt, int? MaxAge, string? DPoPJkt = null)
{
    public IReadOnlyList<string> Scopes => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>What to do with an authorization request.</summary>
public abstract record AuthorizeCheck
{
    /// <summary>The client or redirect URI cannot be trusted: show an error page, never redirect (RFC 6749 §4.1.2.1).</summary>
    public sealed record ErrorPage(string Message) : AuthorizeCheck;

    /// <summary>The redirect URI is verified: send the error back to the client.</summary>
    public sealed record ErrorRedirect(string RedirectUri, string Error, string Description, string? State) : AuthorizeCheck;

    public sealed record Valid(AuthorizationRequest Request) : AuthorizeCheck;
}

/// <summary>Validates authorization requests: code flow only, PKCE with S256 required for every client.</summary>
public static class AuthorizationRequests
{
    public static async Task<AuthorizeCheck> CheckAsync(IEnumerable<KeyValuePair<string, StringValues>> parameters, ClientService clients, CancellationToken ct)
    {
        var p = parameters.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        string? One(string name) => p.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;
        bool Repeated(string name) => p.TryGetValue(name, out var v) && v.Count > 1;

        if (Repeated("client_id") || Repeated("redirect_uri")) return new AuthorizeCheck.ErrorPage("The request repeats client_id or redirect_uri.");
        var clientId = One("client_id");
        if (string.IsNullOrEmpty(clientId)) return new AuthorizeCheck.ErrorPage("The request has no client_id.");
        var client = await clients.FindAsync(clientId, ct).ConfigureAwait(false);
        if (client is null) return new AuthorizeCheck.ErrorPage("No app is registered with this client_id.");
        var redirectUri = One("redirect_uri");
        if (string.IsNullOrEmpty(redirectUri)) return new AuthorizeCheck.ErrorPage("The request has no redirect_uri.");
        if (!RedirectUris.Matches(client.RedirectUris, redirectUri))
            return new AuthorizeCheck.ErrorPage($"The redirect_uri '{redirectUri}' is not registered for this app. It must equal a registered URI exactly (only a loopback IP address may differ in port).");

        var state = One("state");
        AuthorizeCheck Fail(string error, string description) => new AuthorizeCheck.ErrorRedirect(redirectUri, error, description, state);

        var repeated = p.Where(kv => kv.Value.Count > 1).Select(kv => kv.Key).ToList();
        if (repeated.Count > 0) return Fail("invalid_request", "Repeated parameter: " + string.Join(", ", repeated));
        if (p.ContainsKey("request")) return Fail("request_not_supported", "Request objects are not supported.");
        if (p.ContainsKey("request_uri")) return Fail("request_uri_not_supported", "request_uri is not supported.");
        if (state?.Length > 2048) return Fail("invalid_request", "state is too long.");

        var responseType = One("response_type");
        if (string.IsNullOrEmpty(responseType)) return Fail("invalid_request", "response_type is required.");
        if (responseType != "code") return Fail("unsupported_response_type", "Only response_type=code is supported.");
        if (One("response_mode") is { } mode && mode != "query") return Fail("invalid_request", "Only response_mode=query is supported.");

        var challenge = One("code_challenge");
        var method = One("code_challenge_method");
        if (string.IsNullOrEmpty(challenge)) return Fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256.");
        if (method != "S256") return Fail("invalid_request", "code_challenge_method must be S256.");
        if (!Pkce.IsS256Challenge(challenge)) return Fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters).");

        var scope = One("scope");
        if (string.IsNullOrWhiteSpace(scope)) return Fail("invalid_scope", "scope is required, e.g. \"openid profile\".");
        var requested = Scopes.Parse(scope);
        var unknown = requested.Where(s => !Scopes.ThirdParty.Contains(s)).ToList();
        if (unknown.Count > 0) return Fail("invalid_scope", "Unknown scope: " + string.Join(" ", unknown));

        var prompt = (One("prompt") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (prompt.Any(v => v is not ("none" or "login" or "consent"))) return Fail("invalid_request", "prompt may be none, login or consent.");
        if (prompt.Contains("none") && prompt.Count > 1) return Fail("invalid_request", "prompt=none cannot be combined with other values.");

        int? maxAge = null;
        if (One("max_age") is { } rawMaxAge)
        {
            if (!int.TryParse(rawMaxAge, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                return Fail("invalid_request", "max_age must be a number of seconds.");
            maxAge = seconds;
        }
        var nonce = One("nonce");
        if (nonce?.Length > 512) return Fail("invalid_request", "nonce is too long.");
        // RFC 9449 §10: the code will be bound to this key thumbprint (RFC 7638, SHA-256, base64url: 43 characters).
        var dpopJkt = One("dpop_jkt");
        if (dpopJkt is not null && !DPoPProofs.IsThumbprint(dpopJkt)) return Fail("invalid_request", "dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (43 characters).");

        return new AuthorizeCheck.Valid(new AuthorizationRequest(client, redirectUri, Scopes.Canonical(requested), state, challenge, nonce, prompt, maxAge, dpopJkt));
    }

    /// <summary>The redirect back to the client, success or error, always with state (when sent) and iss (RFC 9207).</summary>
    public static string RedirectBack(string redirectUri, string issuer, string? state, params (string Name, string? Value)[] parameters)
    {
        var all = parameters.Append((Name: "state", Value: state)).Append((Name: "iss", Value: (string?)issuer)).Where(p => p.Value is not null)
            .Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value!));
        return redirectUri + (redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join("&", all);
    }
}
