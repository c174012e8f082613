using System.Security.Claims;
using System.Text.Encodings.Web;
using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.Http;

/// <summary>The signed-in user of a request, loaded once by <see cref="BearerAuthenticationHandler"/>.</summary>
public sealed record CurrentUser(UserEntity User, string ClientId, string Scope)
{
    public static ValueTask<CurrentUser?> BindAsync(HttpContext context) =>
        ValueTask.FromResult(context.Items[typeof(CurrentUser)] as CurrentUser);
}

/// <summary>
/// Bearer access tokens (RFC 6750). Authenticating loads the user (one point read) and checks the security stamp, and
/// the handler keeps that user for the endpoint so it is never read twice. Challenges carry
/// <c>WWW-Authenticate: Bearer</c>, with <c>error="invalid_token"</c> when a token was sent and refused.
/// </summary>
public sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccessTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    private bool _tokenRefused;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            _tokenRefused = true;
            return AuthenticateResult.Fail("Not a Bearer token.");
        }
        var result = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (result is not var (user, token))
        {
            _tokenRefused = true;
            return AuthenticateResult.Fail("The access token is invalid, expired or revoked.");
        }
        var current = new CurrentUser(user, token.Claim("client_id") ?? "", token.Claim("scope") ?? "");
        Context.Items[typeof(CurrentUser)] = current;
        var identity = new ClaimsIdentity(
            [new Claim("sub", user.Uid), new Claim("client_id", current.ClientId), new Claim("scope", current.Scope)], SchemeName, "sub", null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = _tokenRefused
            ? "Bearer error=\"invalid_token\", error_description=\"The access token is invalid, expired or revoked\""
            : "Bearer";
        Response.StatusCode = 401;
        await Problems.Status(401, _tokenRefused ? "invalid-token" : "unauthenticated",
            _tokenRefused ? "The access token is invalid, expired or revoked." : "Send an access token: Authorization: Bearer <token>.").ExecuteAsync(Context);
    }
}

/// <summary>Endpoint policy: the token must carry a scope (RFC 6750 <c>insufficient_scope</c>, 403, otherwise).</summary>
public static class ScopeRequirement
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var user = context.HttpContext.Items[typeof(CurrentUser)] as CurrentUser;
            if (user is not null && Scopes.Has(user.Scope, scope)) return await next(context);
            return InsufficientScope(context.HttpContext, scope);
        });

    /// <summary>RFC 6750 §3.1: 403 with <c>insufficient_scope</c> and the scope that is needed.</summary>
    public static IResult InsufficientScope(HttpContext context, string scope)
    {
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
        return Problems.Status(403, "insufficient-scope", $"This needs the '{scope}' scope.");
    }
}
