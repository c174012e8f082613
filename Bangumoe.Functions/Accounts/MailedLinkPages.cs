using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// The pages of the mailed links: asking for one (the verification mail again, a password reset) and what opening one
/// does (email verification or an email change, the password-reset form). Asking answers the same, and as fast (the
/// core only queues the request), whether or not an account has the address, so the pages reveal no accounts.
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
    public Task<IResult> ShowResend([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "verify/resend")] HttpRequest req, CancellationToken ct) =>
        ShowRequestAsync(req, Resend, ct);

    [Function("ResendVerificationForm")]
    [Page]
    public Task<IResult> SubmitResend([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "verify/resend")] HttpRequest req, CancellationToken ct) =>
        SubmitRequestAsync(req, Resend, ct);

    [Function("ResendVerificationSent")]
    [Page]
    public Task<IResult> ResendSent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "verify/resend/sent")] HttpRequest req, CancellationToken ct) =>
        SentAsync(req, Resend, ct);

    [Function("ForgotPasswordPage")]
    [Page]
    public Task<IResult> ShowForgot([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "password/forgot")] HttpRequest req, CancellationToken ct) =>
        ShowRequestAsync(req, Forgot, ct);

    [Function("ForgotPasswordForm")]
    [Page]
    public Task<IResult> SubmitForgot([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "password/forgot")] HttpRequest req, CancellationToken ct) =>
        SubmitRequestAsync(req, Forgot, ct);

    [Function("ForgotPasswordSent")]
    [Page]
    public Task<IResult> ForgotSent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "password/forgot/sent")] HttpRequest req, CancellationToken ct) =>
        SentAsync(req, Forgot, ct);

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
        // A refused reset form leads to asking for a new mail: the link it came from is not in the address any more.
        var post = await pages.ReadPostAsync(req, "/password/forgot", ct);
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

    /// <summary>A page that asks for a mail by address: its words, its address, and what the core does with the address.
    /// Both answer the same whether or not an account has the address.</summary>
    private sealed record MailRequest(string Action, Func<AccountTexts, (string Title, string Intro, string Button, string Sent)> Words,
        Func<AccountService, string, CancellationToken, Task> Send);

    private static readonly MailRequest Resend = new("/verify/resend", t => (t.ResendTitle, t.ResendIntro, t.ResendButton, t.ResendSent),
        (accounts, email, ct) => accounts.ResendVerificationAsync(email, ct));

    private static readonly MailRequest Forgot = new("/password/forgot", t => (t.ForgotTitle, t.ForgotIntro, t.ForgotButton, t.ForgotSent),
        (accounts, email, ct) => accounts.ForgotPasswordAsync(email, ct));

    private async Task<IResult> ShowRequestAsync(HttpRequest req, MailRequest request, CancellationToken ct) =>
        EmailForm(await pages.ReadAsync(req, ct), 200, request, FormState.Empty, req.Query["email"].FirstOrDefault());

    private async Task<IResult> SubmitRequestAsync(HttpRequest req, MailRequest request, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, request.Action, ct);
        if (post.Refused is { } refused) return refused;
        var email = post.Form["email"].ToString();
        // An address the core would ignore is the person's typo: say so (it reveals nothing about accounts).
        if (!AccountRules.IsEmail(email.Trim()) || email.Trim().Length > AccountRules.EmailMaxLength)
            return EmailForm(post.Page, 400, request, FormState.From(post.Form).AddError("email", post.Page.Texts.Account.EmailInvalid(AccountRules.EmailMaxLength)), null);
        await request.Send(accounts, email, ct);
        return PageResults.SeeOther(post.Page.Http, request.Action + "/sent");
    }

    private async Task<IResult> SentAsync(HttpRequest req, MailRequest request, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Account;
        return PageResults.Message(page, 200, t.CheckMailboxTitle, [request.Words(t).Sent, t.MailMayTakeMinutes], links: [new("/login", page.Texts.SignIn)]);
    }

    private static IResult EmailForm(PageContext page, int status, MailRequest request, FormState form, string? initial)
    {
        var (title, intro, button, _) = request.Words(page.Texts.Account);
        return PageResults.Render<EmailRequestPage>(page, status, new Dictionary<string, object?>
        {
            [nameof(EmailRequestPage.Title)] = title,
            [nameof(EmailRequestPage.Intro)] = intro,
            [nameof(EmailRequestPage.Action)] = request.Action,
            [nameof(EmailRequestPage.Button)] = button,
            [nameof(EmailRequestPage.Form)] = form,
            [nameof(EmailRequestPage.Initial)] = initial,
        });
    }

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
