using System.Diagnostics;
using System.Text.Json;
using Bangumoe.Functions.Hosting;
using Bangumoe.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Hosting;

/// <summary>
/// The committed function app (Bangumoe.Functions/FunctionApp: host.json and one folder per function) must be exactly
/// what the route table and queue registry produce: an endpoint without its function, or a function without its
/// endpoint, fails here. Regenerate with: dotnet run --project Bangumoe.Functions -- emit-functions Bangumoe.Functions/FunctionApp
/// </summary>
public sealed class FunctionMetadataTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private static string FunctionAppDir => Path.Combine(RepoPaths.Root, "Bangumoe.Functions", "FunctionApp");

    private SortedDictionary<string, string> Expected()
    {
        _ = app.Server; // start the app so the route table is built
        return FunctionMetadata.Describe(app.Services, app.Services.GetRequiredService<EndpointDataSource>().Endpoints);
    }

    private static SortedDictionary<string, string> Committed(string dir) => new(
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f).Replace('\\', '/'), File.ReadAllText), StringComparer.Ordinal);

    [Fact]
    public void Committed_function_folders_match_the_route_table_and_queue_registry()
    {
        var expected = Expected();
        var committed = Committed(FunctionAppDir);
        var missing = expected.Keys.Except(committed.Keys).ToList();
        var extra = committed.Keys.Except(expected.Keys).ToList();
        Assert.True(missing.Count == 0, "Endpoints without a function folder: " + string.Join(", ", missing) + ". Run emit-functions.");
        Assert.True(extra.Count == 0, "Function folders without an endpoint: " + string.Join(", ", extra) + ". Run emit-functions.");
        foreach (var (path, content) in expected)
            Assert.True(content == committed[path], $"{path} differs from what the code produces. Run emit-functions.");
    }

    [Fact]
    public void Every_endpoint_is_a_pure_http_function_and_no_two_conflict()
    {
        var functions = Expected().Where(f => f.Key.EndsWith("/function.json", StringComparison.Ordinal))
            .Select(f => (Name: f.Key.Split('/')[0], Json: JsonDocument.Parse(f.Value).RootElement.GetProperty("bindings")))
            .ToList();
        var http = functions.Where(f => f.Json[0].GetProperty("type").GetString() == "httpTrigger").ToList();
        Assert.True(http.Count >= 10, "expected the accounts API as functions");
        var routes = new List<(string Name, string Route, string[] Methods)>();
        foreach (var (name, bindings) in http)
        {
            // Exactly httpTrigger in + http out: anything more and the host stops forwarding the raw request.
            Assert.Equal(2, bindings.GetArrayLength());
            Assert.Equal("http", bindings[1].GetProperty("type").GetString());
            Assert.Equal("anonymous", bindings[0].GetProperty("authLevel").GetString());
            var route = bindings[0].GetProperty("route").GetString()!;
            Assert.False(route.StartsWith("admin", StringComparison.OrdinalIgnoreCase) || route.StartsWith("runtime", StringComparison.OrdinalIgnoreCase), route);
            var methods = bindings[0].GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray();
            Assert.NotEmpty(methods);
            routes.Add((name, route, methods));
        }
        foreach (var a in routes)
            foreach (var b in routes.Where(b => b.Name != a.Name && b.Route == a.Route))
                Assert.False(a.Methods.Intersect(b.Methods).Any(), $"{a.Name} and {b.Name} share route {a.Route} and a method");

        var queue = functions.Single(f => f.Name == "SendEmail").Json;
        Assert.Equal(1, queue.GetArrayLength());
        Assert.Equal("queueTrigger", queue[0].GetProperty("type").GetString());
        Assert.Equal("email-outbox", queue[0].GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", queue[0].GetProperty("connection").GetString());
    }

    [Fact]
    public void Host_json_forwards_http_with_an_empty_route_prefix_and_the_listeners_queue_semantics()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionAppDir, "host.json"))).RootElement;
        Assert.Equal("2.0", host.GetProperty("version").GetString());
        var handler = host.GetProperty("customHandler");
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal("app/Bangumoe.Functions", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.Equal("", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
        var queues = host.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString());
        Assert.True(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.Zero);
        Assert.StartsWith("[4.", host.GetProperty("extensionBundle").GetProperty("version").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_emit_functions_command_of_the_executable_writes_the_committed_files()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bangumoe-emit-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var process = Process.Start(new ProcessStartInfo("dotnet", [Executable.DllPath, "emit-functions", dir])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(process.ExitCode == 0, await stderr);
            Assert.Equal(Committed(FunctionAppDir), Committed(dir));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
