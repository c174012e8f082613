using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Pages;

/// <summary>The pages' stylesheet: one file, so the pages need no inline style and their CSP can forbid it.</summary>
public sealed class AssetFunctions
{
    private static readonly byte[] Stylesheet = Read("site.css");

    [Function("Stylesheet")]
    public IResult Css([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "assets/site.css")] HttpRequest req)
    {
        req.HttpContext.Response.Headers.CacheControl = "public, max-age=3600";
        req.HttpContext.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(Stylesheet, "text/css; charset=utf-8");
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(AssetFunctions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
