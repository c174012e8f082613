using Azure;
using Azure.Data.Tables;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary>A counter of user-code lookups: table <c>UserCodeGuesses</c>.</summary>
public sealed class UserCodeGuessEntity : TableRow
{
    public int Count { get; set; }
    public DateTimeOffset WindowStart { get; set; }

    /// <summary>The end of the window: from then on the row counts as no row, and the sweep may take it.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>
/// Limits user-code guessing on /device (RFC 8628 §5.1): a user code has about 35 bits, so someone typing codes at random
/// must be stopped long before one matches. Counted per signed-in account and per client address, each in a fixed
/// window (<see cref="DeviceGrantOptions.GuessWindow"/>). Like <c>LoginThrottle</c>, a lookup is counted before the code
/// is looked up, so a burst of simultaneous guesses gets no more tries than the same guesses one by one, and a code that
/// was found gives its count back: only wrong codes use up the budget. Kept in Table Storage so the limit holds across
/// instances; every change is ETag-conditional, so concurrent lookups are all counted.
/// </summary>
public sealed class UserCodeThrottle(StorageClients storage, TimeProvider time, IOptions<DeviceGrantOptions> options)
{
    private DeviceGrantOptions Options => options.Value;

    private IReadOnlyList<(string Key, int Max)> Counters(string uid, string clientAddress) =>
    [
        ("account|" + KeyEncoding.Escape(uid), Options.WrongCodesPerAccount),
        ("address|" + KeyEncoding.Escape(clientAddress), Options.WrongCodesPerAddress),
    ];

    /// <summary>Counts one lookup: null when admitted, else how long until the next is (nothing is counted then).</summary>
    public async Task<TimeSpan?> AdmitAsync(string uid, string clientAddress, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.UserCodeGuesses, ct).ConfigureAwait(false);
        var counted = new List<string>();
        foreach (var (key, max) in Counters(uid, clientAddress))
        {
            if (await CountAsync(table, key, max, ct).ConfigureAwait(false) is { } wait)
            {
                // Refused by a wider counter: the narrower ones already counted it, and it was no guess.
                foreach (var done in counted) await UncountAsync(table, done, ct).ConfigureAwait(false);
                return wait;
            }
            counted.Add(key);
        }
        return null;
    }

    /// <summary>The code was found: the lookup was no guess, so it gives back what it was counted as.</summary>
    public async Task RefundAsync(string uid, string clientAddress, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.UserCodeGuesses, ct).ConfigureAwait(false);
        foreach (var (key, _) in Counters(uid, clientAddress)) await UncountAsync(table, key, ct).ConfigureAwait(false);
    }

    private async Task<TimeSpan?> CountAsync(TableClient table, string key, int max, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await table.GetEntityIfExistsAsync<UserCodeGuessEntity>(key, "", cancellationToken: ct).ConfigureAwait(false);
            var row = existing.HasValue ? existing.Value! : new UserCodeGuessEntity { PartitionKey = key, WindowStart = now };
            if (now - row.WindowStart >= Options.GuessWindow)
            {
                row.Count = 0;
                row.WindowStart = now;
            }
            if (row.Count >= max) return row.WindowStart + Options.GuessWindow - now;
            row.Count++;
            row.ExpiresAt = row.WindowStart + Options.GuessWindow;
            try
            {
                if (existing.HasValue) await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                else await table.AddEntityAsync(row, ct).ConfigureAwait(false);
                return null;
            }
            catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed() || e.IsNotFound())
            {
                // Another lookup was counted at the same moment: read again and count this one on top. A lookup is never
                // dropped uncounted; after many collisions the caller gets a 503, as for a storage outage.
                if (attempt >= 30) throw new RequestFailedException(503, $"The user-code counter {key} kept changing under an update.");
                await Task.Delay(Random.Shared.Next(5, 20 + Math.Min(attempt, 10) * 10), ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task UncountAsync(TableClient table, string key, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var existing = await table.GetEntityIfExistsAsync<UserCodeGuessEntity>(key, "", cancellationToken: ct).ConfigureAwait(false);
            if (!existing.HasValue || existing.Value!.Count == 0) return;
            var row = existing.Value;
            row.Count--;
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
        // Giving back is a courtesy to a person who typed right codes: after this many collisions it stays counted.
    }
}
