namespace Bangumoe.Functions.Pages;

/// <summary>What the start page and the dashboard say (see <see cref="Pages.Texts"/>).</summary>
public sealed record HomeTexts
{
    // Signed out: what Bangumoe is.
    public required string WelcomeTitle { get; init; }
    public required string WhatItIs { get; init; }
    public required string WhatItDoes { get; init; }
    public required string ForDevelopers { get; init; }
    public required string CreateAccount { get; init; }
    public required string SignIn { get; init; }
    public required string BrowseAnime { get; init; }

    // Signed in: the dashboard.
    public required Func<string, string> DashboardTitle { get; init; }
    public required string ProfileHeading { get; init; }
    public required string EditProfile { get; init; }
    public required string PublicPage { get; init; }
    public required string CollectionHeading { get; init; }
    public required string Total { get; init; }
    public required string OpenCollection { get; init; }
    public required string RecentHeading { get; init; }
    public required string NoRecent { get; init; }
    public required string BangumiHeading { get; init; }
    public required string BangumiUnavailable { get; init; }
    public required string BangumiNotBound { get; init; }
    public required Func<string, string> BangumiBoundAs { get; init; }
    public required string BangumiReauthorize { get; init; }
    public required string BangumiQueued { get; init; }
    public required Func<int, int?, string> BangumiImporting { get; init; }
    public required Func<string, int, string> BangumiLastImport { get; init; }
    public required Func<string, string> BangumiImportFailed { get; init; }
    public required string BangumiBind { get; init; }
    public required string BangumiManage { get; init; }

    public static readonly HomeTexts En = new()
    {
        WelcomeTitle = "Bangumoe: your anime collection",
        WhatItIs = "Bangumoe keeps track of the anime you want to watch, are watching and have watched, with your scores, comments and progress.",
        WhatItDoes = "Bring your collection over from Bangumi in one go, keep entries private when you like, and share the rest on your public page.",
        ForDevelopers = "Your Bangumoe account also signs you in to other apps (OAuth 2.0 and OpenID Connect), which may read your collection only when you allow it.",
        CreateAccount = "Create an account",
        SignIn = "Sign in",
        BrowseAnime = "Browse the anime",
        DashboardTitle = name => $"Hello, {name}",
        ProfileHeading = "Profile",
        EditProfile = "Edit profile",
        PublicPage = "My public page",
        CollectionHeading = "Collection",
        Total = "Total",
        OpenCollection = "Open my collection",
        RecentHeading = "Last changes",
        NoRecent = "You have not collected any anime yet.",
        BangumiHeading = "Bangumi",
        BangumiUnavailable = "Binding a Bangumi account is not set up on this server.",
        BangumiNotBound = "No Bangumi account is bound.",
        BangumiBoundAs = name => $"Bound to the Bangumi account {name}.",
        BangumiReauthorize = "Bangumi no longer accepts the binding: bind your account again.",
        BangumiQueued = "An import of your Bangumi collection is about to start.",
        BangumiImporting = (imported, total) => total is { } t ? $"Importing your Bangumi collection: {imported} of {t} items so far." : $"Importing your Bangumi collection: {imported} items so far.",
        BangumiLastImport = (time, imported) => $"Last import finished {time}: {imported} items.",
        BangumiImportFailed = time => $"The last import stopped with an error ({time}).",
        BangumiBind = "Bind a Bangumi account",
        BangumiManage = "Manage the binding",
    };

    public static readonly HomeTexts ZhHans = new()
    {
        WelcomeTitle = "Bangumoe：你的动画收藏",
        WhatItIs = "Bangumoe 帮你记录想看、在看和看过的动画，以及你的评分、短评和观看进度。",
        WhatItDoes = "可以一次性从 Bangumi 导入收藏；想保密的条目设为私密，其余的在你的公开主页上分享。",
        ForDevelopers = "你的 Bangumoe 账号还可以登录其他应用（OAuth 2.0 和 OpenID Connect），只有经过你的同意，它们才能读取你的收藏。",
        CreateAccount = "注册账号",
        SignIn = "登录",
        BrowseAnime = "浏览动画",
        DashboardTitle = name => $"你好，{name}",
        ProfileHeading = "个人资料",
        EditProfile = "编辑资料",
        PublicPage = "我的公开主页",
        CollectionHeading = "收藏",
        Total = "合计",
        OpenCollection = "查看我的收藏",
        RecentHeading = "最近更新",
        NoRecent = "你还没有收藏任何动画。",
        BangumiHeading = "Bangumi",
        BangumiUnavailable = "这台服务器没有开启 Bangumi 账号绑定。",
        BangumiNotBound = "尚未绑定 Bangumi 账号。",
        BangumiBoundAs = name => $"已绑定 Bangumi 账号 {name}。",
        BangumiReauthorize = "Bangumi 已不再接受这个绑定，请重新绑定你的账号。",
        BangumiQueued = "Bangumi 收藏的导入即将开始。",
        BangumiImporting = (imported, total) => total is { } t ? $"正在导入 Bangumi 收藏：已导入 {imported}/{t} 条。" : $"正在导入 Bangumi 收藏：已导入 {imported} 条。",
        BangumiLastImport = (time, imported) => $"上次导入于 {time} 完成，共 {imported} 条。",
        BangumiImportFailed = time => $"上次导入出错中止（{time}）。",
        BangumiBind = "绑定 Bangumi 账号",
        BangumiManage = "管理绑定",
    };
}
