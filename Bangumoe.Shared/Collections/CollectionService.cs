using Bangumoe.Accounts;

namespace Bangumoe.Collections;

public sealed record SavedItem(CollectionEntity Item, bool Created);

/// <summary>The rules of a user's collection: what a change may be, and how it lands.</summary>
public sealed class CollectionService(CollectionStore store, AnimeCatalog catalog, UserStore users, TimeProvider time)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static Error AnimeNotFound => new(ErrorKind.NotFound, "anime-not-found", "There is no anime with this id.");

    public static Error ItemNotFound => new(ErrorKind.NotFound, "collection-item-not-found", "This anime is not in the collection.");

    /// <summary>Creates or updates the item from the request body. Nothing is written unless every field is valid.</summary>
    public async Task<Result<SavedItem>> PutAsync(string uid, string animeId, CollectionChange change, CancellationToken ct = default)
    {
        var anime = await catalog.GetAsync(animeId, ct).ConfigureAwait(false);
        if (anime is null) return AnimeNotFound;
        var parsed = CollectionInput.Validate(change, anime.Episodes);
        if (!parsed.Ok) return parsed.Error!;
        var input = parsed.Value!;

        // A lost race re-reads and applies the change again on top of the winner's write.
        for (var attempt = 0; ; attempt++)
        {
            var current = await store.GetAsync(uid, animeId, ct).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var next = new CollectionEntity
            {
                PartitionKey = Storage.KeyEncoding.Escape(uid),
                Status = input.Status,
                Score = input.Score.Or(current?.Score),
                Comment = input.Comment.Or(current?.Comment),
                EpisodesWatched = input.EpisodesWatched.IsSet ? input.EpisodesWatched.Value ?? 0 : current?.EpisodesWatched ?? 0,
                Private = input.Private.IsSet ? input.Private.Value ?? false : current?.Private ?? false,
                CreatedAt = current?.CreatedAt ?? now,
                // Never the same instant twice for one item: the index row's key must change with every write.
                UpdatedAt = current is not null && now <= current.UpdatedAt ? current.UpdatedAt.AddTicks(1) : now,
                FromBangumi = current?.FromBangumi ?? false,
            };
            next.CopyAnime(anime);
            if (await store.SaveAsync(new CollectionWrite(current, next), ct).ConfigureAwait(false)) return new SavedItem(next, current is null);
            if (attempt >= 20) throw new InvalidOperationException($"Collection item {animeId} of {uid} kept changing under the write.");
        }
    }

    public async Task<Error?> DeleteAsync(string uid, string animeId, CancellationToken ct = default)
    {
        while (true)
        {
            var current = await store.GetAsync(uid, animeId, ct).ConfigureAwait(false);
            if (current is null) return ItemNotFound;
            if (await store.DeleteAsync(current, ct).ConfigureAwait(false)) return null;
        }
    }

    public async Task<Result<CollectionPage>> ListAsync(string uid, string? status, string? limitText, string? cursor, bool publicOnly, CancellationToken ct = default)
    {
        var errors = new FieldErrors();
        if (status is not null && !CollectionStatus.IsValid(status)) errors.Add("status", "Must be one of: " + string.Join(", ", CollectionStatus.All) + ".");
        var limit = PageLimit(limitText, errors);
        var after = cursor is null ? null : PageCursor.Decode(cursor);
        if (cursor is not null && (after is null || !CollectionStore.IsIndexKey(after))) errors.Add("cursor", "Is not a cursor this API returned.");
        if (errors.Any) return errors.ToError();
        return await store.ListAsync(uid, status, publicOnly, limit, after, ct).ConfigureAwait(false);
    }

    /// <summary>A registered user's public items, by user name.</summary>
    public async Task<Result<CollectionPage>> ListPublicAsync(string uname, string? status, string? limitText, string? cursor, CancellationToken ct = default) =>
        await FindPublicOwnerAsync(uname, ct).ConfigureAwait(false) is { } user
            ? await ListAsync(user.Uid, status, limitText, cursor, publicOnly: true, ct).ConfigureAwait(false)
            : new Error(ErrorKind.NotFound, "user-not-found", "There is no user with this name.");

    /// <summary>The account whose public collection <paramref name="uname"/> names: one whose email is verified.</summary>
    public async Task<UserEntity?> FindPublicOwnerAsync(string uname, CancellationToken ct = default) =>
        await users.FindAsync(KeyKind.Uname, uname, ct).ConfigureAwait(false) is { EmailVerified: true } user ? user : null;

    /// <summary>The page size from the query string: absent means the default, anything else must be 1..100.</summary>
    public static int PageLimit(string? text, FieldErrors errors)
    {
        if (text is null) return DefaultPageSize;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxPageSize) return n;
        errors.Add("limit", $"Must be a whole number from 1 to {MaxPageSize}.");
        return DefaultPageSize;
    }
}
