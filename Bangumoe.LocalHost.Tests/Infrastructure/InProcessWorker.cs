using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SampleProgram = Bangumoe.LocalHost.SampleApp.Program;

namespace Bangumoe.LocalHost.Tests.Infrastructure;

/// <summary>
/// The sample app's worker running inside the test process, connected to a <see cref="FunctionsLocalHost"/> started
/// with <see cref="LocalHostOptions.StartWorkerProcess"/> false. What it takes (each a measured pitfall):
/// <list type="bullet">
/// <item>the worker's command-line switches as configuration (<see cref="FunctionsLocalHost.ExternalWorkerConfiguration"/>),
/// because the worker reads the test runner's command line, not the args it is given;</item>
/// <item>the app's assembly as the entry assembly (the SDK finds its generated executor through it);</item>
/// <item>FUNCTIONS_APPLICATION_DIRECTORY, process-wide: the directory the app's assembly was loaded from (this test
/// directory), which also holds its host.json;</item>
/// <item>a port of its own for the ASP.NET Core integration (<c>urls</c>) reported as the HttpUri capability, since the
/// integration would otherwise take one port per process.</item>
/// </list>
/// </summary>
public sealed class InProcessWorker : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessWorker(IHost host) => _host = host;

    /// <summary>
    /// Process-wide settings every in-process worker needs. Not a module initializer: xUnit v3 itself finds the test
    /// assembly through the entry assembly, so it may only change once the tests are running.
    /// </summary>
    private static readonly Lazy<bool> ProcessPrepared = new(() =>
    {
        Assembly.SetEntryAssembly(typeof(SampleProgram).Assembly);
        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", AppContext.BaseDirectory);
        return true;
    });

    public static async Task<InProcessWorker> StartAsync(FunctionsLocalHost localHost)
    {
        _ = ProcessPrepared.Value;
        var httpUri = $"http://127.0.0.1:{FreePort.Next()}";
        var host = SampleProgram.CreateHost([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(localHost.ExternalWorkerConfiguration
                .Append(new KeyValuePair<string, string?>("urls", httpUri)));
            builder.Services.PostConfigure<WorkerOptions>(options => options.Capabilities["HttpUri"] = httpUri);
        });
        await host.StartAsync();
        return new InProcessWorker(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(stopping.Token);
        _host.Dispose();
    }
}
