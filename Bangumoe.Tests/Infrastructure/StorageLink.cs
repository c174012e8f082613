using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// Stands between an app and Azurite so that a test can take storage away mid-request and give it back: while cut,
/// connecting is refused and every open connection is reset, which is what the app sees when Azurite stops. Azurite
/// itself keeps running, so what was acknowledged before the cut is still there afterwards, as with real storage.
/// It can also lose one answer of the table service: the request is done, and the connection dies as its answer starts.
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

    public ValueTask DisposeAsync()
    {
        foreach (var f in _forwarders) f.Close();
        return ValueTask.CompletedTask;
    }

    private sealed class Forwarder(int target)
    {
        private readonly ConcurrentDictionary<Socket, bool> _open = new();
        private TcpListener? _listener;
        private int _answersUntilLoss;

        public void LoseAnswer(int nth) => Interlocked.Exchange(ref _answersUntilLoss, nth);

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
                    CopyAsync(client, server, _ => Volatile.Write(ref requestSent, 1)),
                    CopyAsync(server, client, _ =>
                    {
                        if (Interlocked.Exchange(ref requestSent, 0) == 1 && _answersUntilLoss > 0 && Interlocked.Decrement(ref _answersUntilLoss) == 0)
                        {
                            Reset(client);
                            Reset(server);
                        }
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
        /// instead). At its end of stream the other side is told so, as a direct connection would be.
        /// </summary>
        private static async Task CopyAsync(Socket from, Socket to, Action<int> onRead)
        {
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0) break;
                onRead(read);
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
