using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Bangumoe.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>One refresh token: table <c>RefreshTokens</c>, PartitionKey = family id, RowKey = SHA-256 of the secret.</summary>
public sealed class RefreshTokenEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Family => PartitionKey;
    public string ClientId { get; set; } = "";
    public string Uid { get; set; } = "";

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
        ClientId = ClientId,
        Uid = Uid,
        Scope = Scope,
        GrantId = GrantId,
        Stamp = Stamp,
        AuthTime = AuthTime,
        ExpiresAt = expiresAt,
    };
}

/// <summary>
/// Opaque refresh tokens "{family}.{secret}" (128-bit family id, 256-bit secret), stored hashed. Rotation replaces a
/// token by its successor in one transaction conditional on the old row's ETag, so one refresh wins a race.
/// </summary>
public sealed class RefreshTokenStore(StorageClients storage)
{
    /// <summary>Stores <paramref name="row"/> (its PartitionKey is the family; empty for a new family) and returns the token.</summary>
    public async Task<string> AddAsync(RefreshTokenEntity row, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(row.PartitionKey)) row.PartitionKey = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var secret = NewSecret(row);
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        await table.AddEntityAsync(row, ct).ConfigureAwait(false);
        return row.Family + "." + secret;
    }

    public async Task<RefreshTokenEntity?> FindAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 256) return null;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1) return null;
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<RefreshTokenEntity>(
            KeyEncoding.Escape(token[..dot]), AuthorizationCodeStore.Hash(token[(dot + 1)..]), cancellationToken: ct).ConfigureAwait(false);
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
            return next.Family + "." + secret;
        }
        catch (TableTransactionFailedException e) when (e.Status is 412 or 409 or 404)
        {
            return null;
        }
    }

    /// <summary>Deletes every token of a family.</summary>
    public async Task DeleteFamilyAsync(string family, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        var rows = new List<TableTransactionAction>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == family, select: ["PartitionKey", "RowKey"], cancellationToken: ct).ConfigureAwait(false))
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        foreach (var chunk in rows.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk, ct).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Rotated meanwhile; the rest of the family goes on the next delete.
            }
        }
    }

    private static string NewSecret(RefreshTokenEntity row)
    {
        var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        row.RowKey = AuthorizationCodeStore.Hash(secret);
        return secret;
    }
}
