using System.Text;
using Microsoft.Extensions.Primitives;

namespace Bangumoe.OAuth;

/// <summary>
/// Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3): client_secret_basic
/// (id and secret form-urlencoded before base64, Appendix B), client_secret_post, or "none" for public clients. A request
/// that uses two methods is refused.
/// </summary>
public sealed class ClientAuthenticator(ClientService clients, ClientSecrets secrets)
{
    public async Task<(ClientEntity? Client, OAuthError? Error)> AuthenticateAsync(
        IReadOnlyDictionary<string, StringValues> form, string? authorization, CancellationToken ct)
    {
        var formId = Single(form, "client_id");
        var formSecret = Single(form, "client_secret");
        string? clientId, secret;
        var usedBasic = false;
        if (!string.IsNullOrEmpty(authorization))
        {
            if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
                return (null, OAuthError.InvalidClient("Only Basic client authentication is accepted in the Authorization header.", usedBasic: true));
            usedBasic = true;
            if (formSecret is not null) return (null, OAuthError.InvalidRequest("Use one client authentication method: Basic or client_secret in the body, not both."));
            if (!TryParseBasic(authorization["Basic ".Length..].Trim(), out clientId, out secret))
                return (null, OAuthError.InvalidClient("The Basic credentials are malformed.", usedBasic: true));
            if (formId is not null && formId != clientId) return (null, OAuthError.InvalidRequest("client_id in the body differs from the Basic credentials."));
        }
        else
        {
            clientId = formId;
            secret = formSecret;
        }
        if (string.IsNullOrEmpty(clientId)) return (null, OAuthError.InvalidClient("Client authentication is required.", usedBasic));

        var client = await clients.FindAsync(clientId, ct).ConfigureAwait(false);
        if (client is null) return (null, OAuthError.InvalidClient("Unknown client or wrong secret.", usedBasic));
        if (client.IsConfidential)
        {
            if (!secrets.Verify(client.SecretHash, secret)) return (null, OAuthError.InvalidClient("Unknown client or wrong secret.", usedBasic));
        }
        else if (secret is not null)
        {
            return (null, OAuthError.InvalidClient("A public client has no secret; authenticate with client_id only (method \"none\").", usedBasic));
        }
        return (client, null);
    }

    /// <summary>The client id the request claims (Basic or body), before any check: the rate limiter's key.</summary>
    public static string? PresentedClientId(IReadOnlyDictionary<string, StringValues> form, string? authorization) =>
        authorization is not null && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
        && TryParseBasic(authorization["Basic ".Length..].Trim(), out var id, out _) ? id : Single(form, "client_id");

    /// <summary>One value of a form parameter; repeated parameters are rejected by the callers before this.</summary>
    public static string? Single(IReadOnlyDictionary<string, StringValues> form, string name) =>
        form.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    internal static bool TryParseBasic(string encoded, out string? clientId, out string? secret)
    {
        clientId = secret = null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return false;
        clientId = FormDecode(decoded[..colon]);
        secret = FormDecode(decoded[(colon + 1)..]);
        return clientId.Length > 0;
    }

    /// <summary>application/x-www-form-urlencoded decoding, as RFC 6749 §2.3.1 requires for Basic credentials.</summary>
    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
