using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>Registration, verification, login and password reset: <c>/api/auth/*</c>, no token needed.</summary>
public sealed class AuthFunctions(AccountService accounts)
{
    [Function("Register")]
    public async Task<IResult> Register([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/auth/register")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<RegisterBody>(ct);
        var result = await accounts.RegisterAsync(body.Uname, body.Email, body.Password, Pages.Texts.For(req).Lang, ct);
        if (!result.Ok) return result.Error!.ToProblem(req.HttpContext);
        var user = result.Value!;
        return TypedResults.Created("/api/me", new RegisteredUser(user.Uid, user.Uname, user.Email, user.EmailVerified));
    }

    /// <summary>202 whatever the address, and as fast: whether an account exists is not revealed.</summary>
    [Function("ResendVerification")]
    public async Task<IResult> ResendVerification([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/auth/verify/resend")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<EmailBody>(ct);
        await accounts.ResendVerificationAsync(body.Email, ct);
        return TypedResults.Accepted((string?)null);
    }

    [Function("Login")]
    [NoStore]
    public async Task<IResult> Login([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/auth/login")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<LoginBody>(ct);
        // No device cookie here: an API caller is no browser that signed in before, so it is throttled as untrusted.
        var result = await accounts.LoginAsync(new LoginRequest(body.Email, body.Uname, body.Password, ClientAddress.Of(req.HttpContext), DeviceCookie: null), ct);
        return result.Ok ? TokenResult(result.Value!) : result.Error!.ToProblem(req.HttpContext);
    }

    /// <summary>202 whatever the address, and as fast: whether an account exists is not revealed.</summary>
    [Function("ForgotPassword")]
    public async Task<IResult> ForgotPassword([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/auth/password/forgot")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<EmailBody>(ct);
        await accounts.ForgotPasswordAsync(body.Email, ct);
        return TypedResults.Accepted((string?)null);
    }

    [Function("ResetPassword")]
    public async Task<IResult> ResetPassword([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/auth/password/reset")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<ResetBody>(ct);
        var result = await accounts.ResetPasswordAsync(body.Token, body.NewPassword, ct);
        return result.Ok ? TypedResults.NoContent() : result.Error!.ToProblem(req.HttpContext);
    }

    public static IResult TokenResult(IssuedAccessToken token) => TypedResults.Ok(new TokenResponse(token.Token, "Bearer", token.ExpiresIn));
}
