namespace Bangumoe.OAuth;

/// <summary>
/// Client authentication (RFC 6749 §2.3): client_secret_basic, client_secret_post, or "none" for public clients. The
/// endpoints read the credentials from the wire; this decides whether they authenticate a client.
/// </summary>
public sealed class ClientAuthenticator(ClientService clients, ClientSecrets secrets, ClientRateLimiter limiter)
{
    public async Task<Result<ClientEntity>> AuthenticateAsync(ClientCredentials credentials, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(credentials.ClientId)) return OAuthErrors.InvalidClient("Client authentication is required.");
        var client = await clients.FindAsync(credentials.ClientId, ct).ConfigureAwait(false);
        if (client is null) return OAuthErrors.InvalidClient("Unknown client or wrong secret.");
        if (client.IsConfidential)
        {
            if (!secrets.Verify(client.SecretHash, credentials.Secret)) return OAuthErrors.InvalidClient("Unknown client or wrong secret.");
        }
        else if (credentials.Secret is not null)
        {
            return OAuthErrors.InvalidClient("A public client has no secret; authenticate with client_id only (method \"none\").");
        }
        return client;
    }

    /// <summary>The per-client budget of the token and introspection endpoints: keyed by the client the request claims
    /// to be (before any check, so a flood of wrong secrets counts too), or by its address when it claims none.</summary>
    public Error? Throttle(ClientCredentials credentials, string clientAddress) =>
        limiter.TryAcquire(credentials.ClientId is { Length: > 0 and <= 64 } id ? "client|" + id : "address|" + clientAddress)
            ? null
            : OAuthErrors.SlowDown(TimeSpan.FromSeconds(1));
}
