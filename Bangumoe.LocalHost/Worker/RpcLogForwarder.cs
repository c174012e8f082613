using System.Collections.Concurrent;
using Bangumoe.LocalHost.Protocol;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Worker;

/// <summary>
/// The worker sends its logs (its own and the functions' ILogger output) as RpcLog messages instead of writing them
/// to a console the host reads. This writes each to the host's logger under the category the worker gave.
/// </summary>
internal sealed class RpcLogForwarder(ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public void Forward(RpcLog log)
    {
        var category = string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category;
        var logger = _loggers.GetOrAdd(category, loggerFactory.CreateLogger);
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (level == LogLevel.None || !logger.IsEnabled(level)) return;

        var message = log.Exception is { } exception
            ? $"{log.Message}{Environment.NewLine}{exception.Type}: {exception.Message}{Environment.NewLine}{exception.StackTrace}"
            : log.Message;
#pragma warning disable CA1848, CA2254 // The message is the worker's, already formatted; there is no template to cache.
        logger.Log(level, message);
#pragma warning restore CA1848, CA2254
    }
}
