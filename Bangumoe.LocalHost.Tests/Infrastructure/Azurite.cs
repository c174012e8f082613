using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Storage.Queues;

[assembly: AssemblyFixture(typeof(Bangumoe.LocalHost.Tests.Infrastructure.Azurite))]

namespace Bangumoe.LocalHost.Tests.Infrastructure;

/// <summary>
/// Real Azurite (in memory) from the repository's node_modules (npm ci), started once for the test run on free
/// loopback ports. Tests share it and keep apart by using their own queue names.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public int BlobPort { get; } = FreePort.Next();
    public int QueuePort { get; } = FreePort.Next();
    public int TablePort { get; } = FreePort.Next();

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    /// <summary>A client for one queue; <paramref name="base64"/> as the Functions default messageEncoding.</summary>
    public QueueClient Queue(string name, bool base64 = true) =>
        new(ConnectionString, name, new QueueClientOptions
        {
            MessageEncoding = base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None,
        });

    /// <summary>A fresh queue name (3-63 lower-case letters, digits and dashes).</summary>
    public static string NewQueueName(string purpose) => $"{purpose}-{Guid.NewGuid().ToString("N")[..12]}";

    public async ValueTask InitializeAsync()
    {
        var azurite = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
            throw new InvalidOperationException($"Azurite is not installed ({azurite} is missing): run npm ci in {RepoPaths.Root}.");

        _process = new Process
        {
            StartInfo = new ProcessStartInfo(azurite,
                "--inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck --loose " +
                "--blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 " +
                $"--blobPort {BlobPort} --queuePort {QueuePort} --tablePort {TablePort}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetTempPath(),
            },
        };
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForPortAsync(QueuePort);
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited) throw new InvalidOperationException("Azurite exited during start-up:\n" + _output);
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"Azurite does not listen on 127.0.0.1:{port} after 60 s:\n{_output}");
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}

public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public static class RepoPaths
{
    /// <summary>The checkout's root: the folder holding Bangumoe.sln, found from the test binaries upwards.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Bangumoe.sln"))) return dir.FullName;
        throw new InvalidOperationException("Bangumoe.sln not found above " + AppContext.BaseDirectory);
    }
}
