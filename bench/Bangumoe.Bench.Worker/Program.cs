using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSingleton(sp => new TableClient(sp.GetRequiredService<IConfiguration>()["AzureWebJobsStorage"] ?? "UseDevelopmentStorage=true", BareFunctions.Table));
builder.Build().Run();

/// <summary>What the bench's plain ASP.NET Core baseline serves, as isolated-worker functions behind the local host.</summary>
public sealed class BareFunctions(TableClient table)
{
    public const string Table = "benchbaseline";

    [Function("Noop")]
    public IResult Noop([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "noop")] HttpRequest req) => Results.Ok(new { ok = true });

    [Function("Point")]
    public async Task<IResult> Point([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "point")] HttpRequest req, CancellationToken ct)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: ct);
        return row.HasValue ? Results.Ok(new { value = row.Value!.GetString("Value") }) : Results.NotFound();
    }
}
