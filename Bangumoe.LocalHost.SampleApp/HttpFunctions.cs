using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;

namespace Bangumoe.LocalHost.SampleApp;

/// <summary>HTTP functions covering what the host's routing and forwarding must get right.</summary>
public sealed class HttpFunctions(Observations observations, IConfiguration configuration)
{
    /// <summary>A constrained route value bound to a parameter.</summary>
    [Function("Hello")]
    public static IResult Hello(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hello/{name:alpha}")] HttpRequest request,
        string name) =>
        Results.Text($"Hello, {name}");

    // Three routes for one path shape: the literal wins over the int-constrained parameter, which wins over the
    // unconstrained one (ASP.NET Core's precedence, as in the Azure host).
    [Function("ItemSpecial")]
    public static IResult ItemSpecial(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/special")] HttpRequest request) =>
        Results.Text("special");

    [Function("ItemById")]
    public static IResult ItemById(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "items/{id:int}/{detail?}")] HttpRequest request,
        int id,
        string? detail) =>
        Results.Text($"item {id} {request.Method} detail={detail ?? "-"}");

    [Function("ItemByName")]
    public static IResult ItemByName(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{name}")] HttpRequest request,
        string name) =>
        Results.Text($"item named {name}");

    /// <summary>Everything the function saw of the request, to check what the host forwards.</summary>
    [Function("Echo")]
    public static async Task<IResult> Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "delete", "patch", Route = "echo/{*rest}")] HttpRequest request,
        string? rest,
        FunctionContext context)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        return Results.Json(new
        {
            method = request.Method,
            rest,
            path = request.Path.Value,
            query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            body,
            host = request.Host.Value,
            remoteIp = request.HttpContext.Connection.RemoteIpAddress?.ToString(),
            bindingData = context.BindingContext.BindingData.ToDictionary(p => p.Key, p => p.Value?.ToString()),
        });
    }

    [Function("Throws")]
    public static IResult Throws(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throws")] HttpRequest request) =>
        throw new InvalidOperationException("This function always fails.");

    /// <summary>Waits ?ms= milliseconds; records when it is cancelled (client gone, or functionTimeout).</summary>
    [Function("Slow")]
    public async Task<IResult> Slow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow")] HttpRequest request,
        FunctionContext context)
    {
        var milliseconds = int.Parse(request.Query["ms"].ToString() is { Length: > 0 } ms ? ms : "10000", System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await Task.Delay(milliseconds, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            await observations.RecordAsync(new { kind = "cancelled", function = "Slow", tag = request.Query["tag"].ToString() });
            throw;
        }
        return Results.Text("done");
    }

    /// <summary>Ends the worker process (only where the setting AllowExit is true: never inside a test process).</summary>
    [Function("Exit")]
    public IResult Exit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exit")] HttpRequest request)
    {
        if (configuration["AllowExit"] != "true") return Results.BadRequest("AllowExit is not set.");
        Console.Error.WriteLine("Sample app: exiting with code 3 as asked.");
        Environment.Exit(3);
        return Results.Empty;
    }

    /// <summary>A function that answers with no body, to tell an empty success from a failure.</summary>
    [Function("NoContent")]
    public static IActionResult NoContent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "things/{id}")] HttpRequest request) =>
        new NoContentResult();
}
