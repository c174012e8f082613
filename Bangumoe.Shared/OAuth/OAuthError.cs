namespace Bangumoe.OAuth;

/// <summary>An RFC 6749 §5.2 error: <c>{error, error_description}</c>, with its HTTP status and challenge.</summary>
public sealed record OAuthError(string Error, string Description, int Status = 400, string? WwwAuthenticate = null)
{
    public static OAuthError InvalidRequest(string description) => new("invalid_request", description);

    public static OAuthError InvalidGrant(string description) => new("invalid_grant", description);

    /// <summary>401; with the Basic challenge when the client tried the Authorization header (RFC 6749 §5.2).</summary>
    public static OAuthError InvalidClient(string description, bool usedBasic) =>
        new("invalid_client", description, 401, usedBasic ? "Basic realm=\"bangumoe\", charset=\"UTF-8\"" : null);
}
