using System.Diagnostics;
using Bangumoe.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Bangumoe.Functions.Http;

/// <summary>
/// The HTTP functions' common policy, in one place: bodies over the limit are refused before anything reads them,
/// functions marked <see cref="NoStoreAttribute"/> answer uncacheable, and what a function throws becomes a problem:
/// the client's bad input a 4xx naming the field where it can, a storage outage 503 with Retry-After, anything else
/// 500 with a trace id to find it in the logs. Never a bare 500 from the host, never the exception text.
/// </summary>
public sealed partial class HttpPolicyMiddleware(ILogger<HttpPolicyMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public const long MaxBodyBytes = 64 * 1024;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context);
            return;
        }
        // No answer is ever to be sniffed into another type (a JSON body read as HTML, say).
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (FunctionPolicies.Get<CorsAttribute>(context) is { Kind: CorsKind.Public }) ClientCors.AllowAnyOrigin(http);
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            context.GetInvocationResult().Value = FunctionPolicies.Has<PageAttribute>(context) ? PageAnswer(http, 413) : BodyTooLarge();
            return;
        }
        // A body without a length (chunked) is cut off at the limit while it is read.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        // Tokens and secrets (NoStore), and whatever needs the caller's token (their personal data), are never cached.
        if (FunctionPolicies.Has<NoStoreAttribute>(context) || FunctionPolicies.Has<RequireScopeAttribute>(context))
        {
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.Pragma = "no-cache";
        }

        try
        {
            await next(context);
        }
        catch (Exception exception) when (!http.RequestAborted.IsCancellationRequested)
        {
            var answer = Answer(http, context.FunctionDefinition.Name, exception);
            context.GetInvocationResult().Value = FunctionPolicies.Has<PageAttribute>(context) && answer is IStatusCodeHttpResult { StatusCode: { } status }
                ? PageAnswer(http, status)
                : answer;
        }
    }

    private IResult Answer(HttpContext http, string function, Exception exception)
    {
        switch (exception)
        {
            case RequestBodyException body:
                return Problems.Status(body.Status, body.Code, body.Message, body.Field is null ? null : new Dictionary<string, string[]> { [body.Field] = [body.FieldMessage] });
            case BadHttpRequestException { StatusCode: 413 }:
                return BodyTooLarge();
            case BadHttpRequestException bad:
                return Problems.Status(bad.StatusCode, "bad-request", "The request is malformed.");
            case InvalidDataException:
                // What the form reader throws for a form it cannot read (a NUL byte, say): the client's error.
                return Problems.Status(400, "bad-request", "The request body cannot be read.");
            case var _ when StorageOutage.Is(exception):
                LogOutage(function, exception);
                http.Response.Headers.RetryAfter = "5";
                return Problems.Status(503, "storage-unavailable", "Storage is unavailable; try again shortly.");
            default:
                var traceId = TraceId(http);
                LogFailure(function, traceId, exception);
                return TypedResults.Problem(title: "Something went wrong on our side.", statusCode: 500, type: Problems.TypePrefix + "internal",
                    extensions: new Dictionary<string, object?> { ["trace_id"] = traceId });
        }
    }

    /// <summary>A page function's failure, as a page: a person sees what happened in their language, never JSON.</summary>
    private static IResult PageAnswer(HttpContext http, int status)
    {
        var page = Pages.PageContext.Anonymous(http);
        var t = page.Texts;
        return status switch
        {
            413 => Pages.PageResults.Message(page, 413, t.FormTooLargeTitle, [t.FormTooLarge]),
            503 => Pages.PageResults.Message(page, 503, t.StorageDownTitle, [t.StorageDown]),
            400 or 415 => Pages.PageResults.Message(page, status, t.UnsupportedFormTitle, [t.UnsupportedForm]),
            >= 500 => Pages.PageResults.Message(page, status, t.ServerErrorTitle, [t.ServerError(TraceId(http))]),
            _ => Pages.PageResults.Message(page, status, t.FormExpiredTitle, [t.FormExpired]),
        };
    }

    private static string TraceId(HttpContext http) => Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;

    private static IResult BodyTooLarge() =>
        Problems.Status(413, "body-too-large", $"The request body is larger than {MaxBodyBytes / 1024} KiB.");

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed (trace {TraceId})")]
    private partial void LogFailure(string function, string traceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: storage is unavailable")]
    private partial void LogOutage(string function, Exception exception);
}
