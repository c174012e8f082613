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
    public required LogoutTexts Logout { get; init; }
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
    public required string UnsupportedFormTitle { get; init; }
    public required string UnsupportedForm { get; init; }
    public required string FormTooLargeTitle { get; init; }
    public required string FormTooLarge { get; init; }
    public required string StorageDownTitle { get; init; }
    public required string StorageDown { get; init; }
    public required string ServerErrorTitle { get; init; }
    public required Func<string, string> ServerError { get; init; }
    public required string FixTheFields { get; init; }

    // A failed sign-in, on every sign-in form (ours, an app's, the seed's).
    public required string SignInWrong { get; init; }
    public required string SignInNotVerified { get; init; }
    public required Func<int, string> SignInThrottled { get; init; }


    // A sign-in request that cannot be trusted.
    public required string SignInLinkBrokenTitle { get; init; }
    public required string SignInLinkBroken { get; init; }

    public static readonly Texts En = new()
    {
        Lang = "en",
        Home = HomeTexts.En,
        Account = AccountTexts.En,
        OAuth = OAuthTexts.En,
        Logout = LogoutTexts.En,
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
        UnsupportedFormTitle = "Unsupported form",
        UnsupportedForm = "This address takes the form on its page. Nothing was changed.",
        FormTooLargeTitle = "Too much text",
        FormTooLarge = "The form is larger than Bangumoe accepts, so nothing was changed. Shorten what you typed and try again.",
        StorageDownTitle = "Bangumoe is briefly unavailable",
        StorageDown = "Our storage did not answer, so nothing was changed. Try again in a few seconds.",
        ServerErrorTitle = "Something went wrong on our side",
        ServerError = id => $"Nothing was changed. If it happens again, tell us this code: {id}",
        FixTheFields = "Some fields need another look:",
        SignInWrong = "The email/user name or password is wrong.",
        SignInNotVerified = "Verify your email address first: open the link we mailed you.",
        SignInThrottled = minutes => $"Too many failed sign-ins. Wait {minutes} minute{(minutes == 1 ? "" : "s")} and try again.",
        SignInLinkBrokenTitle = "This sign-in link does not work",
        SignInLinkBroken = "Nothing was sent back to the app. If you followed a link from an app, tell its developer.",
    };

    public static readonly Texts ZhHans = new()
    {
        Lang = "zh-Hans",
        Home = HomeTexts.ZhHans,
        Account = AccountTexts.ZhHans,
        OAuth = OAuthTexts.ZhHans,
        Logout = LogoutTexts.ZhHans,
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
        UnsupportedFormTitle = "无法处理的表单",
        UnsupportedForm = "这个地址只接受它页面上的表单。没有做任何更改。",
        FormTooLargeTitle = "内容太多",
        FormTooLarge = "表单超过了 Bangumoe 接受的大小，所以没有做任何更改。请缩短输入后重试。",
        StorageDownTitle = "Bangumoe 暂时不可用",
        StorageDown = "存储没有响应，所以没有做任何更改。请几秒钟后重试。",
        ServerErrorTitle = "我们这边出了问题",
        ServerError = id => $"没有做任何更改。如果再次发生，请把这个代码告诉我们：{id}",
        FixTheFields = "有些字段需要修改：",
        SignInWrong = "邮箱/用户名或密码错误。",
        SignInNotVerified = "请先验证邮箱：打开我们发给你的邮件中的链接。",
        SignInThrottled = minutes => $"登录失败次数过多。请等待 {minutes} 分钟后再试。",
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
            if (OfTag(language.Value.Value ?? "") is { } spoken) return spoken;
        }
        return En;
    }

    /// <summary>The first language of an OpenID Connect <c>ui_locales</c> list (space-separated BCP 47 tags) that
    /// Bangumoe speaks, or null: an app's wish for one page, not a remembered choice.</summary>
    public static Texts? FromLocales(string? uiLocales)
    {
        foreach (var tag in (uiLocales ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (OfTag(tag) is { } spoken) return spoken;
        return null;
    }

    /// <summary>The language of a BCP 47 tag, when Bangumoe speaks it (any Chinese is shown in Simplified Chinese).</summary>
    private static Texts? OfTag(string tag) =>
        tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? ZhHans
        : tag.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? En
        : null;

    public const string CookieName = "bgm_lang";
}
