using Microsoft.Extensions.Primitives;

namespace Bangumoe.OAuth;

/// <summary>A pushed authorization request as the PAR endpoint read it: the client's credentials and every other parameter.</summary>
public sealed record PushRequest(ClientCredentials Client, IReadOnlyDictionary<string, string> Parameters, string ClientAddress,
    DPoPPresentation? DPoP = null);

/// <summary>The PAR endpoint's answer (RFC 9126 §2.2).</summary>
public sealed record PushResponse(string RequestUri, int ExpiresIn);

/// <summary>
/// The pushed authorization request endpoint's decisions (RFC 9126 §2): the client authenticates as at the token
/// endpoint, and the request is validated exactly as /oauth/authorize would validate it, so that a client learns of a
/// mistake from a JSON error here rather than on an error page in front of its user.
/// </summary>
public sealed class PushedAuthorizations(ClientAuthenticator authenticator, ClientService clients, PushedAuthorizationStore store, DPoPProofs dpop)
{
    /// <summary>Credentials are not authorization parameters; they are never stored with the request.</summary>
    private static readonly HashSet<string> CredentialFields = new(StringComparer.Ordinal) { "client_secret", "client_assertion", "client_assertion_type" };

    public async Task<Result<PushResponse>> PushAsync(PushRequest request, CancellationToken ct)
    {
        if (authenticator.Throttle(request.Client, request.ClientAddress) is { } throttled) return throttled;
        var authenticated = await authenticator.AuthenticateAsync(request.Client, ct).ConfigureAwait(false);
        if (!authenticated.Ok) return authenticated.Error!;
        var client = authenticated.Value!;

        // RFC 9126 §2.1: a request_uri cannot itself be pushed.
        if (request.Parameters.ContainsKey("request_uri")) return OAuthErrors.InvalidRequest("request_uri cannot be sent to the pushed authorization request endpoint.");
        var parameters = request.Parameters.Where(p => !CredentialFields.Contains(p.Key)).ToDictionary(StringComparer.Ordinal);
        // With Basic or an assertion the body may omit client_id; the request is the authenticated client's either way.
        parameters["client_id"] = client.ClientId;
        // RFC 9449 §10.1: a DPoP proof sent with the push binds the code to its key, as dpop_jkt does; both must agree.
        if (request.DPoP is { } presentation)
        {
            var proof = await dpop.CheckAsync(presentation, accessToken: null, ct).ConfigureAwait(false);
            if (!proof.Ok) return proof.Error!;
            if (parameters.TryGetValue("dpop_jkt", out var sent) && !string.Equals(sent, proof.Value!.Jkt, StringComparison.Ordinal))
                return OAuthErrors.InvalidDPoPProof("dpop_jkt is not the thumbprint of the DPoP proof's key.");
            parameters["dpop_jkt"] = proof.Value!.Jkt;
        }
        var check = await AuthorizationRequests.CheckAsync(parameters.Select(p => new KeyValuePair<string, StringValues>(p.Key, p.Value)), clients, ct, pushed: true)
            .ConfigureAwait(false);
        switch (check)
        {
            case AuthorizeCheck.ErrorPage page:
                return OAuthErrors.InvalidRequest(page.Message);
            case AuthorizeCheck.ErrorRedirect error:
                return new Error(ErrorKind.Validation, error.Error, error.Description);
        }
        var requestUri = await store.PushAsync(client.ClientId, parameters, ct).ConfigureAwait(false);
        return new PushResponse(requestUri, (int)PushedAuthorizationStore.Lifetime.TotalSeconds);
    }
}
