namespace Bangumoe.OAuth;

/// <summary>How a client authenticates at the token, revocation and introspection endpoints (RFC 6749 §2.3).</summary>
public enum ClientAuthMethod
{
    /// <summary>Only client_id: a public client, relying on PKCE.</summary>
    None,

    /// <summary>client_id and secret in the Authorization header (Basic).</summary>
    ClientSecretBasic,

    /// <summary>client_id and client_secret in the form body.</summary>
    ClientSecretPost,

    /// <summary>A JWT signed with one of the client's registered keys in client_assertion (RFC 7523 §2.2).</summary>
    PrivateKeyJwt,
}

/// <summary>What a request presents to authenticate its client, as the endpoint read it from the wire.</summary>
public sealed record ClientCredentials(string? ClientId, string? Secret, ClientAuthMethod Method)
{
    /// <summary>The client_assertion, with <see cref="ClientAuthMethod.PrivateKeyJwt"/>.</summary>
    public string? Assertion { get; init; }

    public static readonly ClientCredentials Missing = new(null, null, ClientAuthMethod.None);
}
