namespace Bangumoe.Functions.Bangumi;

/// <summary>What the Bangumi binding page and Bangumi's callback say (see <see cref="Pages.Texts"/>).</summary>
public sealed record BangumiTexts
{
    // /account/bangumi
    public required string Title { get; init; }
    public required string Intro { get; init; }
    public required string HowBindingWorks { get; init; }
    public required string BindButton { get; init; }
    public required string NotConfigured { get; init; }
    public required string BoundHeading { get; init; }
    public required string BangumiUserLabel { get; init; }
    public required string UserNotKnownYet { get; init; }
    public required string BoundSinceLabel { get; init; }
    public required string ReauthorizationNeeded { get; init; }
    public required string BindAgainButton { get; init; }
    public required string ImportHeading { get; init; }
    public required string ImportStateLabel { get; init; }
    public required string StateQueued { get; init; }
    public required string StateRunning { get; init; }
    public required string StateDone { get; init; }
    public required string StateFailed { get; init; }
    public required string NoImportYet { get; init; }
    public required string ImportedLabel { get; init; }
    public required Func<int, int?, string> ImportedCount { get; init; }
    public required string QueuedAtLabel { get; init; }
    public required string StartedAtLabel { get; init; }
    public required string FinishedAtLabel { get; init; }
    public required string ImportFailed { get; init; }
    public required string ReasonGiven { get; init; }
    public required string RefreshesItself { get; init; }
    public required string ShowProgressLink { get; init; }
    public required string SeeCollection { get; init; }
    public required string SyncExplained { get; init; }
    public required string SyncButton { get; init; }
    public required string UnbindHeading { get; init; }
    public required string UnbindExplained { get; init; }
    public required string PurgeLabel { get; init; }
    public required string PurgeHint { get; init; }
    public required string PurgeInvalid { get; init; }
    public required string UnbindButton { get; init; }

    // What a form on the page did (shown as a notice after the 303 back).
    public required string NoticeLinked { get; init; }
    public required string NoticeSyncStarted { get; init; }
    public required string NoticeSyncRunning { get; init; }
    public required string NoticeReauthorize { get; init; }
    public required string NoticeUnbound { get; init; }
    public required string NoticeUnboundPurged { get; init; }
    public required string NoticeNotBound { get; init; }

    // Bangumi's callback, when it did not bind.
    public required string BindCancelledTitle { get; init; }
    public required string BindCancelled { get; init; }
    public required string BindFailedTitle { get; init; }
    public required string BindFailed { get; init; }
    public required string BindLinkInvalidTitle { get; init; }
    public required string BindLinkInvalid { get; init; }
    public required string BackToBangumi { get; init; }

    public static readonly BangumiTexts En = new()
    {
        Title = "Bangumi account",
        Intro = "Bind your Bangumi (bgm.tv) account and Bangumoe imports its anime collection: what you want to watch, are watching, have watched, put on hold or dropped, with your scores, comments and progress.",
        HowBindingWorks = "Bangumi will ask you to let Bangumoe read your collection, then send you back here while the import runs. Bangumoe never sees your Bangumi password, and you can unbind at any time.",
        BindButton = "Bind Bangumi account",
        NotConfigured = "Binding a Bangumi account is not set up on this server. Ask the people who run it to configure it.",
        BoundHeading = "Bound account",
        BangumiUserLabel = "Bangumi user",
        UserNotKnownYet = "Not known yet: it appears once the import has started.",
        BoundSinceLabel = "Bound since",
        ReauthorizationNeeded = "Bangumi no longer accepts Bangumoe's access to your account. Bind it again to keep importing.",
        BindAgainButton = "Bind again",
        ImportHeading = "Import",
        ImportStateLabel = "State",
        StateQueued = "Waiting to start",
        StateRunning = "Importing",
        StateDone = "Finished",
        StateFailed = "Stopped with an error",
        NoImportYet = "No import has run yet.",
        ImportedLabel = "Anime imported",
        ImportedCount = (imported, total) => total is { } all ? $"{imported} of {all}" : $"{imported}",
        QueuedAtLabel = "Asked for",
        StartedAtLabel = "Started",
        FinishedAtLabel = "Finished",
        ImportFailed = "The import stopped before it finished. Anime imported until then stay in your collection; \"Sync now\" tries again.",
        ReasonGiven = "Reason given:",
        RefreshesItself = "This page updates itself every few seconds until the import has finished.",
        ShowProgressLink = "Update now",
        SeeCollection = "See your collection",
        SyncExplained = "Import again to pick up what changed on Bangumi since the last import. Anime you edited on Bangumoe after their last change on Bangumi keep your edit.",
        SyncButton = "Sync now",
        UnbindHeading = "Unbind",
        UnbindExplained = "Bangumoe forgets your Bangumi account and its access to it. The anime imported from it stay in your collection unless you remove them too.",
        PurgeLabel = "Also remove the anime imported from Bangumi",
        PurgeHint = "Anime you added on Bangumoe yourself are kept.",
        PurgeInvalid = "Tick the box or leave it empty.",
        UnbindButton = "Unbind Bangumi account",
        NoticeLinked = "Your Bangumi account is bound. Its anime collection is being imported; this page shows how far it got.",
        NoticeSyncStarted = "A new import has started.",
        NoticeSyncRunning = "An import is already under way; it continues below.",
        NoticeReauthorize = "Bangumi no longer accepts Bangumoe's access: bind your account again before syncing.",
        NoticeUnbound = "Your Bangumi account is unbound. The imported anime stay in your collection.",
        NoticeUnboundPurged = "Your Bangumi account is unbound, and the anime imported from it are removed from your collection.",
        NoticeNotBound = "No Bangumi account is bound, so nothing was changed.",
        BindCancelledTitle = "Binding cancelled",
        BindCancelled = "Bangumi did not authorize Bangumoe, so nothing was linked. You can start again from Bangumoe whenever you like.",
        BindFailedTitle = "Bangumi did not confirm the binding",
        BindFailed = "Bangumi did not hand over access, so nothing was linked. Please start again from Bangumoe.",
        BindLinkInvalidTitle = "This link is no longer valid",
        BindLinkInvalid = "This binding link has expired or was already used, so nothing was changed. Start binding again from Bangumoe.",
        BackToBangumi = "Back to your Bangumi binding",
    };

    public static readonly BangumiTexts ZhHans = new()
    {
        Title = "Bangumi 账号",
        Intro = "绑定你的 Bangumi（bgm.tv）账号后，Bangumoe 会导入其中的动画收藏：想看、在看、看过、搁置和抛弃的条目，以及你的评分、吐槽和进度。",
        HowBindingWorks = "Bangumi 会请你允许 Bangumoe 读取你的收藏，然后把你送回这里，同时开始导入。Bangumoe 永远看不到你的 Bangumi 密码，你也可以随时解除绑定。",
        BindButton = "绑定 Bangumi 账号",
        NotConfigured = "这个服务器没有开启 Bangumi 账号绑定。请联系服务器的管理员进行配置。",
        BoundHeading = "已绑定的账号",
        BangumiUserLabel = "Bangumi 用户",
        UserNotKnownYet = "暂时未知：导入开始后就会显示。",
        BoundSinceLabel = "绑定时间",
        ReauthorizationNeeded = "Bangumi 已不再接受 Bangumoe 对你账号的访问权限。请重新绑定以继续导入。",
        BindAgainButton = "重新绑定",
        ImportHeading = "导入",
        ImportStateLabel = "状态",
        StateQueued = "等待开始",
        StateRunning = "正在导入",
        StateDone = "已完成",
        StateFailed = "因错误而中止",
        NoImportYet = "还没有进行过导入。",
        ImportedLabel = "已导入的动画",
        ImportedCount = (imported, total) => total is { } all ? $"{imported} / {all}" : $"{imported}",
        QueuedAtLabel = "请求时间",
        StartedAtLabel = "开始时间",
        FinishedAtLabel = "结束时间",
        ImportFailed = "导入在完成前中止了。此前已导入的动画仍保留在你的收藏中；点击“立即同步”可以重试。",
        ReasonGiven = "给出的原因：",
        RefreshesItself = "导入完成之前，此页面每隔几秒会自动更新。",
        ShowProgressLink = "立即更新",
        SeeCollection = "查看我的收藏",
        SyncExplained = "再次导入，获取自上次导入以来在 Bangumi 上的变化。你在 Bangumoe 上修改过、且修改晚于 Bangumi 上最后一次变化的条目会保留你的修改。",
        SyncButton = "立即同步",
        UnbindHeading = "解除绑定",
        UnbindExplained = "Bangumoe 会忘记你的 Bangumi 账号及其访问权限。从中导入的动画仍保留在你的收藏中，除非你选择一并删除。",
        PurgeLabel = "同时删除从 Bangumi 导入的动画",
        PurgeHint = "你在 Bangumoe 上自己添加的动画会保留。",
        PurgeInvalid = "请勾选或不勾选这个选项。",
        UnbindButton = "解除 Bangumi 绑定",
        NoticeLinked = "你的 Bangumi 账号已绑定。正在导入其中的动画收藏，此页面会显示导入进度。",
        NoticeSyncStarted = "新的导入已开始。",
        NoticeSyncRunning = "已有一个导入正在进行，进度见下方。",
        NoticeReauthorize = "Bangumi 已不再接受 Bangumoe 的访问权限：请先重新绑定账号，再进行同步。",
        NoticeUnbound = "已解除 Bangumi 账号绑定。导入的动画仍保留在你的收藏中。",
        NoticeUnboundPurged = "已解除 Bangumi 账号绑定，从中导入的动画也已从你的收藏中删除。",
        NoticeNotBound = "当前没有绑定 Bangumi 账号，所以没有做任何更改。",
        BindCancelledTitle = "绑定已取消",
        BindCancelled = "Bangumi 没有授权 Bangumoe，因此没有绑定任何账号。你随时可以在 Bangumoe 重新开始。",
        BindFailedTitle = "Bangumi 未确认绑定",
        BindFailed = "Bangumi 没有交出访问权限，因此没有绑定任何账号。请在 Bangumoe 重新开始。",
        BindLinkInvalidTitle = "此链接已失效",
        BindLinkInvalid = "这个绑定链接已过期或已使用，没有做任何更改。请在 Bangumoe 重新开始绑定。",
        BackToBangumi = "返回 Bangumi 绑定页面",
    };
}
