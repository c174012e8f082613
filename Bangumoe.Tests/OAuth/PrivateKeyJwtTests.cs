using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// private_key_jwt (RFC 7523): an app registers its public keys and proves itself at the token, revocation,
/// introspection and PAR endpoints with a JWT signed by one of them. Each refusal of RFC 7523 §3 is tried.
/// </summary>
public sealed class PrivateKeyJwtTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task An_assertion_signed_with_a_registered_key_authenticates_once()
    {
        var http = app.CreateClient();
        var key = new ClientKey();
        var clientId = await http.RegisterKeyAppAsync(await app.DeveloperAsync(), key);

        // aud may be the issuer or the token endpoint URL (RFC 7523 §3; oauth4webapi sends the issuer).
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId))).Ok();
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId, c => c["aud"] = BangumoeApp.PublicBaseUrl + "/oauth/token"))).Ok();
        // ... or the PAR endpoint URL (RFC 9126 §2), or a list that holds one of them.
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId, c => c["aud"] = BangumoeApp.PublicBaseUrl + "/oauth/par"))).Ok();
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId, c => c["aud"] = new[] { BangumoeApp.PublicBaseUrl }))).Ok();
        // client_id is optional beside an assertion (RFC 7521 §4.2): the assertion names the client.
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId), sendClientId: false)).Ok();

        // 20 requests with one assertion at once: exactly one is accepted; the rest are replays.
        var assertion = key.Assertion(clientId);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.CreateClient().ClientCredentialsAsync(clientId, assertion)));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
        {
            var error = await OAuthFlow.OAuthError(refused, HttpStatusCode.Unauthorized, "invalid_client");
            Assert.Contains("jti", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_flaw_of_RFC_7523_section_3_is_invalid_client()
    {
        var http = app.CreateClient();
        var developer = await app.DeveloperAsync();
        var key = new ClientKey();
        var clientId = await http.RegisterKeyAppAsync(developer, key);
        var otherKey = new ClientKey();
        var otherId = await http.RegisterKeyAppAsync(developer, otherKey);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stranger = new ClientKey();
        var cases = new (string Why, string Assertion)[]
        {
            ("aud of another server", key.Assertion(clientId, c => c["aud"] = "https://other.example")),
            ("aud of our userinfo endpoint", key.Assertion(clientId, c => c["aud"] = BangumoeApp.PublicBaseUrl + "/oauth/userinfo")),
            ("no aud", key.Assertion(clientId, c => c["aud"] = null)),
            ("iss differs from sub", key.Assertion(clientId, c => c["iss"] = otherId)),
            ("sub differs from iss", key.Assertion(clientId, c => c["sub"] = otherId)),
            ("no exp", key.Assertion(clientId, c => c["exp"] = null)),
            ("expired", key.Assertion(clientId, c => c["exp"] = now - 5)),
            ("exp an hour ahead", key.Assertion(clientId, c => c["exp"] = now + 3600)),
            ("no jti", key.Assertion(clientId, c => c["jti"] = null)),
            ("nbf in the future", key.Assertion(clientId, c => c["nbf"] = now + 600)),
            ("an unregistered key with the registered kid", stranger.Assertion(clientId, kid: key.Kid)),
            ("an unregistered key and kid", stranger.Assertion(clientId)),
            ("another app's key", otherKey.Assertion(clientId)),
            ("alg none", ClientKey.Unsigned(new() { ["iss"] = clientId, ["sub"] = clientId, ["aud"] = BangumoeApp.PublicBaseUrl, ["jti"] = "n1", ["exp"] = now + 60 })),
            ("HS256 keyed with the registered public key", ClientKey.Sign(new() { ["iss"] = clientId, ["sub"] = clientId, ["aud"] = BangumoeApp.PublicBaseUrl, ["jti"] = "h1", ["exp"] = now + 60 },
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key.Jwks().ToJsonString())), SecurityAlgorithms.HmacSha256)),
            ("not a JWT", "not-a-jwt"),
        };
        foreach (var (why, assertion) in cases)
        {
            var response = await http.ClientCredentialsAsync(clientId, assertion);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized && text.Contains("\"invalid_client\"", StringComparison.Ordinal),
                $"{why}: expected 401 invalid_client, got {(int)response.StatusCode} {text}");
        }

        // An assertion made for the other app, presented with this app's client_id.
        await OAuthFlow.OAuthError(await http.ClientCredentialsAsync(clientId, otherKey.Assertion(otherId)), HttpStatusCode.Unauthorized, "invalid_client");
        // The wrong assertion type, and none at all.
        await OAuthFlow.OAuthError(await http.ClientCredentialsAsync(clientId, key.Assertion(clientId), "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"),
            HttpStatusCode.Unauthorized, "invalid_client");
        await OAuthFlow.OAuthError(await http.ClientCredentialsAsync(clientId, key.Assertion(clientId), assertionType: null), HttpStatusCode.Unauthorized, "invalid_client");
        // A key-based app has no secret to fall back on, and cannot send one beside the assertion.
        await OAuthFlow.OAuthError(await http.PostFormAsync("/oauth/token", new() { ["grant_type"] = "client_credentials" }, clientId, "guess"),
            HttpStatusCode.Unauthorized, "invalid_client");
        await OAuthFlow.OAuthError(await http.PostFormAsync("/oauth/token", new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId }),
            HttpStatusCode.Unauthorized, "invalid_client");
        await OAuthFlow.OAuthError(await http.PostFormAsync("/oauth/token", new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = "x", ["client_assertion_type"] = ClientKey.AssertionType,
            ["client_assertion"] = key.Assertion(clientId),
        }), HttpStatusCode.BadRequest, "invalid_request");

        // A secret-based app cannot authenticate with an assertion, even one signed by a key some app registered.
        var secretApp = await app.NewClientAsync();
        await OAuthFlow.OAuthError(await http.ClientCredentialsAsync(secretApp.ClientId, key.Assertion(secretApp.ClientId)), HttpStatusCode.Unauthorized, "invalid_client");

        // After all of that, a correct assertion still works: nothing above was remembered as used.
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId))).Ok();
    }

    [Fact]
    public async Task Keys_are_checked_when_registered_and_shown_truthfully()
    {
        var http = app.CreateClient();
        var developer = await app.DeveloperAsync();
        var key = new ClientKey();
        async Task<JsonElement> Refused(object body, string field)
        {
            var problem = await (await http.Send(HttpMethod.Post, "/api/clients", developer.Token, body)).Problem(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error on {field}: {problem}");
            return problem;
        }
        Dictionary<string, object> Body(object? jwks, string method = "private_key_jwt", string type = "confidential")
        {
            var body = new Dictionary<string, object>
            {
                ["name"] = "Keyed", ["home_url"] = "https://client.example", ["redirect_uris"] = new[] { OAuthFlow.RedirectUri }, ["type"] = type,
                ["token_endpoint_auth_method"] = method,
            };
            if (jwks is not null) body["jwks"] = jwks;
            return body;
        }
        var withPrivate = key.PublicJwk();
        withPrivate["d"] = Base64UrlEncoder.Encode(key.Ec.ExportParameters(true).D);
        using var small = RSA.Create(1024);
        var smallParameters = small.ExportParameters(false);
        var smallRsa = new JsonObject { ["kty"] = "RSA", ["n"] = Base64UrlEncoder.Encode(smallParameters.Modulus), ["e"] = Base64UrlEncoder.Encode(smallParameters.Exponent) };

        await Refused(Body(null), "jwks");
        await Refused(Body(new JsonObject { ["keys"] = new JsonArray(withPrivate) }), "jwks");
        await Refused(Body(new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["kty"] = "oct", ["k"] = "c2VjcmV0" }) }), "jwks");
        await Refused(Body(new JsonObject { ["keys"] = new JsonArray(smallRsa) }), "jwks");
        await Refused(Body(new JsonObject { ["keys"] = new JsonArray(Enumerable.Range(0, 6).Select(_ => (JsonNode)new ClientKey().PublicJwk()).ToArray()) }), "jwks");
        await Refused(Body(new JsonObject { ["keys"] = new JsonArray() }), "jwks");
        await Refused(Body("not an object"), "jwks");
        await Refused(Body(key.Jwks(), type: "public"), "token_endpoint_auth_method");
        await Refused(Body(null, method: "client_secret_jwt"), "token_endpoint_auth_method");

        var clientId = await http.RegisterKeyAppAsync(developer, key);
        var view = await (await http.Send(HttpMethod.Get, "/api/clients/" + clientId, developer.Token)).Ok();
        Assert.Equal("private_key_jwt", view.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal(key.Kid, view.GetProperty("jwks").GetProperty("keys")[0].GetProperty("kid").GetString());
        Assert.False(view.GetProperty("require_pushed_authorization_requests").GetBoolean());
        // No secret to rotate.
        await (await http.Send(HttpMethod.Post, $"/api/clients/{clientId}/secret", developer.Token)).Problem(HttpStatusCode.BadRequest);

        // Switching to the secret drops the keys; the app then needs a new secret, and its assertions stop working.
        var switched = await (await http.Send(HttpMethod.Patch, "/api/clients/" + clientId, developer.Token, new { token_endpoint_auth_method = "client_secret_basic" })).Ok();
        Assert.Equal("client_secret_basic", switched.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(switched.TryGetProperty("jwks", out _));
        await OAuthFlow.OAuthError(await http.ClientCredentialsAsync(clientId, key.Assertion(clientId)), HttpStatusCode.Unauthorized, "invalid_client");
        var secret = (await (await http.Send(HttpMethod.Post, $"/api/clients/{clientId}/secret", developer.Token)).Ok()).GetProperty("client_secret").GetString()!;
        await (await http.PostFormAsync("/oauth/token", new() { ["grant_type"] = "client_credentials" }, clientId, secret)).Ok();

        // And back to keys: the secret stops working at once.
        await (await http.Send(HttpMethod.Patch, "/api/clients/" + clientId, developer.Token, new Dictionary<string, object>
        {
            ["token_endpoint_auth_method"] = "private_key_jwt", ["jwks"] = key.Jwks(),
        })).Ok();
        await OAuthFlow.OAuthError(await http.PostFormAsync("/oauth/token", new() { ["grant_type"] = "client_credentials" }, clientId, secret),
            HttpStatusCode.Unauthorized, "invalid_client");
        await (await http.ClientCredentialsAsync(clientId, key.Assertion(clientId))).Ok();
    }

    [Fact]
    public async Task Discovery_offers_private_key_jwt_and_par()
    {
        var metadata = await (await app.CreateClient().GetAsync("/.well-known/openid-configuration")).Ok();
        foreach (var name in new[] { "token_endpoint_auth_methods_supported", "revocation_endpoint_auth_methods_supported", "introspection_endpoint_auth_methods_supported" })
            Assert.Contains("private_key_jwt", metadata.GetProperty(name).EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["RS256", "PS256", "ES256"], metadata.GetProperty("token_endpoint_auth_signing_alg_values_supported").EnumerateArray().Select(v => v.GetString()!));
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/oauth/par", metadata.GetProperty("pushed_authorization_request_endpoint").GetString());
        Assert.False(metadata.GetProperty("require_pushed_authorization_requests").GetBoolean());
    }
}

/// <summary>
/// oauth4webapi as a key-based app: it pushes its request with private_key_jwt, sends the browser with the request_uri,
/// and redeems, refreshes, introspects and revokes with fresh assertions (par-key-client.mjs), on the real executable.
/// </summary>
public sealed class PrivateKeyJwtClientTests(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Oauth4webapi_pushes_signs_in_and_uses_its_tokens_with_private_key_jwt()
    {
        var developer = await host.NewVerifiedUserAsync();
        var user = await host.NewVerifiedUserAsync();
        const string redirect = "https://key-client.example/callback";
        var key = new ClientKey();
        var clientId = await host.Http.RegisterKeyAppAsync(developer, key, redirect, requirePar: true);

        var seen = await NodeClients.RunAsync("par-key-client.mjs", new Dictionary<string, string>
        {
            ["ISSUER"] = host.Issuer,
            ["CLIENT_ID"] = clientId,
            ["PRIVATE_JWK"] = key.PrivateJwk(),
            ["REDIRECT_URI"] = redirect,
            ["LOGIN"] = user.Email,
            ["PASSWORD"] = user.Password,
        }, TimeSpan.FromSeconds(90));
        Assert.Equal(user.Uid, seen.GetProperty("sub").GetString());
        Assert.Equal("openid profile email offline_access", seen.GetProperty("scope").GetString());
        Assert.Equal(60, seen.GetProperty("expires_in").GetInt32());
        Assert.True(seen.GetProperty("refreshed").GetBoolean());
        Assert.True(seen.GetProperty("active_before_revoke").GetBoolean());
        Assert.False(seen.GetProperty("active_after_revoke").GetBoolean());

        // The request_uri worked once: a second browser bringing it gets an error page, not the app's request.
        var again = await host.Http.GetAsync("/oauth/authorize?client_id=" + Uri.EscapeDataString(clientId) + "&request_uri=" + Uri.EscapeDataString(seen.GetProperty("request_uri").GetString()!));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("invalid_request_uri", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
