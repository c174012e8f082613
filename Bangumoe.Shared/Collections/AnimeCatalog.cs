using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Bangumoe.Storage;

namespace Bangumoe.Collections;

/// <summary>One catalog entry: table <c>Anime</c>, PartitionKey = "anime", RowKey = id.</summary>
public sealed class AnimeEntity : TableRow
{
    public const string Partition = "anime";

    public string Id => RowKey;
    public string Name { get; set; } = "";
    public string? NameCn { get; set; }
    public int? Episodes { get; set; }
    public string? Director { get; set; }

    /// <summary>yyyy-MM-dd.</summary>
    public string? AirDate { get; set; }
    public string? Image { get; set; }
    public int? BangumiId { get; set; }

    /// <summary>Name and Chinese name, normalized for search, so a search reads this column only.</summary>
    public string SearchText { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }

    public static string BangumiIdOf(int subjectId) => "bgm-" + subjectId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True when the entry's catalog data equals <paramref name="other"/>'s (timestamps and keys aside).</summary>
    public bool SameData(AnimeEntity other) =>
        Name == other.Name && NameCn == other.NameCn && Episodes == other.Episodes && Director == other.Director
        && AirDate == other.AirDate && Image == other.Image && BangumiId == other.BangumiId;
}

public sealed record NewAnime(string? Name, string? NameCn, int? Episodes, string? Director, string? AirDate, string? Image);

public sealed record AnimePage(IReadOnlyList<AnimeEntity> Items, string? NextCursor);

/// <summary>
/// The anime catalog. All entries share one partition, so an import writes a page of entries as one entity-group
/// batch and listing is one ordered range query. Entries from Bangumi are keyed by their subject id (<c>bgm-8</c>), so
/// however many users import the same subject it is one entry. Search is a bounded scan of the SearchText column:
/// Table Storage has no substring index, and a catalog of tens of thousands of titles scans in a few pages.
/// </summary>
public sealed class AnimeCatalog(StorageClients storage, TimeProvider time)
{
    public const int NameMaxLength = 128;
    public const int DirectorMaxLength = 64;
    public const int ImageMaxLength = 1024;
    public const int MaxEpisodes = 5000;
    public const int QueryMaxLength = 100;

    /// <summary>Rows one search request reads at most before it answers with what it found and a cursor.</summary>
    internal const int ScanBudget = 5000;

    public async Task<AnimeEntity?> GetAsync(string id, CancellationToken ct = default)
    {
        if (!IsId(id)) return null;
        var table = await storage.TableAsync(TableNames.Anime, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<AnimeEntity>(AnimeEntity.Partition, id, cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    public async Task<Result<AnimeEntity>> CreateAsync(NewAnime input, string createdBy, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        var name = input.Name?.Trim();
        var nameCn = Blank(input.NameCn);
        var director = Blank(input.Director);
        var image = Blank(input.Image);
        if (string.IsNullOrEmpty(name)) errors.Add("name", "Required.");
        else CheckText(name, NameMaxLength, errors, "name");
        if (nameCn is not null) CheckText(nameCn, NameMaxLength, errors, "name_cn");
        if (director is not null) CheckText(director, DirectorMaxLength, errors, "director");
        if (input.Episodes is < 1 or > MaxEpisodes) errors.Add("episodes", $"Must be a whole number from 1 to {MaxEpisodes}, or null.");
        if (input.AirDate is not null && !IsDate(input.AirDate)) errors.Add("air_date", "Must be a date written YYYY-MM-DD.");
        if (image is not null && (image.Length > ImageMaxLength || !Accounts.AccountRules.IsHttpUrl(image)))
            errors.Add("image", $"Must be an absolute http(s) URL of at most {ImageMaxLength} characters.");
        if (errors.Any) return errors.ToError();

        var entry = new AnimeEntity
        {
            PartitionKey = AnimeEntity.Partition,
            RowKey = "bm-" + RandomId(),
            Name = name!,
            NameCn = nameCn,
            Episodes = input.Episodes,
            Director = director,
            AirDate = input.AirDate,
            Image = image,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = createdBy,
        };
        entry.SearchText = SearchTextOf(entry);
        var table = await storage.TableAsync(TableNames.Anime, ct).ConfigureAwait(false);
        await table.AddNewAsync(entry, ct).ConfigureAwait(false);
        return entry;
    }

    /// <summary>Lists the catalog in id order; with a query, only entries whose name or Chinese name contains it.</summary>
    public async Task<Result<AnimePage>> ListAsync(string? query, int limit, string? cursor, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        var after = cursor is null ? "" : PageCursor.Decode(cursor);
        if (after is null || (cursor is not null && !IsId(after))) errors.Add("cursor", "Is not a cursor this API returned.");
        if (query is { Length: > QueryMaxLength }) errors.Add("q", $"Must be at most {QueryMaxLength} characters.");
        if (errors.Any) return errors.ToError();

        var needle = string.IsNullOrWhiteSpace(query) ? null : Normalize(query.Trim());
        var table = await storage.TableAsync(TableNames.Anime, ct).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {AnimeEntity.Partition} and RowKey gt {after!}");
        var found = new List<string>();
        var scanned = 0;
        string? lastScanned = null;
        // A search first reads only keys and SearchText, then point-reads the few hits; a plain listing reads rows.
        IEnumerable<string>? select = needle is null ? null : ["RowKey", nameof(AnimeEntity.SearchText)];
        var items = new List<AnimeEntity>();
        await foreach (var page in table.QueryAsync<AnimeEntity>(filter, maxPerPage: needle is null ? limit + 1 : 1000, select: select, cancellationToken: ct)
                           .AsPages().ConfigureAwait(false))
        {
            foreach (var row in page.Values)
            {
                scanned++;
                lastScanned = row.RowKey;
                if (needle is not null && !row.SearchText.Contains(needle, StringComparison.Ordinal)) continue;
                if (needle is null) items.Add(row);
                else found.Add(row.RowKey);
                if (items.Count + found.Count > limit) break;
            }
            if (items.Count + found.Count > limit || scanned >= ScanBudget) break;
        }

        if (needle is not null)
        {
            var rows = await Task.WhenAll(found.Select(id => GetAsync(id, ct))).ConfigureAwait(false);
            items.AddRange(rows.Where(r => r is not null)!);
        }
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            return new AnimePage(items, PageCursor.Encode(items[^1].RowKey));
        }
        // Out of budget before the end: hand back where the scan stopped, so the next request goes on from there.
        return new AnimePage(items, scanned >= ScanBudget && lastScanned is not null ? PageCursor.Encode(lastScanned) : null);
    }

    /// <summary>Writes Bangumi subjects into the catalog (one batch per 100), skipping entries that are already equal.</summary>
    public async Task UpsertImportedAsync(IReadOnlyCollection<AnimeEntity> entries, CancellationToken ct = default)
    {
        if (entries.Count == 0) return;
        var table = await storage.TableAsync(TableNames.Anime, ct).ConfigureAwait(false);
        var existing = await ReadManyAsync(table, entries.Select(e => e.RowKey), ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var changes = new List<TableTransactionAction>();
        foreach (var entry in entries)
        {
            entry.PartitionKey = AnimeEntity.Partition;
            entry.SearchText = SearchTextOf(entry);
            if (existing.TryGetValue(entry.RowKey, out var old))
            {
                if (old.SameData(entry)) continue;
                entry.CreatedAt = old.CreatedAt;
            }
            else
            {
                entry.CreatedAt = now;
            }
            // Concurrent imports of one subject write the same data from the same source; the last one wins harmlessly.
            changes.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entry));
        }
        foreach (var chunk in changes.Chunk(100)) await table.SubmitTransactionAsync(chunk, ct).ConfigureAwait(false);
    }

    /// <summary>Point-reads a set of entries in parallel (a page of an import is at most 50).</summary>
    internal static async Task<Dictionary<string, AnimeEntity>> ReadManyAsync(TableClient table, IEnumerable<string> ids, CancellationToken ct)
    {
        var rows = await Task.WhenAll(ids.Distinct(StringComparer.Ordinal).Select(id =>
            table.GetEntityIfExistsAsync<AnimeEntity>(AnimeEntity.Partition, id, cancellationToken: ct))).ConfigureAwait(false);
        return rows.Where(r => r.HasValue).Select(r => r.Value!).ToDictionary(r => r.RowKey, StringComparer.Ordinal);
    }

    public static bool IsDate(string value) =>
        value.Length == 10 && DateOnly.TryParseExact(value, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _);

    /// <summary>Case- and width-insensitive form for search: NFKC, then lower case.</summary>
    public static string Normalize(string text) => text.Normalize(NormalizationForm.FormKC).ToLowerInvariant();

    private static string SearchTextOf(AnimeEntity e) => Normalize(e.Name) + "\n" + Normalize(e.NameCn ?? "");

    /// <summary>Whether <paramref name="id"/> has the form of a catalog id (so it is safe as a table key).</summary>
    public static bool IsId(string id) =>
        id.Length is > 3 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static void CheckText(string value, int max, FieldErrors errors, string field)
    {
        if (value.EnumerateRunes().Count() > max) errors.Add(field, $"Must be at most {max} characters.");
        else if (!Accounts.AccountRules.IsSingleLine(value)) errors.Add(field, "Must be one line of text.");
    }

    private static string RandomId()
    {
        const string alphabet = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32: no i, l, o, u
        var bytes = RandomNumberGenerator.GetBytes(12);
        return string.Create(12, bytes, (span, b) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[b[i] % 32];
        });
    }
}

/// <summary>Opaque paging cursors: the last key of the page, base64url, so clients cannot build or edit them by accident.</summary>
public static class PageCursor
{
    public static string Encode(string key) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(key);

    public static string? Decode(string cursor)
    {
        if (cursor.Length is 0 or > 512) return null;
        try
        {
            var key = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(cursor);
            return Encode(key) == cursor ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
