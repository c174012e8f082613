using System.Diagnostics;
using System.Text.Json;
using Bangumoe.LocalHost.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.LocalHost.Http;

/// <summary>
/// The InvocationRequest for an HTTP function whose request is forwarded to the worker's own HTTP endpoint, shaped as
/// the Azure host shapes it for a worker with the <c>HttpUri</c> capability: the trigger's input is an empty RpcHttp
/// placeholder (the worker reads the real request from the forwarded HTTP call), and trigger_metadata carries the
/// route values (strings), <c>Query</c> and <c>Headers</c> (JSON objects) for parameter binding.
/// </summary>
internal static class HttpInvocationRequest
{
    public static InvocationRequest Create(HttpContext context, LocalFunction function, string functionId, string invocationId)
    {
        var request = new InvocationRequest
        {
            FunctionId = functionId,
            InvocationId = invocationId,
            TraceContext = TraceContext(context),
        };
        request.InputData.Add(new ParameterBinding
        {
            Name = function.TriggerBindingName,
            Data = new TypedData { Http = new RpcHttp() },
        });

        foreach (var (name, value) in context.Request.RouteValues)
            if (value?.ToString() is { } text)
                request.TriggerMetadata[name] = new TypedData { String = text };
        request.TriggerMetadata["Query"] = Json(context.Request.Query);
        request.TriggerMetadata["Headers"] = Json(context.Request.Headers);
        return request;
    }

    private static TypedData Json(IEnumerable<KeyValuePair<string, StringValues>> values) => new()
    {
        Json = JsonSerializer.Serialize(values.ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.OrdinalIgnoreCase)),
    };

    /// <summary>
    /// The worker requires a trace context. Use the request's Activity (or its W3C traceparent header) so traces
    /// continue across the host; otherwise start a new trace.
    /// </summary>
    private static RpcTraceContext TraceContext(HttpContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } activity)
            return new RpcTraceContext { TraceParent = id, TraceState = activity.TraceStateString ?? "" };

        var header = context.Request.Headers["traceparent"].ToString();
        if (ActivityContext.TryParse(header, context.Request.Headers["tracestate"].ToString(), out _))
            return new RpcTraceContext { TraceParent = header, TraceState = context.Request.Headers["tracestate"].ToString() };

        return new RpcTraceContext
        {
            TraceParent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00",
        };
    }
}
