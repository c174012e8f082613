using System.Net;
using System.Text;
using Bangumoe.LocalHost.Protocol;
using Bangumoe.LocalHost.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Bangumoe.LocalHost.Http;

/// <summary>
/// Runs one HTTP function per request: sends the InvocationRequest over gRPC, forwards the HTTP request itself to the
/// worker's HTTP endpoint with YARP (as the Azure host does), and answers with the worker's response unless the
/// invocation failed (500) or no worker is there (503).
/// </summary>
internal sealed class HttpInvocationForwarder : IDisposable
{
    private readonly WorkerChannel _channel;
    private readonly IHttpForwarder _forwarder;
    private readonly TimeSpan? _functionTimeout;
    private readonly bool _trustForwardedFor;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _client = new(new WorkerConnectRetryHandler(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    }));
    private readonly ForwarderRequestConfig _requestConfig;

    public HttpInvocationForwarder(WorkerChannel channel, IHttpForwarder forwarder, TimeSpan? functionTimeout, bool trustForwardedFor, ILoggerFactory loggerFactory)
    {
        _trustForwardedFor = trustForwardedFor;
        _channel = channel;
        _forwarder = forwarder;
        _functionTimeout = functionTimeout;
        _logger = loggerFactory.CreateLogger("Bangumoe.LocalHost.Http");
        // Without functionTimeout a function may take as long as it likes; YARP's default would cut it at 100 s.
        _requestConfig = new ForwarderRequestConfig { ActivityTimeout = functionTimeout ?? TimeSpan.FromHours(1) };
    }

    public async Task ForwardAsync(HttpContext context, LocalFunction function)
    {
        var connection = _channel.Ready;
        if (connection?.HttpUri is null || !connection.FunctionIds.TryGetValue(function.Name, out var functionId))
        {
            await AnswerUnavailableAsync(context, connection is null ? _channel.UnavailableReason
                : connection.HttpUri is null ? "The Functions worker has no HTTP endpoint (HttpUri): is ConfigureFunctionsWebApplication used?"
                : $"The Functions worker did not load '{function.Name}'.");
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        using var invocationAborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (_functionTimeout is { } timeout) invocationAborted.CancelAfter(timeout);

        var outcome = connection.InvokeAsync(
            HttpInvocationRequest.Create(context, function, functionId, invocationId), function.Name, invocationAborted.Token);
        if (outcome.IsFaulted && outcome.Exception?.GetBaseException() is WorkerUnavailableException notSent)
        {
            await AnswerUnavailableAsync(context, notSent.Message);
            return;
        }
        // Observed below; never let an early failure go unobserved while the forwarder runs.
        _ = outcome.ContinueWith(t => t.Exception, TaskScheduler.Default);

        var transformer = new WorkerHttpTransformer(invocationId, outcome, _trustForwardedFor);
        var error = await _forwarder.SendAsync(context, connection.HttpUri.ToString(), _client, _requestConfig, transformer,
            invocationAborted.Token);

        if (error != ForwarderError.None && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // A worker that dies breaks the HTTP call and the gRPC stream together; the stream says why a moment later.
            await Task.WhenAny(outcome, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            if (outcome.IsFaulted && outcome.Exception?.GetBaseException() is WorkerUnavailableException gone)
                await AnswerUnavailableAsync(context, gone.Message);
            else if (invocationAborted.IsCancellationRequested)
                await AnswerAsync(context, StatusCodes.Status500InternalServerError,
                    $"'{function.Name}' did not finish within functionTimeout ({_functionTimeout}).");
            else
                LogForwardingFailed(_logger, function.Name, error.ToString(),
                    context.GetForwarderErrorFeature()?.Exception?.Message ?? "", null);
        }

        // Let the invocation finish (and be logged) before the request ends; its result was awaited already unless
        // the worker answered with a body.
        try
        {
            await outcome;
        }
        catch (Exception e) when (e is OperationCanceledException or WorkerUnavailableException)
        {
            // Reported above (503/500) or the client is gone.
        }
    }

    private static Task AnswerUnavailableAsync(HttpContext context, string reason) =>
        AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, reason);

    private static Task AnswerAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n", Encoding.UTF8, context.RequestAborted);
    }

    public void Dispose() => _client.Dispose();

    private static readonly Action<ILogger, string, string, string, Exception?> LogForwardingFailed =
        LoggerMessage.Define<string, string, string>(LogLevel.Warning, new EventId(30, "ForwardingFailed"),
            "Forwarding the request for '{FunctionName}' to the worker failed ({Error}): {Message}");
}
