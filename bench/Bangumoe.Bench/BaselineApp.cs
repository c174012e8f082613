using Azure.Data.Tables;

namespace Bangumoe.Bench;

/// <summary>
/// The baseline: a bare ASP.NET Core app, in its own process like Bangumoe, with an endpoint that does no I/O and
/// one that point-reads one table entity from the same Azurite with the same SDK call Bangumoe uses for a user.
/// </summary>
internal static class BaselineApp
{
    public const string Table = "benchbaseline";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var storage = builder.Configuration["AzureWebJobsStorage"] ?? "UseDevelopmentStorage=true";
        var table = new TableClient(storage, Table);
        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["Value"] = "hello" });
        var app = builder.Build();
        app.MapGet("/noop", () => Results.Ok(new { ok = true }));
        app.MapGet("/point", async (CancellationToken ct) =>
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: ct);
            return row.HasValue ? Results.Ok(new { value = row.Value!.GetString("Value") }) : Results.NotFound();
        });
        await app.RunAsync();
        return 0;
    }
}
