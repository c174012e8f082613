using System.Text.Json;
using System.Text.Json.Nodes;
using Bangumoe.LocalHost.Protocol;

namespace Bangumoe.LocalHost.App;

/// <summary>
/// One function as functions.metadata (written by the Functions SDK at build time) describes it: what the host needs
/// to route to it, and the metadata a <c>FunctionLoadRequest</c> carries to the worker.
/// </summary>
internal sealed record FunctionDefinition(LocalFunction Function, RpcFunctionMetadata Metadata);

/// <summary>The app directory, read once at start-up.</summary>
internal sealed record FunctionAppMetadata(
    string AppDirectory,
    HostJson Host,
    WorkerConfig Worker,
    IReadOnlyList<FunctionDefinition> Functions)
{
    public static FunctionAppMetadata Read(string appDirectory, AppSettings? settings = null)
    {
        appDirectory = Path.GetFullPath(appDirectory);
        if (!Directory.Exists(appDirectory))
            throw new DirectoryNotFoundException($"The app directory {appDirectory} does not exist.");
        foreach (var required in new[] { "functions.metadata", "worker.config.json" })
            if (!File.Exists(Path.Combine(appDirectory, required)))
                throw new FileNotFoundException(
                    $"{appDirectory} has no {required}: give the build output of an isolated-worker app " +
                    "(dotnet build writes it to bin/<Configuration>/<tfm>/).", Path.Combine(appDirectory, required));

        var host = HostJson.Read(appDirectory, settings);
        var worker = WorkerConfig.Read(appDirectory);
        var functions = ReadFunctions(Path.Combine(appDirectory, "functions.metadata"), appDirectory, host.RoutePrefix);
        return new FunctionAppMetadata(appDirectory, host, worker, functions);
    }

    private static List<FunctionDefinition> ReadFunctions(string path, string appDirectory, string routePrefix)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonArray
            ?? throw new InvalidDataException($"{path} is not a JSON array of functions.");
        var functions = new List<FunctionDefinition>();
        foreach (var node in root)
        {
            if (node is not JsonObject entry) continue;
            var name = (string?)entry["name"] ?? throw new InvalidDataException($"{path}: a function has no name.");
            var bindings = (entry["bindings"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            var metadata = new RpcFunctionMetadata
            {
                Name = name,
                FunctionId = name,
                Directory = appDirectory,
                ScriptFile = (string?)entry["scriptFile"] ?? "",
                EntryPoint = (string?)entry["entryPoint"] ?? "",
                Language = (string?)entry["language"] ?? "dotnet-isolated",
            };
            foreach (var binding in bindings)
                metadata.RawBindings.Add(binding.ToJsonString());
            AddBindings(metadata);
            functions.Add(new FunctionDefinition(Describe(name, bindings, routePrefix), metadata));
        }
        return functions;
    }

    /// <summary>
    /// Fills <see cref="RpcFunctionMetadata.Bindings"/> from <see cref="RpcFunctionMetadata.RawBindings"/>, as the
    /// Azure host does before a FunctionLoadRequest: the worker reads binding names, types and directions from there.
    /// </summary>
    public static void AddBindings(RpcFunctionMetadata metadata)
    {
        metadata.Bindings.Clear();
        foreach (var raw in metadata.RawBindings)
        {
            if (JsonNode.Parse(raw) is not JsonObject binding || (string?)binding["name"] is not { } name) continue;
            var info = new BindingInfo
            {
                Type = (string?)binding["type"] ?? "",
                Direction = ((string?)binding["direction"])?.ToLowerInvariant() switch
                {
                    "out" => BindingInfo.Types.Direction.Out,
                    "inout" => BindingInfo.Types.Direction.Inout,
                    _ => BindingInfo.Types.Direction.In,
                },
                DataType = ((string?)binding["dataType"])?.ToLowerInvariant() switch
                {
                    "string" => BindingInfo.Types.DataType.String,
                    "binary" => BindingInfo.Types.DataType.Binary,
                    "stream" => BindingInfo.Types.DataType.Stream,
                    _ => BindingInfo.Types.DataType.Undefined,
                },
            };
            if (binding["properties"] is JsonObject properties)
                foreach (var (key, value) in properties)
                    if (value is not null) info.Properties[key] = value.GetValueKind() == JsonValueKind.String ? (string)value! : value.ToJsonString();
            metadata.Bindings[name] = info;
        }
    }

    private static LocalFunction Describe(string name, List<JsonObject> bindings, string routePrefix)
    {
        var trigger = bindings.FirstOrDefault(b =>
            ((string?)b["type"])?.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true);
        var type = (string?)trigger?["type"] ?? "";
        var bindingName = (string?)trigger?["name"] ?? "";

        if (type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
        {
            var route = ((string?)trigger!["route"] ?? name).Trim('/');
            var methods = (trigger["methods"] as JsonArray)?
                .Select(m => ((string?)m)?.ToUpperInvariant()).OfType<string>().Distinct().ToList() ?? [];
            var template = routePrefix.Length == 0 ? route : $"{routePrefix}/{route}";
            return new LocalFunction(name, FunctionTriggerKind.Http, type, bindingName, template, methods,
                (string?)trigger["authLevel"], QueueName: null, Connection: null);
        }

        if (type.Equals("queueTrigger", StringComparison.OrdinalIgnoreCase))
            return new LocalFunction(name, FunctionTriggerKind.Queue, type, bindingName, RouteTemplate: null, [],
                AuthLevel: null, (string?)trigger!["queueName"], (string?)trigger["connection"]);

        return new LocalFunction(name, FunctionTriggerKind.Unsupported, type, bindingName, null, [], null, null, null);
    }
}
