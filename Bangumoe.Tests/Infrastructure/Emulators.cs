using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

[assembly: AssemblyFixture(typeof(Bangumoe.Tests.Infrastructure.Emulators))]

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// Real Azurite (in memory) and real MailDev, started once for the whole test run on free loopback ports from the
/// repository's own node_modules (test.sh runs npm ci). Every test app gets its own table/queue name prefix, so tests
/// share these processes without seeing each other's data.
/// </summary>
public sealed class Emulators : IAsyncLifetime
{
    private readonly List<Process> _processes = [];

    public int BlobPort { get; } = FreePort();
    public int QueuePort { get; } = FreePort();
    public int TablePort { get; } = FreePort();
    public int SmtpPort { get; } = FreePort();
    public int MailWebPort { get; } = FreePort();

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public string StorageConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public MailDev Mail { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var bin = Path.Combine(RepoPaths.Root, "node_modules", ".bin");
        if (!File.Exists(Path.Combine(bin, "azurite")) || !File.Exists(Path.Combine(bin, "maildev")))
            throw new InvalidOperationException($"Azurite/MailDev are not installed in {bin}: run ./test.sh (it runs npm ci) or npm ci.");

        Start(Path.Combine(bin, "azurite"),
            $"--inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck --loose " +
            $"--blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 --blobPort {BlobPort} --queuePort {QueuePort} --tablePort {TablePort}");
        Start(Path.Combine(bin, "maildev"), $"--smtp {SmtpPort} --web {MailWebPort} --ip 127.0.0.1 --web-ip 127.0.0.1");
        await Task.WhenAll(WaitForPort(BlobPort), WaitForPort(QueuePort), WaitForPort(TablePort), WaitForPort(SmtpPort), WaitForPort(MailWebPort));
        Mail = new MailDev(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{MailWebPort}") });
    }

    public ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private readonly StringBuilder _output = new();

    private void Start(string file, string arguments)
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetTempPath(),
            },
        };
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private async Task WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_processes.Any(p => p.HasExited))
                throw new InvalidOperationException("An emulator exited during start-up:\n" + _output);
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
        throw new TimeoutException($"Nothing listens on 127.0.0.1:{port} after 60 s:\n{_output}");
    }

    public static int FreePort()
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
