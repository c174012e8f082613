using System.Net;
using Bangumoe.Email;
using Bangumoe.Hosting;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>
/// The mails the accounts feature sends: a plain-text and an HTML part each, links built from PublicBaseUrl, written
/// in the recipient account's language (<see cref="UserEntity.Language"/>; its texts are in <see cref="AccountMailTexts"/>).
/// </summary>
public sealed class AccountEmails(IOptions<AppOptions> app, IOptions<AccountOptions> options)
{
    public EmailMessage Verification(UserEntity user, string token)
    {
        var t = AccountMailTexts.For(user.Language);
        return Link(t, user.Language, user.Email, user.Uname, t.VerificationSubject, t.VerificationIntro, t.VerificationAction,
            app.Value.Url("/api/auth/verify?token=" + Uri.EscapeDataString(token)), options.Value.VerificationLinkLifetime);
    }

    public EmailMessage EmailChange(UserEntity user, string newEmail, string token)
    {
        var t = AccountMailTexts.For(user.Language);
        return Link(t, user.Language, newEmail, user.Uname, t.EmailChangeSubject, t.EmailChangeIntro, t.EmailChangeAction,
            app.Value.Url("/api/auth/verify?token=" + Uri.EscapeDataString(token)), options.Value.VerificationLinkLifetime);
    }

    public EmailMessage PasswordReset(UserEntity user, string token)
    {
        var t = AccountMailTexts.For(user.Language);
        return Link(t, user.Language, user.Email, user.Uname, t.ResetSubject, t.ResetIntro, t.ResetAction,
            app.Value.Url("/auth/password/reset?token=" + Uri.EscapeDataString(token)), options.Value.PasswordResetLinkLifetime);
    }

    public EmailMessage EmailChanged(string oldEmail, UserEntity user)
    {
        var t = AccountMailTexts.For(user.Language);
        return Notice(t, user.Language, oldEmail, user.Uname, t.EmailChangedSubject, t.EmailChanged(user.Email));
    }

    private static EmailMessage Link(AccountMailTexts t, string? language, string to, string uname, string subject, string intro, string action, string url, TimeSpan lifetime)
    {
        var minutes = (int)Math.Round(lifetime.TotalMinutes);
        var text = $"{t.Greeting(uname)}\n\n{intro}\n\n{action}: {url}\n\n{t.LinkWorksOnce(minutes)}\n\n{t.Signature}\n";
        var html = $"""
            <div lang="{Languages.Normalize(language)}">
            <p>{E(t.Greeting(uname))}</p>
            <p>{E(intro)}</p>
            <p><a href="{E(url)}">{E(action)}</a></p>
            <p>{E(t.LinkWorksOnce(minutes))} {E(t.CopyTheAddress)}<br>{E(url)}</p>
            <p>{E(t.Signature)}</p>
            </div>
            """;
        return new EmailMessage(to, subject, text, html);
    }

    private static EmailMessage Notice(AccountMailTexts t, string? language, string to, string uname, string subject, string body) =>
        new(to, subject, $"{t.Greeting(uname)}\n\n{body}\n\n{t.Signature}\n",
            $"<div lang=\"{Languages.Normalize(language)}\"><p>{E(t.Greeting(uname))}</p><p>{E(body)}</p><p>{E(t.Signature)}</p></div>");

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
