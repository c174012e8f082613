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
public sealed class AccountPages(AccountService accounts, PageRequests pages)
{
    [Function("VerifyEmail")]
    [Page]
    public async Task<IResult> VerifyEmail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/auth/verify")] HttpRequest req, CancellationToken ct)
    {
        var outcome = await accounts.FollowEmailLinkAsync(req.Query["token"].FirstOrDefault(), ct);
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts;
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
        return PageResults.Message(page, status, title, [text]);
    }

    [Function("ResetPasswordPage")]
    [Page]
    public async Task<IResult> ShowResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/password/reset")] HttpRequest req, CancellationToken ct) =>
        ResetForm(await pages.ReadAsync(req, ct), 200, req.Query["token"].FirstOrDefault(), null);

    [Function("ResetPasswordForm")]
    [Page]
    public async Task<IResult> SubmitResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/password/reset")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts;
        if (await req.ReadFormOrNullAsync(ct) is not { } form)
            return PageResults.Message(page, 415, t.UnsupportedFormTitle, [t.SubmitFromResetPage]);
        var token = form["token"].ToString();
        var password = form["new_password"].ToString();
        if (password != form["confirm_password"].ToString())
            return ResetForm(page, 400, token, t.PasswordsDiffer);
        var result = await accounts.ResetPasswordAsync(token, password, ct);
        if (result.Ok) return PageResults.Message(page, 200, t.PasswordChangedTitle, [t.PasswordChanged]);
        var error = result.Error!;
        var message = error.FieldErrors?.TryGetValue("new_password", out var m) == true ? t.NewPasswordProblem + m[0] : error.Message;
        return error.Code is "link-expired" or "link-used" or "link-invalid"
            ? PageResults.Message(page, 400, t.ResetLinkUnusableTitle, [t.AskForNewResetMail], message)
            : ResetForm(page, 400, token, message);
    }

    private static IResult ResetForm(PageContext page, int status, string? token, string? error) =>
        PageResults.Render<ResetPasswordPage>(page, status, new Dictionary<string, object?>
        {
            [nameof(ResetPasswordPage.Token)] = token,
            [nameof(ResetPasswordPage.Error)] = error,
            [nameof(ResetPasswordPage.MinLength)] = AccountRules.PasswordMinLength,
            [nameof(ResetPasswordPage.MaxLength)] = AccountRules.PasswordMaxLength,
        });
}
