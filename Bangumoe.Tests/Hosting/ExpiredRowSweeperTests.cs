using Azure.Data.Tables;
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
}
