using System.Net;
using Bangumoe.Email;
using Bangumoe.Hosting;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>The mails the accounts feature sends: a plain-text and an HTML part each, links built from PublicBaseUrl.</summary>
public sealed class AccountEmails(IOptions<AppOptions> app, IOptions<AccountOptions> options)
{
    public EmailMessage Verification(UserEntity user, string token) => Link(user.Email, user.Uname,
        "Verify your Bangumoe email",
        "Welcome to Bangumoe! Confirm this email address to finish creating your account.",
        "Verify my email", app.Value.Url("/api/auth/verify?token=" + Uri.EscapeDataString(token)),
        options.Value.VerificationLinkLifetime);

    public EmailMessage EmailChange(UserEntity user, string newEmail, string token) => Link(newEmail, user.Uname,
        "Confirm your new Bangumoe email",
        "You asked to use this address for your Bangumoe account. Confirm it and the change takes effect.",
        "Confirm this address", app.Value.Url("/api/auth/verify?token=" + Uri.EscapeDataString(token)),
        options.Value.VerificationLinkLifetime);

    public EmailMessage PasswordReset(UserEntity user, string token) => Link(user.Email, user.Uname,
        "Reset your Bangumoe password",
        "Someone (hopefully you) asked to reset the password of your Bangumoe account. If it was not you, ignore this mail: nothing changes.",
        "Choose a new password", app.Value.Url("/auth/password/reset?token=" + Uri.EscapeDataString(token)),
        options.Value.PasswordResetLinkLifetime);

    public EmailMessage EmailChanged(string oldEmail, UserEntity user) => Notice(oldEmail, user.Uname,
        "Your Bangumoe email was changed",
        $"The email address of your Bangumoe account is now {user.Email}. If you did not make this change, reset your password and contact support.");

    private static EmailMessage Link(string to, string uname, string subject, string intro, string action, string url, TimeSpan lifetime)
    {
        var minutes = (int)Math.Round(lifetime.TotalMinutes);
        var text = $"Hi {uname},\n\n{intro}\n\n{action}: {url}\n\nThe link works once, for {minutes} minutes.\n\n— Bangumoe\n";
        var html = $"""
            <p>Hi {E(uname)},</p>
            <p>{E(intro)}</p>
            <p><a href="{E(url)}">{E(action)}</a></p>
            <p>The link works once, for {minutes} minutes. If the button does not work, copy this address:<br>{E(url)}</p>
            <p>— Bangumoe</p>
            """;
        return new EmailMessage(to, subject, text, html);
    }

    private static EmailMessage Notice(string to, string uname, string subject, string body) =>
        new(to, subject, $"Hi {uname},\n\n{body}\n\n— Bangumoe\n", $"<p>Hi {E(uname)},</p><p>{E(body)}</p><p>— Bangumoe</p>");

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
