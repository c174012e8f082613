using Azure;
using Azure.Data.Tables;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;

namespace Bangumoe.Accounts;

/// <summary>Configuration section <c>LoginThrottle</c>.</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failures of one device cookie within <see cref="Window"/> before that cookie is locked.</summary>
    public int DeviceMaxFailures { get; set; } = 5;

    /// <summary>Untrusted failures for one account from one client address within <see cref="Window"/> before that
    /// pair is locked: someone guessing from one place is stopped without locking the owner out elsewhere.</summary>
    public int AccountAddressMaxFailures { get; set; } = 5;

    /// <summary>Untrusted failures for one account from all addresses within <see cref="Window"/> before the account is
    /// locked for untrusted attempts (a guesser with many addresses). Much higher than the per-pair bar, because
    /// reaching it locks out the owner too, except in a browser that holds the owner's device cookie.</summary>
    public int AccountMaxFailures { get; set; } = 100;

    /// <summary>Untrusted failures per client address, for any accounts, within <see cref="Window"/> before the
    /// address is locked (several accounts, one attacker).</summary>
    public int AddressMaxFailures { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first lock; each further failure doubles it, up to <see cref="MaxLockDuration"/>.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxLockDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a browser keeps the device cookie a password sign-in gives it.</summary>
    public TimeSpan DeviceCookieLifetime { get; set; } = TimeSpan.FromDays(365);

    internal static IEnumerable<string> Validate(LoginThrottleOptions o)
    {
        if (o.DeviceMaxFailures < 1) yield return "LoginThrottle:DeviceMaxFailures must be at least 1.";
        if (o.AccountAddressMaxFailures < 1) yield return "LoginThrottle:AccountAddressMaxFailures must be at least 1.";
        if (o.AccountMaxFailures < 1) yield return "LoginThrottle:AccountMaxFailures must be at least 1.";
        if (o.AddressMaxFailures < 1) yield return "LoginThrottle:AddressMaxFailures must be at least 1.";
        if (o.Window <= TimeSpan.Zero) yield return "LoginThrottle:Window must be positive.";
        if (o.LockDuration <= TimeSpan.Zero) yield return "LoginThrottle:LockDuration must be positive.";
        if (o.MaxLockDuration < o.LockDuration) yield return "LoginThrottle:MaxLockDuration must be at least LockDuration.";
        if (o.DeviceCookieLifetime < TimeSpan.FromDays(1) || o.DeviceCookieLifetime > TimeSpan.FromDays(400))
            // Browsers cap a cookie's lifetime at 400 days; shorter than a day would trust nobody's browser for long.
            yield return "LoginThrottle:DeviceCookieLifetime must be between 1 day and 400 days.";
    }
}

/// <summary>Failed-login counters: table <c>LoginAttempts</c>.</summary>
public sealed class LoginAttemptEntity : TableRow
{
    public int Failures { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>One failure counter: its row key and how many failures lock it.</summary>
public sealed record LoginCounter(string Key, int MaxFailures);

/// <summary>
/// The counters one login attempt is checked against and counted in, and the one a success clears.
/// <paramref name="Trusted"/>: the attempt came with a valid device cookie of the account it signs into.
/// </summary>
public sealed record LoginCounters(bool Trusted, IReadOnlyList<LoginCounter> Counted, string ClearedBySuccess);

/// <summary>
/// Throttles password guessing so that it cannot be turned against the account's owner (OWASP's "slow down online
/// guessing attacks with device cookies"). An attempt from a browser holding a device cookie of the account (it
/// signed in there before) counts only against that cookie. Every other attempt (no cookie, another account's,
/// a forged one, the JSON API) counts per account and client address, per account across all addresses with a much
/// higher bar, and per address across accounts. So a stranger's wrong passwords lock out the stranger's own address;
/// a guesser with very many addresses can lock the account for untrusted attempts, but never for the owner's browser
/// that signed in before.
/// The counters live in Table Storage, so the limits hold across instances; updates are ETag-conditional, so
/// concurrent failures are all counted.
/// </summary>
public sealed class LoginThrottle(StorageClients storage, TimeProvider time, IOptions<LoginThrottleOptions> options)
{
    private LoginThrottleOptions Options => options.Value;

    /// <summary>
    /// The counters of an attempt to sign into <paramref name="user"/> (null: no such account, whose
    /// <paramref name="identifier"/> gets counters of its own, so guessing at a missing account is throttled alike and
    /// looks the same). <paramref name="device"/> makes the attempt trusted only when it names this very account.
    /// </summary>
    public LoginCounters CountersFor(UserEntity? user, string identifier, string clientAddress, LoginDevice? device)
    {
        var account = user?.Uid ?? "unknown|" + KeyEncoding.Escape(identifier.Trim().ToLowerInvariant());
        if (user is not null && device is not null && device.Uid == user.Uid)
        {
            var deviceKey = "device|" + KeyEncoding.Escape(device.Nonce);
            return new LoginCounters(true, [new LoginCounter(deviceKey, Options.DeviceMaxFailures)], deviceKey);
        }
        var address = KeyEncoding.Escape(clientAddress);
        var pairKey = "account-ip|" + account + "|" + address;
        return new LoginCounters(false,
        [
            new LoginCounter(pairKey, Options.AccountAddressMaxFailures),
            new LoginCounter("account|" + account, Options.AccountMaxFailures),
            new LoginCounter("ip|" + address, Options.AddressMaxFailures),
        ], pairKey);
    }

    /// <summary>How long the caller must wait (the longest of its counters' locks), or null when none is locked.</summary>
    public async Task<TimeSpan?> LockedForAsync(LoginCounters counters, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        var rows = await Task.WhenAll(counters.Counted.Select(c =>
            table.GetEntityIfExistsAsync<LoginAttemptEntity>(c.Key, "", cancellationToken: ct))).ConfigureAwait(false);
        var now = time.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var row in rows)
        {
            if (row.HasValue && row.Value!.LockedUntil is { } until && until > now && (wait is null || until - now > wait))
                wait = until - now;
        }
        return wait;
    }

    public async Task RecordFailureAsync(LoginCounters counters, CancellationToken ct = default) =>
        await Task.WhenAll(counters.Counted.Select(c => CountAsync(c, ct))).ConfigureAwait(false);

    /// <summary>A successful login clears the counter of its device or of its account and address, and no other: one
    /// good login must not launder someone else's guesses at the account (from elsewhere) or at other accounts (from
    /// this address).</summary>
    public async Task RecordSuccessAsync(LoginCounters counters, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        await table.TryDeleteAsync(counters.ClearedBySuccess, "", ETag.All, ct).ConfigureAwait(false);
    }

    private async Task CountAsync(LoginCounter counter, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await table.GetEntityIfExistsAsync<LoginAttemptEntity>(counter.Key, "", cancellationToken: ct).ConfigureAwait(false);
            var row = existing.HasValue ? existing.Value! : new LoginAttemptEntity { PartitionKey = counter.Key };
            if (!existing.HasValue || now - row.WindowStart > Options.Window)
            {
                row.Failures = 0;
                row.WindowStart = now;
                row.LockedUntil = null;
            }
            row.Failures++;
            if (row.Failures >= counter.MaxFailures)
            {
                var doublings = Math.Min(row.Failures - counter.MaxFailures, 20);
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
                // Another failure was counted at the same moment: read again and add ours on top. The account-wide row
                // is hot under a guesser with many addresses, so back off with jitter rather than retry in lockstep.
                // A failure is never dropped: after many tries the caller gets a 503 (as for a storage outage), which
                // tells a guesser nothing about the password it sent.
                if (attempt >= 30)
                    throw new RequestFailedException(503, $"The login counter {counter.Key} kept changing under an update.");
                await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 10) * 10), ct).ConfigureAwait(false);
            }
        }
    }
}
