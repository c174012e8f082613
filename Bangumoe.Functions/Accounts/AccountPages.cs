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
        ResetForm(req.HttpContext, 200, req.Query["token"].FirstOrDefault(), null);

    [Function("ResetPasswordForm")]
    public async Task<IResult> SubmitResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/password/reset")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        if (await req.ReadFormOrNullAsync(ct) is not { } form)
            return HtmlPage.Render(context, 415, "Unsupported form", "<p>Submit the form from the reset page.</p>");
        var token = form["token"].ToString();
        var password = form["new_password"].ToString();
        if (password != form["confirm_password"].ToString())
            return ResetForm(context, 400, token, "The two passwords differ.");
        var result = await accounts.ResetPasswordAsync(token, password, ct);
        if (result.Ok)
            return HtmlPage.Render(context, 200, "Password changed", "<p>Your password is changed and every other session has ended. Log in with the new password.</p>");
        var error = result.Error!;
        var message = error.FieldErrors?.TryGetValue("new_password", out var m) == true ? "New password: " + m[0] : error.Message;
        return error.Code is "link-expired" or "link-used" or "link-invalid"
            ? HtmlPage.Render(context, 400, "Link not usable", $"<p class=\"error\">{HtmlPage.Encode(message)}</p><p>Ask for a new reset mail.</p>")
            : ResetForm(context, 400, token, message);
    }

    private static IResult ResetForm(HttpContext context, int status, string? token, string? error) => HtmlPage.Render(context, status, "Choose a new password", $"""
        {(error is null ? "" : $"<p class=\"error\">{HtmlPage.Encode(error)}</p>")}
        <form method="post" action="/auth/password/reset">
          <input type="hidden" name="token" value="{HtmlPage.Encode(token)}">
          <label for="new_password">New password ({AccountRules.PasswordMinLength}–{AccountRules.PasswordMaxLength} characters)</label>
          <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="{AccountRules.PasswordMinLength}" maxlength="{AccountRules.PasswordMaxLength}" required>
          <label for="confirm_password">Repeat it</label>
          <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required>
          <button type="submit">Change password</button>
        </form>
        """);
}
