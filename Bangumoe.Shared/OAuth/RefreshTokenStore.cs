using Bangumoe.Accounts;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>One refresh token: table <c>RefreshTokens</c>, PartitionKey = uid, RowKey = SHA-256 of the secret.</summary>
public sealed class RefreshTokenEntity : TableRow
{
    public string Uid => PartitionKey;

    /// <summary>The chain of tokens one code started; each rotation passes it on, and revoking it ends the chain.</summary>
    public string Family { get; set; } = "";
    public string ClientId { get; set; } = "";

    /// <summary>The scope of the original grant; a refresh may narrow the access token's scope, never this.</summary>
    public string Scope { get; set; } = "";
    public string GrantId { get; set; } = "";

    /// <summary>The user's security stamp at issue: a password change ends refresh tokens too.</summary>
    public string Stamp { get; set; } = "";
    public DateTimeOffset AuthTime { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set when this token was exchanged for its successor; presenting it again is a reuse.</summary>
    public DateTimeOffset? RotatedAt { get; set; }

    public RefreshTokenEntity Successor(DateTimeOffset expiresAt) => new()
    {
        PartitionKey = PartitionKey,
        Family = Family,
        ClientId = ClientId,
        Scope = Scope,
        GrantId = GrantId,
        Stamp = Stamp,
        AuthTime = AuthTime,
        ExpiresAt = expiresAt,
    };
}

/// <summary>
/// Opaque refresh tokens "{uid}.{secret}" (256-bit secret), stored hashed in the user's partition: a refresh is a point
/// read; rotation (mark the old one used, add its successor) is one transaction in that partition, conditional on the
/// old row's ETag, so one refresh wins a race; deleting an account deletes the partition.
/// </summary>
public sealed class RefreshTokenStore(StorageClients storage) : IUserDataOwner
{
    /// <summary>Stores the first token of a new family for <paramref name="row"/>'s user (its PartitionKey) and returns it.</summary>
    public async Task<string> AddAsync(RefreshTokenEntity row, CancellationToken ct = default)
    {
        row.Family = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var secret = NewSecret(row);
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        await table.AddEntityAsync(row, ct).ConfigureAwait(false);
        return row.Uid + "." + secret;
    }

    public async Task<RefreshTokenEntity?> FindAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 256) return null;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1) return null;
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<RefreshTokenEntity>(
            KeyEncoding.Escape(token[..dot]), Hashes.Sha256Hex(token[(dot + 1)..]), cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Marks <paramref name="current"/> rotated and adds <paramref name="next"/>, atomically; null when another
    /// request rotated <paramref name="current"/> first.</summary>
    public async Task<string?> RotateAsync(RefreshTokenEntity current, RefreshTokenEntity next, DateTimeOffset now, CancellationToken ct = default)
    {
        var secret = NewSecret(next);
        current.RotatedAt = now;
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        try
        {
            await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, current, current.ETag),
                new TableTransactionAction(TableTransactionActionType.Add, next),
            ], ct).ConfigureAwait(false);
            return next.Uid + "." + secret;
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 409 or 404)
        {
            return null;
        }
    }

    /// <summary>Deletes every token of one family of the user's.</summary>
    public Task DeleteFamilyAsync(string uid, string family, CancellationToken ct = default) =>
        DeleteWhereAsync(uid, row => row.GetString(nameof(RefreshTokenEntity.Family)) == family, ct);

    /// <summary>Deleting an account deletes its refresh tokens.</summary>
    public Task DeleteUserDataAsync(string uid, CancellationToken cancellationToken) => DeleteWhereAsync(uid, _ => true, cancellationToken);

    private async Task DeleteWhereAsync(string uid, Func<TableEntity, bool> which, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        var partition = KeyEncoding.Escape(uid);
        var rows = new List<TableTransactionAction>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition,
            select: ["PartitionKey", "RowKey", nameof(RefreshTokenEntity.Family)], cancellationToken: ct).ConfigureAwait(false))
        {
            if (which(row)) rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        }
        foreach (var chunk in rows.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk, ct).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Rotated meanwhile; the rest goes on the next delete.
            }
        }
    }

    private static string NewSecret(RefreshTokenEntity row)
    {
        var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        row.RowKey = Hashes.Sha256Hex(secret);
        return secret;
    }
}
