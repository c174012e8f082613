using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bangumoe.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.OpenApi;

/// <summary>
/// <c>GET /openapi.json</c>: the OpenAPI 3.1 description of Bangumoe's HTTP API, for app developers. It is a maintained
/// file (OpenApi/openapi.json, embedded), not generated: the functions answer <c>IResult</c>s, so reflection could not
/// see the statuses, bodies and errors a developer needs, while the tests hold the file to the code (every function's
/// route and method is in it, and real answers validate against its schemas). Only the origin is filled in here: the
/// server and the OAuth URLs carry the configured PublicBaseUrl, as the issuer does.
/// </summary>
public sealed class OpenApiFunctions(IOptions<AppOptions> app)
{
    public const string ResourceName = "openapi.json";

    private static readonly ConcurrentDictionary<string, byte[]> Served = new(StringComparer.Ordinal);

    [Function("OpenApiDocument")]
    public IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest req)
    {
        var headers = req.HttpContext.Response.Headers;
        headers.CacheControl = "public, max-age=3600";
        // A public description without credentials: API consoles on other origins may read it.
        headers.AccessControlAllowOrigin = "*";
        return TypedResults.Bytes(Served.GetOrAdd(app.Value.Issuer, For), "application/json; charset=utf-8");
    }

    /// <summary>The document as the file has it (relative URLs), for the tests.</summary>
    public static JsonNode Maintained()
    {
        using var stream = typeof(OpenApiFunctions).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException("OpenApi/openapi.json is not embedded.");
        return JsonNode.Parse(stream) ?? throw new InvalidOperationException("OpenApi/openapi.json is empty.");
    }

    /// <summary>The served document: the file with this server's origin in <c>servers</c> and the security schemes.</summary>
    private static byte[] For(string issuer)
    {
        var document = Maintained();
        document["servers"] = new JsonArray(new JsonObject { ["url"] = issuer, ["description"] = "This Bangumoe." });
        var schemes = document["components"]!["securitySchemes"]!;
        schemes["openIdConnect"]!["openIdConnectUrl"] = issuer + schemes["openIdConnect"]!["openIdConnectUrl"]!.GetValue<string>();
        foreach (var (_, flow) in schemes["oauth2"]!["flows"]!.AsObject())
            foreach (var name in new[] { "authorizationUrl", "tokenUrl", "refreshUrl" })
                if (flow![name] is { } url) flow[name] = issuer + url.GetValue<string>();
        return JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
