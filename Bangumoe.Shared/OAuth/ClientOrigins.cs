namespace Bangumoe.OAuth;

/// <summary>
/// The web origins a browser app may call the token, revocation and userinfo endpoints from (CORS): the origin of each
/// of its redirect URIs, plus the ones it lists. An origin is compared as serialized by the browser in the
/// <c>Origin</c> header: <c>scheme://host[:port]</c>, lower case, no default port, no path.
/// </summary>
public static class ClientOrigins
{
    public const int MaxCount = 10;

    /// <summary>Why this origin cannot be registered, or null when it can. Same schemes as redirect URIs: https, or http
    /// on a loopback address.</summary>
    public static string? Problem(string? origin)
    {
        if (string.IsNullOrEmpty(origin)) return "must not be empty";
        if (origin.Length > 256) return "must be at most 256 characters";
        if (origin.StartsWith('/') || !Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return "must be an origin such as https://app.example";
        var canonical = Serialize(uri);
        if (!string.Equals(origin, canonical, StringComparison.Ordinal))
            return $"must be written as a browser sends it ({canonical}): scheme and host in lower case, no path, no default port";
        return RedirectUris.Problem(origin + "/");
    }

    /// <summary>The origin of a registered redirect URI.</summary>
    public static string Of(string uri) => Serialize(new Uri(uri));

    /// <summary>Whether a request from <paramref name="origin"/> (the <c>Origin</c> header) may read the client's answers.</summary>
    public static bool Allows(ClientEntity client, string origin) =>
        client.AllowedOrigins.Contains(origin, StringComparer.Ordinal)
        || client.RedirectUris.Any(r => string.Equals(Of(r), origin, StringComparison.Ordinal));

    private static string Serialize(Uri uri) =>
        uri.Scheme + "://" + uri.Host.ToLowerInvariant() + (uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
