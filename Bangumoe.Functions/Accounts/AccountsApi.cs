using Microsoft.AspNetCore.Mvc;
using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Security;

namespace Bangumoe.Functions.Accounts;

public sealed record RegisterBody(string? Uname, string? Email, string? Password);
public sealed record EmailBody(string? Email);
public sealed record LoginBody(string? Email, string? Uname, string? Password);
public sealed record ResetBody(string? Token, string? NewPassword);
public sealed record ProfileBody(string? Nickname, string? Avatar, string? Intro);
public sealed record PasswordChangeBody(string? CurrentPassword, string? NewPassword);
public sealed record EmailChangeBody(string? NewEmail, string? Password);
public sealed record PasswordBody(string? Password);

public sealed record RegisteredUser(string Uid, string Uname, string Email, bool EmailVerified);
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);
public sealed record EmailChangePending(string PendingEmail);
public sealed record Profile(string Uid, string Uname, string Email, bool EmailVerified, string? Nickname, string? Avatar, string? Intro, DateTimeOffset CreatedAt)
{
    public static Profile Of(UserEntity u) => new(u.Uid, u.Uname, u.Email, u.EmailVerified, u.Nickname, u.Avatar, u.Intro, u.CreatedAt);
}

/// <summary>Registration, verification, login and password reset: <c>/api/auth/*</c>, no token needed.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/auth").WithTags("Accounts");
        group.MapPost("/register", Register).WithName("Register");
        group.MapGet("/verify", VerifyPage.Follow).WithName("VerifyEmail");
        group.MapPost("/verify/resend", ResendVerification).WithName("ResendVerification");
        group.MapPost("/login", Login).WithName("Login");
        group.MapPost("/password/forgot", ForgotPassword).WithName("ForgotPassword");
        group.MapPost("/password/reset", ResetPassword).WithName("ResetPassword");
        return group;
    }

    public static async Task<IResult> Register(RegisterBody body, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var result = await accounts.RegisterAsync(body.Uname, body.Email, body.Password, ct);
        if (!result.Ok) return result.Error!.ToProblem(context);
        var user = result.Value!;
        return TypedResults.Created("/api/me", new RegisteredUser(user.Uid, user.Uname, user.Email, user.EmailVerified));
    }

    /// <summary>202 whatever the address: whether an account exists is not revealed.</summary>
    public static async Task<IResult> ResendVerification(EmailBody body, AccountService accounts, CancellationToken ct)
    {
        await accounts.ResendVerificationAsync(body.Email, ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<IResult> Login(LoginBody body, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var result = await accounts.LoginAsync(new LoginRequest(body.Email, body.Uname, body.Password, ClientAddress.Of(context)), ct);
        return result.Ok ? TokenResult(context, result.Value!) : result.Error!.ToProblem(context);
    }

    /// <summary>202 whatever the address: whether an account exists is not revealed.</summary>
    public static async Task<IResult> ForgotPassword(EmailBody body, AccountService accounts, CancellationToken ct)
    {
        await accounts.ForgotPasswordAsync(body.Email, ct);
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<IResult> ResetPassword(ResetBody body, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var result = await accounts.ResetPasswordAsync(body.Token, body.NewPassword, ct);
        return result.Ok ? TypedResults.NoContent() : result.Error!.ToProblem(context);
    }

    public static IResult TokenResult(HttpContext context, IssuedAccessToken token)
    {
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new TokenResponse(token.Token, "Bearer", token.ExpiresIn));
    }
}

/// <summary>The signed-in user's own account: <c>/api/me</c>.</summary>
public static class MeApi
{
    public static RouteGroupBuilder MapMe(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/me").WithTags("Accounts").RequireAuthorization();
        group.MapGet("", GetMe).WithName("GetMe").RequireScope(Scopes.Profile);
        // Changing the account is for Bangumoe's own login, never for a third-party app's token.
        group.MapPatch("", UpdateProfile).WithName("UpdateProfile").RequireScope(Scopes.Account);
        group.MapDelete("", DeleteAccount).WithName("DeleteAccount").RequireScope(Scopes.Account);
        group.MapPost("/password", ChangePassword).WithName("ChangePassword").RequireScope(Scopes.Account);
        group.MapPost("/email", ChangeEmail).WithName("ChangeEmail").RequireScope(Scopes.Account);
        return group;
    }

    public static IResult GetMe(CurrentUser me) => TypedResults.Ok(Profile.Of(me.User));

    public static async Task<IResult> UpdateProfile(ProfileBody body, CurrentUser me, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var result = await accounts.UpdateProfileAsync(me.User, new ProfileChange(body.Nickname, body.Avatar, body.Intro), ct);
        return result.Ok ? TypedResults.Ok(Profile.Of(result.Value!)) : result.Error!.ToProblem(context);
    }

    public static async Task<IResult> ChangePassword(PasswordChangeBody body, CurrentUser me, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var result = await accounts.ChangePasswordAsync(me.User, body.CurrentPassword, body.NewPassword, ct);
        return result.Ok ? AuthApi.TokenResult(context, result.Value!) : result.Error!.ToProblem(context);
    }

    public static async Task<IResult> ChangeEmail(EmailChangeBody body, CurrentUser me, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var result = await accounts.RequestEmailChangeAsync(me.User, body.NewEmail, body.Password, ct);
        return result.Ok ? TypedResults.Accepted((string?)null, new EmailChangePending(result.Value!)) : result.Error!.ToProblem(context);
    }

    public static async Task<IResult> DeleteAccount([FromBody] PasswordBody body, CurrentUser me, AccountService accounts, HttpContext context, CancellationToken ct)
    {
        var error = await accounts.DeleteAccountAsync(me.User, body.Password, ct);
        return error is null ? TypedResults.NoContent() : error.ToProblem(context);
    }
}
