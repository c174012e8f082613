using Azure;
using Azure.Data.Tables;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>Configuration section <c>LoginThrottle</c>.</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failures per account within <see cref="Window"/> before it is locked.</summary>
    public int AccountMaxFailures { get; set; } = 5;

    /// <summary>Failures per client address within <see cref="Window"/> before it is locked (several accounts, one attacker).</summary>
    public int AddressMaxFailures { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first lock; each further failure doubles it, up to <see cref="MaxLockDuration"/>.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxLockDuration { get; set; } = TimeSpan.FromMinutes(15);

    internal static IEnumerable<string> Validate(LoginThrottleOptions o)
    {
        if (o.AccountMaxFailures < 1) yield return "LoginThrottle:AccountMaxFailures must be at least 1.";
        if (o.AddressMaxFailures < 1) yield return "LoginThrottle:AddressMaxFailures must be at least 1.";
        if (o.Window <= TimeSpan.Zero) yield return "LoginThrottle:Window must be positive.";
        if (o.LockDuration <= TimeSpan.Zero) yield return "LoginThrottle:LockDuration must be positive.";
        if (o.MaxLockDuration < o.LockDuration) yield return "LoginThrottle:MaxLockDuration must be at least LockDuration.";
    }
}

/// <summary>Failed-login counters: table <c>LoginAttempts</c>.</summary>
public sealed class LoginAttemptEntity : TableRow
{
    public int Failures { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>
/// Throttles password guessing per account and per client address. The counters live in Table Storage, so the limit
/// holds across instances; updates are ETag-conditional, so concurrent failures are all counted.
/// </summary>
public sealed class LoginThrottle(StorageClients storage, TimeProvider time, IOptions<LoginThrottleOptions> options)
{
    private LoginThrottleOptions Options => options.Value;

    /// <summary>An account key; unknown identifiers get their own, so guessing at a missing account is throttled alike.</summary>
    public static string AccountKey(UserEntity? user, string identifier) =>
        "account|" + (user?.Uid ?? "unknown|" + KeyEncoding.Escape(identifier.Trim().ToLowerInvariant()));

    public static string AddressKey(string address) => "ip|" + KeyEncoding.Escape(address);

    /// <summary>How long the caller must wait, or null when neither the account nor the address is locked.</summary>
    public async Task<TimeSpan?> LockedForAsync(string accountKey, string addressKey, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in new[] { accountKey, addressKey })
        {
            var row = await table.GetEntityIfExistsAsync<LoginAttemptEntity>(key, "", cancellationToken: ct).ConfigureAwait(false);
            if (row.HasValue && row.Value!.LockedUntil is { } until && until > now)
            {
                var left = until - now;
                if (wait is null || left > wait) wait = left;
            }
        }
        return wait;
    }

    public async Task RecordFailureAsync(string accountKey, string addressKey, CancellationToken ct = default)
    {
        await CountAsync(accountKey, Options.AccountMaxFailures, ct).ConfigureAwait(false);
        await CountAsync(addressKey, Options.AddressMaxFailures, ct).ConfigureAwait(false);
    }

    /// <summary>A successful login clears the account's counter (not the address's: one good account must not
    /// launder an attacker's guesses at others).</summary>
    public async Task RecordSuccessAsync(string accountKey, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        try
        {
            await table.DeleteEntityAsync(accountKey, "", ETag.All, ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
        }
    }

    private async Task CountAsync(string key, int maxFailures, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await table.GetEntityIfExistsAsync<LoginAttemptEntity>(key, "", cancellationToken: ct).ConfigureAwait(false);
            var row = existing.HasValue ? existing.Value! : new LoginAttemptEntity { PartitionKey = key };
            if (!existing.HasValue || now - row.WindowStart > Options.Window)
            {
                row.Failures = 0;
                row.WindowStart = now;
                row.LockedUntil = null;
            }
            row.Failures++;
            if (row.Failures >= maxFailures)
            {
                var doublings = Math.Min(row.Failures - maxFailures, 20);
                var lockFor = TimeSpan.FromTicks(Math.Min(Options.LockDuration.Ticks << doublings, Options.MaxLockDuration.Ticks));
                row.LockedUntil = now + lockFor;
            }
            try
            {
                if (existing.HasValue) await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                else await table.AddEntityAsync(row, ct).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed() || e.IsNotFound())
            {
                // Another failure was counted at the same moment: read again and add ours on top.
            }
        }
    }
}
