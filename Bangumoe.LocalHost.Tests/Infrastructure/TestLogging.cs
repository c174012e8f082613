using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Tests.Infrastructure;

/// <summary>
/// Host and worker logs for tests: kept in memory (to put into assertion messages) and written to the current
/// test's output when there is one. Lines that arrive after a test has finished are only kept.
/// </summary>
public sealed class TestLogging : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public ILoggerFactory Factory { get; }

    public TestLogging() =>
        Factory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Microsoft.Hosting", LogLevel.Warning)
            .AddFilter("Yarp", LogLevel.Warning)
            .AddFilter("Grpc", LogLevel.Warning)
            .AddFilter("Bangumoe.LocalHost", LiveLogsSetting == "debug" ? LogLevel.Debug : LogLevel.Information)
            .AddProvider(this));

    /// <summary>Everything logged so far.</summary>
    public string Text => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>LOCALHOST_TEST_LOGS=1 (or =debug, with the host's debug logs) also writes every line to stderr, live.</summary>
    private static readonly string? LiveLogsSetting = Environment.GetEnvironmentVariable("LOCALHOST_TEST_LOGS");
    private static readonly bool LiveLogs = LiveLogsSetting is "1" or "debug";

    private void Write(string line)
    {
        _lines.Enqueue(line);
        if (LiveLogs) Console.Error.WriteLine(line);
        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // No test is running on this flow any more.
        }
    }

    private sealed class Logger(TestLogging logging, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logging.Write($"{DateTime.Now:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}
