using System.Globalization;
using Bangumoe.Storage;

namespace Bangumoe.Collections;

/// <summary>The five collection statuses, as Bangumi has them (想看/在看/看过/搁置/抛弃).</summary>
public static class CollectionStatus
{
    public const string Wish = "wish";
    public const string Doing = "doing";
    public const string Done = "done";
    public const string OnHold = "on_hold";
    public const string Dropped = "dropped";

    public static readonly IReadOnlyList<string> All = [Wish, Doing, Done, OnHold, Dropped];

    public static bool IsValid(string? status) => status is not null && All.Contains(status, StringComparer.Ordinal);

    /// <summary>Bangumi's collection type (1 wish, 2 done, 3 doing, 4 on hold, 5 dropped); null for anything else.</summary>
    public static string? FromBangumiType(int type) => type switch
    {
        1 => Wish,
        2 => Done,
        3 => Doing,
        4 => OnHold,
        5 => Dropped,
        _ => null,
    };
}

/// <summary>
/// One item of a user's collection: table <c>Collections</c>, PartitionKey = uid. Each item is two rows written
/// together in one entity-group transaction: the item row (RowKey "a|{anime id}", point read by anime) and an index row
/// (RowKey "t|{inverted updated-at ticks}|{anime id}") whose key order is newest first, so a page of the list is one
/// range query. Both rows carry the whole item, with a copy of the anime's display fields, so a page reads nothing else.
/// </summary>
public sealed class CollectionEntity : TableRow
{
    public const string ItemPrefix = "a|";
    public const string IndexPrefix = "t|";

    /// <summary>The first key after every index row (for range queries).</summary>
    public const string IndexEnd = "t}";

    public string AnimeId { get; set; } = "";
    public string Status { get; set; } = "";
    public int? Score { get; set; }
    public string? Comment { get; set; }
    public int EpisodesWatched { get; set; }
    public bool Private { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Set when the item came from a Bangumi import (unbinding with purge deletes these).</summary>
    public bool FromBangumi { get; set; }

    public string AnimeName { get; set; } = "";
    public string? AnimeNameCn { get; set; }
    public int? AnimeEpisodes { get; set; }
    public string? AnimeImage { get; set; }
    public int? AnimeBangumiId { get; set; }

    public static string ItemKey(string animeId) => ItemPrefix + animeId;

    public static string IndexKey(DateTimeOffset updatedAt, string animeId) =>
        IndexPrefix + (DateTimeOffset.MaxValue.UtcTicks - updatedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + animeId;

    public bool IsItemRow => RowKey.StartsWith(ItemPrefix, StringComparison.Ordinal);

    /// <summary>The index row that goes with this item's current UpdatedAt.</summary>
    public string CurrentIndexKey => IndexKey(UpdatedAt, AnimeId);

    public void CopyAnime(AnimeEntity anime)
    {
        AnimeId = anime.Id;
        AnimeName = anime.Name;
        AnimeNameCn = anime.NameCn;
        AnimeEpisodes = anime.Episodes;
        AnimeImage = anime.Image;
        AnimeBangumiId = anime.BangumiId;
    }

    /// <summary>True when what the user sees of the item is the same (keys and timestamps aside).</summary>
    public bool SameData(CollectionEntity other) =>
        Status == other.Status && Score == other.Score && Comment == other.Comment && EpisodesWatched == other.EpisodesWatched
        && Private == other.Private && AnimeName == other.AnimeName && AnimeNameCn == other.AnimeNameCn
        && AnimeEpisodes == other.AnimeEpisodes && AnimeImage == other.AnimeImage && AnimeBangumiId == other.AnimeBangumiId;

    /// <summary>A copy of this item as the row with <paramref name="rowKey"/>.</summary>
    public CollectionEntity As(string rowKey) => new()
    {
        PartitionKey = PartitionKey,
        RowKey = rowKey,
        AnimeId = AnimeId,
        Status = Status,
        Score = Score,
        Comment = Comment,
        EpisodesWatched = EpisodesWatched,
        Private = Private,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        FromBangumi = FromBangumi,
        AnimeName = AnimeName,
        AnimeNameCn = AnimeNameCn,
        AnimeEpisodes = AnimeEpisodes,
        AnimeImage = AnimeImage,
        AnimeBangumiId = AnimeBangumiId,
    };
}
