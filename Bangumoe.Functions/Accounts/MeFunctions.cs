using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// The signed-in user's own account: <c>/api/me</c>. Changing the account needs scope <c>account</c>, which only
/// Bangumoe's own login has, never a third-party app's token.
/// </summary>
public sealed class MeFunctions(AccountService accounts)
{
    [Function("GetMe")]
    [RequireScope(Scopes.Profile)]
    public IResult GetMe([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me")] HttpRequest req) =>
        TypedResults.Ok(Profile.Of(req.Caller().User));

    [Function("UpdateProfile")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> UpdateProfile([HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/me")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<ProfileBody>(ct);
        var result = await accounts.UpdateProfileAsync(req.Caller().User, new ProfileChange(body.Nickname, body.Avatar, body.Intro), ct);
        return result.Ok ? TypedResults.Ok(Profile.Of(result.Value!)) : result.Error!.ToProblem(req.HttpContext);
    }

    [Function("ChangePassword")]
    [NoStore]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> ChangePassword([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/me/password")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<PasswordChangeBody>(ct);
        var result = await accounts.ChangePasswordAsync(req.Caller().User, body.CurrentPassword, body.NewPassword, ct);
        return result.Ok ? AuthFunctions.TokenResult(result.Value!) : result.Error!.ToProblem(req.HttpContext);
    }

    [Function("ChangeEmail")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> ChangeEmail([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/me/email")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<EmailChangeBody>(ct);
        var result = await accounts.RequestEmailChangeAsync(req.Caller().User, body.NewEmail, body.Password, ct);
        return result.Ok ? TypedResults.Accepted((string?)null, new EmailChangePending(result.Value!)) : result.Error!.ToProblem(req.HttpContext);
    }

    [Function("DeleteAccount")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> DeleteAccount([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/me")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<PasswordBody>(ct);
        var error = await accounts.DeleteAccountAsync(req.Caller().User, body.Password, ct);
        return error is null ? TypedResults.NoContent() : error.ToProblem(req.HttpContext);
    }
}
