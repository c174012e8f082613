using System.Text.Json;
using System.Text.Json.Serialization;
using Bangumoe.Functions.Accounts;
using Bangumoe.Functions.Bangumi;
using Bangumoe.Functions.Collections;
using Bangumoe.Functions.Health;
using Bangumoe.Functions.Hosting;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.OAuth;
using Microsoft.AspNetCore.Authentication;

namespace Bangumoe.Functions;

public static class Extensions
{
    public static WebApplicationBuilder AddBangumoe(this WebApplicationBuilder builder)
    {
        builder.ConfigureListening();
        var services = builder.Services;
        services.AddHostingCore().AddStorage().AddQueues().AddEmail().AddSecurity().AddAccounts().AddOAuth().AddCollections().AddBangumi();

        services.AddProblemDetails();
        services.AddExceptionHandler<HttpErrorHandler>();
        // Bad input throws, so HttpErrorHandler can answer with a problem that names the field.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // "12" is not a number: a client sending the wrong type hears so instead of being guessed at.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        return builder;
    }

    public static WebApplication MapBangumoe(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodeProblems();
        app.UseRequestBodyLimit();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealth();
        app.MapAuth();
        app.MapMe();
        app.MapAccountPages();
        app.MapDiscovery();
        app.MapClients();
        app.MapAuthorize();
        app.MapTokenEndpoints();
        app.MapAuthorizations();
        app.MapSeedCompat();
        app.MapCatalog();
        app.MapCollections();
        app.MapBangumi();
        app.MapQueueFunctions();
        return app;
    }
}
