using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Bangumoe.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// The back-channel protocol endpoints. They speak RFC 6749/6750/7009/7662, not problem details: JSON
/// <c>{error, error_description}</c> errors, <c>Cache-Control: no-store</c>, 401 + WWW-Authenticate for invalid_client.
/// Each reads its form into a typed request and renders what the core decided.
/// </summary>
public sealed class TokenFunctions(TokenService tokens, RevocationService revocation, ClientPosts posts, ClientCors cors)
{
    [Function("Token")]
    [NoStore]
    [Cors(CorsKind.Client)]
    public async Task<IResult> Token([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/token")] HttpRequest req, CancellationToken ct)
    {
        var form = await posts.ReadAsync(req, ct);
        if (!form.Ok) return OAuthResults.Error(req, form.Error!);
        var f = form.Value!;
        var proof = posts.Proof(req);
        var result = await tokens.ExchangeAsync(new TokenRequest(f.Client, f["grant_type"], f["code"], f["redirect_uri"], f["code_verifier"],
            f["refresh_token"], f["scope"], ClientAddress.Of(req.HttpContext), proof, f["device_code"]), ct);
        if (!result.Ok) return OAuthResults.Error(req, result.Error!);
        var response = result.Value!;
        var body = new Dictionary<string, object>
        {
            ["access_token"] = response.AccessToken,
            ["token_type"] = response.TokenType,
            ["expires_in"] = response.ExpiresIn,
            ["scope"] = response.Scope,
        };
        if (response.IdToken is not null) body["id_token"] = response.IdToken;
        if (response.RefreshToken is not null) body["refresh_token"] = response.RefreshToken;
        return TypedResults.Json(body);
    }

    [Function("Revoke")]
    [NoStore]
    [Cors(CorsKind.Client)]
    public async Task<IResult> Revoke([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/revoke")] HttpRequest req, CancellationToken ct)
    {
        var form = await posts.ReadAsync(req, ct);
        if (!form.Ok) return OAuthResults.Error(req, form.Error!);
        var result = await revocation.RevokeAsync(new TokenQuery(form.Value!.Client, form.Value["token"], ClientAddress.Of(req.HttpContext)), ct);
        return result.Ok ? TypedResults.Ok() : OAuthResults.Error(req, result.Error!);
    }

    [Function("Introspect")]
    [NoStore]
    public async Task<IResult> Introspect([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/introspect")] HttpRequest req, CancellationToken ct)
    {
        var form = await OAuthForm.ReadAsync(req, ct);
        if (!form.Ok) return OAuthResults.Error(req, form.Error!);
        var result = await revocation.IntrospectAsync(new TokenQuery(form.Value!.Client, form.Value["token"], ClientAddress.Of(req.HttpContext)), ct);
        return result.Ok ? TypedResults.Json(result.Value!) : OAuthResults.Error(req, result.Error!);
    }

    /// <summary>OIDC userinfo: the claims the token's scopes release; <c>sub</c> equals the id_token's.</summary>
    [Function("UserInfo")]
    [NoStore]
    [RequireScope(Scopes.OpenId)]
    [Cors(CorsKind.Client)]
    public Task<IResult> UserInfo([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth/userinfo")] HttpRequest req, CancellationToken ct) =>
        ClaimsAsync(req, ct);

    [Function("UserInfoPost")]
    [NoStore]
    [RequireScope(Scopes.OpenId)]
    [Cors(CorsKind.Client)]
    public Task<IResult> UserInfoPost([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth/userinfo")] HttpRequest req, CancellationToken ct) =>
        ClaimsAsync(req, ct);

    private async Task<IResult> ClaimsAsync(HttpRequest req, CancellationToken ct)
    {
        var me = req.Caller();
        if (await cors.CheckAsync(req.HttpContext, me.ClientId, ct) is { } foreign) return OAuthResults.Error(req, foreign);
        var claims = new Dictionary<string, object> { ["sub"] = me.User.Uid };
        foreach (var (name, value) in UserClaims.For(me.User, me.Scope)) claims[name] = value;
        return TypedResults.Json(claims);
    }
}

/// <summary>How the protocol endpoints answer: errors as RFC 6749 §5.2 JSON with their status (they are [NoStore]).</summary>
public static class OAuthResults
{
    public static IResult Error(HttpRequest req, Error error)
    {
        var context = req.HttpContext;
        var status = error.Kind switch
        {
            ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
            ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        // RFC 6749 §5.2: a client that tried the Authorization header hears which scheme to use.
        if (status == 401 && req.Headers.Authorization.Count > 0) context.Response.Headers.WWWAuthenticate = "Basic realm=\"bangumoe\", charset=\"UTF-8\"";
        if (error.RetryAfter is { } wait) context.Response.SetRetryAfter(wait);
        return TypedResults.Json(new Dictionary<string, string> { ["error"] = error.Code, ["error_description"] = error.Message }, statusCode: status);
    }
}
