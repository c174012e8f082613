using Bangumoe.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>The CORS preflights (OPTIONS) of the routes a browser app calls across origins (see <see cref="CorsAttribute"/>).</summary>
public sealed class CorsPreflightFunctions
{
    [Function("TokenPreflight")]
    public IResult Token([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "oauth/token")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Client);

    [Function("RevokePreflight")]
    public IResult Revoke([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "oauth/revoke")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Client);

    [Function("UserInfoPreflight")]
    public IResult UserInfo([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "oauth/userinfo")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Client);

    [Function("DeviceAuthorizationPreflight")]
    public IResult DeviceAuthorization([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = "oauth/device_authorization")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Client);

    [Function("OpenIdConfigurationPreflight")]
    public IResult OpenIdConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = ".well-known/openid-configuration")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Public);

    [Function("OAuthServerMetadataPreflight")]
    public IResult OAuthServerMetadata([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = ".well-known/oauth-authorization-server")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Public);

    [Function("JwksPreflight")]
    public IResult Jwks([HttpTrigger(AuthorizationLevel.Anonymous, "options", Route = ".well-known/jwks.json")] HttpRequest req) =>
        ClientCors.Preflight(req.HttpContext, CorsKind.Public);
}
