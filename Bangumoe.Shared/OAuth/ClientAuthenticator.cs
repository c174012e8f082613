namespace Bangumoe.OAuth;

/// <summary>
/// Client authentication (RFC 6749 §2.3): client_secret_basic, client_secret_post, private_key_jwt (RFC 7523), or
/// "none" for public clients. The endpoints read the credentials from the wire; this decides whether they authenticate
/// a client. An app uses the one method it registered: a key-based app cannot fall back to a secret, nor the reverse.
/// </summary>
public sealed class ClientAuthenticator(ClientService clients, ClientSecrets secrets, ClientRateLimiter limiter, ClientAssertions assertions)
{
    public async Task<Result<ClientEntity>> AuthenticateAsync(ClientCredentials credentials, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(credentials.ClientId)) return OAuthErrors.InvalidClient("Client authentication is required.");
        var client = await clients.FindAsync(credentials.ClientId, ct).ConfigureAwait(false);
        if (client is null) return OAuthErrors.InvalidClient("Unknown client or wrong secret.");
        if (client.UsesPrivateKeyJwt)
        {
            if (credentials.Method != ClientAuthMethod.PrivateKeyJwt)
                return OAuthErrors.InvalidClient("This app authenticates with private_key_jwt: send client_assertion_type and client_assertion.");
            if (await assertions.ValidateAsync(client, credentials.Assertion, ct).ConfigureAwait(false) is { } refused) return refused;
        }
        else if (credentials.Method == ClientAuthMethod.PrivateKeyJwt)
        {
            return OAuthErrors.InvalidClient("This app is not registered for private_key_jwt.");
        }
        else if (client.IsConfidential)
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
