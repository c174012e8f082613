namespace Bangumoe.Accounts;

/// <summary>Configuration section <c>Accounts</c>.</summary>
public sealed class AccountOptions
{
    /// <summary>Lifetime of email-verification and email-change links.</summary>
    public TimeSpan VerificationLinkLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Lifetime of password-reset links.</summary>
    public TimeSpan PasswordResetLinkLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>At most one verification (or reset) mail per account within this interval, against mail floods.</summary>
    public TimeSpan MailResendInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Lifetime of the access tokens that <c>/api/auth/login</c> issues.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    internal static IEnumerable<string> Validate(AccountOptions o)
    {
        if (o.VerificationLinkLifetime <= TimeSpan.Zero) yield return "Accounts:VerificationLinkLifetime must be positive.";
        if (o.PasswordResetLinkLifetime <= TimeSpan.Zero) yield return "Accounts:PasswordResetLinkLifetime must be positive.";
        if (o.MailResendInterval < TimeSpan.Zero) yield return "Accounts:MailResendInterval must not be negative.";
        if (o.AccessTokenLifetime < TimeSpan.FromMinutes(1) || o.AccessTokenLifetime > TimeSpan.FromDays(1))
            yield return "Accounts:AccessTokenLifetime must be between 1 minute and 1 day.";
    }
}
