namespace Bangumoe.Accounts;

/// <summary>
/// What the account mails say, in one language (see <see cref="Languages"/>). Every text is required, so a mail cannot
/// go out in one language only; <see cref="For"/> picks the recipient account's language.
/// </summary>
public sealed record AccountMailTexts
{
    public required Func<string, string> Greeting { get; init; }
    public required string Signature { get; init; }
    public required Func<int, string> LinkWorksOnce { get; init; }
    public required string CopyTheAddress { get; init; }

    public required string VerificationSubject { get; init; }
    public required string VerificationIntro { get; init; }
    public required string VerificationAction { get; init; }

    public required string EmailChangeSubject { get; init; }
    public required string EmailChangeIntro { get; init; }
    public required string EmailChangeAction { get; init; }

    public required string ResetSubject { get; init; }
    public required string ResetIntro { get; init; }
    public required string ResetAction { get; init; }

    public required string EmailChangedSubject { get; init; }
    public required Func<string, string> EmailChanged { get; init; }

    public static readonly AccountMailTexts En = new()
    {
        Greeting = uname => $"Hi {uname},",
        Signature = "— Bangumoe",
        LinkWorksOnce = minutes => $"The link works once, for {minutes} minutes.",
        CopyTheAddress = "If the button does not work, copy this address:",
        VerificationSubject = "Verify your Bangumoe email",
        VerificationIntro = "Welcome to Bangumoe! Confirm this email address to finish creating your account.",
        VerificationAction = "Verify my email",
        EmailChangeSubject = "Confirm your new Bangumoe email",
        EmailChangeIntro = "You asked to use this address for your Bangumoe account. Confirm it and the change takes effect.",
        EmailChangeAction = "Confirm this address",
        ResetSubject = "Reset your Bangumoe password",
        ResetIntro = "Someone (hopefully you) asked to reset the password of your Bangumoe account. If it was not you, ignore this mail: nothing changes.",
        ResetAction = "Choose a new password",
        EmailChangedSubject = "Your Bangumoe email was changed",
        EmailChanged = email => $"The email address of your Bangumoe account is now {email}. If you did not make this change, reset your password and contact support.",
    };

    public static readonly AccountMailTexts ZhHans = new()
    {
        Greeting = uname => $"{uname}，你好：",
        Signature = "—— Bangumoe",
        LinkWorksOnce = minutes => $"此链接只能使用一次，{minutes} 分钟内有效。",
        CopyTheAddress = "如果按钮无法点击，请复制这个地址：",
        VerificationSubject = "验证你的 Bangumoe 邮箱",
        VerificationIntro = "欢迎来到 Bangumoe！请确认这个邮箱地址，完成账号注册。",
        VerificationAction = "验证我的邮箱",
        EmailChangeSubject = "确认你的 Bangumoe 新邮箱",
        EmailChangeIntro = "你申请让 Bangumoe 账号改用这个邮箱地址。确认之后更改即生效。",
        EmailChangeAction = "确认这个地址",
        ResetSubject = "重置你的 Bangumoe 密码",
        ResetIntro = "有人（希望是你本人）申请重置你的 Bangumoe 账号密码。如果不是你，请忽略这封邮件，什么都不会改变。",
        ResetAction = "设置新密码",
        EmailChangedSubject = "你的 Bangumoe 邮箱已更改",
        EmailChanged = email => $"你的 Bangumoe 账号的邮箱地址现在是 {email}。如果这不是你本人的操作，请重置密码并联系我们。",
    };

    /// <summary>The texts of an account's language; null (accounts from before it was kept) and anything unknown: English.</summary>
    public static AccountMailTexts For(string? language) => Languages.Normalize(language) == Languages.SimplifiedChinese ? ZhHans : En;
}
