using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Bangumoe.Storage;

/// <summary>
/// Deletes the records that only exist to be used once or to catch a replay, once their time is long past: used and
/// unused authorization codes, device codes and pushed requests, the redeemed-link, client-assertion and DPoP-proof
/// ids, and the login and user-code guess counters (one per address guessed from). Table storage has no expiry of its
/// own, and the DPoP table gains a row with every proof, so without this the tables would only grow. Rows go a day after their <c>ExpiresAt</c>, never sooner: until then a replay is still
/// recognised as one (and revokes what the code gave), and a late poll still hears <c>expired_token</c>.
/// </summary>
public sealed class ExpiredRowSweeper(StorageClients storage, TimeProvider time, ILogger<ExpiredRowSweeper> logger)
{
    /// <summary>The tables whose rows carry <c>ExpiresAt</c> and mean nothing a day after it.</summary>
    public static readonly IReadOnlyList<string> Tables =
    [
        TableNames.AuthorizationCodes, TableNames.DeviceCodes, TableNames.PushedAuthorizationRequests,
        TableNames.TokenRedemptions, TableNames.ClientAssertionIds, TableNames.DPoPProofs,
        TableNames.LoginAttempts, TableNames.UserCodeGuesses,
    ];

    public static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    /// <summary>One pass over every table; returns how many rows it deleted. A row written meanwhile (its ETag changed)
    /// is left for the next pass.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var cutoff = time.GetUtcNow() - Grace;
        var deleted = 0;
        foreach (var name in Tables)
        {
            var table = await storage.TableAsync(name, ct).ConfigureAwait(false);
            var inTable = 0;
            await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ExpiresAt lt {cutoff}"),
                               select: ["PartitionKey", "RowKey"], cancellationToken: ct).ConfigureAwait(false))
            {
                if (await table.TryDeleteAsync(row.PartitionKey, row.RowKey, row.ETag, ct).ConfigureAwait(false)) inTable++;
            }
            if (inTable > 0) logger.LogInformation("Swept {Count} expired rows from {Table}", inTable, name);
            deleted += inTable;
        }
        return deleted;
    }
}
