using System.Diagnostics;
using Bangumoe.LocalHost.App;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Worker;

/// <summary>
/// The worker as a child process, started the way the Azure host starts it: worker.config.json's executable and
/// worker path, in the app directory, with the <c>--functions-*</c> switches and the app settings as environment.
/// Its console output is logged and the last lines are kept, to explain a worker that dies or never connects.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int OutputTailLines = 60;

    /// <summary>
    /// Inherited variables that would make the worker's own Kestrel listen on the host's public address: the worker
    /// must pick its own port (it reports it as HttpUri). Settings given explicitly still pass.
    /// </summary>
    private static readonly string[] InheritedAddressVariables =
        ["URLS", "ASPNETCORE_URLS", "DOTNET_URLS", "HTTP_PORTS", "ASPNETCORE_HTTP_PORTS", "DOTNET_HTTP_PORTS",
         "HTTPS_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_HTTPS_PORTS"];

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    /// <summary>Completes with the exit code when the process exits.</summary>
    public Task<int> Exited => _exited.Task;

    public int Id => _process.Id;

    public static WorkerProcess Start(
        FunctionAppMetadata app,
        AppSettings settings,
        Uri grpcAddress,
        string workerId,
        ILoggerFactory loggerFactory)
    {
        var (fileName, arguments) = CommandLine(app.Worker);
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = app.AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--functions-uri");
        start.ArgumentList.Add(grpcAddress.ToString());
        start.ArgumentList.Add("--functions-worker-id");
        start.ArgumentList.Add(workerId);
        start.ArgumentList.Add("--functions-request-id");
        start.ArgumentList.Add(Guid.NewGuid().ToString());
        start.ArgumentList.Add("--functions-grpc-max-message-length");
        start.ArgumentList.Add(int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture));

        foreach (var name in start.Environment.Keys.ToList())
            if (InheritedAddressVariables.Contains(name, StringComparer.OrdinalIgnoreCase))
                start.Environment.Remove(name);
        foreach (var (name, value) in settings.Explicit)
            start.Environment[name] = value;
        foreach (var (name, value) in WorkerEnvironment(app.AppDirectory))
            start.Environment[name] = value;

        var worker = new WorkerProcess(new Process { StartInfo = start, EnableRaisingEvents = true },
            loggerFactory.CreateLogger("Bangumoe.LocalHost.WorkerProcess"));
        worker.Run();
        return worker;
    }

    /// <summary>Environment the Azure host sets for every dotnet-isolated worker.</summary>
    public static IEnumerable<KeyValuePair<string, string>> WorkerEnvironment(string appDirectory) =>
    [
        new("FUNCTIONS_WORKER_RUNTIME", "dotnet-isolated"),
        new("FUNCTIONS_APPLICATION_DIRECTORY", appDirectory),
        new("FUNCTIONS_WORKER_DIRECTORY", appDirectory),
    ];

    private static (string FileName, List<string> Arguments) CommandLine(WorkerConfig config)
    {
        var executable = config.ExecutablePath;
        // "dotnet": the same .NET host that runs this process, when it is one (no PATH lookup surprises).
        if (executable.Equals("dotnet", StringComparison.OrdinalIgnoreCase) &&
            Environment.ProcessPath is { } self &&
            Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            executable = self;
        return (executable, config.WorkerPath is null ? [] : [config.WorkerPath]);
    }

    private void Run()
    {
        _process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        _process.ErrorDataReceived += (_, e) => OnOutput(e.Data);
        _process.Exited += (_, _) => _ = ReportExitAsync();
        try
        {
            _process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Could not start the Functions worker '{_process.StartInfo.FileName}' in {_process.StartInfo.WorkingDirectory}: {e.Message}", e);
        }
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        LogStarted(_logger, _process.Id, _process.StartInfo.FileName, string.Join(' ', _process.StartInfo.ArgumentList), null);
    }

    private async Task ReportExitAsync()
    {
        // Exited can fire before the last output lines are read; WaitForExit drains the redirected streams.
        await _process.WaitForExitAsync();
        _exited.TrySetResult(_process.ExitCode);
    }

    private void OnOutput(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > OutputTailLines) _tail.Dequeue();
        }
        LogOutput(_logger, line, null);
    }

    /// <summary>The last lines the worker wrote to stdout and stderr.</summary>
    public string OutputTail
    {
        get
        {
            lock (_tail) return _tail.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>Waits for the process to exit on its own, then kills it (and its children).</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_exited.Task.IsCompleted) return;
        try
        {
            await _exited.Task.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited in the meantime.
            }
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        _process.Dispose();
    }

    private static readonly Action<ILogger, int, string, string, Exception?> LogStarted =
        LoggerMessage.Define<int, string, string>(LogLevel.Debug, new EventId(20, "WorkerProcessStarted"),
            "Started the worker (pid {Pid}): {FileName} {Arguments}");

    private static readonly Action<ILogger, string, Exception?> LogOutput =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(21, "WorkerOutput"), "{Line}");
}
