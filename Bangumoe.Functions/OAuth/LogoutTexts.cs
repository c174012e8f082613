namespace Bangumoe.Functions.OAuth;

/// <summary>What the sign-out pages an app sends people to say (<c>/oauth/logout</c>), and the developer pages' field
/// for the addresses an app may send them back to afterwards (see <see cref="Pages.Texts"/>).</summary>
public sealed record LogoutTexts
{
    // The question, when the app did not prove who it signs out.
    public required string ConfirmTitle { get; init; }
    public required Func<string, string> AppAsks { get; init; }
    public required string SomeoneAsks { get; init; }
    public required Func<string, string> SignedInAs { get; init; }
    public required string SignOutButton { get; init; }
    public required string StayButton { get; init; }

    // Done.
    public required string SignedOutTitle { get; init; }
    public required string SignedOut { get; init; }
    public required string WasNotSignedIn { get; init; }
    public required string StayedSignedIn { get; init; }
    public required string RequestBrokenTitle { get; init; }
    public required string RequestBroken { get; init; }

    // The developer pages.
    public required string PostLogoutLabel { get; init; }
    public required Func<int, string> PostLogoutHint { get; init; }
    public required string PostLogoutHeading { get; init; }
    public required Func<int, string> PostLogoutTooMany { get; init; }
    public required string PostLogoutRepeated { get; init; }
    public required Func<string, string> PostLogoutInvalid { get; init; }

    public static readonly LogoutTexts En = new()
    {
        ConfirmTitle = "Sign out of Bangumoe?",
        AppAsks = app => $"{app} asks to sign you out of Bangumoe.",
        SomeoneAsks = "A link asks to sign you out of Bangumoe.",
        SignedInAs = uname => $"You are signed in as {uname}. Signing out here signs you out of Bangumoe in this browser; the apps you use keep their own sign-in.",
        SignOutButton = "Sign out",
        StayButton = "Stay signed in",
        SignedOutTitle = "Signed out",
        SignedOut = "You are signed out of Bangumoe in this browser.",
        WasNotSignedIn = "You were not signed in to Bangumoe in this browser, so there was nothing to sign out of.",
        StayedSignedIn = "You are still signed in to Bangumoe.",
        RequestBrokenTitle = "This sign-out link does not work",
        RequestBroken = "Nothing was changed and you were not sent anywhere. If an app sent you here, tell its developer.",
        PostLogoutLabel = "Post-logout redirect URIs (optional)",
        PostLogoutHint = max => $"Where the app may send people back to after it signs them out of Bangumoe (post_logout_redirect_uri). One per line, at most {max}, the same rules as redirect URIs.",
        PostLogoutHeading = "Post-logout redirect URIs",
        PostLogoutTooMany = max => $"At most {max} post-logout redirect URIs.",
        PostLogoutRepeated = "List each post-logout redirect URI only once.",
        PostLogoutInvalid = uri => $"{uri} is not an address Bangumoe accepts: it must be a whole https address (http only on 127.0.0.1, [::1] or localhost), at most 512 characters, without spaces, a fragment (#), wildcards (*) or a user name.",
    };

    public static readonly LogoutTexts ZhHans = new()
    {
        ConfirmTitle = "退出 Bangumoe？",
        AppAsks = app => $"{app} 请求让你退出 Bangumoe。",
        SomeoneAsks = "一个链接请求让你退出 Bangumoe。",
        SignedInAs = uname => $"你当前以 {uname} 的身份登录。在这里退出会让这个浏览器退出 Bangumoe；你使用的各个应用各自保留自己的登录状态。",
        SignOutButton = "退出登录",
        StayButton = "保持登录",
        SignedOutTitle = "已退出",
        SignedOut = "这个浏览器已退出 Bangumoe。",
        WasNotSignedIn = "这个浏览器本来就没有登录 Bangumoe，无需退出。",
        StayedSignedIn = "你仍然登录着 Bangumoe。",
        RequestBrokenTitle = "此退出链接无法使用",
        RequestBroken = "没有做任何更改，也没有把你带到别处。如果你是从某个应用点进来的，请告诉它的开发者。",
        PostLogoutLabel = "退出后重定向 URI（可选）",
        PostLogoutHint = max => $"应用让用户退出 Bangumoe 之后，可以把用户带回的地址（post_logout_redirect_uri）。每行一个，最多 {max} 个，规则与重定向 URI 相同。",
        PostLogoutHeading = "退出后重定向 URI",
        PostLogoutTooMany = max => $"最多 {max} 个退出后重定向 URI。",
        PostLogoutRepeated = "每个退出后重定向 URI 只能填写一次。",
        PostLogoutInvalid = uri => $"{uri} 不是 Bangumoe 接受的地址：必须是完整的 https 地址（http 仅限 127.0.0.1、[::1] 或 localhost），不超过 512 个字符，不能包含空格、片段（#）、通配符（*）或用户名。",
    };
}
