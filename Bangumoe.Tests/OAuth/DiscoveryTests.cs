using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// RFC 8414 / OpenID Connect discovery and the JWKS: one issuer string everywhere, taken from configuration and never
/// from the request; only the public halves of the signing keys; a key published ahead of time takes over on time.
/// </summary>
public sealed class DiscoveryTests(DefaultApp app, Emulators emulators) : IClassFixture<DefaultApp>
{
    private const string Issuer = BangumoeApp.PublicBaseUrl;

    public static TheoryData<string> MetadataPaths => ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"];

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    [Theory]
    [MemberData(nameof(MetadataPaths))]
    public async Task The_metadata_names_the_issuer_and_its_endpoints(string path)
    {
        var response = await NoRedirects(app).GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var doc = JsonDocument.Parse(text).RootElement;

        Assert.Equal(Issuer, doc.GetProperty("issuer").GetString());
        Assert.Equal(Issuer + "/oauth/authorize", doc.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(Issuer + "/oauth/token", doc.GetProperty("token_endpoint").GetString());
        Assert.Equal(Issuer + "/oauth/userinfo", doc.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(Issuer + "/.well-known/jwks.json", doc.GetProperty("jwks_uri").GetString());
        Assert.Equal(Issuer + "/oauth/revoke", doc.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(Issuer + "/oauth/introspect", doc.GetProperty("introspection_endpoint").GetString());
        foreach (var property in doc.EnumerateObject().Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name == "jwks_uri"))
            Assert.StartsWith(Issuer + "/", property.Value.GetString(), StringComparison.Ordinal);

        Assert.Equal(["S256"], Strings(doc, "code_challenge_methods_supported"));
        Assert.Equal(["code"], Strings(doc, "response_types_supported"));

        var grants = Strings(doc, "grant_types_supported");
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
        Assert.Contains("client_credentials", grants);
        Assert.DoesNotContain("implicit", grants);
        Assert.DoesNotContain("password", grants);

        var authMethods = Strings(doc, "token_endpoint_auth_methods_supported");
        Assert.Contains("client_secret_basic", authMethods);
        Assert.Contains("client_secret_post", authMethods);
        Assert.Contains("none", authMethods);

        Assert.Equal(JsonValueKind.True, doc.GetProperty("authorization_response_iss_parameter_supported").ValueKind);
        Assert.Contains("RS256", Strings(doc, "id_token_signing_alg_values_supported"));

        var scopes = Strings(doc, "scopes_supported");
        foreach (var scope in new[] { "openid", "profile", "email", "offline_access", "collection:read", "collection:write" })
            Assert.Contains(scope, scopes);
        Assert.DoesNotContain("account", scopes);
    }

    [Fact]
    public async Task Both_metadata_documents_agree()
    {
        var client = NoRedirects(app);
        var oidc = (await client.GetAsync("/.well-known/openid-configuration").Ok()).GetRawText();
        var oauth = (await client.GetAsync("/.well-known/oauth-authorization-server").Ok()).GetRawText();
        Assert.Equal(oidc, oauth);
    }

    [Theory]
    [MemberData(nameof(MetadataPaths))]
    public async Task The_request_cannot_change_the_issuer(string path)
    {
        var client = NoRedirects(app);
        var honest = (await client.GetAsync(path).Ok()).GetRawText();

        var spoofs = new Action<HttpRequestMessage>[]
        {
            r => r.Headers.Host = "evil.example",
            r => r.Headers.Host = "evil.example:8443",
            r => r.Headers.Add("X-Forwarded-Host", "evil.example"),
            r => r.Headers.Add("X-Forwarded-Proto", "https"),
            r => r.Headers.Add("X-Forwarded-Prefix", "/evil"),
            r => r.Headers.Add("Forwarded", "host=evil.example;proto=https"),
            r =>
            {
                r.Headers.Host = "evil.example";
                r.Headers.Add("X-Forwarded-Host", "evil.example");
                r.Headers.Add("X-Forwarded-Proto", "https");
            },
        };
        foreach (var spoof in spoofs)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            spoof(request);
            var response = await client.SendAsync(request);
            var doc = await response.Ok();
            Assert.Equal(Issuer, doc.GetProperty("issuer").GetString());
            Assert.DoesNotContain("evil", doc.GetRawText(), StringComparison.Ordinal);
            Assert.Equal(honest, doc.GetRawText());
        }
    }

    [Fact]
    public async Task The_jwks_publishes_only_the_public_key()
    {
        var response = await NoRedirects(app).GetAsync("/.well-known/jwks.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var maxAge = response.Headers.CacheControl?.MaxAge;
        Assert.True(maxAge is { } age && age > TimeSpan.Zero, $"Cache-Control '{response.Headers.CacheControl}' has no max-age.");

        var jwks = JsonDocument.Parse(text).RootElement;
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        AssertPublicRsaKey(key);
        Assert.Equal(Base64UrlEncoder.Encode(new RsaSecurityKey(TestKeys.Rsa).ComputeJwkThumbprint()), key.GetProperty("kid").GetString());
        Assert.Equal(TokenForgery.AppKeyId, key.GetProperty("kid").GetString());
        var parameters = TestKeys.Rsa.ExportParameters(false);
        Assert.Equal(Base64UrlEncoder.Encode(parameters.Modulus), key.GetProperty("n").GetString());
        Assert.Equal(Base64UrlEncoder.Encode(parameters.Exponent), key.GetProperty("e").GetString());
        Assert.DoesNotContain(Base64UrlEncoder.Encode(TestKeys.Rsa.ExportParameters(true).D), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_login_token_verifies_against_the_jwks()
    {
        var user = await app.NewVerifiedUser();
        var jwks = await NoRedirects(app).GetAsync("/.well-known/jwks.json").Ok();
        var key = new JsonWebKey(Assert.Single(jwks.GetProperty("keys").EnumerateArray()).GetRawText());
        Assert.False(key.HasPrivateKey);

        Assert.Equal(key.Kid, TokenForgery.DecodePart(user.Token, 0).GetProperty("kid").GetString());
        Assert.Equal("RS256", TokenForgery.DecodePart(user.Token, 0).GetProperty("alg").GetString());
        var result = await Validate(user.Token, key, validateLifetime: true);
        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal(user.Uid, ((JsonWebToken)result.SecurityToken).Subject);

        // The control: a token signed by another key does not verify against it.
        using var other = RSA.Create(2048);
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var forged = TokenForgery.AccessToken(app, user.Uid, stamp, credentials: TokenForgery.Credentials(other, key.Kid));
        Assert.False((await Validate(forged, key, validateLifetime: true)).IsValid);
    }

    [Fact]
    public async Task A_key_published_ahead_takes_over_and_the_old_one_still_verifies()
    {
        using var second = RSA.Create(2048);
        var kid0 = TokenForgery.AppKeyId;
        var kid1 = Base64UrlEncoder.Encode(new RsaSecurityKey(second).ComputeJwkThumbprint());
        var takeover = DateTimeOffset.UtcNow.AddMinutes(30);
        await using var rotating = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            ["Signing:Keys:1:PrivateKeyPem"] = second.ExportPkcs8PrivateKeyPem(),
            ["Signing:Keys:1:NotBefore"] = takeover.ToString("O", CultureInfo.InvariantCulture),
        });
        var client = rotating.NewClient();

        // Both keys are published from the start, so relying parties know the new one before it signs.
        var jwks = await NoRedirects(rotating).GetAsync("/.well-known/jwks.json").Ok();
        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(new[] { kid0, kid1 }.Order(StringComparer.Ordinal), keys.Select(k => k.GetProperty("kid").GetString()!).Order(StringComparer.Ordinal));
        foreach (var k in keys) AssertPublicRsaKey(k);
        var jwk0 = new JsonWebKey(keys.Single(k => k.GetProperty("kid").GetString() == kid0).GetRawText());
        var jwk1 = new JsonWebKey(keys.Single(k => k.GetProperty("kid").GetString() == kid1).GetRawText());
        var secondPublic = second.ExportParameters(false);
        Assert.Equal(Base64UrlEncoder.Encode(secondPublic.Modulus), jwk1.N);
        Assert.Equal(Base64UrlEncoder.Encode(secondPublic.Exponent), jwk1.E);

        // Before NotBefore, key 0 signs.
        var user = await rotating.NewVerifiedUser();
        var early = user.Token;
        Assert.Equal(kid0, TokenForgery.DecodePart(early, 0).GetProperty("kid").GetString());
        Assert.True((await Validate(early, jwk0, validateLifetime: false)).IsValid);
        Assert.False((await Validate(early, jwk1, validateLifetime: false)).IsValid);

        // After it, key 1 signs; the earlier token (still within its hour) keeps working.
        rotating.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.True(rotating.Clock.GetUtcNow() > takeover);
        var late = await client.Login(user.Email, user.Password);
        Assert.Equal(kid1, TokenForgery.DecodePart(late, 0).GetProperty("kid").GetString());
        Assert.True((await Validate(late, jwk1, validateLifetime: false)).IsValid);
        Assert.False((await Validate(late, jwk0, validateLifetime: false)).IsValid);

        Assert.Equal(user.Uid, (await client.Me(early)).GetProperty("uid").GetString());
        Assert.Equal(user.Uid, (await client.Me(late)).GetProperty("uid").GetString());

        // The JWKS still publishes both.
        var after = await NoRedirects(rotating).GetAsync("/.well-known/jwks.json").Ok();
        Assert.Equal(new[] { kid0, kid1 }.Order(StringComparer.Ordinal),
            after.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).Order(StringComparer.Ordinal));
    }

    private static HttpClient NoRedirects(BangumoeApp target) =>
        target.CreateClient(new ClientOptions { AllowAutoRedirect = false });

    private static string[] Strings(JsonElement doc, string property)
    {
        var value = doc.GetProperty(property);
        Assert.Equal(JsonValueKind.Array, value.ValueKind);
        return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private static void AssertPublicRsaKey(JsonElement key)
    {
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("n").GetString()));
        Assert.False(string.IsNullOrEmpty(key.GetProperty("e").GetString()));
        foreach (var member in PrivateMembers)
            Assert.False(key.TryGetProperty(member, out _), $"The published key has the private member '{member}': {key}");
    }

    private static Task<TokenValidationResult> Validate(string token, JsonWebKey key, bool validateLifetime) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Issuer,
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            IssuerSigningKey = key,
            RequireSignedTokens = true,
            ValidateLifetime = validateLifetime,
        });
}
