using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Deploy;

/// <summary>Runs a command of the repository and returns its exit code and output (stdout and stderr together).</summary>
internal static class Shell
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish within {timeout}.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>
/// The Bicep in infra/ builds and passes the linter with no error and no warning, using the bicep binary of the
/// Azure.Bicep.CommandLine.linux-x64 package. (bicep exits 0 on warnings, so the output is what is checked.)
/// </summary>
public sealed class InfrastructureTests
{
    private static string Bicep
    {
        get
        {
            var path = typeof(InfrastructureTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
            Assert.True(File.Exists(path), $"The bicep binary is not at {path}: is Azure.Bicep.CommandLine.linux-x64 restored?");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
            return path;
        }
    }

    [Theory]
    [InlineData("build infra/main.bicep --stdout")]
    [InlineData("lint infra/main.bicep")]
    [InlineData("build-params infra/main.dev.bicepparam --stdout")]
    [InlineData("lint infra/main.dev.bicepparam")]
    public async Task Bicep_is_clean(string command)
    {
        var (exitCode, output) = await Shell.RunAsync(Bicep, command, TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"bicep {command} failed:\n{output}");
        var findings = output.Split('\n').Where(l => l.Contains(": Warning ", StringComparison.Ordinal) || l.Contains(": Error ", StringComparison.Ordinal)).ToList();
        Assert.True(findings.Count == 0, $"bicep {command}:\n" + string.Join('\n', findings));
    }

    [Fact]
    public async Task The_template_wires_the_isolated_worker_identity_storage_and_key_vault()
    {
        var (exitCode, output) = await Shell.RunAsync(Bicep, "build infra/main.bicep --stdout", TimeSpan.FromMinutes(3));
        Assert.Equal(0, exitCode);
        var arm = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        var resources = arm.GetProperty("resources").EnumerateObject().Select(p => p.Value).ToList();
        JsonElement Resource(string type) => resources.Single(r => r.GetProperty("type").GetString() == type);

        var plan = Resource("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        var site = Resource("Microsoft.Web/sites").GetProperty("properties");
        var runtime = site.GetProperty("functionAppConfig").GetProperty("runtime");
        Assert.Equal("dotnet-isolated", runtime.GetProperty("name").GetString());
        Assert.Equal("10.0", runtime.GetProperty("version").GetString());
        Assert.Equal("UserAssignedIdentity", site.GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage").GetProperty("authentication").GetProperty("type").GetString());
        var settings = site.GetProperty("siteConfig").GetProperty("appSettings").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!);
        // Identity-based storage, no connection string or key anywhere.
        Assert.Contains("AzureWebJobsStorage__accountName", settings.Keys);
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain(settings.Values, v => v.Contains("AccountKey", StringComparison.OrdinalIgnoreCase) || v.Contains("listKeys", StringComparison.OrdinalIgnoreCase));
        Assert.False(Resource("Microsoft.Storage/storageAccounts").GetProperty("properties").GetProperty("allowSharedKeyAccess").GetBoolean());
        // Secrets are Key Vault references (built by the template's secretRef function), never values.
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", output, StringComparison.Ordinal);
        foreach (var secret in new[] { "Smtp__Password", "Signing__Keys__0__PrivateKeyPem", "Bangumi__ClientSecret", "Bangumi__TokenEncryptionKey" })
            Assert.StartsWith("[__bicep.secretRef(reference('vault').vaultUri, ", settings[secret], StringComparison.Ordinal);
        // The blob, queue and table data roles for the identity.
        var assignments = resources.Where(r => r.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments").ToList();
        Assert.True(assignments.Count >= 3, "expected role assignments for the identity");
        Assert.Contains(assignments, a => a.TryGetProperty("copy", out var copy) && copy.GetProperty("count").ToString().Contains("length", StringComparison.Ordinal));
        var roles = arm.GetProperty("variables").GetProperty("roles");
        foreach (var (name, id) in new[] { ("storageBlobDataOwner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"), ("storageQueueDataContributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"), ("storageTableDataContributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"), ("keyVaultSecretsUser", "4633458b-17de-408a-b874-0445c86b69e6") })
        {
            Assert.Equal(id, roles.GetProperty(name).GetString());
            Assert.Contains(assignments, a => a.ToString().Contains($"variables('roles').{name}", StringComparison.Ordinal));
        }
        Assert.Contains("appUrl", arm.GetProperty("outputs").EnumerateObject().Select(o => o.Name));
        Assert.Contains("functionAppName", arm.GetProperty("outputs").EnumerateObject().Select(o => o.Name));
    }
}

/// <summary>
/// scripts/package.sh builds the zip a Flex Consumption app runs: the worker's publish output. Unpacked, its
/// functions.metadata must name every function of the code with its route, and the worker it describes must be there,
/// ReadyToRun, with host.json and no settings file.
/// </summary>
public sealed class PackageTests
{
    [Fact]
    public async Task The_package_holds_every_function_and_the_worker_that_runs_them()
    {
        var zipPath = Path.Combine(Path.GetTempPath(), $"bangumoe-package-{Guid.NewGuid():N}.zip");
        try
        {
            // A cold ReadyToRun publish, built apart from the solution, on two cores the rest of the suite is using:
            // it took 7 minutes once (about 2 alone), so the ceiling is well above that.
            var (exitCode, output) = await Shell.RunAsync("bash", $"scripts/package.sh {zipPath}", TimeSpan.FromMinutes(15));
            Assert.True(exitCode == 0, "scripts/package.sh failed:\n" + output);

            using var zip = ZipFile.OpenRead(zipPath);
            var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName, StringComparer.Ordinal);
            async Task<JsonElement> Json(string name)
            {
                Assert.True(entries.TryGetValue(name, out var entry), $"{name} is missing from the package");
                using var reader = new StreamReader(entry.Open());
                return JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
            }

            // Every [Function] of the code, by name, with its route (HTTP), its schedule (timer) or queue.
            var metadata = (await Json("functions.metadata")).EnumerateArray()
                .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("bindings")[0], StringComparer.Ordinal);
            var code = typeof(Bangumoe.Functions.BangumoeWorker).Assembly.GetTypes().SelectMany(t => t.GetMethods())
                .Where(m => m.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), false).Length > 0)
                .ToList();
            Assert.Equal(code.Count, metadata.Count);
            foreach (var method in code)
            {
                var name = ((Microsoft.Azure.Functions.Worker.FunctionAttribute)method.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), false)[0]).Name;
                Assert.True(metadata.TryGetValue(name, out var trigger), $"{name} is not in the package's functions.metadata");
                var http = method.GetParameters().SelectMany(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.HttpTriggerAttribute), false))
                    .Cast<Microsoft.Azure.Functions.Worker.HttpTriggerAttribute>().SingleOrDefault();
                var timer = method.GetParameters().SelectMany(p => p.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.TimerTriggerAttribute), false))
                    .Cast<Microsoft.Azure.Functions.Worker.TimerTriggerAttribute>().SingleOrDefault();
                if (http is not null) Assert.Equal(http.Route, trigger.GetProperty("route").GetString());
                else if (timer is not null) Assert.Equal(timer.Schedule, trigger.GetProperty("schedule").GetString());
                else Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
            }

            // The worker the host starts (worker.config.json) is there, with its dependencies and ReadyToRun code.
            var worker = (await Json("worker.config.json")).GetProperty("description");
            Assert.Equal("dotnet-isolated", worker.GetProperty("language").GetString());
            var workerPath = worker.GetProperty("defaultWorkerPath").GetString()!;
            Assert.True(entries.ContainsKey(workerPath), $"{workerPath} is missing from the package");
            foreach (var dependency in new[] { "Bangumoe.Shared.dll", "Microsoft.Azure.Functions.Worker.dll", "Microsoft.Azure.Functions.Worker.Grpc.dll", "Bangumoe.Functions.deps.json", "Bangumoe.Functions.runtimeconfig.json", "extensions.json" })
                Assert.Contains(dependency, entries.Keys);
            using (var dll = new MemoryStream())
            {
                await using (var stream = entries[workerPath].Open()) await stream.CopyToAsync(dll);
                dll.Position = 0;
                using var pe = new PEReader(dll);
                Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{workerPath} is not ReadyToRun");
            }
            Assert.Equal("", (await Json("host.json")).GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
            Assert.DoesNotContain(entries.Keys, k => Path.GetFileName(k).StartsWith("local.settings", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(zipPath);
        }
    }
}
