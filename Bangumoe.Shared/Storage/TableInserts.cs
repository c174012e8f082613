using Azure;
using Azure.Data.Tables;

namespace Bangumoe.Storage;

/// <summary>Inserting a row whose key nobody else can hold.</summary>
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
}
