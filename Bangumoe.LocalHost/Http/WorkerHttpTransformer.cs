using Bangumoe.LocalHost.Protocol;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Bangumoe.LocalHost.Http;

/// <summary>
/// Shapes one forwarded request and its response.
/// Request: the worker pairs it with the gRPC invocation by <c>x-ms-invocation-id</c>; the client's address is
/// appended to <c>X-Forwarded-For</c> as Azure's front end does (apps read the last entry as the client), and the
/// public Host is kept so the app builds links to the address the client used.
/// Response: when a function throws, the worker still answers an empty 200 and only the InvocationResponse says
/// Failure. So before an empty body is passed on, the invocation's outcome is awaited, and a failure becomes 500, as
/// the Azure host answers.
/// </summary>
internal sealed class WorkerHttpTransformer(string invocationId, Task<InvocationResponse> outcome, bool trustForwardedFor) : HttpTransformer
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    /// <summary>True when the response was replaced by a 500 because the invocation failed.</summary>
    public bool AnsweredFailure { get; private set; }

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext,
        HttpRequestMessage proxyRequest,
        string destinationPrefix,
        CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);

        var request = httpContext.Request;
        proxyRequest.Headers.Host = request.Host.Value;
        proxyRequest.Headers.Remove(InvocationIdHeader);
        proxyRequest.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);

        if (!trustForwardedFor && httpContext.Connection.RemoteIpAddress is { } client)
        {
            var forwardedFor = request.Headers["X-Forwarded-For"].ToString();
            proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For",
                string.IsNullOrWhiteSpace(forwardedFor) ? client.ToString() : $"{forwardedFor}, {client}");
        }
        if (!proxyRequest.Headers.Contains("X-Forwarded-Proto"))
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        if (!proxyRequest.Headers.Contains("X-Forwarded-Host"))
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext,
        HttpResponseMessage? proxyResponse,
        CancellationToken cancellationToken)
    {
        if (proxyResponse?.Content.Headers.ContentLength == 0)
        {
            var failed = false;
            try
            {
                var response = await outcome.WaitAsync(cancellationToken);
                failed = response.Result?.Status != StatusResult.Types.Status.Success;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed = true;
            }
            if (failed)
            {
                AnsweredFailure = true;
                httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
                httpContext.Response.Headers.Clear();
                httpContext.Response.ContentLength = 0;
                return false;
            }
        }
        return await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }
}
