using Bangumoe.Functions.Accounts;
using Bangumoe.Functions.Bangumi;
using Bangumoe.Functions.Collections;
using Bangumoe.Functions.OAuth;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// Everything a page says, in one language. Every text is required, so a page cannot ship in one language only: the
/// compiler refuses a language that lacks one. Typed strings instead of .resx because the app runs with invariant
/// globalization (no culture data, so .resx culture fallback for zh-Hans does not work) and a missing key should fail
/// the build, not show a key name.
/// </summary>
public sealed record Texts
{
    public required string Lang { get; init; }

    // Each feature's pages, in their own record beside them.
    public required HomeTexts Home { get; init; }
    public required AccountTexts Account { get; init; }
    public required OAuthTexts OAuth { get; init; }
    public required CollectionTexts Collection { get; init; }
    public required BangumiTexts Bangumi { get; init; }

    // The layout of every page.
    public required string SkipToContent { get; init; }
    public required string MainNavigation { get; init; }
    public required string NavAnime { get; init; }
    public required string NavCollection { get; init; }
    public required string NavAccount { get; init; }
    public required string NavDeveloper { get; init; }
    public required string SignIn { get; init; }
    public required string SignUp { get; init; }
    public required string SignOut { get; init; }
    public required string LanguageSwitch { get; init; }
    public required string FooterDevelopers { get; init; }
    public required string FooterApi { get; init; }

    // What any page may answer instead of itself.
    public required string NotFoundTitle { get; init; }
    public required string NotFound { get; init; }
    public required string BackHome { get; init; }
    public required string FormExpiredTitle { get; init; }
    public required string FormExpired { get; init; }
    public required string UnsupportedForm { get; init; }
    public required string FormTooLargeTitle { get; init; }
    public required string FormTooLarge { get; init; }
    public required string StorageDownTitle { get; init; }
    public required string StorageDown { get; init; }
    public required string ServerErrorTitle { get; init; }
    public required Func<string, string> ServerError { get; init; }
    public required string FixTheFields { get; init; }

    // The result of a mailed link (verification or email change).
    public required string EmailVerifiedTitle { get; init; }
    public required string EmailVerified { get; init; }
    public required string AlreadyVerifiedTitle { get; init; }
    public required string AlreadyVerified { get; init; }
    public required string EmailChangedTitle { get; init; }
    public required string EmailChanged { get; init; }
    public required string AddressTakenTitle { get; init; }
    public required string AddressTaken { get; init; }
    public required string LinkExpiredTitle { get; init; }
    public required string LinkExpired { get; init; }
    public required string LinkUsedTitle { get; init; }
    public required string LinkUsed { get; init; }
    public required string LinkInvalidTitle { get; init; }
    public required string LinkInvalid { get; init; }

    // The password-reset page.
    public required string ChooseNewPasswordTitle { get; init; }
    public required Func<int, int, string> NewPasswordLabel { get; init; }
    public required string RepeatPasswordLabel { get; init; }
    public required string ChangePasswordButton { get; init; }
    public required string PasswordsDiffer { get; init; }
    public required string NewPasswordProblem { get; init; }
    public required string PasswordChangedTitle { get; init; }
    public required string PasswordChanged { get; init; }
    public required string ResetLinkUnusableTitle { get; init; }
    public required string AskForNewResetMail { get; init; }
    public required string UnsupportedFormTitle { get; init; }
    public required string SubmitFromResetPage { get; init; }

    // A sign-in request that cannot be trusted.
    public required string SignInLinkBrokenTitle { get; init; }
    public required string SignInLinkBroken { get; init; }

    public static readonly Texts En = new()
    {
        Lang = "en",
        Home = HomeTexts.En,
        Account = AccountTexts.En,
        OAuth = OAuthTexts.En,
        Collection = CollectionTexts.En,
        Bangumi = BangumiTexts.En,
        SkipToContent = "Skip to the content",
        MainNavigation = "Main",
        NavAnime = "Anime",
        NavCollection = "My collection",
        NavAccount = "Account",
        NavDeveloper = "Developers",
        SignIn = "Sign in",
        SignUp = "Sign up",
        SignOut = "Sign out",
        LanguageSwitch = "Language",
        FooterDevelopers = "Build an app with Bangumoe",
        FooterApi = "API description (OpenAPI)",
        NotFoundTitle = "Not found",
        NotFound = "There is nothing here, or it is not yours to see.",
        BackHome = "Back to the start page",
        FormExpiredTitle = "Please try again",
        FormExpired = "This form expired or did not come from a Bangumoe page, so nothing was changed. Go back, reload the page and send it again.",
        UnsupportedForm = "This address takes the form on its page. Nothing was changed.",
        FormTooLargeTitle = "Too much text",
        FormTooLarge = "The form is larger than Bangumoe accepts, so nothing was changed. Shorten what you typed and try again.",
        StorageDownTitle = "Bangumoe is briefly unavailable",
        StorageDown = "Our storage did not answer, so nothing was changed. Try again in a few seconds.",
        ServerErrorTitle = "Something went wrong on our side",
        ServerError = id => $"Nothing was changed. If it happens again, tell us this code: {id}",
        FixTheFields = "Some fields need another look:",
        EmailVerifiedTitle = "Email verified",
        EmailVerified = "Your email address is verified. You can log in now.",
        AlreadyVerifiedTitle = "Already verified",
        AlreadyVerified = "This email address was already verified. You can log in.",
        EmailChangedTitle = "Email changed",
        EmailChanged = "Your account now uses this email address.",
        AddressTakenTitle = "Address taken",
        AddressTaken = "Another account started using this email address in the meantime, so your email was not changed.",
        LinkExpiredTitle = "Link expired",
        LinkExpired = "This link has expired. Ask for a new verification mail and use the newest link.",
        LinkUsedTitle = "Link already used",
        LinkUsed = "This link was already used; each link works once.",
        LinkInvalidTitle = "Invalid link",
        LinkInvalid = "This link is not valid. Check that you copied all of it, or ask for a new mail.",
        ChooseNewPasswordTitle = "Choose a new password",
        NewPasswordLabel = (min, max) => $"New password ({min}–{max} characters)",
        RepeatPasswordLabel = "Repeat it",
        ChangePasswordButton = "Change password",
        PasswordsDiffer = "The two passwords differ.",
        NewPasswordProblem = "New password: ",
        PasswordChangedTitle = "Password changed",
        PasswordChanged = "Your password is changed and every other session has ended. Log in with the new password.",
        ResetLinkUnusableTitle = "Link not usable",
        AskForNewResetMail = "Ask for a new reset mail.",
        UnsupportedFormTitle = "Unsupported form",
        SubmitFromResetPage = "Submit the form from the reset page.",
        SignInLinkBrokenTitle = "This sign-in link does not work",
        SignInLinkBroken = "Nothing was sent back to the app. If you followed a link from an app, tell its developer.",
    };

    public static readonly Texts ZhHans = new()
    {
        Lang = "zh-Hans",
        Home = HomeTexts.ZhHans,
        Account = AccountTexts.ZhHans,
        OAuth = OAuthTexts.ZhHans,
        Collection = CollectionTexts.ZhHans,
        Bangumi = BangumiTexts.ZhHans,
        SkipToContent = "跳到正文",
        MainNavigation = "主导航",
        NavAnime = "动画",
        NavCollection = "我的收藏",
        NavAccount = "账号",
        NavDeveloper = "开发者",
        SignIn = "登录",
        SignUp = "注册",
        SignOut = "退出登录",
        LanguageSwitch = "语言",
        FooterDevelopers = "用 Bangumoe 开发应用",
        FooterApi = "API 说明（OpenAPI）",
        NotFoundTitle = "找不到页面",
        NotFound = "这里什么也没有，或者你无权查看。",
        BackHome = "返回首页",
        FormExpiredTitle = "请重试",
        FormExpired = "这个表单已过期，或者不是从 Bangumoe 的页面提交的，所以没有做任何更改。请返回、刷新页面后重新提交。",
        UnsupportedForm = "这个地址只接受它页面上的表单。没有做任何更改。",
        FormTooLargeTitle = "内容太多",
        FormTooLarge = "表单超过了 Bangumoe 接受的大小，所以没有做任何更改。请缩短输入后重试。",
        StorageDownTitle = "Bangumoe 暂时不可用",
        StorageDown = "存储没有响应，所以没有做任何更改。请几秒钟后重试。",
        ServerErrorTitle = "我们这边出了问题",
        ServerError = id => $"没有做任何更改。如果再次发生，请把这个代码告诉我们：{id}",
        FixTheFields = "有些字段需要修改：",
        EmailVerifiedTitle = "邮箱已验证",
        EmailVerified = "你的邮箱地址已验证，现在可以登录了。",
        AlreadyVerifiedTitle = "邮箱早已验证",
        AlreadyVerified = "这个邮箱地址之前已经验证过，可以直接登录。",
        EmailChangedTitle = "邮箱已更改",
        EmailChanged = "你的账号现在使用这个邮箱地址。",
        AddressTakenTitle = "地址已被占用",
        AddressTaken = "在此期间另一个账号开始使用这个邮箱地址，所以你的邮箱没有更改。",
        LinkExpiredTitle = "链接已过期",
        LinkExpired = "这个链接已经过期。请重新申请验证邮件，并使用最新的链接。",
        LinkUsedTitle = "链接已使用",
        LinkUsed = "这个链接已经用过了；每个链接只能使用一次。",
        LinkInvalidTitle = "链接无效",
        LinkInvalid = "这个链接无效。请检查是否完整复制，或重新申请一封邮件。",
        ChooseNewPasswordTitle = "设置新密码",
        NewPasswordLabel = (min, max) => $"新密码（{min}–{max} 个字符）",
        RepeatPasswordLabel = "再输入一次",
        ChangePasswordButton = "修改密码",
        PasswordsDiffer = "两次输入的密码不一致。",
        NewPasswordProblem = "新密码：",
        PasswordChangedTitle = "密码已修改",
        PasswordChanged = "你的密码已修改，其他所有会话都已结束。请用新密码登录。",
        ResetLinkUnusableTitle = "链接无法使用",
        AskForNewResetMail = "请重新申请一封重置邮件。",
        UnsupportedFormTitle = "无法处理的表单",
        SubmitFromResetPage = "请在重置页面提交表单。",
        SignInLinkBrokenTitle = "此登录链接无法使用",
        SignInLinkBroken = "没有任何内容发回给应用。如果你是从某个应用点进来的，请告诉它的开发者。",
    };

    /// <summary>The languages a person can choose, by their tag.</summary>
    public static readonly IReadOnlyList<Texts> All = [En, ZhHans];

    public static Texts Of(string language) => language == ZhHans.Lang ? ZhHans : En;

    /// <summary>The remembered choice (cookie <see cref="CookieName"/>), else the first language of Accept-Language
    /// that Bangumoe speaks (by quality), else English.</summary>
    public static Texts For(HttpRequest request)
    {
        if (request.Cookies[CookieName] is { } chosen && All.FirstOrDefault(t => t.Lang == chosen) is { } remembered) return remembered;
        foreach (var language in request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1))
        {
            var tag = language.Value.Value ?? "";
            if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase)) return ZhHans;
            if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase)) return En;
        }
        return En;
    }

    public const string CookieName = "bgm_lang";
}
