using Bangumoe.Bangumi;

namespace Bangumoe.Functions.Bangumi;

public sealed record BindStart(string AuthorizeUrl);

public sealed record BangumiUserView(long? Id, string? Username, string? Nickname);

public sealed record ImportView(string Id, string Status, int Imported, int? Total, DateTimeOffset? QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Error);

public sealed record BangumiStatusView(bool Bound, BangumiUserView? BangumiUser, bool ReauthorizationRequired, ImportView? Import)
{
    public static BangumiStatusView Of(BangumiLinkEntity? link) => link is not { IsBound: true }
        ? new(false, null, false, null)
        : new(true, new BangumiUserView(link.BangumiUserId, link.BangumiUsername, link.BangumiNickname), link.NeedsReauthorization,
            link.ImportId.Length == 0 ? null : new ImportView(link.ImportId, link.ImportStatus, link.Imported, link.Total, link.QueuedAt, link.StartedAt, link.FinishedAt, link.ImportError));
}
