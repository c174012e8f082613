using System.Globalization;
using Bangumoe.Collections;

namespace Bangumoe.Functions.Collections;

/// <summary>What the anime, collection and public profile pages say (see <see cref="Pages.Texts"/>).</summary>
public sealed record CollectionTexts
{
    // The catalog: /anime.
    public required string CatalogTitle { get; init; }
    public required string SearchLabel { get; init; }
    public required string SearchButton { get; init; }
    public required Func<int, string> QueryTooLong { get; init; }
    public required string CatalogEmpty { get; init; }
    public required Func<string, string> NoMatches { get; init; }
    public required string SearchGoesOn { get; init; }
    public required Func<int, string> EpisodeCount { get; init; }
    public required string EpisodesUnknown { get; init; }
    public required Func<string, string> AiredOn { get; init; }

    // Paging, on every list.
    public required string Paging { get; init; }
    public required string NextPage { get; init; }
    public required string FirstPage { get; init; }
    public required string BadPageLinkTitle { get; init; }
    public required string BadPageLink { get; init; }

    // One anime: /anime/{id}.
    public required string NameCnLabel { get; init; }
    public required string EpisodesLabel { get; init; }
    public required string DirectorLabel { get; init; }
    public required string AirDateLabel { get; init; }
    public required string BangumiLabel { get; init; }
    public required string Unknown { get; init; }
    public required string CollectHeading { get; init; }
    public required string SignInToCollect { get; init; }
    public required string NotCollected { get; init; }
    public required Func<string, string> InYourCollection { get; init; }
    public required string StatusLabel { get; init; }
    public required string StatusWish { get; init; }
    public required string StatusDoing { get; init; }
    public required string StatusDone { get; init; }
    public required string StatusOnHold { get; init; }
    public required string StatusDropped { get; init; }
    public required string ScoreLabel { get; init; }
    public required string NoScore { get; init; }
    public required string EpisodesWatchedLabel { get; init; }
    public required Func<int, string> EpisodesWatchedHint { get; init; }
    public required Func<int, string> CommentLabel { get; init; }
    public required string PrivateLabel { get; init; }
    public required string AddButton { get; init; }
    public required string SaveButton { get; init; }
    public required string RemoveButton { get; init; }
    public required string Saved { get; init; }
    public required string Removed { get; init; }

    // What the collect form says about bad input, next to the field.
    public required string StatusInvalid { get; init; }
    public required string ScoreInvalid { get; init; }
    public required Func<int, string> EpisodesWatchedInvalid { get; init; }
    public required Func<int, string> CommentTooLong { get; init; }
    public required string CommentInvalid { get; init; }
    public required string PrivateInvalid { get; init; }

    // A collection: /collection and /u/{uname}.
    public required string MyCollectionTitle { get; init; }
    public required string StatusFilter { get; init; }
    public required string AllStatuses { get; init; }
    public required string EmptyCollection { get; init; }
    public required string BrowseAnime { get; init; }
    public required string EmptyStatus { get; init; }
    public required string PrivateMark { get; init; }
    public required Func<int, string> ScoreValue { get; init; }
    public required string NotScored { get; init; }
    public required Func<int, int?, string> Progress { get; init; }
    public required Func<string, string> UpdatedAt { get; init; }
    public required string RemoveShort { get; init; }
    public required string QuickEdit { get; init; }
    public required Func<string, string> QuickEditNamed { get; init; }
    public required string FullForm { get; init; }
    public required Func<string, string> FullFormNamed { get; init; }
    public required Func<string, string> RemoveNamed { get; init; }
    public required Func<string, string> PublicCollectionTitle { get; init; }
    public required string PublicEmpty { get; init; }
    public required string OwnPublicPage { get; init; }

    /// <summary>The name of a collection status (想看/在看/看过/搁置/抛弃).</summary>
    public string Status(string status) => status switch
    {
        CollectionStatus.Wish => StatusWish,
        CollectionStatus.Doing => StatusDoing,
        CollectionStatus.Done => StatusDone,
        CollectionStatus.OnHold => StatusOnHold,
        CollectionStatus.Dropped => StatusDropped,
        _ => status,
    };

    /// <summary>A moment as both languages write it on a page (UTC: the server knows no time zone of the reader).</summary>
    public static string Time(DateTimeOffset moment) => moment.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static readonly CollectionTexts En = new()
    {
        CatalogTitle = "Anime",
        SearchLabel = "Search by name",
        SearchButton = "Search",
        QueryTooLong = max => $"Search for at most {max} characters.",
        CatalogEmpty = "There is no anime in the catalog yet.",
        NoMatches = q => $"No anime on this page matches “{q}”.",
        SearchGoesOn = "The search stopped after part of the catalog; the next page goes on from there.",
        EpisodeCount = n => n == 1 ? "1 episode" : $"{n} episodes",
        EpisodesUnknown = "Episodes unknown",
        AiredOn = date => $"Aired {date}",
        Paging = "Pages",
        NextPage = "Next page",
        FirstPage = "First page",
        BadPageLinkTitle = "This page link does not work",
        BadPageLink = "The link to this page is not one Bangumoe made. Start again from the first page.",
        NameCnLabel = "Chinese name",
        EpisodesLabel = "Episodes",
        DirectorLabel = "Director",
        AirDateLabel = "Air date",
        BangumiLabel = "On Bangumi",
        Unknown = "Unknown",
        CollectHeading = "In your collection",
        SignInToCollect = "Sign in to add this anime to your collection.",
        NotCollected = "This anime is not in your collection yet.",
        InYourCollection = status => $"In your collection as “{status}”.",
        StatusLabel = "Status",
        StatusWish = "Want to watch",
        StatusDoing = "Watching",
        StatusDone = "Watched",
        StatusOnHold = "On hold",
        StatusDropped = "Dropped",
        ScoreLabel = "Score",
        NoScore = "No score",
        EpisodesWatchedLabel = "Episodes watched",
        EpisodesWatchedHint = max => $"From 0 to {max}.",
        CommentLabel = max => $"Comment (at most {max} characters)",
        PrivateLabel = "Private: only you see this entry",
        AddButton = "Add to my collection",
        SaveButton = "Save",
        RemoveButton = "Remove from my collection",
        Saved = "Saved to your collection.",
        Removed = "Removed from your collection.",
        StatusInvalid = "Choose one of the statuses.",
        ScoreInvalid = "Choose a score from 1 to 10, or no score.",
        EpisodesWatchedInvalid = max => $"Enter a whole number from 0 to {max}.",
        CommentTooLong = max => $"Shorten the comment to at most {max} characters.",
        CommentInvalid = "The comment contains characters that are not allowed (control characters).",
        PrivateInvalid = "Tick the box or leave it empty.",
        MyCollectionTitle = "My collection",
        StatusFilter = "By status",
        AllStatuses = "All",
        EmptyCollection = "Your collection is empty. Find an anime in the catalog and add it.",
        BrowseAnime = "Browse the anime",
        EmptyStatus = "Nothing here with this status.",
        PrivateMark = "Private",
        ScoreValue = n => $"Score {n}/10",
        NotScored = "No score",
        Progress = (watched, total) => total is { } t ? $"{watched} of {t} episodes watched" : $"{watched} episodes watched",
        UpdatedAt = time => $"Updated {time}",
        RemoveShort = "Remove",
        QuickEdit = "Change here",
        QuickEditNamed = name => $"Change here: {name}",
        FullForm = "All details",
        FullFormNamed = name => $"All details: {name}",
        RemoveNamed = name => $"Remove {name} from my collection",
        PublicCollectionTitle = name => $"{name}’s collection",
        PublicEmpty = "No public entries yet.",
        OwnPublicPage = "This is how others see your collection: your private entries are not shown here.",
    };

    public static readonly CollectionTexts ZhHans = new()
    {
        CatalogTitle = "动画",
        SearchLabel = "按名称搜索",
        SearchButton = "搜索",
        QueryTooLong = max => $"搜索词最多 {max} 个字符。",
        CatalogEmpty = "目录里还没有动画。",
        NoMatches = q => $"这一页没有与“{q}”匹配的动画。",
        SearchGoesOn = "搜索只查找了目录的一部分，下一页会从这里继续。",
        EpisodeCount = n => $"共 {n} 话",
        EpisodesUnknown = "话数未知",
        AiredOn = date => $"{date} 开播",
        Paging = "分页",
        NextPage = "下一页",
        FirstPage = "第一页",
        BadPageLinkTitle = "此分页链接无效",
        BadPageLink = "这个分页链接不是 Bangumoe 生成的。请从第一页重新开始。",
        NameCnLabel = "中文名",
        EpisodesLabel = "话数",
        DirectorLabel = "导演",
        AirDateLabel = "开播日期",
        BangumiLabel = "Bangumi 条目",
        Unknown = "未知",
        CollectHeading = "我的收藏",
        SignInToCollect = "登录后即可把这部动画加入收藏。",
        NotCollected = "这部动画还不在你的收藏里。",
        InYourCollection = status => $"已收藏，状态：{status}。",
        StatusLabel = "状态",
        StatusWish = "想看",
        StatusDoing = "在看",
        StatusDone = "看过",
        StatusOnHold = "搁置",
        StatusDropped = "抛弃",
        ScoreLabel = "评分",
        NoScore = "不评分",
        EpisodesWatchedLabel = "已看话数",
        EpisodesWatchedHint = max => $"0 到 {max} 之间。",
        CommentLabel = max => $"短评（最多 {max} 个字）",
        PrivateLabel = "私密：仅自己可见",
        AddButton = "加入收藏",
        SaveButton = "保存",
        RemoveButton = "从收藏中移除",
        Saved = "已保存到你的收藏。",
        Removed = "已从你的收藏中移除。",
        StatusInvalid = "请选择一个状态。",
        ScoreInvalid = "请选择 1 到 10 分，或者不评分。",
        EpisodesWatchedInvalid = max => $"请输入 0 到 {max} 之间的整数。",
        CommentTooLong = max => $"短评最多 {max} 个字，请删减。",
        CommentInvalid = "短评里有不允许的字符（控制字符）。",
        PrivateInvalid = "请勾选或留空这个选项。",
        MyCollectionTitle = "我的收藏",
        StatusFilter = "按状态",
        AllStatuses = "全部",
        EmptyCollection = "你的收藏还是空的。去动画目录找一部加入吧。",
        BrowseAnime = "浏览动画",
        EmptyStatus = "这个状态下还没有条目。",
        PrivateMark = "私密",
        ScoreValue = n => $"评分 {n}/10",
        NotScored = "未评分",
        Progress = (watched, total) => total is { } t ? $"已看 {watched}/{t} 话" : $"已看 {watched} 话",
        UpdatedAt = time => $"更新于 {time}",
        RemoveShort = "移除",
        QuickEdit = "在此修改",
        QuickEditNamed = name => $"在此修改：{name}",
        FullForm = "全部信息",
        FullFormNamed = name => $"全部信息：{name}",
        RemoveNamed = name => $"从收藏中移除“{name}”",
        PublicCollectionTitle = name => $"{name} 的收藏",
        PublicEmpty = "还没有公开的收藏。",
        OwnPublicPage = "这是别人看到的你的收藏：私密条目不会在这里显示。",
    };
}
