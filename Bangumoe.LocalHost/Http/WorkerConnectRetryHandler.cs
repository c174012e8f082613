using System.Net.Sockets;

namespace Bangumoe.LocalHost.Http;

/// <summary>
/// The worker reports its HTTP endpoint (HttpUri) while it initialises, before its Kestrel necessarily listens, so
/// the first requests can meet "connection refused". Like the Azure host's retrying proxy handler, retry those
/// briefly: nothing of the request has been sent when the connection could not even be opened.
/// </summary>
internal sealed class WorkerConnectRetryHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(10);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + GiveUpAfter;
        while (true)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (
                e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } &&
                DateTime.UtcNow < deadline)
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }
}
