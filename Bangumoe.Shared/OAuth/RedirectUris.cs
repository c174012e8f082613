using System.Net;

namespace Bangumoe.OAuth;

/// <summary>
/// Redirect URI rules. Registration: absolute, https or loopback http, no fragment, no user info, no wildcards.
/// Matching: exact string comparison (no case folding, no normalization, no prefix), with one exception from RFC 8252
/// §7.3: for a registered loopback IP literal (127.0.0.1 or [::1]) any port is accepted, since native apps get an
/// ephemeral port from the OS.
/// </summary>
public static class RedirectUris
{
    public const int MaxLength = 512;
    public const int MaxCount = 10;

    /// <summary>Why this URI cannot be registered, or null when it can.</summary>
    public static string? Problem(string? uri)
    {
        if (string.IsNullOrEmpty(uri)) return "must not be empty";
        if (uri.Length > MaxLength) return $"must be at most {MaxLength} characters";
        if (uri.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) return "must not contain spaces or control characters";
        if (uri.Contains('#', StringComparison.Ordinal)) return "must not contain a fragment (RFC 6749 §3.1.2)";
        if (uri.Contains('*', StringComparison.Ordinal)) return "must not contain wildcards";
        // On Unix, Uri takes "/path" for an absolute file URI: a path alone is relative here.
        if (uri.StartsWith('/') || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed)) return "must be an absolute URI";
        if (!string.IsNullOrEmpty(parsed.UserInfo)) return "must not contain user info";
        if (parsed.Scheme == Uri.UriSchemeHttps) return string.IsNullOrEmpty(parsed.Host) ? "must name a host" : null;
        if (parsed.Scheme == Uri.UriSchemeHttp) return IsLoopbackHost(parsed.Host) ? null : "must use https (http is allowed only for loopback: 127.0.0.1, [::1], localhost)";
        return "must use https, or http on a loopback address";
    }

    /// <summary>Whether <paramref name="requested"/> is one of the registered URIs.</summary>
    public static bool Matches(IEnumerable<string> registered, string? requested) =>
        !string.IsNullOrEmpty(requested) && registered.Any(r => Matches(r, requested));

    public static bool Matches(string registered, string requested)
    {
        if (string.Equals(registered, requested, StringComparison.Ordinal)) return true;
        // RFC 8252 §7.3: loopback IP literals match on everything but the port.
        if (!Uri.TryCreate(registered, UriKind.Absolute, out var r) || !Uri.TryCreate(requested, UriKind.Absolute, out var q)) return false;
        if (r.Scheme != Uri.UriSchemeHttp || !IsLoopbackIp(r.Host)) return false;
        if (q.Scheme != Uri.UriSchemeHttp || !string.IsNullOrEmpty(q.UserInfo) || q.Host != r.Host) return false;
        var a = WithoutPort(registered);
        return a is not null && string.Equals(a, WithoutPort(requested), StringComparison.Ordinal);
    }

    /// <summary>The URI with its port removed, or null unless the authority is exactly host or host:digits.</summary>
    private static string? WithoutPort(string raw)
    {
        // Work on the raw string: no normalization may make two different URIs equal.
        var authorityStart = raw.IndexOf("://", StringComparison.Ordinal) + 3;
        var authorityEnd = raw.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0) authorityEnd = raw.Length;
        var authority = raw[authorityStart..authorityEnd];
        var hostEnd = authority.StartsWith('[') ? authority.IndexOf(']', StringComparison.Ordinal) + 1 : authority.IndexOf(':', StringComparison.Ordinal);
        if (hostEnd <= 0) hostEnd = authority.Length;
        var host = authority[..hostEnd];
        var port = authority[hostEnd..];
        if (host.Contains('@', StringComparison.Ordinal) || (port.Length > 0 && (port.Length == 1 || port[0] != ':' || !port[1..].All(char.IsAsciiDigit))))
            return null;
        return raw[..authorityStart] + host + raw[authorityEnd..];
    }

    private static bool IsLoopbackIp(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip) && (host == "127.0.0.1" || host == "[::1]");

    private static bool IsLoopbackHost(string host) => host == "localhost" || IsLoopbackIp(host);
}
