using Azure;
using Azure.Data.Tables;

namespace Bangumoe.Storage;

/// <summary>The four members every table entity carries; entities add only their own properties.</summary>
public abstract class TableRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}
