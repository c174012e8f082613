using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// The pages of the mailed links: asking for one (the verification mail again, a password reset) and what opening one
/// does (email verification or an email change, the password-reset form). Asking answers the same whether or not an
/// account has the address, so the pages reveal no accounts.
/// </summary>
public sealed class MailedLinkPages(AccountService accounts, PageRequests pages)
{
    [Function("VerifyEmail")]
    [Page]
    public async Task<IResult> VerifyEmail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/auth/verify")] HttpRequest req, CancellationToken ct)
    {
        var outcome = await accounts.FollowEmailLinkAsync(req.Query["token"].FirstOrDefault(), ct);
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Account;
        PageLink signIn = page.User is null ? new("/login", page.Texts.SignIn) : new("/account", t.GoToAccount);
        PageLink resend = new("/verify/resend", t.ResendVerificationLink);
        var (status, title, text, next) = outcome switch
        {
            LinkOutcome.EmailVerified => (200, t.EmailVerifiedTitle, t.EmailVerified, signIn),
            LinkOutcome.AlreadyVerified => (200, t.AlreadyVerifiedTitle, t.AlreadyVerified, signIn),
            LinkOutcome.EmailChanged => (200, t.EmailChangedTitle, t.EmailChanged, signIn),
            LinkOutcome.EmailTaken => (409, t.AddressTakenTitle, t.AddressTaken, signIn),
            LinkOutcome.Expired => (400, t.LinkExpiredTitle, t.LinkExpired, resend),
            LinkOutcome.AlreadyUsed => (400, t.LinkUsedTitle, t.LinkUsed, signIn),
            _ => (400, t.LinkInvalidTitle, t.LinkInvalid, resend),
        };
        // A link works once: switching the language here goes on to the next step instead of following it again.
        return PageResults.Message(page with { ReturnPath = next.Href }, status, title, [text], links: [next]);
    }

    [Function("ResendVerificationPage")]
    [Page]
    public async Task<IResult> ShowResend([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "verify/resend")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        return ResendForm(page, 200, FormState.Empty, req.Query["email"].FirstOrDefault());
    }

    [Function("ResendVerificationForm")]
    [Page]
    public async Task<IResult> SubmitResend([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "verify/resend")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, ct);
        if (post.Refused is { } refused) return refused;
        var email = post.Form["email"].ToString();
        if (EmailError(post.Page, post.Form, email) is { } invalid) return ResendForm(post.Page, 400, invalid, null);
        await accounts.ResendVerificationAsync(email, ct);
        return PageResults.SeeOther(post.Page.Http, "/verify/resend/sent");
    }

    [Function("ResendVerificationSent")]
    [Page]
    public async Task<IResult> ResendSent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "verify/resend/sent")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Account;
        return PageResults.Message(page, 200, t.CheckMailboxTitle, [t.ResendSent, t.MailMayTakeMinutes], links: [new("/login", page.Texts.SignIn)]);
    }

    [Function("ForgotPasswordPage")]
    [Page]
    public async Task<IResult> ShowForgot([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "password/forgot")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        return ForgotForm(page, 200, FormState.Empty, req.Query["email"].FirstOrDefault());
    }

    [Function("ForgotPasswordForm")]
    [Page]
    public async Task<IResult> SubmitForgot([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "password/forgot")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, ct);
        if (post.Refused is { } refused) return refused;
        var email = post.Form["email"].ToString();
        if (EmailError(post.Page, post.Form, email) is { } invalid) return ForgotForm(post.Page, 400, invalid, null);
        await accounts.ForgotPasswordAsync(email, ct);
        return PageResults.SeeOther(post.Page.Http, "/password/forgot/sent");
    }

    [Function("ForgotPasswordSent")]
    [Page]
    public async Task<IResult> ForgotSent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "password/forgot/sent")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Account;
        return PageResults.Message(page, 200, t.CheckMailboxTitle, [t.ForgotSent, t.MailMayTakeMinutes], links: [new("/login", page.Texts.SignIn)]);
    }

    [Function("ResetPasswordPage")]
    [Page]
    public async Task<IResult> ShowResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "auth/password/reset")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        return req.Query["token"].FirstOrDefault() is { Length: > 0 } token ? ResetForm(page, 200, token, FormState.Empty) : Incomplete(page);
    }

    [Function("ResetPasswordForm")]
    [Page]
    public async Task<IResult> SubmitResetForm([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "auth/password/reset")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form) = (post.Page, post.Form);
        var t = page.Texts.Account;
        var token = form["token"].ToString();
        if (token.Length == 0) return Incomplete(page);
        var password = form["new_password"].ToString();
        var rule = t.PasswordInvalid(AccountRules.PasswordMinLength, AccountRules.PasswordMaxLength);
        if (password != form["confirm_password"].ToString())
        {
            var errors = new FieldErrors();
            AccountRules.CheckPassword(password, errors, "new_password");
            var state = FormState.From(form);
            if (errors.Any) state.AddError("new_password", rule);
            return ResetForm(page, 400, token, state.AddError("confirm_password", t.PasswordsDiffer));
        }

        var result = await accounts.ResetPasswordAsync(token, password, ct);
        if (result.Ok)
            return PageResults.Message(page with { ReturnPath = "/login" }, 200, t.PasswordChangedTitle, [t.PasswordChanged], links: [new("/login", page.Texts.SignIn)]);
        var error = result.Error!;
        var linkProblem = error.Code switch
        {
            "link-expired" => t.ResetLinkExpired,
            "link-used" => t.ResetLinkUsed,
            "link-invalid" => t.ResetLinkInvalid,
            _ => null,
        };
        return linkProblem is not null
            ? PageResults.Message(page with { ReturnPath = "/password/forgot" }, 400, t.ResetLinkUnusableTitle, [linkProblem, t.AskForNewResetMail], links: [new("/password/forgot", t.SendNewResetMail)])
            : ResetForm(page, 400, token, AccountForms.WithErrors(form, error, (_, _) => ("new_password", rule)));
    }

    /// <summary>An address the core would ignore is the person's typo: say so (it reveals nothing about accounts).</summary>
    private static FormState? EmailError(PageContext page, IFormCollection form, string email) =>
        AccountRules.IsEmail(email.Trim()) && email.Trim().Length <= AccountRules.EmailMaxLength
            ? null
            : FormState.From(form).AddError("email", page.Texts.Account.EmailInvalid(AccountRules.EmailMaxLength));

    private static IResult ResendForm(PageContext page, int status, FormState form, string? initial)
    {
        var t = page.Texts.Account;
        return EmailForm(page, status, form, initial, t.ResendTitle, t.ResendIntro, "/verify/resend", t.ResendButton);
    }

    private static IResult ForgotForm(PageContext page, int status, FormState form, string? initial)
    {
        var t = page.Texts.Account;
        return EmailForm(page, status, form, initial, t.ForgotTitle, t.ForgotIntro, "/password/forgot", t.ForgotButton);
    }

    private static IResult EmailForm(PageContext page, int status, FormState form, string? initial, string title, string intro, string action, string button) =>
        PageResults.Render<EmailRequestPage>(page with { ReturnPath = action }, status, new Dictionary<string, object?>
        {
            [nameof(EmailRequestPage.Title)] = title,
            [nameof(EmailRequestPage.Intro)] = intro,
            [nameof(EmailRequestPage.Action)] = action,
            [nameof(EmailRequestPage.Button)] = button,
            [nameof(EmailRequestPage.Form)] = form,
            [nameof(EmailRequestPage.Initial)] = initial,
        });

    /// <summary>The reset page without the mailed token: no form (it could not succeed), a way to get a new link.</summary>
    private static IResult Incomplete(PageContext page)
    {
        var t = page.Texts.Account;
        return PageResults.Message(page, 400, t.ResetLinkIncompleteTitle, [t.ResetLinkIncomplete], links: [new("/password/forgot", t.SendNewResetMail)]);
    }

    private static IResult ResetForm(PageContext page, int status, string token, FormState form) =>
        PageResults.Render<ResetPasswordPage>(page with { ReturnPath = "/auth/password/reset" + QueryString.Create("token", token) }, status, new Dictionary<string, object?>
        {
            [nameof(ResetPasswordPage.Token)] = token,
            [nameof(ResetPasswordPage.Form)] = form,
        });
}
