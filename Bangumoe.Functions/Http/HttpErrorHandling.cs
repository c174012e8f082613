using Azure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using System.Text.Json;

namespace Bangumoe.Functions.Http;

/// <summary>
/// Turns what the framework throws on bad input (malformed JSON, wrong types, wrong content type, oversized body) into
/// a 4xx problem that names the field where it can, and a storage outage into 503: never a 500 for the client's input.
/// </summary>
public sealed partial class HttpErrorHandler(IProblemDetailsService problems, ILogger<HttpErrorHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, title, field) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (400, "malformed-json", "The request body is not valid JSON of the expected shape.", JsonField(json.Path)),
            BadHttpRequestException { StatusCode: 415 } => (415, "unsupported-media-type", "Send the body as application/json.", null),
            BadHttpRequestException { StatusCode: 413 } => (413, "body-too-large", "The request body is too large.", null),
            BadHttpRequestException bad => (bad.StatusCode, "bad-request", "The request is malformed.", null),
            _ when IsStorageOutage(exception) => (503, "storage-unavailable", "Storage is unavailable; try again shortly.", null),
            _ => (500, "internal", "Something went wrong on our side.", null),
        };
        if (status >= 500) LogFailure(context.Request.Path, exception);
        context.Response.StatusCode = status;
        if (status == 503) context.Response.Headers.RetryAfter = "5";
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Type = Problems.TypePrefix + code };
        // The parser's own message names internal types; say what the client can act on instead.
        if (field is not null) details.Extensions["errors"] = new Dictionary<string, string[]> { [field] = ["Has the wrong type, or the JSON breaks off here."] };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    /// <summary>Storage refused or unreachable; Azure.Core wraps the last of its retries in an AggregateException.</summary>
    private static bool IsStorageOutage(Exception e) => e switch
    {
        RequestFailedException { Status: 0 or >= 500 } or HttpRequestException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsStorageOutage),
        _ => false,
    };

    /// <summary>"$.password" becomes "password"; the whole body ("$") names no field.</summary>
    private static string? JsonField(string? path) =>
        path is null || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {Path} failed")]
    private partial void LogFailure(string path, Exception exception);
}

/// <summary>Bodiless error statuses set by routing or binding (no route, wrong method, wrong content type) get the same
/// kind of problem body as everything else.</summary>
public static class StatusCodeProblems
{
    public static IApplicationBuilder UseStatusCodeProblems(this IApplicationBuilder app) => app.UseStatusCodePages(context =>
    {
        var http = context.HttpContext;
        var (code, title) = http.Response.StatusCode switch
        {
            404 => ("not-found", "There is nothing at this address."),
            405 => ("method-not-allowed", "This address does not take that method."),
            415 => ("unsupported-media-type", "Send the body as application/json."),
            var other => ("http-" + other, ReasonPhrases.GetReasonPhrase(other)),
        };
        return Problems.Status(http.Response.StatusCode, code, title).ExecuteAsync(http);
    });
}

/// <summary>Rejects bodies over the limit before anything reads them (the Functions host copies bodies with a length).</summary>
public static class RequestLimits
{
    public const long MaxBodyBytes = 64 * 1024;

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            await Problems.Status(413, "body-too-large", $"The request body is larger than {MaxBodyBytes / 1024} KiB.").ExecuteAsync(context);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        await next(context);
    });
}
