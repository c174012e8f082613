using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// The pages a mailed link opens: email verification (or an email change) and the password-reset form, which posts
/// the new password with the token back to its own address. The reset form needs no CSRF token: the reset token
/// itself is the secret a forger would lack.
/// </summary>
public sealed class AccountPages(AccountService accounts)
{
    [Function("VerifyEmail")]
    public async Task<IResult> VerifyEmail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/auth/verify")] HttpRequest req, CancellationToken ct)
    {
        var outcome = await accounts.FollowEmailLinkAsync(req.Query["token"].FirstOrDefault(), ct);
        var t = Texts.For(req);
        var (status, title, text) = outcome switch
        {
            LinkOutcome.EmailVerified => (200, t.EmailVerifiedTitle, t.EmailVerified),
            LinkOutcome.AlreadyVerified => (200, t.AlreadyVerifiedTitle, t.AlreadyVerified),
            LinkOutcome.EmailChanged => (200, t.EmailChangedTitle, t.EmailChanged),
            LinkOutcome.EmailTaken => (409, t.AddressTakenTitle, t.AddressTaken),
            LinkOutcome.Expired => (400, t.LinkExpiredTitle, t.LinkExpired),
            LinkOutcome.AlreadyUsed => (400, t.LinkUsedTitle, t.LinkUsed),
            _ => (400, t.LinkInvalidTitle, t.LinkInvalid),
        };
        return PageResults.Message(req.HttpContext, status, t, title, [text]);
    }

    [Function("ResetPasswordPage")]
    public IResult ShowResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/password/reset")] HttpRequest req) =>
        ResetForm(req.HttpContext, 200, Texts.For(req), req.Query["token"].FirstOrDefault(), null);

    [Function("ResetPasswordForm")]
    public async Task<IResult> SubmitResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/password/reset")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        var t = Texts.For(req);
        if (await req.ReadFormOrNullAsync(ct) is not { } form)
            return PageResults.Message(context, 415, t, t.UnsupportedFormTitle, [t.SubmitFromResetPage]);
        var token = form["token"].ToString();
        var password = form["new_password"].ToString();
        if (password != form["confirm_password"].ToString())
            return ResetForm(context, 400, t, token, t.PasswordsDiffer);
        var result = await accounts.ResetPasswordAsync(token, password, ct);
        if (result.Ok) return PageResults.Message(context, 200, t, t.PasswordChangedTitle, [t.PasswordChanged]);
        var error = result.Error!;
        var message = error.FieldErrors?.TryGetValue("new_password", out var m) == true ? t.NewPasswordProblem + m[0] : error.Message;
        return error.Code is "link-expired" or "link-used" or "link-invalid"
            ? PageResults.Message(context, 400, t, t.ResetLinkUnusableTitle, [t.AskForNewResetMail], message)
            : ResetForm(context, 400, t, token, message);
    }

    private static IResult ResetForm(HttpContext context, int status, Texts texts, string? token, string? error) =>
        PageResults.Render<ResetPasswordPage>(context, status, texts, new Dictionary<string, object?>
        {
            [nameof(ResetPasswordPage.Texts)] = texts,
            [nameof(ResetPasswordPage.Token)] = token,
            [nameof(ResetPasswordPage.Error)] = error,
            [nameof(ResetPasswordPage.MinLength)] = AccountRules.PasswordMinLength,
            [nameof(ResetPasswordPage.MaxLength)] = AccountRules.PasswordMaxLength,
        });
}
