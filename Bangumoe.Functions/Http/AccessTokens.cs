using Bangumoe.Accounts;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Bangumoe.Functions.Http;

/// <summary>The signed-in caller of a request, loaded once by <see cref="AccessTokenMiddleware"/>.</summary>
public sealed record CurrentUser(UserEntity User, string ClientId, string Scope);

/// <summary>A function with this attribute needs a valid access token (RFC 6750) that carries <see cref="Scope"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequireScopeAttribute(string scope) : Attribute
{
    public string Scope { get; } = scope;
}

/// <summary>What a request's Authorization header amounts to.</summary>
public sealed record BearerOutcome(CurrentUser? User, bool TokenRefused)
{
    public static readonly BearerOutcome None = new(null, false);
    public static readonly BearerOutcome Refused = new(null, true);
}

/// <summary>
/// Bearer access tokens: reading one loads the user (one point read) and checks the security stamp. Challenges carry
/// <c>WWW-Authenticate: Bearer</c>, with <c>error="invalid_token"</c> when a token was sent and refused.
/// </summary>
public sealed class BearerAuthenticator(AccessTokenService tokens)
{
    public async Task<BearerOutcome> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return BearerOutcome.None;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return BearerOutcome.Refused;
        if (await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), ct) is not var (user, token)) return BearerOutcome.Refused;
        return new BearerOutcome(new CurrentUser(user, token.Claim("client_id") ?? "", token.Claim("scope") ?? ""), false);
    }

    /// <summary>401: no token, or one that is invalid, expired or revoked.</summary>
    public static IResult Challenge(HttpContext context, bool tokenRefused)
    {
        context.Response.Headers.WWWAuthenticate = tokenRefused
            ? "Bearer error=\"invalid_token\", error_description=\"The access token is invalid, expired or revoked\""
            : "Bearer";
        return tokenRefused
            ? Problems.Status(401, "invalid-token", "The access token is invalid, expired or revoked.")
            : Problems.Status(401, "unauthenticated", "Send an access token: Authorization: Bearer <token>.");
    }

    /// <summary>RFC 6750 §3.1: 403 with <c>insufficient_scope</c> and the scope that is needed.</summary>
    public static IResult InsufficientScope(HttpContext context, string scope)
    {
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
        return Problems.Status(403, "insufficient-scope", $"This needs the '{scope}' scope.");
    }
}

/// <summary>
/// Authenticates the caller of every function marked <see cref="RequireScopeAttribute"/> before it runs, so no
/// function checks tokens itself; the function reads the caller with <see cref="CallerExtensions.Caller"/>.
/// </summary>
public sealed class AccessTokenMiddleware(BearerAuthenticator authenticator) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var scope = FunctionPolicies.Get<RequireScopeAttribute>(context)?.Scope;
        if (scope is null || context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }
        var outcome = await authenticator.AuthenticateAsync(http.Request, context.CancellationToken);
        if (outcome.User is null)
        {
            context.GetInvocationResult().Value = BearerAuthenticator.Challenge(http, outcome.TokenRefused);
            return;
        }
        if (!Scopes.Has(outcome.User.Scope, scope))
        {
            context.GetInvocationResult().Value = BearerAuthenticator.InsufficientScope(http, scope);
            return;
        }
        http.Items[typeof(CurrentUser)] = outcome.User;
        await next(context);
    }
}

public static class CallerExtensions
{
    /// <summary>The authenticated caller of a function marked <see cref="RequireScopeAttribute"/>.</summary>
    public static CurrentUser Caller(this HttpRequest request) =>
        request.HttpContext.Items[typeof(CurrentUser)] as CurrentUser
        ?? throw new InvalidOperationException("This function is not marked [RequireScope], so it has no authenticated caller.");
}
