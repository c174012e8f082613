using System.Text.Json;
using Bangumoe.Hosting;
using Bangumoe.Queues;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.Hosting;

/// <summary>
/// Under the Functions host, each queue message arrives as <c>POST /{FunctionName}</c> with the host's JSON envelope:
/// <c>{"Data":{"message":"\"…\""},"Metadata":{"DequeueCount":1,"Id":"…",…}}</c>. The message string is JSON-encoded
/// twice (the host serializes the string once more), so it is decoded twice. The reply is 200 <c>{}</c> on success
/// (an empty body would leave the host waiting) and 500 on failure, which makes the host retry and then poison it.
/// Standalone there is no host, so these paths answer 404.
/// </summary>
public static partial class QueueFunctionEndpoints
{
    public static IEndpointRouteBuilder MapQueueFunctions(this IEndpointRouteBuilder routes)
    {
        foreach (var function in routes.ServiceProvider.GetRequiredService<QueueFunctionRegistry>().Functions)
        {
            routes.MapPost("/" + function.FunctionName, (HttpContext context, QueueFunctionInvoker invoker, HostingMode mode, IOptions<QueueOptions> options, ILoggerFactory logs) =>
                    InvokeAsync(function, context, invoker, mode, options.Value, logs.CreateLogger(typeof(QueueFunctionEndpoints))))
                .WithMetadata(new InternalEndpointMetadata())
                .ExcludeFromDescription();
        }
        return routes;
    }

    private static async Task<IResult> InvokeAsync(QueueFunction function, HttpContext context, QueueFunctionInvoker invoker, HostingMode mode, QueueOptions options, ILogger logger)
    {
        // Only the host calls these, and it always sends an invocation id.
        if (!mode.UnderFunctionsHost || !context.Request.Headers.ContainsKey("X-Azure-Functions-InvocationId"))
            return TypedResults.NotFound();

        QueueMessage message;
        try
        {
            using var envelope = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            message = Parse(function, envelope.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or KeyNotFoundException)
        {
            LogBadEnvelope(logger, function.FunctionName, e);
            return TypedResults.Json(new { Logs = new[] { "Envelope not understood: " + e.Message } }, statusCode: 500);
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(options.FunctionTimeout);
            await invoker.InvokeAsync(function, message, timeout.Token);
            return TypedResults.Json(new { });
        }
        catch (Exception e)
        {
            LogFailed(logger, function.FunctionName, message.MessageId, message.DequeueCount, e);
            return TypedResults.Json(new { Logs = new[] { $"{function.FunctionName} failed: {e.GetType().Name}" } }, statusCode: 500);
        }
    }

    /// <summary>Reads the envelope the host sends for a string queue message.</summary>
    public static QueueMessage Parse(QueueFunction function, JsonElement envelope)
    {
        var data = envelope.GetProperty("Data").GetProperty(FunctionMetadata.QueueBindingName);
        var body = data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText();
        // Second level of encoding: the host's JsonConvert.SerializeObject(string) made it a JSON string literal.
        if (body.Length >= 2 && body[0] == '"') body = JsonSerializer.Deserialize<string>(body) ?? throw new InvalidDataException("Message is JSON null.");
        long dequeueCount = 1;
        string? id = null;
        if (envelope.TryGetProperty("Metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            if (metadata.TryGetProperty("DequeueCount", out var count))
                dequeueCount = count.ValueKind == JsonValueKind.Number ? count.GetInt64() : long.Parse(count.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            if (metadata.TryGetProperty("Id", out var idElement) && idElement.ValueKind == JsonValueKind.String) id = idElement.GetString();
        }
        return new QueueMessage(function.FunctionName, body, dequeueCount, id);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function}: the host's envelope could not be read")]
    private static partial void LogBadEnvelope(ILogger logger, string function, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} failed on message {MessageId} (try {DequeueCount})")]
    private static partial void LogFailed(ILogger logger, string function, string? messageId, long dequeueCount, Exception e);
}
