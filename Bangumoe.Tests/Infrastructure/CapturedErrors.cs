using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>
/// The errors the app's worker logged, with their exceptions: a test that sees a 500 can say which exception it was,
/// where the response only carries a trace id (the console log of a passing run is not kept).
/// </summary>
public sealed class CapturedErrors : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public IReadOnlyCollection<string> Entries => _entries;

    /// <summary>Every captured error, for an assertion message.</summary>
    public override string ToString() => _entries.IsEmpty ? "(no errors logged)" : string.Join("\n---\n", _entries);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) entries.Enqueue($"{category}: {formatter(state, exception)}\n{exception}");
        }
    }
}
