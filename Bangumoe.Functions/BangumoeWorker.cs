using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization;
using Bangumoe.Functions.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

namespace Bangumoe.Functions;

/// <summary>
/// The isolated worker, configured: the ASP.NET Core integration, Bangumoe's services, and the worker middleware that
/// holds the cross-cutting HTTP behaviour (one place each). <c>Program</c> builds and runs it; the tests build the same
/// worker and add their own configuration and services after it, the way WebApplicationFactory does.
/// </summary>
public static class BangumoeWorker
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();

        // Outermost first: the common policy (body limit, no-store, failures as problems), then the caller is authenticated for functions that need it.
        builder.UseMiddleware<HttpPolicyMiddleware>();
        builder.UseMiddleware<AccessTokenMiddleware>();

        builder.Services.AddHostingCore().AddStorage().AddQueues().AddEmail().AddSecurity().AddAccounts().AddOAuth().AddCollections().AddBangumi();
        builder.Services.AddSingleton<BearerAuthenticator>();
        builder.Services.AddSingleton<ClientCors>();
        builder.Services.AddSingleton<OAuth.ClientPosts>();
        builder.Services.AddSingleton<Pages.PageRequests>();
        builder.Services.AddProblemDetails();
        builder.Services.AddRazorComponents();
        // Pages in Chinese as characters, not entities: the default encoder lets only Basic Latin through. Still an
        // HTML encoder, so markup in a value is shown as text.
        builder.Services.AddSingleton(HtmlEncoder.Create(UnicodeRanges.All));
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // "12" is not a number: a client sending the wrong type hears so instead of being guessed at.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // {"password":"a","password":"b"} is refused, not read as its last value: two readers of one body must not
            // see different requests.
            o.SerializerOptions.AllowDuplicateProperties = false;
        });
        return builder;
    }
}
