using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// <c>/signup</c>: a person creates an account in the page's language (their mails follow it), then waits for the
/// verification mail. Someone already signed in goes to the start page instead.
/// </summary>
public sealed class SignUpPages(AccountService accounts, PageRequests pages)
{
    [Function("SignUpPage")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signup")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        return page.User is null ? Form(page, 200, FormState.Empty) : PageResults.SeeOther(page.Http, "/");
    }

    [Function("SignUpForm")]
    [Page]
    public async Task<IResult> Submit([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "signup")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadPostAsync(req, "/signup", ct);
        if (post.Refused is { } refused) return refused;
        var (page, form) = (post.Page, post.Form);
        if (page.User is not null) return PageResults.SeeOther(page.Http, "/");
        var t = page.Texts.Account;
        var uname = form["uname"].ToString().Trim();
        var email = form["email"].ToString();
        var password = form["password"].ToString();

        if (password != form["confirm_password"].ToString())
        {
            // Nothing is created, but every other field's problem is shown at once too.
            var errors = new FieldErrors();
            AccountRules.CheckRegistration(uname, email, password, errors);
            var state = errors.Any ? AccountForms.WithErrors(form, errors.ToError(), (f, c) => Localize(t, f, c)) : FormState.From(form);
            return Form(page, 400, state.AddError("confirm_password", t.PasswordsDiffer));
        }

        var result = await accounts.RegisterAsync(uname, email, password, page.Texts.Lang, ct);
        return result.Ok
            ? PageResults.SeeOther(page.Http, "/signup/sent")
            : Form(page, 400, AccountForms.WithErrors(form, result.Error!, (f, c) => Localize(t, f, c)));
    }

    [Function("SignUpSent")]
    [Page]
    public async Task<IResult> Sent([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signup/sent")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Account;
        return PageResults.Message(page, 200, t.CheckMailboxTitle, [t.SignUpSent, t.MailMayTakeMinutes],
            links: [new("/verify/resend", t.ResendVerificationLink), new("/login", page.Texts.SignIn)]);
    }

    private static (string, string) Localize(AccountTexts t, string field, string code) => field switch
    {
        "uname" => (field, code == "uname-taken" ? t.UnameTaken : t.UnameInvalid),
        "email" => (field, code == "email-taken" ? t.EmailTaken : t.EmailInvalid(AccountRules.EmailMaxLength)),
        _ => ("password", t.PasswordInvalid(AccountRules.PasswordMinLength, AccountRules.PasswordMaxLength)),
    };

    private static IResult Form(PageContext page, int status, FormState form) =>
        PageResults.Render<SignUpPage>(page, status, new Dictionary<string, object?> { [nameof(SignUpPage.Form)] = form });
}
