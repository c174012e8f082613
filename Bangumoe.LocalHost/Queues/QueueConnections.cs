using Azure.Storage.Queues;
using Bangumoe.LocalHost.App;

namespace Bangumoe.LocalHost.Queues;

/// <summary>
/// Resolves a queue trigger's <c>connection</c> the way the WebJobs SDK does: the setting <c>AzureWebJobs&lt;name&gt;</c>,
/// else <c>&lt;name&gt;</c>, else <c>ConnectionStrings:&lt;name&gt;</c>; no name means <c>AzureWebJobsStorage</c>.
/// Only connection strings are supported (including <c>UseDevelopmentStorage=true</c>); identity-based connections
/// (<c>&lt;name&gt;__queueServiceUri</c>) need Azure credentials this host does not handle.
/// </summary>
internal static class QueueConnections
{
    public static QueueServiceClient Create(AppSettings settings, string? connection)
    {
        var name = string.IsNullOrWhiteSpace(connection) ? "Storage" : connection;
        var value = settings["AzureWebJobs" + name] ?? settings[name] ?? settings["ConnectionStrings:" + name];
        if (string.IsNullOrWhiteSpace(value))
        {
            var setting = name.Equals("Storage", StringComparison.OrdinalIgnoreCase) ? "AzureWebJobsStorage" : name;
            var identity = settings[setting + "__queueServiceUri"] ?? settings[setting + "__serviceUri"];
            throw new InvalidOperationException(identity is null
                ? $"The queue connection '{setting}' is not set: add it to local.settings.json's Values, the environment " +
                  "or the host's settings (a connection string, e.g. UseDevelopmentStorage=true)."
                : $"The queue connection '{setting}' is identity-based ({setting}__queueServiceUri); this local host " +
                  $"only supports connection strings: set {setting} to one (e.g. UseDevelopmentStorage=true).");
        }

        // The host decodes and encodes messages itself (host.json messageEncoding), so the client passes text through.
        return new QueueServiceClient(value, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
    }
}
