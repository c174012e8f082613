namespace Bangumoe.OAuth;

/// <summary>
/// RFC 6749 §5.2 errors as the domain's <see cref="Error"/>: <see cref="Error.Code"/> is the OAuth error code and
/// <see cref="Error.Message"/> its description. The kind places it (invalid_client is Unauthorized, a throttled client
/// TooManyRequests); the protocol endpoints turn that into the status and the challenge.
/// </summary>
public static class OAuthErrors
{
    public static Error InvalidRequest(string description) => new(ErrorKind.Validation, "invalid_request", description);

    public static Error InvalidClient(string description) => new(ErrorKind.Unauthorized, "invalid_client", description);

    public static Error InvalidGrant(string description) => new(ErrorKind.Validation, "invalid_grant", description);

    public static Error InvalidScope(string description) => new(ErrorKind.Validation, "invalid_scope", description);

    public static Error UnauthorizedClient(string description) => new(ErrorKind.Validation, "unauthorized_client", description);

    public static Error UnsupportedGrantType(string description) => new(ErrorKind.Validation, "unsupported_grant_type", description);

    /// <summary>RFC 9126 §2.3 and OIDC Core §3.1.2.6: the request_uri is unknown, used, expired or another client's.</summary>
    public static Error InvalidRequestUri(string description) => new(ErrorKind.Validation, "invalid_request_uri", description);

    /// <summary>RFC 9449 §5: the DPoP proof is missing where it is needed, malformed, or fails a check.</summary>
    public static Error InvalidDPoPProof(string description) => new(ErrorKind.Validation, "invalid_dpop_proof", description);

    /// <summary>RFC 9449 §8: the proof lacks a (current) server nonce; the answer carries one in <c>DPoP-Nonce</c>.</summary>
    public static Error UseDPoPNonce(string description) => new(ErrorKind.Validation, "use_dpop_nonce", description);

    public static Error SlowDown(TimeSpan retryAfter) =>
        new(ErrorKind.TooManyRequests, "temporarily_unavailable", "Too many requests for this client; slow down.") { RetryAfter = retryAfter };

    // The Device Authorization Grant's answers while polling (RFC 8628 §3.5), all 400.

    public static Error AuthorizationPending(string description) => new(ErrorKind.Validation, "authorization_pending", description);

    /// <summary>RFC 8628's <c>slow_down</c>: the device polls one code too fast (not the per-client throttle of <see cref="SlowDown"/>).</summary>
    public static Error PollingTooFast(string description) => new(ErrorKind.Validation, "slow_down", description);

    public static Error AccessDenied(string description) => new(ErrorKind.Validation, "access_denied", description);

    public static Error ExpiredToken(string description) => new(ErrorKind.Validation, "expired_token", description);
}
