using Bangumoe.Bangumi;
using Bangumoe.Collections;
using Bangumoe.Functions.Http;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Pages;

/// <summary>A signed-in person's start page: counts by status, the latest changes, and the Bangumi binding.</summary>
public sealed record HomeDashboard(CollectionStats Stats, IReadOnlyList<CollectionEntity> Recent, BangumiLinkEntity? Binding, bool BangumiEnabled);

/// <summary><c>/</c>: what Bangumoe is, or the signed-in person's dashboard.</summary>
public sealed class HomePageFunctions(PageRequests pages, CollectionStore collections, BangumiBinding bangumi)
{
    /// <summary>How many of the latest collection changes the dashboard lists.</summary>
    public const int RecentCount = 5;

    [Function("HomePage")]
    [Page]
    // An empty route does not reach a function on Azure (the host's own home page answers "/"); an optional parameter
    // that must be empty matches exactly "/" there and in the local host (Azure/Azure-Functions#2473).
    public async Task<IResult> Home([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "{ignored:maxlength(0)?}")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        HomeDashboard? dashboard = null;
        if (page.User is { } user)
        {
            var stats = collections.StatsAsync(user.Uid, ct: ct);
            var recent = collections.ListAsync(user.Uid, status: null, publicOnly: false, RecentCount, afterKey: null, ct);
            var binding = bangumi.GetAsync(user.Uid, ct);
            dashboard = new HomeDashboard(await stats, (await recent).Items, await binding, bangumi.Enabled);
        }
        return PageResults.Render<HomePage>(page, 200, new Dictionary<string, object?> { [nameof(HomePage.Dashboard)] = dashboard });
    }
}
