using System.Globalization;
using System.Runtime.InteropServices;
using Bangumoe.LocalHost;
using Microsoft.Extensions.Logging;

// dotnet Bangumoe.LocalHost.dll [--app <dir>] [--port <port>] [--settings <local.settings.json>]
//   --app       the isolated-worker app's build output (default: the current directory)
//   --port      the public HTTP port on 127.0.0.1 (default: FUNCTIONS_LOCALHOST_PORT, else 7071; 0 = any free port)
//   --settings  a local.settings.json whose Values become app settings (default: <app>/local.settings.json if present)
// Exit codes: 0 stopped by Ctrl+C/SIGTERM, 1 the worker failed or exited, 2 bad usage or app directory.

var options = CommandLine.Parse(args);
if (options is null) return 2;

using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss ";
    })
    .SetMinimumLevel(LogLevel.Information)
    // The host's own ASP.NET Core, gRPC and YARP plumbing (and the worker's) only when something goes wrong.
    .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
    .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning)
    .AddFilter("Grpc", LogLevel.Warning)
    .AddFilter("Yarp", LogLevel.Warning));

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

FunctionsLocalHost host;
try
{
    host = await FunctionsLocalHost.StartAsync(options with { LoggerFactory = loggerFactory }, stop.Token);
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    Console.Error.WriteLine($"The host could not start: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    return 0;
}

await using (host)
{
    Console.WriteLine();
    Console.WriteLine("Functions:");
    foreach (var function in host.Functions)
        Console.WriteLine($"        {function.Describe(host.BaseAddress)}");
    Console.WriteLine();
    Console.WriteLine($"Host started at {host.BaseAddress.ToString().TrimEnd('/')}");

    var stopped = await Task.WhenAny(host.Stopped, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => "", TaskScheduler.Default));
    if (stopped == host.Stopped)
    {
        Console.Error.WriteLine(await host.Stopped);
        return 1;
    }
}
return 0;

void Stop(PosixSignalContext context)
{
    // Shut down in order (WorkerTerminate, then the ports) instead of letting the runtime kill the process.
    context.Cancel = true;
    stop.Cancel();
}

internal static class CommandLine
{
    public const string PortVariable = "FUNCTIONS_LOCALHOST_PORT";

    public static LocalHostOptions? Parse(string[] args)
    {
        string app = Directory.GetCurrentDirectory();
        string? settings = null;
        var portText = Environment.GetEnvironmentVariable(PortVariable);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--app" when value is not null: app = value; i++; break;
                case "--port" when value is not null: portText = value; i++; break;
                case "--settings" when value is not null: settings = value; i++; break;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete option '{args[i]}'.");
                    Console.Error.WriteLine("usage: Bangumoe.LocalHost [--app <dir>] [--port <port>] [--settings <local.settings.json>]");
                    return null;
            }
        }

        var port = 7071;
        if (!string.IsNullOrEmpty(portText) &&
            (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            Console.Error.WriteLine($"The port must be a number from 0 to 65535 (got '{portText}').");
            return null;
        }
        return new LocalHostOptions { AppDirectory = Path.GetFullPath(app), Port = port, SettingsFile = settings };
    }
}
