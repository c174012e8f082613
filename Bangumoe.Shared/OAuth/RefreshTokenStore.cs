using System.Globalization;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Bangumoe.Accounts;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>
/// One refresh-token family (the chain of tokens one authorization started): table <c>RefreshTokens</c>,
/// PartitionKey = uid, RowKey = family id. The row holds the hash of the current token and of the last few it replaced.
/// </summary>
public sealed class RefreshTokenEntity : TableRow
{
    /// <summary>How many retired tokens a family remembers, to tell a reuse (theft) from an unknown token.</summary>
    public const int HistoryLength = 10;

    public string Uid => PartitionKey;

    public string Family => RowKey;

    public string ClientId { get; set; } = "";

    /// <summary>The scope of the original grant; a refresh may narrow the access token's scope, never this.</summary>
    public string Scope { get; set; } = "";
    public string GrantId { get; set; } = "";

    /// <summary>The user's security stamp at issue: a password change ends refresh tokens too.</summary>
    public string Stamp { get; set; } = "";
    public DateTimeOffset AuthTime { get; set; }

    /// <summary>When the current token expires.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>SHA-256 (hex) of the current token's secret.</summary>
    public string CurrentHash { get; set; } = "";

    /// <summary>Retired tokens, newest first: "{sha-256 hex}:{unix ms when it was replaced}" joined by ','.</summary>
    public string History { get; set; } = "";

    /// <summary>RFC 9449: the thumbprint of the DPoP key a public client's tokens are bound to; every refresh proves it.</summary>
    public string? DPoPJkt { get; set; }

    /// <summary>Not stored: when the token that was looked up was replaced by a newer one (null if it is the current one).</summary>
    [IgnoreDataMember]
    public DateTimeOffset? RotatedAt { get; set; }
}

/// <summary>
/// Opaque refresh tokens "{uid}.{family}.{secret}" (256-bit secret), stored hashed, one row per family: a refresh is
/// a point read and a rotation is one write of that row conditional on its ETag, so concurrent refreshes have exactly
/// one winner, and a family's row count stays one however often it is refreshed. Deleting an account deletes the
/// partition.
/// </summary>
public sealed class RefreshTokenStore(StorageClients storage) : IUserDataOwner
{
    /// <summary>Stores a new family for <paramref name="row"/>'s user (its PartitionKey) and returns its first token.</summary>
    public async Task<string> AddAsync(RefreshTokenEntity row, CancellationToken ct = default)
    {
        row.RowKey = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var secret = NewSecret(row);
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        await table.AddNewAsync(row, ct).ConfigureAwait(false);
        return TokenOf(row, secret);
    }

    /// <summary>The family of the token, with <see cref="RefreshTokenEntity.RotatedAt"/> set when the token is a retired one; null if unknown.</summary>
    public async Task<RefreshTokenEntity?> FindAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 256) return null;
        var parts = token.Split('.');
        if (parts is not [{ Length: > 0 } uid, { Length: > 0 and <= 32 } family, { Length: > 0 } secret]) return null;
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        var found = await table.GetEntityIfExistsAsync<RefreshTokenEntity>(KeyEncoding.Escape(uid), KeyEncoding.Escape(family), cancellationToken: ct).ConfigureAwait(false);
        if (!found.HasValue) return null;
        var row = found.Value!;
        var hash = Hashes.Sha256Hex(secret);
        if (SameHash(row.CurrentHash, hash)) return row;
        foreach (var (old, replacedAt) in Retired(row))
        {
            if (!SameHash(old, hash)) continue;
            row.RotatedAt = replacedAt;
            return row;
        }
        return null;
    }

    /// <summary>Replaces the current token of <paramref name="current"/> (as read) by a new one; null when another
    /// request rotated it first.</summary>
    public async Task<string?> RotateAsync(RefreshTokenEntity current, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken ct = default)
    {
        var history = new[] { $"{current.CurrentHash}:{now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}" }
            .Concat(current.History.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Take(RefreshTokenEntity.HistoryLength);
        current.History = string.Join(',', history);
        current.ExpiresAt = expiresAt;
        var secret = NewSecret(current);
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        try
        {
            await table.UpdateEntityAsync(current, current.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
            return TokenOf(current, secret);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            return null;
        }
    }

    /// <summary>Ends a family: its current and retired tokens all stop working.</summary>
    public async Task DeleteFamilyAsync(string uid, string family, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.RefreshTokens, ct).ConfigureAwait(false);
        await table.TryDeleteAsync(KeyEncoding.Escape(uid), family, ETag.All, ct).ConfigureAwait(false);
    }

    /// <summary>Deleting an account deletes its refresh tokens.</summary>
    public async Task DeleteUserDataAsync(string uid, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(TableNames.RefreshTokens, cancellationToken).ConfigureAwait(false);
        var partition = KeyEncoding.Escape(uid);
        var rows = new List<TableTransactionAction>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        foreach (var chunk in rows.Chunk(100))
        {
            try
            {
                await table.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                // Deleted meanwhile (revoked); the rest go one by one.
                foreach (var action in chunk) await table.TryDeleteAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static IEnumerable<(string Hash, DateTimeOffset ReplacedAt)> Retired(RefreshTokenEntity row)
    {
        foreach (var entry in row.History.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
                yield return (entry[..colon], DateTimeOffset.FromUnixTimeMilliseconds(ms));
        }
    }

    private static bool SameHash(string a, string b) =>
        a.Length == b.Length && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static string TokenOf(RefreshTokenEntity row, string secret) => row.Uid + "." + row.Family + "." + secret;

    private static string NewSecret(RefreshTokenEntity row)
    {
        var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        row.CurrentHash = Hashes.Sha256Hex(secret);
        return secret;
    }
}
