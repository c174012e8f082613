using Azure;
using Azure.Data.Tables;
using Bangumoe.Accounts;
using Bangumoe.Storage;

namespace Bangumoe.Collections;

public sealed record CollectionPage(IReadOnlyList<CollectionEntity> Items, string? NextCursor);

public sealed record CollectionStats(int Wish, int Doing, int Done, int OnHold, int Dropped)
{
    public int Total => Wish + Doing + Done + OnHold + Dropped;
}

/// <summary>A change to one item: <see cref="Current"/> is the stored item row (null to create), <see cref="Next"/> the new item.</summary>
public sealed record CollectionWrite(CollectionEntity? Current, CollectionEntity Next);

/// <summary>
/// Reads and writes collections (see <see cref="CollectionEntity"/> for the key design). Every write of an item is
/// one entity-group transaction conditional on the item row's ETag, so the item row and its index row never disagree
/// and concurrent writers of one item have exactly one winner per round.
/// </summary>
public sealed class CollectionStore(StorageClients storage) : IUserDataOwner
{
    public async Task<CollectionEntity?> GetAsync(string uid, string animeId, CancellationToken ct = default)
    {
        var table = await Table(ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<CollectionEntity>(KeyEncoding.Escape(uid), CollectionEntity.ItemKey(animeId), cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>One page, newest first, after the index key <paramref name="afterKey"/> (exclusive).</summary>
    public async Task<CollectionPage> ListAsync(string uid, string? status, bool publicOnly, int limit, string? afterKey, CancellationToken ct = default)
    {
        var table = await Table(ct).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {KeyEncoding.Escape(uid)} and RowKey gt {afterKey ?? CollectionEntity.IndexPrefix} and RowKey lt {CollectionEntity.IndexEnd}");
        if (status is not null) filter += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
        if (publicOnly) filter += " and Private eq false";
        var items = new List<CollectionEntity>(limit + 1);
        await foreach (var page in table.QueryAsync<CollectionEntity>(filter, maxPerPage: limit + 1, cancellationToken: ct).AsPages().ConfigureAwait(false))
        {
            items.AddRange(page.Values);
            if (items.Count > limit) break;
        }
        if (items.Count <= limit) return new CollectionPage(items, null);
        items.RemoveRange(limit, items.Count - limit);
        return new CollectionPage(items, PageCursor.Encode(items[^1].RowKey));
    }

    public static bool IsIndexKey(string key) =>
        key.StartsWith(CollectionEntity.IndexPrefix, StringComparison.Ordinal) && string.CompareOrdinal(key, CollectionEntity.IndexEnd) < 0;

    /// <summary>Items per status; with <paramref name="publicOnly"/> only the ones others may see (a public profile must
    /// not reveal how many private items there are).</summary>
    public async Task<CollectionStats> StatsAsync(string uid, bool publicOnly = false, CancellationToken ct = default)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var table = await Table(ct).ConfigureAwait(false);
        var filter = ItemRowsFilter(uid) + (publicOnly ? " and Private eq false" : "");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: [nameof(CollectionEntity.Status)], cancellationToken: ct).ConfigureAwait(false))
        {
            var status = row.GetString(nameof(CollectionEntity.Status)) ?? "";
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }
        int Count(string s) => counts.GetValueOrDefault(s);
        return new CollectionStats(Count(CollectionStatus.Wish), Count(CollectionStatus.Doing), Count(CollectionStatus.Done), Count(CollectionStatus.OnHold), Count(CollectionStatus.Dropped));
    }

    /// <summary>Every item row of a user, by anime id (one partition range query).</summary>
    public async Task<Dictionary<string, CollectionEntity>> LoadAllAsync(string uid, CancellationToken ct = default)
    {
        var table = await Table(ct).ConfigureAwait(false);
        var items = new Dictionary<string, CollectionEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<CollectionEntity>(ItemRowsFilter(uid), cancellationToken: ct).ConfigureAwait(false))
            items[row.AnimeId] = row;
        return items;
    }

    /// <summary>Writes one item; false when the item row changed since <see cref="CollectionWrite.Current"/> was read.</summary>
    public async Task<bool> SaveAsync(CollectionWrite write, CancellationToken ct = default)
    {
        var table = await Table(ct).ConfigureAwait(false);
        return await TrySubmitAsync(table, Actions(write), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes many items of one user in as few transactions as fit (100 operations each; an item's rows always travel
    /// together). Returns the writes that lost a race, for the caller to re-read and decide again.
    /// </summary>
    public async Task<IReadOnlyList<CollectionWrite>> SaveManyAsync(IReadOnlyList<CollectionWrite> writes, CancellationToken ct = default)
    {
        var table = await Table(ct).ConfigureAwait(false);
        var lost = new List<CollectionWrite>();
        var batch = new List<(CollectionWrite Write, List<TableTransactionAction> Actions)>();
        var size = 0;
        foreach (var write in writes)
        {
            var actions = Actions(write);
            if (size + actions.Count > 100)
            {
                await SubmitBatchAsync(table, batch, lost, ct).ConfigureAwait(false);
                batch.Clear();
                size = 0;
            }
            batch.Add((write, actions));
            size += actions.Count;
        }
        await SubmitBatchAsync(table, batch, lost, ct).ConfigureAwait(false);
        return lost;
    }

    /// <summary>Deletes one item; false when it changed since it was read.</summary>
    public async Task<bool> DeleteAsync(CollectionEntity current, CancellationToken ct = default)
    {
        var table = await Table(ct).ConfigureAwait(false);
        return await TrySubmitAsync(table, DeleteActions(current), ct).ConfigureAwait(false);
    }

    /// <summary>Deletes the items a Bangumi import brought in (unbinding with purge).</summary>
    public Task DeleteImportedAsync(string uid, CancellationToken ct = default) => DeleteWhereAsync(uid, row => row.FromBangumi, ct);

    /// <summary>Deleting an account deletes its collection.</summary>
    public Task DeleteUserDataAsync(string uid, CancellationToken cancellationToken) => DeleteWhereAsync(uid, _ => true, cancellationToken);

    private async Task DeleteWhereAsync(string uid, Func<CollectionEntity, bool> which, CancellationToken ct)
    {
        var table = await Table(ct).ConfigureAwait(false);
        var doomed = (await LoadAllAsync(uid, ct).ConfigureAwait(false)).Values.Where(which).ToList();
        foreach (var chunk in doomed.Chunk(50))
        {
            var actions = chunk.SelectMany(DeleteActions).ToList();
            if (await TrySubmitAsync(table, actions, ct).ConfigureAwait(false)) continue;
            // Someone changed an item meanwhile: delete one by one, re-reading the ones that moved.
            foreach (var item in chunk)
            {
                var current = item;
                while (current is not null && !await TrySubmitAsync(table, DeleteActions(current), ct).ConfigureAwait(false))
                    current = await GetAsync(uid, item.AnimeId, ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task SubmitBatchAsync(TableClient table, List<(CollectionWrite Write, List<TableTransactionAction> Actions)> batch, List<CollectionWrite> lost, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        if (await TrySubmitAsync(table, batch.SelectMany(b => b.Actions).ToList(), ct).ConfigureAwait(false)) return;
        // One item lost a race and the whole batch was refused: find which, item by item.
        foreach (var (write, actions) in batch)
        {
            if (!await TrySubmitAsync(table, actions, ct).ConfigureAwait(false)) lost.Add(write);
        }
    }

    private static async Task<bool> TrySubmitAsync(TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken ct)
    {
        try
        {
            await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    private static List<TableTransactionAction> Actions(CollectionWrite write)
    {
        var (current, next) = write;
        next.RowKey = CollectionEntity.ItemKey(next.AnimeId);
        var index = next.As(next.CurrentIndexKey);
        if (current is null)
            return [new(TableTransactionActionType.Add, next), new(TableTransactionActionType.Add, index)];
        List<TableTransactionAction> actions = [new(TableTransactionActionType.UpdateReplace, next, current.ETag)];
        if (current.CurrentIndexKey == index.RowKey)
        {
            actions.Add(new(TableTransactionActionType.UpdateReplace, index, ETag.All));
        }
        else
        {
            actions.Add(new(TableTransactionActionType.Delete, current.As(current.CurrentIndexKey), ETag.All));
            actions.Add(new(TableTransactionActionType.Add, index));
        }
        return actions;
    }

    private static List<TableTransactionAction> DeleteActions(CollectionEntity current) =>
    [
        new(TableTransactionActionType.Delete, current, current.ETag),
        new(TableTransactionActionType.Delete, current.As(current.CurrentIndexKey), ETag.All),
    ];

    private static string ItemRowsFilter(string uid) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {KeyEncoding.Escape(uid)} and RowKey ge {CollectionEntity.ItemPrefix} and RowKey lt {"a}"}");

    private Task<TableClient> Table(CancellationToken ct) => storage.TableAsync(TableNames.Collections, ct);
}
