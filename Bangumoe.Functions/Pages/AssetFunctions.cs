using System.Collections.Frozen;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// The pages' stylesheet and scripts (Pages/assets/, embedded in the app): files, so the pages need no inline style
/// or script and their CSP can forbid both.
/// </summary>
public sealed class AssetFunctions
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, byte[]> Files = typeof(AssetFunctions).Assembly.GetManifestResourceNames()
        .Where(name => name.StartsWith("assets/", StringComparison.Ordinal))
        .ToFrozenDictionary(name => name["assets/".Length..], Read, StringComparer.Ordinal);

    [Function("Asset")]
    public IResult Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "assets/{name}")] HttpRequest req, string name)
    {
        if (!Files.TryGetValue(name, out var bytes) || !ContentTypes.TryGetValue(Path.GetExtension(name), out var type))
            return TypedResults.NotFound();
        req.HttpContext.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Bytes(bytes, type);
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(AssetFunctions).Assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
