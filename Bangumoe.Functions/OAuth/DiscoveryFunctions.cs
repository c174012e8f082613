using Bangumoe.Functions.Http;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// RFC 8414 authorization server metadata and OpenID Connect discovery (one document, one issuer string everywhere,
/// taken from PublicBaseUrl and never from the request), and the JWKS with every published key.
/// </summary>
public sealed class DiscoveryFunctions(IOptions<AppOptions> app, SigningKeyRing keys)
{
    [Function("OpenIdConfiguration")]
    [Cors(CorsKind.Public)]
    public IResult OpenIdConfiguration([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/openid-configuration")] HttpRequest req) =>
        Metadata(req.HttpContext);

    [Function("OAuthServerMetadata")]
    [Cors(CorsKind.Public)]
    public IResult OAuthServerMetadata([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/oauth-authorization-server")] HttpRequest req) =>
        Metadata(req.HttpContext);

    private IResult Metadata(HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=3600";
        var issuer = app.Value.Issuer;
        return TypedResults.Json(new Dictionary<string, object>
        {
            ["issuer"] = issuer,
            ["authorization_endpoint"] = issuer + "/oauth/authorize",
            ["token_endpoint"] = issuer + "/oauth/token",
            ["userinfo_endpoint"] = issuer + "/oauth/userinfo",
            ["jwks_uri"] = issuer + "/.well-known/jwks.json",
            ["revocation_endpoint"] = issuer + "/oauth/revoke",
            ["introspection_endpoint"] = issuer + "/oauth/introspect",
            ["device_authorization_endpoint"] = issuer + "/oauth/device_authorization",
            ["end_session_endpoint"] = issuer + "/oauth/logout",
            ["scopes_supported"] = Scopes.ThirdParty,
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query" },
            ["grant_types_supported"] = new[] { "authorization_code", "refresh_token", "client_credentials", DeviceCodeStore.GrantType },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "private_key_jwt", "none" },
            ["revocation_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "private_key_jwt", "none" },
            ["introspection_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "private_key_jwt" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = keys.Keys.Select(k => k.Algorithm).Distinct().OrderByDescending(a => a == "RS256").ToArray(),
            ["claims_supported"] = new[] { "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "preferred_username", "nickname", "picture", "profile", "email", "email_verified" },
            ["prompt_values_supported"] = new[] { "none", "login", "consent" },
            ["authorization_response_iss_parameter_supported"] = true,
            // RFC 9126 §5: PAR is offered to every app and required only of those that registered so.
            ["pushed_authorization_request_endpoint"] = issuer + "/oauth/par",
            ["require_pushed_authorization_requests"] = false,
            ["token_endpoint_auth_signing_alg_values_supported"] = ClientKeys.Algorithms,
            ["dpop_signing_alg_values_supported"] = DPoPProofs.Algorithms,
        });
    }

    [Function("Jwks")]
    [Cors(CorsKind.Public)]
    public IResult Jwks([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/jwks.json")] HttpRequest req)
    {
        var context = req.HttpContext;
        // Short enough that a newly published key reaches relying parties well before it starts signing.
        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Json(keys.Jwks(), contentType: "application/json");
    }
}
