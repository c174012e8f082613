using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// The back-channel protocol endpoints. They speak RFC 6749/6750/7009/7662, not problem details: JSON
/// <c>{error, error_description}</c> errors, <c>Cache-Control: no-store</c>, 401 + WWW-Authenticate for invalid_client.
/// </summary>
public sealed class TokenFunctions(TokenService tokens, ClientAuthenticator authenticator, RevocationService revocation, ClientRateLimiter limiter)
{
    [Function("Token")]
    public async Task<IResult> Token([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/token")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        NoStore(context);
        if (await ReadFormAsync(context, ct) is not { } form) return Error(context, OAuthError.InvalidRequest("Send the parameters as application/x-www-form-urlencoded."));
        if (Throttled(context, form) is { } throttled) return throttled;
        var (response, error) = await tokens.ExchangeAsync(form, context.Request.Headers.Authorization, ct);
        if (error is not null) return Error(context, error);
        var body = new Dictionary<string, object>
        {
            ["access_token"] = response!.AccessToken,
            ["token_type"] = response.TokenType,
            ["expires_in"] = response.ExpiresIn,
            ["scope"] = response.Scope,
        };
        if (response.IdToken is not null) body["id_token"] = response.IdToken;
        if (response.RefreshToken is not null) body["refresh_token"] = response.RefreshToken;
        return TypedResults.Json(body);
    }

    /// <summary>RFC 7009: 200 for every well-formed request from an authenticated client, whether or not the token
    /// existed; only the client's own tokens are revoked.</summary>
    [Function("Revoke")]
    public async Task<IResult> Revoke([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/revoke")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        NoStore(context);
        if (await ReadFormAsync(context, ct) is not { } form) return Error(context, OAuthError.InvalidRequest("Send the parameters as application/x-www-form-urlencoded."));
        var (client, error) = await authenticator.AuthenticateAsync(form, context.Request.Headers.Authorization, ct);
        if (client is null) return Error(context, error!);
        var token = ClientAuthenticator.Single(form, "token");
        if (string.IsNullOrEmpty(token)) return Error(context, OAuthError.InvalidRequest("token is required."));
        await revocation.RevokeAsync(client, token, ct);
        return TypedResults.Ok();
    }

    /// <summary>RFC 7662, for confidential clients: <c>{"active": false}</c> for anything unknown, expired, revoked or
    /// issued to another client.</summary>
    [Function("Introspect")]
    public async Task<IResult> Introspect([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/introspect")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        NoStore(context);
        if (await ReadFormAsync(context, ct) is not { } form) return Error(context, OAuthError.InvalidRequest("Send the parameters as application/x-www-form-urlencoded."));
        if (Throttled(context, form) is { } throttled) return throttled;
        var (client, error) = await authenticator.AuthenticateAsync(form, context.Request.Headers.Authorization, ct);
        if (client is null) return Error(context, error!);
        if (!client.IsConfidential) return Error(context, OAuthError.InvalidClient("Introspection needs client authentication with a secret.", usedBasic: false));
        var token = ClientAuthenticator.Single(form, "token");
        if (string.IsNullOrEmpty(token)) return Error(context, OAuthError.InvalidRequest("token is required."));
        return TypedResults.Json(await revocation.IntrospectAsync(client, token, ct));
    }

    /// <summary>OIDC userinfo: the claims the token's scopes release; <c>sub</c> equals the id_token's.</summary>
    [Function("UserInfo")]
    [RequireScope(Scopes.OpenId)]
    public IResult UserInfo([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/userinfo")] HttpRequest req) => Claims(req);

    [Function("UserInfoPost")]
    [RequireScope(Scopes.OpenId)]
    public IResult UserInfoPost([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/userinfo")] HttpRequest req) => Claims(req);

    private static IResult Claims(HttpRequest req)
    {
        var me = req.Caller();
        NoStore(req.HttpContext);
        var claims = new Dictionary<string, object> { ["sub"] = me.User.Uid };
        foreach (var (name, value) in UserClaims.For(me.User, me.Scope)) claims[name] = value;
        return TypedResults.Json(claims);
    }

    private static async Task<IReadOnlyDictionary<string, StringValues>?> ReadFormAsync(HttpContext context, CancellationToken ct)
    {
        if (!context.Request.HasFormContentType) return null;
        var form = await context.Request.ReadFormAsync(ct);
        return form.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
    }

    /// <summary>429 with Retry-After when the presented client (or, without one, the address) is over its limit.</summary>
    private IResult? Throttled(HttpContext context, IReadOnlyDictionary<string, StringValues> form)
    {
        var key = ClientAuthenticator.PresentedClientId(form, context.Request.Headers.Authorization) is { Length: > 0 and <= 64 } id
            ? "client|" + id
            : "address|" + ClientAddress.Of(context);
        if (limiter.TryAcquire(key)) return null;
        context.Response.Headers.RetryAfter = "1";
        return Error(context, new OAuthError("temporarily_unavailable", "Too many requests for this client; slow down.", 429));
    }

    private static IResult Error(HttpContext context, OAuthError error)
    {
        NoStore(context);
        if (error.WwwAuthenticate is not null) context.Response.Headers.WWWAuthenticate = error.WwwAuthenticate;
        return TypedResults.Json(new Dictionary<string, string> { ["error"] = error.Error, ["error_description"] = error.Description }, statusCode: error.Status);
    }

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }
}
