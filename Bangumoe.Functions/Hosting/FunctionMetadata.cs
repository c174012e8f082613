using System.Text.Json;
using System.Text.Json.Nodes;
using Bangumoe.Queues;
using Microsoft.AspNetCore.Routing;

namespace Bangumoe.Functions.Hosting;

/// <summary>Marks an endpoint the Functions host reaches by itself (the queue envelope paths): it gets no HTTP function.</summary>
public sealed class InternalEndpointMetadata;

/// <summary>
/// Produces the Functions host's view of this app from the app itself: one HTTP function per endpoint of the route
/// table (httpTrigger + http out only, so the host forwards the raw request), one queue function per registered queue
/// handler, and host.json with the queue semantics the standalone listener also uses. Written by
/// <c>Bangumoe.Functions emit-functions &lt;dir&gt;</c> into <c>FunctionApp/</c>; a test holds the two together.
/// </summary>
public static class FunctionMetadata
{
    public const string ExecutableName = "Bangumoe.Functions";
    public const string QueueBindingName = "message";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Relative path → file content, for every file of the function app root.</summary>
    public static SortedDictionary<string, string> Describe(IServiceProvider services, IEnumerable<Endpoint> endpoints)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            // From the defaults, not this process's configuration: host.json is a deployment artifact, and the
            // standalone listener uses the same defaults unless a setting overrides them.
            ["host.json"] = HostJson(new QueueOptions()),
        };
        foreach (var endpoint in HttpEndpoints(endpoints))
        {
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
                ?? throw new InvalidOperationException($"Endpoint '{endpoint.RoutePattern.RawText}' has no name (WithName): it needs one to become a function.");
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods
                ?? throw new InvalidOperationException($"Endpoint '{name}' allows every method; give it explicit methods.");
            var function = new JsonObject
            {
                ["bindings"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "httpTrigger",
                        ["direction"] = "in",
                        ["name"] = "req",
                        ["authLevel"] = "anonymous",
                        ["route"] = endpoint.RoutePattern.RawText!.Trim('/'),
                        ["methods"] = new JsonArray(methods.Select(m => (JsonNode)m.ToLowerInvariant()).ToArray()),
                    },
                    new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
            };
            Add(files, name, function);
        }
        foreach (var queue in services.GetRequiredService<QueueFunctionRegistry>().Functions)
        {
            Add(files, queue.FunctionName, new JsonObject
            {
                ["bindings"] = new JsonArray(new JsonObject
                {
                    ["type"] = "queueTrigger",
                    ["direction"] = "in",
                    ["name"] = QueueBindingName,
                    ["queueName"] = queue.QueueName,
                    ["connection"] = "AzureWebJobsStorage",
                }),
            });
        }
        return files;
    }

    /// <summary>The public endpoints: everything routable except the host-only queue paths.</summary>
    public static IEnumerable<RouteEndpoint> HttpEndpoints(IEnumerable<Endpoint> endpoints) =>
        endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<InternalEndpointMetadata>() is null)
            .OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal);

    /// <summary>Replaces <paramref name="directory"/>'s function folders and host.json with the current ones.</summary>
    public static void Write(IServiceProvider services, IEnumerable<Endpoint> endpoints, string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var stale in Directory.GetFiles(directory, "function.json", SearchOption.AllDirectories))
            Directory.Delete(Path.GetDirectoryName(stale)!, recursive: true);
        foreach (var (path, content) in Describe(services, endpoints))
        {
            var full = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
    }

    private static void Add(SortedDictionary<string, string> files, string functionName, JsonObject function)
    {
        if (!files.TryAdd($"{functionName}/function.json", function.ToJsonString(Indented) + "\n"))
            throw new InvalidOperationException($"Two functions are named '{functionName}'.");
    }

    private static string HostJson(QueueOptions queues) => new JsonObject
    {
        ["version"] = "2.0",
        ["logging"] = new JsonObject { ["logLevel"] = new JsonObject { ["default"] = "Information" } },
        ["extensionBundle"] = new JsonObject { ["id"] = "Microsoft.Azure.Functions.ExtensionBundle", ["version"] = "[4.*, 5.0.0)" },
        ["customHandler"] = new JsonObject
        {
            ["description"] = new JsonObject
            {
                // Resolved against the app root, not workingDirectory (the host's rule).
                ["defaultExecutablePath"] = "app/" + ExecutableName,
                ["workingDirectory"] = "app",
            },
            // Forward the raw request (path, query, headers, body) to Kestrel instead of the JSON envelope.
            ["enableForwardingHttpRequest"] = true,
            ["initializationTimeout"] = "00:00:30",
        },
        ["extensions"] = new JsonObject
        {
            // Empty prefix keeps the seed's paths (/oauth2.0/...); internal /{FunctionName} paths stay unreachable
            // because no HTTP function routes to them.
            ["http"] = new JsonObject { ["routePrefix"] = "" },
            ["queues"] = new JsonObject
            {
                ["maxDequeueCount"] = queues.MaxDequeueCount,
                ["visibilityTimeout"] = queues.VisibilityTimeout.ToString("c"),
                ["maxPollingInterval"] = queues.MaxPollingInterval.ToString("c"),
                ["batchSize"] = queues.BatchSize,
                ["messageEncoding"] = "base64",
            },
        },
        ["functionTimeout"] = queues.FunctionTimeout.ToString("c"),
    }.ToJsonString(Indented) + "\n";
}
