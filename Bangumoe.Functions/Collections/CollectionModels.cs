using Bangumoe.Collections;

namespace Bangumoe.Functions.Collections;

public sealed record NewAnimeBody(string? Name, string? NameCn, int? Episodes, string? Director, string? AirDate, string? Image);

public sealed record AnimeView(string Id, string Name, string? NameCn, int? Episodes, string? Director, string? AirDate, string? Image, int? BangumiId, DateTimeOffset CreatedAt)
{
    public static AnimeView Of(AnimeEntity a) => new(a.Id, a.Name, a.NameCn, a.Episodes, a.Director, a.AirDate, a.Image, a.BangumiId, a.CreatedAt);
}

/// <summary>What a collection item shows of its anime (a copy kept with the item, so a page reads one partition).</summary>
public sealed record AnimeSummary(string Id, string Name, string? NameCn, int? Episodes, string? Image, int? BangumiId);

public sealed record CollectionItemView(string AnimeId, AnimeSummary Anime, string Status, int? Score, string? Comment, int EpisodesWatched, bool Private, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static CollectionItemView Of(CollectionEntity c) => new(c.AnimeId,
        new AnimeSummary(c.AnimeId, c.AnimeName, c.AnimeNameCn, c.AnimeEpisodes, c.AnimeImage, c.AnimeBangumiId),
        c.Status, c.Score, c.Comment, c.EpisodesWatched, c.Private, c.CreatedAt, c.UpdatedAt);
}

public sealed record PageView<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record CollectionStatsView(int Wish, int Doing, int Done, int OnHold, int Dropped, int Total);
