namespace Bangumoe.Functions.OAuth;

/// <summary>What the /device pages say (see <see cref="Pages.Texts"/>); the scopes and Allow/Deny are the consent
/// page's own words (<see cref="OAuthTexts"/>).</summary>
public sealed record DeviceTexts
{
    // Typing the code.
    public required string EnterCodeTitle { get; init; }
    public required string EnterCodeIntro { get; init; }
    public required string UserCodeLabel { get; init; }
    public required string UserCodeHint { get; init; }
    public required string ContinueButton { get; init; }

    // What can be wrong with a typed code.
    public required string CodeMalformed { get; init; }
    public required string CodeUnknown { get; init; }
    public required string CodeExpired { get; init; }
    public required string CodeUsed { get; init; }
    public required Func<int, string> Throttled { get; init; }

    // Allowing the device.
    public required string ConsentTitle { get; init; }
    public required string CodeOnDevice { get; init; }

    /// <summary>RFC 8628 §5.4: someone may have sent the person a code of their own device to sign into it with the
    /// person's account.</summary>
    public required string OnlyIfYouStartedIt { get; init; }

    // After the decision.
    public required string AllowedTitle { get; init; }
    public required string Allowed { get; init; }
    public required string DeniedTitle { get; init; }
    public required string Denied { get; init; }
    public required string AnotherDevice { get; init; }

    public static readonly DeviceTexts En = new()
    {
        EnterCodeTitle = "Connect a device",
        EnterCodeIntro = "Type the code that your TV, console or command line shows.",
        UserCodeLabel = "Code",
        UserCodeHint = "8 letters, like BCDF-GHJK. Capitals and the dash do not matter.",
        ContinueButton = "Continue",
        CodeMalformed = "A code is 8 letters without vowels, like BCDF-GHJK. Check it on your device's screen.",
        CodeUnknown = "No device is waiting for this code. Check it on your device's screen.",
        CodeExpired = "This code has expired. Start again on your device to get a new one.",
        CodeUsed = "This code was already used. If your device is still waiting, start again there.",
        Throttled = minutes => $"Too many wrong codes. Wait {minutes} minute{(minutes == 1 ? "" : "s")} and try again.",
        ConsentTitle = "Allow this device?",
        CodeOnDevice = "Code on the device: ",
        OnlyIfYouStartedIt = "Allow only if you started signing in on a device yourself and it shows this code. If someone else sent you the code, deny.",
        AllowedTitle = "Done",
        Allowed = "Your device is signed in. Go back to it: it continues by itself.",
        DeniedTitle = "Access denied",
        Denied = "The device was not given access. You can close this page.",
        AnotherDevice = "Connect another device",
    };

    public static readonly DeviceTexts ZhHans = new()
    {
        EnterCodeTitle = "连接设备",
        EnterCodeIntro = "输入电视、游戏机或命令行上显示的代码。",
        UserCodeLabel = "代码",
        UserCodeHint = "8 个字母，例如 BCDF-GHJK。大小写和短横线都不影响。",
        ContinueButton = "继续",
        CodeMalformed = "代码是 8 个不含元音的字母，例如 BCDF-GHJK。请对照设备屏幕检查。",
        CodeUnknown = "没有设备在等待这个代码。请对照设备屏幕检查。",
        CodeExpired = "这个代码已过期。请在设备上重新开始，获取新的代码。",
        CodeUsed = "这个代码已经用过了。如果设备仍在等待，请在设备上重新开始。",
        Throttled = minutes => $"错误的代码太多。请等待 {minutes} 分钟后再试。",
        ConsentTitle = "允许这台设备吗？",
        CodeOnDevice = "设备上的代码：",
        OnlyIfYouStartedIt = "只有当你自己在设备上开始登录、并且设备显示的正是这个代码时才允许。如果代码是别人发给你的，请拒绝。",
        AllowedTitle = "完成",
        Allowed = "你的设备已登录。请回到设备：它会自动继续。",
        DeniedTitle = "已拒绝访问",
        Denied = "设备没有获得访问权限。你可以关闭此页面。",
        AnotherDevice = "连接另一台设备",
    };
}
