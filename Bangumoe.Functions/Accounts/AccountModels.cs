using Bangumoe.Accounts;

namespace Bangumoe.Functions.Accounts;

public sealed record RegisterBody(string? Uname, string? Email, string? Password);
public sealed record EmailBody(string? Email);
public sealed record LoginBody(string? Email, string? Uname, string? Password);
public sealed record ResetBody(string? Token, string? NewPassword);
public sealed record ProfileBody(string? Nickname, string? Avatar, string? Intro);
public sealed record PasswordChangeBody(string? CurrentPassword, string? NewPassword);
public sealed record EmailChangeBody(string? NewEmail, string? Password);
public sealed record PasswordBody(string? Password);

public sealed record RegisteredUser(string Uid, string Uname, string Email, bool EmailVerified);
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);
public sealed record EmailChangePending(string PendingEmail);
public sealed record Profile(string Uid, string Uname, string Email, bool EmailVerified, string? Nickname, string? Avatar, string? Intro, DateTimeOffset CreatedAt)
{
    public static Profile Of(UserEntity u) => new(u.Uid, u.Uname, u.Email, u.EmailVerified, u.Nickname, u.Avatar, u.Intro, u.CreatedAt);
}
