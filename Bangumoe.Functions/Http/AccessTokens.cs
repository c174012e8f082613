using Bangumoe.Accounts;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
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

/// <summary>What a request's Authorization header amounts to. <see cref="DPoPError"/> is set when a DPoP rule refused it
/// (RFC 9449 §7.1: <c>invalid_token</c>, <c>invalid_dpop_proof</c> or <c>use_dpop_nonce</c>), so the challenge names it
/// under the DPoP scheme.</summary>
public sealed record BearerOutcome(CurrentUser? User, bool TokenRefused, string? DPoPError = null, string? Description = null)
{
    public static readonly BearerOutcome None = new(null, false);
    public static readonly BearerOutcome Refused = new(null, true);

    public static BearerOutcome DPoPRefused(string error, string description) => new(null, true, error, description);
}

/// <summary>
/// Access tokens at the resources: <c>Authorization: Bearer</c> (RFC 6750) for bearer tokens, <c>Authorization: DPoP</c>
/// with a <c>DPoP</c> proof (RFC 9449 §7) for tokens bound to a key. Reading one loads the user (one point read) and
/// checks the security stamp. Challenges offer both schemes, with the error under the scheme that refused.
/// </summary>
public sealed class BearerAuthenticator(AccessTokenService tokens, JwtService jwt, DPoPProofs dpop, IOptions<AppOptions> app)
{
    public async Task<BearerOutcome> AuthenticateAsync(HttpRequest request, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return BearerOutcome.None;
        var isDPoP = header.StartsWith("DPoP ", StringComparison.OrdinalIgnoreCase);
        if (!isDPoP && !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return BearerOutcome.Refused;
        var token = header[(isDPoP ? "DPoP " : "Bearer ").Length..].Trim();
        if (isDPoP && dpop.NonceRequired) request.HttpContext.Response.Headers[DPoPHeaders.Nonce] = dpop.CurrentNonce();

        var check = await jwt.ValidateAsync(token, TokenTypes.AccessToken, jwt.Issuer);
        if (await tokens.AuthenticateAsync(check, ct) is not var (user, valid))
            return isDPoP ? BearerOutcome.DPoPRefused("invalid_token", "The access token is invalid, expired or revoked") : BearerOutcome.Refused;
        var boundTo = AccessTokenService.BoundKey(valid);
        if (!isDPoP)
        {
            // RFC 9449 §7.2: a bound token without its proof is worth nothing, whoever holds it.
            return boundTo is null
                ? new BearerOutcome(Caller(user, valid), false)
                : BearerOutcome.DPoPRefused("invalid_token", "This access token is bound to a DPoP key: send it as Authorization: DPoP with a DPoP proof");
        }
        if (boundTo is null) return BearerOutcome.DPoPRefused("invalid_token", "This access token is not DPoP-bound: send it as Authorization: Bearer");

        if (DPoPHeaders.Read(request, app) is not { } presentation) return BearerOutcome.DPoPRefused("invalid_dpop_proof", "Send a DPoP proof with a DPoP-bound access token");
        var proof = await dpop.CheckAsync(presentation, accessToken: token, ct);
        if (!proof.Ok) return BearerOutcome.DPoPRefused(proof.Error!.Code, proof.Error.Message.TrimEnd('.'));
        if (proof.Value!.Jkt != boundTo) return BearerOutcome.DPoPRefused("invalid_dpop_proof", "The proof is signed with another key than the one the access token is bound to");
        return new BearerOutcome(Caller(user, valid), false);
    }

    private static CurrentUser Caller(UserEntity user, TokenCheck token) => new(user, token.Claim("client_id") ?? "", token.Claim("scope") ?? "");

    /// <summary>The challenge of the DPoP scheme (RFC 9449 §7.1): the algorithms a proof may use.</summary>
    private static readonly string DPoPAlgs = $"algs=\"{string.Join(' ', DPoPProofs.Algorithms)}\"";

    /// <summary>401: no token, or one that is invalid, expired or revoked.</summary>
    public static IResult Challenge(HttpContext context, bool tokenRefused) =>
        Challenge(context, tokenRefused ? BearerOutcome.Refused : BearerOutcome.None);

    /// <summary>401: no token, a refused one, or a DPoP rule broken. Both schemes are offered (RFC 9449 §7.1), each with
    /// its own error.</summary>
    public static IResult Challenge(HttpContext context, BearerOutcome outcome)
    {
        if (outcome.DPoPError is { } error)
        {
            context.Response.Headers.WWWAuthenticate = new StringValues(["Bearer", $"DPoP error=\"{error}\", error_description=\"{outcome.Description}\", {DPoPAlgs}"]);
            return error switch
            {
                "use_dpop_nonce" => Problems.Status(401, "use-dpop-nonce", "Sign the DPoP proof again with the nonce in the DPoP-Nonce header."),
                "invalid_dpop_proof" => Problems.Status(401, "invalid-dpop-proof", outcome.Description + "."),
                _ => Problems.Status(401, "invalid-token", outcome.Description + "."),
            };
        }
        context.Response.Headers.WWWAuthenticate = new StringValues(
        [
            outcome.TokenRefused ? "Bearer error=\"invalid_token\", error_description=\"The access token is invalid, expired or revoked\"" : "Bearer",
            "DPoP " + DPoPAlgs,
        ]);
        return outcome.TokenRefused
            ? Problems.Status(401, "invalid-token", "The access token is invalid, expired or revoked.")
            : Problems.Status(401, "unauthenticated", "Send an access token: Authorization: Bearer <token> (or DPoP <token> with a DPoP proof).");
    }

    /// <summary>RFC 6750 §3.1: 403 with <c>insufficient_scope</c> and the scope that is needed.</summary>
    public static IResult InsufficientScope(HttpContext context, string scope)
    {
        // Under the scheme the token came with: a DPoP client reads its own scheme's challenge.
        context.Response.Headers.WWWAuthenticate = context.Request.Headers.Authorization.ToString().StartsWith("DPoP ", StringComparison.OrdinalIgnoreCase)
            ? $"DPoP error=\"insufficient_scope\", scope=\"{scope}\", {DPoPAlgs}"
            : $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
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
            context.GetInvocationResult().Value = BearerAuthenticator.Challenge(http, outcome);
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

/// <summary>The HTTP headers of RFC 9449.</summary>
public static class DPoPHeaders
{
    /// <summary>The proof a client sends.</summary>
    public const string Proof = "DPoP";

    /// <summary>The server nonce the next proofs must carry (§8, §9).</summary>
    public const string Nonce = "DPoP-Nonce";

    /// <summary>What the edge hands the core: every DPoP header value, the method, and the endpoint's URL as the issuer names it.</summary>
    public static DPoPPresentation? Read(HttpRequest request, IOptions<AppOptions> app) =>
        request.Headers[Proof].Count == 0 ? null
            : new DPoPPresentation(request.Headers[Proof].Select(v => v ?? "").ToList(), request.Method, app.Value.Url(request.Path.Value ?? "/"));
}
