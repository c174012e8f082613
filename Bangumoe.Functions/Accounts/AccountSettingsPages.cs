using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Accounts;

/// <summary>
/// <c>/account</c>: the signed-in person's settings. Each section posts to its own address and comes back to
/// <c>/account?done=…</c>; bad input shows the page again (400) with the message next to the field in that section.
/// A signed-out visitor is sent to sign in first.
/// </summary>
public sealed class AccountSettingsPages(AccountService accounts, BrowserSession sessions, PageRequests pages, TimeProvider time)
{
    private const string Path = "/account";

    [Function("AccountPage")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "account")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (page.User is null) return PageResults.SignInFirst(page);
        var t = page.Texts.Account;
        var notice = req.Query["done"].ToString() switch
        {
            "profile" => t.ProfileSaved,
            "password" => t.PasswordChangedHere,
            "email" => t.EmailChangeSent,
            _ => null,
        };
        return Settings(page, 200, notice: notice);
    }

    [Function("AccountProfileForm")]
    [Page]
    public async Task<IResult> SaveProfile([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/profile")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form, user) = (post.Page, post.Form, post.User);
        var t = page.Texts.Account;
        var change = new ProfileChange(AccountForms.Optional(form, "nickname"), AccountForms.Optional(form, "avatar"), AccountForms.Optional(form, "intro"));
        var result = await accounts.UpdateProfileAsync(user, change, ct);
        if (result.Ok) return Done(page, "profile");
        return Settings(page, 400, profile: AccountForms.WithErrors(form, result.Error!, (field, _) => field switch
        {
            "nickname" => (field, t.NicknameInvalid(AccountRules.NicknameMaxLength)),
            "avatar" => (field, t.AvatarInvalid(AccountRules.AvatarMaxLength)),
            _ => ("intro", t.IntroInvalid(AccountRules.IntroMaxLength)),
        }));
    }

    /// <summary>A new password ends every session, this one too: the browser gets a fresh session for the same person.</summary>
    [Function("AccountPasswordForm")]
    [Page]
    public async Task<IResult> ChangePassword([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/password")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form, user) = (post.Page, post.Form, post.User);
        var t = page.Texts.Account;
        var current = form["current_password"].ToString();
        var next = form["new_password"].ToString();
        (string, string) Localize(string field, string code) => field == "current_password"
            ? (field, code == "wrong-password" ? t.CurrentPasswordWrong : t.PasswordRequired)
            : ("new_password", t.PasswordInvalid(AccountRules.PasswordMinLength, AccountRules.PasswordMaxLength));

        if (next != form["confirm_password"].ToString())
        {
            var errors = new FieldErrors();
            AccountRules.CheckPresent(current, errors, "current_password");
            AccountRules.CheckPassword(next, errors, "new_password");
            var state = errors.Any ? AccountForms.WithErrors(form, errors.ToError(), Localize) : FormState.From(form);
            return Settings(page, 400, password: state.AddError("confirm_password", t.PasswordsDiffer));
        }

        var result = await accounts.ReplacePasswordAsync(user, current, next, ct);
        if (!result.Ok) return Settings(page, 400, password: AccountForms.WithErrors(form, result.Error!, Localize));
        var (session, lifetime) = sessions.Create(result.Value!, time.GetUtcNow());
        BrowserCookies.SetSession(page.Http, session, lifetime);
        return Done(page, "password");
    }

    [Function("AccountEmailForm")]
    [Page]
    public async Task<IResult> ChangeEmail([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/email")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form, user) = (post.Page, post.Form, post.User);
        var t = page.Texts.Account;
        var newEmail = form["new_email"].ToString();
        var result = await accounts.RequestEmailChangeAsync(user, newEmail, form["email_password"].ToString(), ct);
        if (result.Ok) return Done(page, "email");
        return Settings(page, 400, email: AccountForms.WithErrors(form, result.Error!, (field, code) => field switch
        {
            "password" => ("email_password", code == "wrong-password" ? t.PasswordWrong : t.PasswordRequired),
            _ when code == "email-taken" => ("new_email", t.NewEmailTaken),
            _ when AccountRules.IsEmail(newEmail.Trim()) && AccountRules.NormalizeEmail(newEmail) == user.Email => ("new_email", t.SameEmail),
            _ => ("new_email", t.EmailInvalid(AccountRules.EmailMaxLength)),
        }));
    }

    [Function("AccountDeleteForm")]
    [Page]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/delete")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form, session) = (post.Page, post.Form, post.Session);
        var t = page.Texts.Account;
        var error = await accounts.DeleteAccountAsync(session.User, form["delete_password"].ToString(), ct);
        if (error is not null)
            return Settings(page, 400, delete: AccountForms.WithErrors(form, error,
                (_, code) => ("delete_password", code == "wrong-password" ? t.PasswordWrong : t.PasswordRequired)));
        await sessions.EndAsync(session, ct);
        BrowserCookies.DeleteSession(page.Http);
        return PageResults.SeeOther(page.Http, "/account/deleted");
    }

    [Function("AccountDeleted")]
    [Page]
    public async Task<IResult> Deleted([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "account/deleted")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        var t = page.Texts.Account;
        return PageResults.Message(page, 200, t.DeletedTitle, [t.Deleted], links: [new("/", page.Texts.BackHome)]);
    }

    private static IResult Done(PageContext page, string what) => PageResults.SeeOther(page.Http, Path + "?done=" + what);

    private static IResult Settings(PageContext page, int status, string? notice = null,
        FormState? profile = null, FormState? password = null, FormState? email = null, FormState? delete = null) =>
        // The language switch comes back to /account itself, not to the address a form posted to (nor to its notice).
        PageResults.Render<AccountSettingsPage>(page with { ReturnPath = Path }, status, new Dictionary<string, object?>
        {
            [nameof(AccountSettingsPage.Notice)] = notice,
            [nameof(AccountSettingsPage.ProfileForm)] = profile ?? FormState.Empty,
            [nameof(AccountSettingsPage.PasswordForm)] = password ?? FormState.Empty,
            [nameof(AccountSettingsPage.EmailForm)] = email ?? FormState.Empty,
            [nameof(AccountSettingsPage.DeleteForm)] = delete ?? FormState.Empty,
        });
}
