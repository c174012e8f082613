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

    /// <summary>When the window and any lock are over: from then on the row counts as no row, and the sweep may take it.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
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

    /// <summary>
    /// Admits one attempt, counting it before the password is checked, so that a burst of simultaneous guesses gets no
    /// more tries than the same guesses one by one: each counter goes up by one, and the attempt is refused (with how
    /// long to wait) as soon as a counter is locked. A success gives the
    /// attempt back (<see cref="RefundAsync"/>); a failure stays counted.
    /// </summary>
    public async Task<TimeSpan?> AdmitAsync(LoginCounters counters, CancellationToken ct = default)
    {
        // Narrowest first, one after another: an attempt its own counter refuses is not counted against the account or
        // the address, so one guesser's burst cannot reach the bars that shut out others.
        foreach (var counter in counters.Counted)
        {
            if (await CountAsync(counter, ct).ConfigureAwait(false) is { } wait) return wait;
        }
        return null;
    }

    /// <summary>A success: its own counter (the device's, or this account from this address) starts afresh, and the
    /// wider ones (account-wide, address-wide) give back the attempt it was counted as.</summary>
    public async Task RefundAsync(LoginCounters counters, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        await Task.WhenAll(counters.Counted.Select(c => c.Key == counters.ClearedBySuccess
            ? table.TryDeleteAsync(c.Key, "", ETag.All, ct)
            : UncountAsync(table, c, ct))).ConfigureAwait(false);
    }

    private static async Task UncountAsync(TableClient table, LoginCounter counter, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var existing = await table.GetEntityIfExistsAsync<LoginAttemptEntity>(counter.Key, "", cancellationToken: ct).ConfigureAwait(false);
            if (!existing.HasValue || existing.Value!.Failures == 0) return;
            var row = existing.Value;
            row.Failures--;
            // A lock this very attempt set by reaching the budget goes with it.
            if (row.Failures < counter.MaxFailures) row.LockedUntil = null;
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
            {
                await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 10) * 10), ct).ConfigureAwait(false);
            }
        }
        // Giving back is a courtesy to the owner: after this many collisions the attempt simply stays counted.
    }

    /// <summary>Counts one attempt on <paramref name="counter"/>: null when admitted, else how long it is locked. The
    /// attempt that reaches the budget is still admitted (it may be the owner's right password) and locks the ones after.</summary>
    private async Task<TimeSpan?> CountAsync(LoginCounter counter, CancellationToken ct)
    {
        var table = await storage.TableAsync(TableNames.LoginAttempts, ct).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await table.GetEntityIfExistsAsync<LoginAttemptEntity>(counter.Key, "", cancellationToken: ct).ConfigureAwait(false);
            var row = existing.HasValue ? existing.Value! : new LoginAttemptEntity { PartitionKey = counter.Key };
            if (row.LockedUntil is { } until && until > now) return until - now;
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
            row.ExpiresAt = row.WindowStart + Options.Window;
            if (row.LockedUntil > row.ExpiresAt) row.ExpiresAt = row.LockedUntil.Value;
            try
            {
                if (existing.HasValue) await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                else await table.AddEntityAsync(row, ct).ConfigureAwait(false);
                return null;
            }
            catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed() || e.IsNotFound())
            {
                // Another attempt was counted at the same moment: read again and add ours on top. The account-wide row
                // is hot under a guesser with many addresses, so back off with jitter rather than retry in lockstep.
                // An attempt is never dropped: after many tries the caller gets a 503 (as for a storage outage), which
                // tells a guesser nothing about the password it sent.
                if (attempt >= 30)
                    throw new RequestFailedException(503, $"The login counter {counter.Key} kept changing under an update.");
                await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 10) * 10), ct).ConfigureAwait(false);
            }
        }
    }
}
