using System.Reflection;
using System.Text.Json;
using Bangumoe.Functions;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// What the Functions SDK's build wrote for the host (functions.metadata, worker.config.json) against the code:
/// every [Function] is there with its route and methods, every HTTP function is anonymous, no two collide, and
/// host.json keeps the seed's paths and the queue semantics.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static JsonElement Metadata() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsApp.Directory, "functions.metadata"))).RootElement;

    private static IEnumerable<(MethodInfo Method, string Name)> CodeFunctions() =>
        typeof(BangumoeWorker).Assembly.GetTypes().SelectMany(t => t.GetMethods())
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(f => f.Attribute is not null)
            .Select(f => (f.Method, f.Attribute!.Name));

    [Fact]
    public void Every_function_in_the_code_is_in_functions_metadata_with_its_route_and_methods()
    {
        var metadata = Metadata().EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, StringComparer.Ordinal);
        var code = CodeFunctions().ToList();
        Assert.Equal(code.Select(f => f.Name).Order(StringComparer.Ordinal), metadata.Keys.Order(StringComparer.Ordinal));
        foreach (var (method, name) in code)
        {
            var trigger = metadata[name].GetProperty("bindings")[0];
            if (method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null) is { } http)
            {
                Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(http.Route, trigger.GetProperty("route").GetString());
                Assert.Equal(http.Methods!.Order(StringComparer.Ordinal), trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).Order(StringComparer.Ordinal));
            }
            else if (method.GetParameters().Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).FirstOrDefault(a => a is not null) is { } timer)
            {
                Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
                Assert.Equal(timer.Schedule, trigger.GetProperty("schedule").GetString());
            }
            else
            {
                Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
            }
        }
    }

    [Fact]
    public void Http_functions_are_anonymous_with_explicit_methods_and_no_two_collide()
    {
        var http = Metadata().EnumerateArray()
            .Select(f => (Name: f.GetProperty("name").GetString()!, Trigger: f.GetProperty("bindings")[0]))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .Select(f => (f.Name, Route: f.Trigger.GetProperty("route").GetString()!, Auth: f.Trigger.GetProperty("authLevel").GetString(),
                Methods: f.Trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray()))
            .ToList();
        Assert.True(http.Count >= 50, $"expected every endpoint as a function, found {http.Count}");
        foreach (var f in http)
        {
            Assert.Equal("Anonymous", f.Auth);
            Assert.NotEmpty(f.Methods);
            // The host keeps these prefixes for itself.
            Assert.False(f.Route.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || f.Route.StartsWith("runtime", StringComparison.OrdinalIgnoreCase), f.Route);
        }
        foreach (var a in http)
            foreach (var b in http.Where(b => b.Name != a.Name && b.Route == a.Route))
                Assert.False(a.Methods.Intersect(b.Methods).Any(), $"{a.Name} and {b.Name} share route {a.Route} and a method");
    }

    [Fact]
    public void Queue_functions_poll_the_prefixed_queues_of_AzureWebJobsStorage()
    {
        var queues = Metadata().EnumerateArray()
            .Select(f => f.GetProperty("bindings")[0])
            .Where(t => t.GetProperty("type").GetString() == "queueTrigger")
            .ToDictionary(t => t.GetProperty("queueName").GetString()!, t => t.GetProperty("connection").GetString());
        Assert.Equal(["%Storage:NamePrefix%account-mail-requests", "%Storage:NamePrefix%bangumi-import", "%Storage:NamePrefix%email-outbox"], queues.Keys.Order(StringComparer.Ordinal));
        Assert.All(queues.Values, c => Assert.Equal("AzureWebJobsStorage", c));
    }

    [Fact]
    public void Host_json_keeps_the_seed_paths_and_the_queue_semantics_and_the_worker_is_described()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsApp.Directory, "host.json"))).RootElement;
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.Equal("", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        var queues = host.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.True(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.Zero);

        var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsApp.Directory, "worker.config.json"))).RootElement.GetProperty("description");
        Assert.Equal("dotnet-isolated", worker.GetProperty("language").GetString());
        Assert.Equal("Bangumoe.Functions.dll", worker.GetProperty("defaultWorkerPath").GetString());
    }
}
