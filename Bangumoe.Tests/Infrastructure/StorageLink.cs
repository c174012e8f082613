using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// Stands between an app and Azurite so that a test can take storage away mid-request and give it back: while cut,
/// connecting is refused and every open connection is reset, which is what the app sees when Azurite stops. Azurite
/// itself keeps running, so what was acknowledged before the cut is still there afterwards, as with real storage.
/// It can also lose one answer of the table service (the request is done, and the connection dies as its answer starts),
/// and hold one request of the table service back until the test lets it go.
/// </summary>
public sealed class StorageLink : IAsyncDisposable
{
    private readonly Forwarder[] _forwarders;
    private readonly Emulators _emulators;

    private StorageLink(Emulators emulators)
    {
        _emulators = emulators;
        _forwarders = [new(emulators.BlobPort), new(emulators.QueuePort), new(emulators.TablePort)];
        foreach (var f in _forwarders) f.Open();
    }

    public static StorageLink Start(Emulators emulators) => new(emulators);

    /// <summary>The app's storage connection string: through the link.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Emulators.AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_forwarders[0].Port}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{_forwarders[1].Port}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{_forwarders[2].Port}/devstoreaccount1;";

    /// <summary>Azurite's own connection string, for the test to look at storage while the app cannot.</summary>
    public string DirectConnectionString => _emulators.StorageConnectionString;

    public bool IsCut { get; private set; }

    public void Cut()
    {
        IsCut = true;
        foreach (var f in _forwarders) f.Close();
    }

    public void Restore()
    {
        foreach (var f in _forwarders) f.Open();
        IsCut = false;
    }

    /// <summary>
    /// Lets the next <paramref name="nth"/> - 1 answers of the table service through and resets the connection that
    /// carries the one after: Azurite has done that request, and the app never hears so. The SDK then sends it again.
    /// 0 takes back a loss that has not happened yet.
    /// </summary>
    public void LoseTableAnswer(int nth) => _forwarders[2].LoseAnswer(nth);

    /// <summary>
    /// Holds back the next request to the table service whose request line starts with <paramref name="requestLine"/>
    /// (for example <c>DELETE /devstoreaccount1/{table}(</c>) until the hold is released or disposed, so that a test can
    /// let other work happen between two steps of the app. Several holds may wait at once, each for its own request.
    /// </summary>
    public RequestHold HoldTableRequest(string requestLine) => _forwarders[2].Hold(new RequestHold(requestLine));

    public ValueTask DisposeAsync()
    {
        foreach (var f in _forwarders) f.Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>A request held back by <see cref="HoldTableRequest"/>.</summary>
    public sealed class RequestHold(string requestLine) : IDisposable
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string RequestLine => requestLine;

        /// <summary>Completes when the request has arrived and is being held.</summary>
        public Task Reached => _reached.Task;

        internal Task HoldAsync()
        {
            _reached.TrySetResult();
            return _released.Task;
        }

        public void Release() => _released.TrySetResult();

        public void Dispose() => Release();
    }

    private sealed class Forwarder(int target)
    {
        private readonly ConcurrentDictionary<Socket, bool> _open = new();
        private TcpListener? _listener;
        private int _answersUntilLoss;
        private readonly List<RequestHold> _holds = [];

        public void LoseAnswer(int nth) => Interlocked.Exchange(ref _answersUntilLoss, nth);

        public RequestHold Hold(RequestHold hold)
        {
            lock (_holds) _holds.Add(hold);
            return hold;
        }

        /// <summary>The hold for a request that begins with these bytes, taken so that it holds one request only.</summary>
        private Task? HoldFor(ReadOnlyMemory<byte> requestStart)
        {
            lock (_holds)
            {
                if (_holds.Count == 0) return null;
                var start = System.Text.Encoding.ASCII.GetString(requestStart.Span);
                var hold = _holds.Find(h => start.StartsWith(h.RequestLine, StringComparison.Ordinal));
                if (hold is null) return null;
                _holds.Remove(hold);
                return hold.HoldAsync();
            }
        }

        public int Port { get; private set; }

        public void Open()
        {
            var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listener = listener;
            _ = AcceptAsync(listener);
        }

        public void Close()
        {
            _listener?.Stop();
            _listener = null;
            foreach (var socket in _open.Keys) Reset(socket);
        }

        private async Task AcceptAsync(TcpListener listener)
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptSocketAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return; // closed: the link is cut
                }
                _ = PipeAsync(client);
            }
        }

        private async Task PipeAsync(Socket client)
        {
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _open[client] = true;
            _open[server] = true;
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, target);
                // A request is bytes from the client; the first bytes back after them begin its answer.
                var requestSent = 0;
                await Task.WhenAll(
                    CopyAsync(client, server, chunk =>
                    {
                        // The first bytes after an answer (or on a new connection) begin the next request.
                        var held = Interlocked.Exchange(ref requestSent, 1) == 0 ? HoldFor(chunk) : null;
                        return held is null ? ValueTask.CompletedTask : new ValueTask(held);
                    }),
                    CopyAsync(server, client, _ =>
                    {
                        if (Interlocked.Exchange(ref requestSent, 0) == 1 && _answersUntilLoss > 0 && Interlocked.Decrement(ref _answersUntilLoss) == 0)
                        {
                            Reset(client);
                            Reset(server);
                        }
                        return ValueTask.CompletedTask;
                    }));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                _open.TryRemove(client, out _);
                _open.TryRemove(server, out _);
                client.Dispose();
                server.Dispose();
            }
        }

        /// <summary>
        /// One direction; <paramref name="onRead"/> sees each chunk before it is passed on (and may reset the link
        /// instead, or hold the chunk back for a while). At its end of stream the other side is told so, as a direct
        /// connection would be.
        /// </summary>
        private static async Task CopyAsync(Socket from, Socket to, Func<ReadOnlyMemory<byte>, ValueTask> onRead)
        {
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) break;
                await onRead(buffer.AsMemory(0, read));
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }

        /// <summary>Closes with a reset (linger 0), as a dead server's kernel would answer.</summary>
        private static void Reset(Socket socket)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
