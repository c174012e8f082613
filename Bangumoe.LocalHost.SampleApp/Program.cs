using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bangumoe.LocalHost.SampleApp;

public static class Program
{
    public static void Main(string[] args) => CreateHost(args).Run();

    /// <summary>
    /// Builds the worker's host. Tests that run the worker inside the test process call this with a configure step
    /// (their configuration and services are added after the app's own, so they win); Main only builds and runs.
    /// </summary>
    public static IHost CreateHost(string[] args, Action<FunctionsApplicationBuilder>? configure = null)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddSingleton<Observations>();
        configure?.Invoke(builder);
        return builder.Build();
    }
}
