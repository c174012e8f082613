using Azure.Data.Tables;
using Bangumoe.Accounts;
using Bangumoe.OAuth;
using Bangumoe.Storage;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// The hourly sweep (<c>SweepExpiredRows</c>) over real Azurite tables: single-use records go a day after they
/// expired, and not a moment sooner; nothing else is touched.
/// </summary>
public sealed class ExpiredRowSweeperTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task Rows_a_day_past_their_expiry_go_and_everything_younger_stays()
    {
        var storage = app.Services.GetRequiredService<StorageClients>();
        var now = app.Clock.GetUtcNow();
        var ages = new Dictionary<string, DateTimeOffset>
        {
            ["long-expired"] = now - ExpiredRowSweeper.Grace - TimeSpan.FromMinutes(5),
            ["just-expired"] = now - ExpiredRowSweeper.Grace + TimeSpan.FromMinutes(5),
            ["still-valid"] = now + TimeSpan.FromMinutes(5),
        };
        foreach (var name in ExpiredRowSweeper.Tables)
        {
            var table = await storage.TableAsync(name);
            foreach (var (key, expiresAt) in ages)
                await table.UpsertEntityAsync(new TableEntity("sweep-" + key, "") { ["ExpiresAt"] = expiresAt });
        }
        // A table of records that never expire on their own keeps even a row with an old ExpiresAt-like property.
        var users = await storage.TableAsync(TableNames.Users);
        await users.UpsertEntityAsync(new TableEntity("sweep-user", "") { ["ExpiresAt"] = ages["long-expired"] });

        var deleted = await app.Services.GetRequiredService<ExpiredRowSweeper>().SweepAsync();

        Assert.True(deleted >= ExpiredRowSweeper.Tables.Count, $"deleted {deleted}");
        foreach (var name in ExpiredRowSweeper.Tables)
        {
            var table = await storage.TableAsync(name);
            Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("sweep-long-expired", "")).HasValue, name);
            Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("sweep-just-expired", "")).HasValue, name);
            Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("sweep-still-valid", "")).HasValue, name);
        }
        Assert.True((await users.GetEntityIfExistsAsync<TableEntity>("sweep-user", "")).HasValue);

        // A day on, the rest has had its day too.
        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(10));
        await app.Services.GetRequiredService<ExpiredRowSweeper>().SweepAsync();
        foreach (var name in ExpiredRowSweeper.Tables)
        {
            var table = await storage.TableAsync(name);
            Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("sweep-just-expired", "")).HasValue, name);
            Assert.False((await table.GetEntityIfExistsAsync<TableEntity>("sweep-still-valid", "")).HasValue, name);
        }
    }

    [Fact]
    public async Task Guess_counters_expire_when_their_window_and_lock_are_over_and_are_swept_a_day_later()
    {
        var storage = app.Services.GetRequiredService<StorageClients>();
        var logins = app.Services.GetRequiredService<LoginThrottle>();
        var codes = app.Services.GetRequiredService<UserCodeThrottle>();
        var address = $"203.0.113.{Random.Shared.Next(1, 255)}-{Guid.NewGuid():N}";
        var counters = logins.CountersFor(null, TestApi.NewEmail(), address, null);
        var uid = Guid.NewGuid().ToString("N");
        var start = app.Clock.GetUtcNow();

        // Five wrong passwords lock this account-and-address pair for a minute: well within the 15-minute window.
        for (var i = 0; i < 5; i++) Assert.Null(await logins.AdmitAsync(counters));
        Assert.NotNull(await logins.AdmitAsync(counters));
        Assert.Null(await codes.AdmitAsync(uid, address));
        var attempts = await storage.TableAsync(TableNames.LoginAttempts);
        var guesses = await storage.TableAsync(TableNames.UserCodeGuesses);
        async Task<LoginAttemptEntity> Row(LoginCounter c) => (await attempts.GetEntityAsync<LoginAttemptEntity>(c.Key, "")).Value;
        foreach (var counter in counters.Counted)
        {
            var row = await Row(counter);
            Assert.Equal(row.WindowStart + TimeSpan.FromMinutes(15), row.ExpiresAt);
        }
        var codeRows = await guesses.QueryAsync<UserCodeGuessEntity>(g => g.PartitionKey == "account|" + uid).ToListAsync();
        Assert.Equal(Assert.Single(codeRows).WindowStart + TimeSpan.FromMinutes(10), codeRows[0].ExpiresAt);

        // Late in the window, the pair's next failure locks it for two minutes: past the window's end, so the row
        // means something until the lock is over.
        app.Clock.Advance(TimeSpan.FromMinutes(14.5));
        Assert.Null(await logins.AdmitAsync(counters));
        var locked = await Row(counters.Counted[0]);
        Assert.True(locked.LockedUntil > locked.WindowStart + TimeSpan.FromMinutes(15));
        Assert.Equal(locked.LockedUntil, locked.ExpiresAt);

        var sweeper = app.Services.GetRequiredService<ExpiredRowSweeper>();
        await sweeper.SweepAsync();
        Assert.True((await attempts.GetEntityIfExistsAsync<LoginAttemptEntity>(counters.Counted[0].Key, "")).HasValue);

        // A day after the lock: all of them go, and the pair starts afresh.
        app.Clock.Advance(locked.ExpiresAt - app.Clock.GetUtcNow() + ExpiredRowSweeper.Grace + TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync();
        foreach (var counter in counters.Counted)
            Assert.False((await attempts.GetEntityIfExistsAsync<LoginAttemptEntity>(counter.Key, "")).HasValue, counter.Key);
        Assert.Empty(await guesses.QueryAsync<UserCodeGuessEntity>(g => g.PartitionKey == "account|" + uid).ToListAsync());
        Assert.Null(await logins.AdmitAsync(counters));
        Assert.True(app.Clock.GetUtcNow() - start > TimeSpan.FromDays(1));
    }
}
