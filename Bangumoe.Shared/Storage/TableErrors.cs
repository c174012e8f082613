using Azure;
using Azure.Data.Tables;

namespace Bangumoe.Storage;

/// <summary>The storage status codes the code branches on.</summary>
public static class TableErrors
{
    public static bool IsConflict(this RequestFailedException e) => e.Status == 409;

    public static bool IsNotFound(this RequestFailedException e) => e.Status == 404;

    /// <summary>412: the ETag did not match, someone else wrote first.</summary>
    public static bool IsPreconditionFailed(this RequestFailedException e) => e.Status == 412;

    /// <summary>
    /// Deletes a row if it exists and (unless <paramref name="etag"/> is <see cref="ETag.All"/>) is unchanged; false
    /// otherwise. Needed because DeleteEntityAsync answers a missing row with a 404 response rather than an exception.
    /// </summary>
    public static async Task<bool> TryDeleteAsync(this TableClient table, string partitionKey, string rowKey, ETag etag, CancellationToken ct = default)
    {
        try
        {
            var response = await table.DeleteEntityAsync(partitionKey, rowKey, etag, ct).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.IsNotFound() || e.IsPreconditionFailed())
        {
            return false;
        }
    }
}
