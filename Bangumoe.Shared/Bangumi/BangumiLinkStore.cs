using System.Security.Cryptography;
using Azure;
using Bangumoe.Accounts;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Bangumi;

public static class ImportStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>A user's Bangumi binding and the state of its latest import: table <c>BangumiLinks</c>, PK = uid, RK = "".</summary>
public sealed class BangumiLinkEntity : TableRow
{
    public string Uid => PartitionKey;

    public long? BangumiUserId { get; set; }
    public string? BangumiUsername { get; set; }
    public string? BangumiNickname { get; set; }
    public DateTimeOffset BoundAt { get; set; }

    /// <summary>Encrypted (<see cref="BangumiTokenCipher"/>); never stored or logged in the clear.</summary>
    public string AccessTokenCipher { get; set; } = "";
    public string RefreshTokenCipher { get; set; } = "";
    public DateTimeOffset AccessTokenExpiresAt { get; set; }

    /// <summary>
    /// The user unbound. The row stays as a marker (no tokens, no Bangumi user) so that an import still running learns
    /// why it must stop and, with <see cref="PurgeOnUnbind"/>, removes what it wrote after the purge.
    /// </summary>
    public bool Unbound { get; set; }
    public bool PurgeOnUnbind { get; set; }

    public bool IsBound => !Unbound;

    /// <summary>Bangumi refused our refresh token: the user has to bind again.</summary>
    public bool NeedsReauthorization { get; set; }

    /// <summary>Set while one worker refreshes the tokens; others wait for its result instead of refreshing too.</summary>
    public DateTimeOffset? RefreshingUntil { get; set; }

    public string ImportId { get; set; } = "";
    public string ImportStatus { get; set; } = "";
    public int Imported { get; set; }
    public int? Total { get; set; }

    /// <summary>Where the import goes on after a crash or a retry.</summary>
    public int NextOffset { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? ImportError { get; set; }

    /// <summary>The running import renews this as it goes; a run whose lease ran out may be taken over.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>Which worker's run holds the lease: a run that finds another run id has been taken over and stops.</summary>
    public string RunId { get; set; } = "";

    public void QueueNewImport(DateTimeOffset now)
    {
        ImportId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));
        ImportStatus = Bangumi.ImportStatus.Queued;
        Imported = 0;
        Total = null;
        NextOffset = 0;
        QueuedAt = now;
        StartedAt = null;
        FinishedAt = null;
        ImportError = null;
        LeaseUntil = null;
        RunId = "";
    }
}

/// <summary>A pending bind: table <c>BangumiStates</c>, PK = SHA-256 of the state, RK = "".</summary>
public sealed class BangumiStateEntity : TableRow
{
    public string Uid { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>Binding rows and bind states. Writes are ETag-conditional; callers re-read and decide again on a conflict.</summary>
public sealed class BangumiLinkStore(StorageClients storage)
{
    public async Task<BangumiLinkEntity?> GetAsync(string uid, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.BangumiLinks, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<BangumiLinkEntity>(KeyEncoding.Escape(uid), "", cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Adds (no ETag yet) or replaces (if unchanged since read) the row; on success the entity has its new ETag.</summary>
    public async Task<bool> TrySaveAsync(BangumiLinkEntity link, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.BangumiLinks, ct).ConfigureAwait(false);
        try
        {
            var response = link.ETag == default
                ? await table.AddEntityAsync(link, ct).ConfigureAwait(false)
                : await table.UpdateEntityAsync(link, link.ETag, Azure.Data.Tables.TableUpdateMode.Replace, ct).ConfigureAwait(false);
            link.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed() || e.IsNotFound())
        {
            return false;
        }
    }

    public async Task<bool> DeleteAsync(string uid, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.BangumiLinks, ct).ConfigureAwait(false);
        return await table.TryDeleteAsync(KeyEncoding.Escape(uid), "", ETag.All, ct).ConfigureAwait(false);
    }

    public async Task AddStateAsync(string state, string uid, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.BangumiStates, ct).ConfigureAwait(false);
        await table.AddNewAsync(new BangumiStateEntity { PartitionKey = Hashes.Sha256Hex(state), Uid = uid, ExpiresAt = expiresAt }, ct).ConfigureAwait(false);
    }

    /// <summary>Takes the state out of the table: the uid it was made for, once; null if unknown or already used.</summary>
    public async Task<BangumiStateEntity?> ConsumeStateAsync(string state, CancellationToken ct = default)
    {
        if (state.Length is 0 or > 128) return null;
        var table = await storage.TableAsync(TableNames.BangumiStates, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<BangumiStateEntity>(Hashes.Sha256Hex(state), "", cancellationToken: ct).ConfigureAwait(false);
        if (!row.HasValue) return null;
        // Whoever deletes the row uses the state; everyone else who read it finds it gone or changed.
        return await table.TryDeleteAsync(row.Value!.PartitionKey, "", row.Value.ETag, ct).ConfigureAwait(false) ? row.Value : null;
    }
}
