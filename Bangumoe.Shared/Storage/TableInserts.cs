using Azure;
using Azure.Data.Tables;

namespace Bangumoe.Storage;

/// <summary>
/// A row whose insert decides a race (a jti seen once, a link used once). It carries a random id of the insert that
/// wrote it, so an insert sent again after its answer was lost knows its own row from a rival's.
/// </summary>
public interface IRaceRow
{
    string InsertId { get; set; }
}

/// <summary>Inserts that stay right when the SDK sends them again after a lost answer.</summary>
public static class TableInserts
{
    /// <summary>
    /// Inserts <paramref name="row"/>, whose key was freshly drawn at random (a new uid, code or id) so no other writer
    /// can hold it, and sets its ETag. The SDK sends an insert again when the connection dies before the answer arrives;
    /// if storage had done the first one, the second answers 409. For such a key that 409 can only be this very insert,
    /// so it counts as done, where AddEntityAsync would throw and the request would fail although its row was written.
    /// </summary>
    public static async Task AddNewAsync<T>(this TableClient table, T row, CancellationToken ct = default) where T : TableRow
    {
        try
        {
            var response = await table.AddEntityAsync(row, ct).ConfigureAwait(false);
            row.ETag = response.Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            var stored = await table.GetEntityAsync<T>(row.PartitionKey, row.RowKey, cancellationToken: ct).ConfigureAwait(false);
            row.ETag = stored.Value.ETag;
        }
    }

    /// <summary>
    /// Inserts <paramref name="row"/> if no row has its key: true for exactly one caller however many insert it at
    /// once, false for the others. A 409 met by the SDK's second try of this same insert (its first answer lost) is
    /// told apart by <see cref="IRaceRow.InsertId"/>, so the winner does not lose to itself.
    /// </summary>
    public static async Task<bool> AddFirstAsync<T>(this TableClient table, T row, CancellationToken ct = default) where T : TableRow, IRaceRow
    {
        row.InsertId = Guid.NewGuid().ToString("N");
        try
        {
            await table.AddEntityAsync(row, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            var stored = await table.GetEntityIfExistsAsync<T>(row.PartitionKey, row.RowKey, cancellationToken: ct).ConfigureAwait(false);
            return stored.HasValue && stored.Value!.InsertId == row.InsertId;
        }
    }
}
