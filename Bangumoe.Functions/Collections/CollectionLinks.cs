namespace Bangumoe.Functions.Collections;

/// <summary>The addresses the anime and collection pages link to, and which stored URLs a page may load as an image.</summary>
public static class CollectionLinks
{
    public static string Anime(string id) => "/anime/" + Uri.EscapeDataString(id);

    /// <summary><paramref name="path"/> with the parameters that have a value (empty ones are left out).</summary>
    public static string With(string path, params (string Name, string? Value)[] parameters)
    {
        var query = QueryString.Empty;
        foreach (var (name, value) in parameters)
            if (!string.IsNullOrEmpty(value)) query = query.Add(name, value);
        return path + query;
    }

    /// <summary>An image URL someone stored (an anime's cover, an avatar), if a page may load it: absolute https only,
    /// as the pages' CSP allows (img-src https:), so nothing else ever reaches a <c>src</c>.</summary>
    public static string? HttpsImage(string? url) =>
        url is { Length: > 0 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.Host.Length > 0
            ? uri.AbsoluteUri
            : null;
}
