using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bangumoe.LocalHost.App;

/// <summary>The parts of host.json this host honours, with the Azure host's defaults.</summary>
internal sealed record HostJson(string RoutePrefix, QueueSettings Queues, TimeSpan? FunctionTimeout)
{
    /// <summary>The app setting prefix that overrides host.json values (<c>AzureFunctionsJobHost__extensions__queues__batchSize</c>).</summary>
    public const string OverridePrefix = "AzureFunctionsJobHost";

    public static HostJson Read(string appDirectory, AppSettings? settings = null)
    {
        var path = Path.Combine(appDirectory, "host.json");
        JsonNode? root = new JsonObject();
        if (File.Exists(path))
        {
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions
                {
                    CommentHandling = JsonCommentHandling.Skip,
                    AllowTrailingCommas = true,
                });
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
            }
        }
        // As in Azure, app settings override host.json, one value each.
        foreach (var (section, value) in settings?.Section(OverridePrefix) ?? [])
        {
            var node = root as JsonObject ?? throw new InvalidDataException($"{path} is not a JSON object.");
            foreach (var name in section[..^1])
                node = node[name] as JsonObject ?? (JsonObject)(node[name] = new JsonObject());
            node[section[^1]] = value;
        }

        var extensions = root?["extensions"];
        var routePrefix = (string?)extensions?["http"]?["routePrefix"] ?? "api";
        var queues = extensions?["queues"];
        var defaults = QueueSettings.Default;
        var batchSize = ReadInt(queues?["batchSize"]) ?? defaults.BatchSize;
        var queueSettings = new QueueSettings(
            MaxDequeueCount: ReadInt(queues?["maxDequeueCount"]) ?? defaults.MaxDequeueCount,
            VisibilityTimeout: ReadDuration(queues?["visibilityTimeout"]) ?? defaults.VisibilityTimeout,
            MaxPollingInterval: ReadDuration(queues?["maxPollingInterval"]) ?? defaults.MaxPollingInterval,
            BatchSize: batchSize,
            // The Azure host's default: fetch the next batch once half of the current one is done.
            NewBatchThreshold: ReadInt(queues?["newBatchThreshold"]) ?? batchSize / 2,
            Base64Encoding: !string.Equals((string?)queues?["messageEncoding"], "none", StringComparison.OrdinalIgnoreCase));
        if (queueSettings.BatchSize is < 1 or > 32)
            throw new InvalidDataException($"{path}: extensions.queues.batchSize must be between 1 and 32.");
        if (queueSettings.MaxDequeueCount < 1)
            throw new InvalidDataException($"{path}: extensions.queues.maxDequeueCount must be at least 1.");

        // "-1" (or no value) means no timeout, as in the Azure host on dedicated plans and in Core Tools.
        var timeout = ReadDuration(root?["functionTimeout"]);
        if (timeout <= TimeSpan.Zero) timeout = null;

        return new HostJson(routePrefix.Trim('/'), queueSettings, timeout);
    }

    private static int? ReadInt(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<int>(),
        JsonValueKind.String => int.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>host.json durations are TimeSpan strings ("00:00:30"); "-1" means none.</summary>
    private static TimeSpan? ReadDuration(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String when node.GetValue<string>().Trim() == "-1" => TimeSpan.FromTicks(-1),
        JsonValueKind.String => TimeSpan.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture),
        JsonValueKind.Number when node.GetValue<double>() < 0 => TimeSpan.FromTicks(-1),
        _ => null,
    };
}

/// <summary>host.json's <c>extensions.queues</c>.</summary>
internal sealed record QueueSettings(
    int MaxDequeueCount,
    TimeSpan VisibilityTimeout,
    TimeSpan MaxPollingInterval,
    int BatchSize,
    int NewBatchThreshold,
    bool Base64Encoding)
{
    public static QueueSettings Default { get; } = new(
        MaxDequeueCount: 5,
        VisibilityTimeout: TimeSpan.Zero,
        MaxPollingInterval: TimeSpan.FromMinutes(1),
        BatchSize: 16,
        NewBatchThreshold: 8,
        Base64Encoding: true);
}
