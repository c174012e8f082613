using System.Globalization;
using System.Net.Mail;

namespace Bangumoe.Accounts;

/// <summary>The field rules of the accounts API, in one place.</summary>
public static class AccountRules
{
    public const int EmailMaxLength = 64;
    public const int PasswordMinLength = 8;
    public const int PasswordMaxLength = 128;
    public const int NicknameMaxLength = 32;
    public const int AvatarMaxLength = 256;
    public const int IntroMaxLength = 200;

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public static string UnameKey(string uname) => uname.ToLowerInvariant();

    /// <summary>What a new account needs: a user name, an email address and a password that each follow their rule.</summary>
    public static void CheckRegistration(string? uname, string? email, string? password, FieldErrors errors)
    {
        CheckUname(uname, errors);
        CheckEmail(email, errors);
        CheckPassword(password, errors);
    }

    public static void CheckUname(string? uname, FieldErrors errors, string field = "uname")
    {
        if (string.IsNullOrEmpty(uname)) errors.Add(field, "Required.");
        else if (uname.Length is < 3 or > 32 || !uname.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            errors.Add(field, "Must be 3 to 32 characters: letters, digits, '_' or '-'.");
    }

    public static void CheckEmail(string? email, FieldErrors errors, string field = "email")
    {
        if (string.IsNullOrWhiteSpace(email)) errors.Add(field, "Required.");
        else if (!IsEmail(email.Trim())) errors.Add(field, "Must be a valid email address.");
        else if (email.Trim().Length > EmailMaxLength) errors.Add(field, $"Must be at most {EmailMaxLength} characters.");
    }

    public static void CheckPassword(string? password, FieldErrors errors, string field = "password")
    {
        if (string.IsNullOrEmpty(password)) errors.Add(field, "Required.");
        else if (password.Length is < PasswordMinLength or > PasswordMaxLength)
            errors.Add(field, $"Must be {PasswordMinLength} to {PasswordMaxLength} characters.");
    }

    public static void CheckPresent(string? value, FieldErrors errors, string field)
    {
        if (string.IsNullOrEmpty(value)) errors.Add(field, "Required.");
    }

    /// <summary>A bare addr-spec with a dotted domain: no display name, no spaces, no quoted local part surprises.</summary>
    public static bool IsEmail(string email)
    {
        if (email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '"' or ',' or ';')) return false;
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !string.IsNullOrEmpty(parsed.DisplayName)) return false;
        var at = email.LastIndexOf('@');
        var domain = email[(at + 1)..];
        return at > 0 && domain.Contains('.', StringComparison.Ordinal) && !domain.StartsWith('.') && !domain.EndsWith('.');
    }

    /// <summary>An absolute http(s) URL written as RFC 3986 allows: only its characters, every <c>%</c> followed by two hex
    /// digits. <see cref="Uri"/> alone would take <c>"</c>, <c>&lt;</c>, <c>&gt;</c>, spaces and non-ASCII letters and
    /// escape them silently; a stored URL is what was sent, so it must already be well formed.</summary>
    public static bool IsHttpUrl(string value) =>
        IsRfc3986(value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);

    private static bool IsRfc3986(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2])) return false;
                i += 2;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && !"-._~:/?#[]@!$&'()*+,;=".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>One line of text: no control characters at all, and no Unicode line or paragraph separators.</summary>
    public static bool IsSingleLine(string value) => IsPlainText(value) && !value.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029');

    /// <summary>Free text: no control characters except newline and tab.</summary>
    public static bool IsPlainText(string value) =>
        !value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format && c != '\u200d');
}
