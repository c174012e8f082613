using System.Net;
using Bangumoe.LocalHost.App;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bangumoe.LocalHost.Http;

/// <summary>
/// The public HTTP port. Each HTTP function is an ASP.NET Core endpoint (route prefix + route, its methods), so
/// route matching, constraints and precedence are ASP.NET Core routing's, as in the Azure host.
/// </summary>
internal sealed class HttpFrontEnd : IAsyncDisposable
{
    /// <summary>Azure's front end caps request bodies at 100 MB.</summary>
    private const long MaxRequestBodySize = 100L * 1024 * 1024;

    private readonly WebApplication _app;

    private HttpFrontEnd(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<HttpFrontEnd> StartAsync(
        int port,
        FunctionAppMetadata app,
        Func<IServiceProvider, HttpInvocationForwarder> createForwarder,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            // Not the entry assembly's name: inside a test process that is the test (or the app under test).
            ApplicationName = typeof(FunctionsLocalHost).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodySize;
            kestrel.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddRouting();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(createForwarder);

        var web = builder.Build();
        web.UseRouting();
        web.Use(MethodMismatchIsNotFound);
        var forwarder = web.Services.GetRequiredService<HttpInvocationForwarder>();
        foreach (var function in app.Functions.Select(f => f.Function).Where(f => f.Trigger == FunctionTriggerKind.Http))
        {
            RequestDelegate handler = context => forwarder.ForwardAsync(context, function);
            var endpoint = function.Methods.Count == 0
                ? web.Map(function.RouteTemplate!, handler)
                : web.MapMethods(function.RouteTemplate!, function.Methods, handler);
            endpoint.WithDisplayName(function.Name).WithMetadata(function);
        }

        await web.StartAsync(cancellationToken);
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new HttpFrontEnd(web, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>
    /// The Azure host treats a function's methods as a route constraint, so a request whose method no function
    /// accepts finds no route: 404. ASP.NET Core would pick its own "405 Method Not Allowed" endpoint instead; drop
    /// that endpoint (it carries no function) so the request falls through to 404.
    /// </summary>
    private static Task MethodMismatchIsNotFound(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<LocalFunction>() is null)
            context.SetEndpoint(null);
        return next(context);
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Kestrel aborts the remaining requests.
        }
        await _app.DisposeAsync();
    }
}
