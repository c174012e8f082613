namespace Bangumoe.Hosting;

/// <summary>Top-level settings every feature reads. Bound from the configuration root.</summary>
public sealed class AppOptions
{
    /// <summary>
    /// The public origin of the service (scheme, host, optional path), e.g. <c>https://id.example.com</c>.
    /// Links in mails, the token issuer and redirect URIs are built from it, never from the request: behind the
    /// Functions host the request is rebuilt with scheme http and cannot be trusted for this.
    /// </summary>
    public string PublicBaseUrl { get; set; } = "";

    /// <summary>The issuer string: <see cref="PublicBaseUrl"/> without a trailing slash, byte-identical everywhere.</summary>
    public string Issuer => PublicBaseUrl.TrimEnd('/');

    public bool UsesHttps => PublicBaseUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public string Url(string pathAndQuery) => Issuer + pathAndQuery;

    internal static IEnumerable<string> Validate(AppOptions o)
    {
        if (!Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            yield return "PublicBaseUrl must be an absolute http(s) URL without query, fragment or user info " +
                         $"(got '{o.PublicBaseUrl}').";
        }
    }
}

internal static class OptionsValidation
{
    /// <summary>Turns a list of messages (each naming its key) into an options validation result.</summary>
    public static Microsoft.Extensions.Options.ValidateOptionsResult ToResult(IEnumerable<string> failures)
    {
        var list = failures.ToList();
        return list.Count == 0
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Success
            : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(list);
    }
}
