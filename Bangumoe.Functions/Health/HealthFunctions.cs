using Bangumoe.Functions.Http;
using Bangumoe.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Health;

public sealed record HealthReport(string Status, string Storage);

/// <summary><c>GET /api/health</c>: 200 when tables and queues answer, 503 when they do not.</summary>
public sealed class HealthFunctions(StorageClients storage)
{
    [Function("Health")]
    [NoStore]
    public async Task<IResult> Check([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest req)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(req.HttpContext.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await foreach (var _ in storage.TableService.QueryAsync(maxPerPage: 1, cancellationToken: timeout.Token).AsPages().WithCancellation(timeout.Token)) break;
            await foreach (var _ in storage.QueueService.GetQueuesAsync(cancellationToken: timeout.Token).AsPages(pageSizeHint: 1).WithCancellation(timeout.Token)) break;
            return TypedResults.Ok(new HealthReport("healthy", "ok"));
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            return TypedResults.Json(new HealthReport("unhealthy", "unreachable"), statusCode: 503);
        }
    }
}
