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
}

/// <summary>What a request presents to authenticate its client, as the endpoint read it from the wire.</summary>
public sealed record ClientCredentials(string? ClientId, string? Secret, ClientAuthMethod Method)
{
    public static readonly ClientCredentials Missing = new(null, null, ClientAuthMethod.None);
}
