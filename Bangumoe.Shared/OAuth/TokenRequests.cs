namespace Bangumoe.OAuth;

/// <summary><c>POST /oauth/token</c>, read from its form: the grant and what it needs.</summary>
public sealed record TokenRequest(
    ClientCredentials Client, string? GrantType, string? Code, string? RedirectUri, string? CodeVerifier, string? RefreshToken, string? Scope,
    string ClientAddress, DPoPPresentation? DPoP = null, string? DeviceCode = null);

/// <summary><c>POST /oauth/revoke</c> or <c>/oauth/introspect</c>: a client asking about one of its tokens.</summary>
public sealed record TokenQuery(ClientCredentials Client, string? Token, string ClientAddress);
