using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>An app's signing key for private_key_jwt, as the app holds it: the private key, and the public JWK it registers.</summary>
public sealed class ClientKey
{
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public ECDsa Ec { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Kid { get; } = "k-" + Guid.NewGuid().ToString("N")[..12];

    public JsonObject PublicJwk()
    {
        var p = Ec.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = Kid, ["use"] = "sig", ["alg"] = "ES256",
            ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
        };
    }

    /// <summary>The private JWK, for a client written in another language (node's WebCrypto imports it).</summary>
    public string PrivateJwk()
    {
        var jwk = PublicJwk();
        jwk["d"] = Base64UrlEncoder.Encode(Ec.ExportParameters(true).D);
        return jwk.ToJsonString();
    }

    public JsonObject Jwks() => new() { ["keys"] = new JsonArray(PublicJwk()) };

    /// <summary>
    /// A client assertion as RFC 7523 §3 describes it (iss = sub = client_id, aud = the issuer, exp a minute ahead, a fresh
    /// jti), signed ES256 with this key; <paramref name="change"/> edits the claims before signing (null removes one).
    /// </summary>
    public string Assertion(string clientId, Action<Dictionary<string, object?>>? change = null, string? kid = null, string alg = SecurityAlgorithms.EcdsaSha256)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = clientId, ["sub"] = clientId, ["aud"] = BangumoeApp.PublicBaseUrl, ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now, ["exp"] = now + 60,
        };
        change?.Invoke(claims);
        return Sign(claims.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!), new ECDsaSecurityKey(Ec) { KeyId = kid ?? Kid }, alg);
    }

    public static string Sign(Dictionary<string, object> claims, SecurityKey key, string alg) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(JsonSerializer.Serialize(claims), new SigningCredentials(key, alg));

    /// <summary>An unsigned JWT ("alg": "none") with these claims.</summary>
    public static string Unsigned(Dictionary<string, object?> claims) =>
        Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims)) + ".";
}

public static class ClientKeyHelpers
{
    /// <summary>Registers a confidential app that authenticates with private_key_jwt and <paramref name="key"/>; returns its client_id.</summary>
    public static async Task<string> RegisterKeyAppAsync(this HttpClient http, TestUser owner, ClientKey key, string redirectUri = OAuthFlow.RedirectUri,
        bool requirePar = false)
    {
        var json = await (await http.Send(HttpMethod.Post, "/api/clients", owner.Token, new Dictionary<string, object>
        {
            ["name"] = "Key Tracker", ["home_url"] = "https://client.example", ["redirect_uris"] = new[] { redirectUri }, ["type"] = "confidential",
            ["token_endpoint_auth_method"] = "private_key_jwt", ["jwks"] = key.Jwks(), ["require_pushed_authorization_requests"] = requirePar,
        })).Ok(HttpStatusCode.Created);
        Assert.Equal("private_key_jwt", json.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(json.TryGetProperty("client_secret", out _), "a key-based app gets no secret");
        return json.GetProperty("client_id").GetString()!;
    }

    /// <summary>POSTs a form to a protocol endpoint, optionally with Basic credentials.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient http, string path, Dictionary<string, string> form, string? basicId = null, string? basicSecret = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (basicId is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(basicId) + ":" + Uri.EscapeDataString(basicSecret ?? ""))));
        return await http.SendAsync(request);
    }

    /// <summary>client_credentials with a client assertion: the shortest way to see whether an assertion authenticates.</summary>
    public static Task<HttpResponseMessage> ClientCredentialsAsync(this HttpClient http, string clientId, string assertion, string? assertionType = ClientKey.AssertionType,
        bool sendClientId = true)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_assertion"] = assertion };
        if (assertionType is not null) form["client_assertion_type"] = assertionType;
        if (sendClientId) form["client_id"] = clientId;
        return http.PostFormAsync("/oauth/token", form);
    }
}
