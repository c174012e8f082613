using System.Text;
using Bangumoe.OAuth;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// The wire format of the back-channel protocol endpoints, read once: a form body whose parameters each appear at most
/// once (RFC 6749 §3.2), and the client's credentials from the Basic header (id and secret form-urlencoded before
/// base64, RFC 6749 §2.3.1 and Appendix B), the body, or a client assertion (RFC 7523 §2.2). What it cannot read is the
/// client's error, never a 500.
/// </summary>
public sealed record OAuthForm(IReadOnlyDictionary<string, string> Values, ClientCredentials Client)
{
    public string? this[string name] => Values.TryGetValue(name, out var value) ? value : null;

    public static async Task<Result<OAuthForm>> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType) return OAuthErrors.InvalidRequest("Send the parameters as application/x-www-form-urlencoded.");
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (InvalidDataException)
        {
            // The form reader refuses what it cannot decode (a NUL byte, say).
            return OAuthErrors.InvalidRequest("The form body cannot be read.");
        }
        var repeated = form.Where(f => f.Value.Count > 1).Select(f => f.Key).ToList();
        if (repeated.Count > 0) return OAuthErrors.InvalidRequest("Repeated parameter: " + string.Join(", ", repeated));
        var values = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var client = Credentials(request.Headers.Authorization.ToString(), values);
        return client.Ok ? new OAuthForm(values, client.Value!) : client.Error!;
    }

    private static Result<ClientCredentials> Credentials(string authorization, IReadOnlyDictionary<string, string> form)
    {
        form.TryGetValue("client_id", out var formId);
        form.TryGetValue("client_secret", out var formSecret);
        if (form.ContainsKey("client_assertion") || form.ContainsKey("client_assertion_type")) return Assertion(authorization, formId, formSecret, form);
        if (string.IsNullOrEmpty(authorization))
            return new ClientCredentials(formId, formSecret, formSecret is null ? ClientAuthMethod.None : ClientAuthMethod.ClientSecretPost);
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return OAuthErrors.InvalidClient("Only Basic client authentication is accepted in the Authorization header.");
        if (formSecret is not null) return OAuthErrors.InvalidRequest("Use one client authentication method: Basic or client_secret in the body, not both.");
        if (BasicCredentials.Parse(authorization["Basic ".Length..].Trim()) is not var (id, secret))
            return OAuthErrors.InvalidClient("The Basic credentials are malformed.");
        if (formId is not null && formId != id) return OAuthErrors.InvalidRequest("client_id in the body differs from the Basic credentials.");
        return new ClientCredentials(id, secret, ClientAuthMethod.ClientSecretBasic);
    }

    /// <summary>private_key_jwt: the assertion alone authenticates, so a secret beside it is a second method (refused);
    /// client_id is optional (RFC 7521 §4.2) and, when sent, must be the assertion's subject.</summary>
    private static Result<ClientCredentials> Assertion(string authorization, string? formId, string? formSecret, IReadOnlyDictionary<string, string> form)
    {
        if (!string.IsNullOrEmpty(authorization) || formSecret is not null)
            return OAuthErrors.InvalidRequest("Use one client authentication method: a client assertion or a secret, not both.");
        form.TryGetValue("client_assertion_type", out var type);
        form.TryGetValue("client_assertion", out var assertion);
        if (type != ClientAssertions.JwtBearerType)
            return OAuthErrors.InvalidClient($"client_assertion_type must be {ClientAssertions.JwtBearerType}.");
        if (string.IsNullOrEmpty(assertion)) return OAuthErrors.InvalidClient("client_assertion is missing.");
        var claimed = ClientAssertions.ClaimedClientId(assertion);
        if (claimed is null) return OAuthErrors.InvalidClient("client_assertion is not a JWT with a sub.");
        if (formId is not null && formId != claimed) return OAuthErrors.InvalidClient("client_id differs from the assertion's sub.");
        return new ClientCredentials(claimed, null, ClientAuthMethod.PrivateKeyJwt) { Assertion = assertion };
    }
}

/// <summary>HTTP Basic credentials as RFC 6749 §2.3.1 encodes them for OAuth clients.</summary>
public static class BasicCredentials
{
    /// <summary>The client id and secret, or null when the value is not base64 of "id:secret" with a non-empty id.</summary>
    public static (string ClientId, string Secret)? Parse(string encoded)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return null;
        var clientId = FormDecode(decoded[..colon]);
        return clientId.Length > 0 ? (clientId, FormDecode(decoded[(colon + 1)..])) : null;
    }

    /// <summary>application/x-www-form-urlencoded decoding, as RFC 6749 §2.3.1 requires for Basic credentials.</summary>
    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}
