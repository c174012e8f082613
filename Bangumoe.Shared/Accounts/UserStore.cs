using Azure;
using Azure.Data.Tables;
using Bangumoe.Storage;

namespace Bangumoe.Accounts;

public enum KeyKind
{
    Email,
    Uname,
}

/// <summary>
/// Users and their uniqueness claims. Uniqueness is decided by the store: a claim is an insert that conflicts when the
/// key is taken. Cross-partition writes cannot be one transaction, so a claim only counts while the user row it names
/// exists, is registered (or is being registered right now) and still carries that key; anything else is stale and
/// taken over with an ETag-conditional replace, which exactly one contender wins.
/// </summary>
public sealed class UserStore(StorageClients storage, TimeProvider time)
{
    /// <summary>How long an unfinished registration keeps its claims before they count as stale.</summary>
    private static readonly TimeSpan RegistrationGrace = TimeSpan.FromMinutes(5);

    public static string KeyOf(KeyKind kind, string value) => kind switch
    {
        KeyKind.Email => "email|" + KeyEncoding.Escape(AccountRules.NormalizeEmail(value)),
        _ => "uname|" + KeyEncoding.Escape(AccountRules.UnameKey(value)),
    };

    public async Task<UserEntity?> GetAsync(string uid, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(uid) || uid.Length > 64) return null;
        var users = await storage.TableAsync(TableNames.Users, ct).ConfigureAwait(false);
        var row = await users.GetEntityIfExistsAsync<UserEntity>(KeyEncoding.Escape(uid), "", cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>The registered user who owns this email or user name, or null.</summary>
    public async Task<UserEntity?> FindAsync(KeyKind kind, string value, CancellationToken ct = default)
    {
        var keys = await storage.TableAsync(TableNames.UserKeys, ct).ConfigureAwait(false);
        var claim = await keys.GetEntityIfExistsAsync<UserKeyEntity>(KeyOf(kind, value), "", cancellationToken: ct).ConfigureAwait(false);
        if (!claim.HasValue) return null;
        var user = await GetAsync(claim.Value!.Uid, ct).ConfigureAwait(false);
        return user is { Registered: true } && Owns(user, kind, value) ? user : null;
    }

    public enum CreateOutcome
    {
        Created,
        EmailTaken,
        UnameTaken,
    }

    /// <summary>Writes the user row, then claims email and user name; undoes its own writes when a claim is taken.</summary>
    public async Task<CreateOutcome> CreateAsync(UserEntity user, CancellationToken ct = default)
    {
        var users = await storage.TableAsync(TableNames.Users, ct).ConfigureAwait(false);
        user.Registered = false;
        await users.AddNewAsync(user, ct).ConfigureAwait(false);

        if (!await ClaimAsync(KeyKind.Email, user.Email, user.Uid, ct).ConfigureAwait(false))
        {
            await DeleteRowAsync(users, user.Uid).ConfigureAwait(false);
            return CreateOutcome.EmailTaken;
        }
        if (!await ClaimAsync(KeyKind.Uname, user.Uname, user.Uid, ct).ConfigureAwait(false))
        {
            await ReleaseAsync(KeyKind.Email, user.Email, user.Uid).ConfigureAwait(false);
            await DeleteRowAsync(users, user.Uid).ConfigureAwait(false);
            return CreateOutcome.UnameTaken;
        }
        // Not a plain UpdateAsync: if its answer is lost, the SDK's second try meets the ETag of the first and fails.
        await MutateAsync(user, u => u.Registered = true, ct).ConfigureAwait(false);
        return CreateOutcome.Created;
    }

    /// <summary>Replaces the row if nobody wrote it since it was read; false when someone did (ETag mismatch).</summary>
    public async Task<bool> UpdateAsync(UserEntity user, CancellationToken ct = default)
    {
        var users = await storage.TableAsync(TableNames.Users, ct).ConfigureAwait(false);
        try
        {
            var response = await users.UpdateEntityAsync(user, user.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            user.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            return false;
        }
    }

    /// <summary>Applies a change with optimistic concurrency: on an ETag conflict, re-reads the row and applies it again.</summary>
    public async Task<UserEntity> MutateAsync(UserEntity user, Action<UserEntity> change, CancellationToken ct = default) =>
        await TryMutateAsync(user, u =>
        {
            change(u);
            return true;
        }, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"User {user.Uid} was deleted during an update.");

    /// <summary>
    /// Like <see cref="MutateAsync"/>, but <paramref name="change"/> may answer false ("nothing to do on this version
    /// of the row"), and then nothing is written: many requests racing to make the same change (say, revoke one grant)
    /// finish as soon as one of them has. Conflicts back off with jitter. Null when the user no longer exists.
    /// </summary>
    public async Task<UserEntity?> TryMutateAsync(UserEntity user, Func<UserEntity, bool> change, CancellationToken ct = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (!change(user)) return user;
            if (await UpdateAsync(user, ct).ConfigureAwait(false)) return user;
            if (attempt >= 15) throw new InvalidOperationException($"User {user.Uid} kept changing under an update.");
            await Task.Delay(Random.Shared.Next(5, 20 + attempt * 10), ct).ConfigureAwait(false);
            var fresh = await GetAsync(user.Uid, ct).ConfigureAwait(false);
            if (fresh is null) return null;
            user = fresh;
        }
    }

    /// <summary>Claims a key for <paramref name="uid"/>: true if it is now theirs (or already was).</summary>
    public async Task<bool> ClaimAsync(KeyKind kind, string value, string uid, CancellationToken ct = default)
    {
        var keys = await storage.TableAsync(TableNames.UserKeys, ct).ConfigureAwait(false);
        var key = KeyOf(kind, value);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                await keys.AddEntityAsync(new UserKeyEntity { PartitionKey = key, Uid = uid }, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
            }
            var existing = await keys.GetEntityIfExistsAsync<UserKeyEntity>(key, "", cancellationToken: ct).ConfigureAwait(false);
            if (!existing.HasValue) continue; // released meanwhile: try the insert again
            if (existing.Value!.Uid == uid) return true;
            if (await IsLiveAsync(existing.Value, kind, value, ct).ConfigureAwait(false)) return false;
            try
            {
                await keys.UpdateEntityAsync(new UserKeyEntity { PartitionKey = key, Uid = uid }, existing.Value.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
            {
                // Someone else took it over or released it first: look again.
            }
        }
        return false;
    }

    /// <summary>Deletes the claim if (and only if) it still names <paramref name="uid"/>.</summary>
    public async Task ReleaseAsync(KeyKind kind, string value, string uid)
    {
        var keys = await storage.TableAsync(TableNames.UserKeys).ConfigureAwait(false);
        var existing = await keys.GetEntityIfExistsAsync<UserKeyEntity>(KeyOf(kind, value), "").ConfigureAwait(false);
        if (!existing.HasValue || existing.Value!.Uid != uid) return;
        try
        {
            await keys.DeleteEntityAsync(existing.Value.PartitionKey, "", existing.Value.ETag).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            // Taken over meanwhile: it is not ours to delete any more.
        }
    }

    /// <summary>Deletes the user row (ETag-conditional) and then its claims. False if the row changed meanwhile.</summary>
    public async Task<bool> DeleteAsync(UserEntity user, CancellationToken ct = default)
    {
        var users = await storage.TableAsync(TableNames.Users, ct).ConfigureAwait(false);
        try
        {
            await users.DeleteEntityAsync(user.PartitionKey, user.RowKey, user.ETag, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return false;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
        }
        // Once the row is gone these claims are stale anyway; deleting them just frees the keys sooner.
        await ReleaseAsync(KeyKind.Email, user.Email, user.Uid).ConfigureAwait(false);
        await ReleaseAsync(KeyKind.Uname, user.Uname, user.Uid).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> IsLiveAsync(UserKeyEntity claim, KeyKind kind, string value, CancellationToken ct)
    {
        var owner = await GetAsync(claim.Uid, ct).ConfigureAwait(false);
        if (owner is null || !Owns(owner, kind, value)) return false;
        return owner.Registered || time.GetUtcNow() - owner.CreatedAt < RegistrationGrace;
    }

    private static bool Owns(UserEntity user, KeyKind kind, string value) => kind == KeyKind.Email
        ? user.Email == AccountRules.NormalizeEmail(value)
        : AccountRules.UnameKey(user.Uname) == AccountRules.UnameKey(value);

    private static async Task DeleteRowAsync(TableClient users, string uid)
    {
        try
        {
            await users.DeleteEntityAsync(uid, "").ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
        }
    }
}
