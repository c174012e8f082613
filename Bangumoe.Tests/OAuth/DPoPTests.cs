using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// A client's DPoP key (RFC 9449) and the proofs it signs, built here byte by byte (not with the server's code), so a
/// test can break any one part of a proof.
/// </summary>
public sealed class DPoPClientKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TimeProvider _serverClock;

    /// <param name="serverClock">The app's clock: a proof's iat must be within a minute of the server's time, and
    /// tests that share an app move its clock on by minutes.</param>
    public DPoPClientKey(TimeProvider serverClock)
    {
        _serverClock = serverClock;
        var p = _key.ExportParameters(includePrivateParameters: true);
        X = Base64UrlEncoder.Encode(p.Q.X);
        Y = Base64UrlEncoder.Encode(p.Q.Y);
        D = Base64UrlEncoder.Encode(p.D);
        // RFC 7638 §3: the required members in lexicographic order, no whitespace, SHA-256, base64url.
        Jkt = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{X}}","y":"{{Y}}"}""")));
    }

    /// <summary>The server's time now, from which proofs are dated unless told otherwise.</summary>
    public DateTimeOffset Now => _serverClock.GetUtcNow();

    public string X { get; }
    public string Y { get; }
    private string D { get; }

    /// <summary>The RFC 7638 thumbprint, computed here independently of the server.</summary>
    public string Jkt { get; }

    public Dictionary<string, object> PublicJwk => new() { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = X, ["y"] = Y };

    public string PrivateJwkJson => JsonSerializer.Serialize(new Dictionary<string, object>(PublicJwk) { ["d"] = D });

    /// <summary>
    /// A proof for <paramref name="method"/> <paramref name="url"/>: fresh jti, iat now (or <paramref name="iat"/>),
    /// ath of <paramref name="accessToken"/>, <paramref name="nonce"/>; <paramref name="header"/> and
    /// <paramref name="payload"/> may change anything before it is signed.
    /// </summary>
    public string Proof(string method, string url, string? accessToken = null, string? nonce = null, DateTimeOffset? iat = null,
        Action<Dictionary<string, object>>? header = null, Action<Dictionary<string, object>>? payload = null, ECDsa? signWith = null)
    {
        var h = new Dictionary<string, object> { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = PublicJwk };
        var p = new Dictionary<string, object>
        {
            ["jti"] = Guid.NewGuid().ToString("N"), ["htm"] = method, ["htu"] = url,
            ["iat"] = (iat ?? Now).ToUnixTimeSeconds(),
        };
        if (accessToken is not null) p["ath"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        if (nonce is not null) p["nonce"] = nonce;
        header?.Invoke(h);
        payload?.Invoke(p);
        var input = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(h)) + "." + Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(p));
        var signature = (signWith ?? _key).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256);
        return input + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>An RS256 proof from a fresh 2048-bit RSA key; returns the proof and that key's thumbprint.</summary>
    public static (string Proof, string Jkt) RsaProof(string method, string url, DateTimeOffset iat)
    {
        using var rsa = RSA.Create(2048);
        var k = rsa.ExportParameters(false);
        var n = Base64UrlEncoder.Encode(k.Modulus);
        var e = Base64UrlEncoder.Encode(k.Exponent);
        var h = new Dictionary<string, object> { ["typ"] = "dpop+jwt", ["alg"] = "RS256", ["jwk"] = new Dictionary<string, string> { ["kty"] = "RSA", ["n"] = n, ["e"] = e } };
        var p = new Dictionary<string, object> { ["jti"] = Guid.NewGuid().ToString("N"), ["htm"] = method, ["htu"] = url, ["iat"] = iat.ToUnixTimeSeconds() };
        var input = Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(h)) + "." + Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(p));
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var jkt = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}""")));
        return (input + "." + Base64UrlEncoder.Encode(signature), jkt);
    }

    public ECDsa Signer => _key;

    public void Dispose() => _key.Dispose();
}

/// <summary>Requests with DPoP proofs, and what their answers must look like.</summary>
public static class DPoPRequests
{
    public const string Issuer = BangumoeApp.PublicBaseUrl;
    public const string TokenUrl = Issuer + "/oauth/token";
    public const string UserInfoUrl = Issuer + "/oauth/userinfo";

    /// <summary>POSTs a token request with these DPoP header values (none, one, or several).</summary>
    public static async Task<HttpResponseMessage> TokenAsync(this HttpClient http, RegisteredClient client, Dictionary<string, string> form, params string[] proofs)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token");
        if (client.Secret is not null) Assert.True(request.Headers.TryAddWithoutValidation("Authorization", TokenHelpers.Basic(client.ClientId, client.Secret)));
        else form["client_id"] = client.ClientId;
        foreach (var proof in proofs) Assert.True(request.Headers.TryAddWithoutValidation("DPoP", proof));
        request.Content = new FormUrlEncodedContent(form);
        return await http.SendAsync(request);
    }

    /// <summary>A resource request with <c>Authorization: {scheme} {token}</c> and these DPoP header values.</summary>
    public static async Task<HttpResponseMessage> ResourceAsync(this HttpClient http, HttpMethod method, string path, string scheme, string token, params string[] proofs)
    {
        using var request = new HttpRequestMessage(method, path);
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", scheme + " " + token));
        foreach (var proof in proofs) Assert.True(request.Headers.TryAddWithoutValidation("DPoP", proof));
        return await http.SendAsync(request);
    }

    /// <summary>200 with <c>token_type: DPoP</c> and an access token whose <c>cnf.jkt</c> is <paramref name="jkt"/>.</summary>
    public static async Task<TokenSet> AssertDPoPTokens(this HttpResponseMessage response, string jkt)
    {
        var tokens = await response.AssertTokens("DPoP");
        Assert.Equal(jkt, Confirmation(tokens.AccessToken));
        return tokens;
    }

    /// <summary>200, not cached, with this token_type.</summary>
    public static async Task<TokenSet> AssertTokens(this HttpResponseMessage response, string tokenType)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(tokenType, json.GetProperty("token_type").GetString());
        return new TokenSet(json);
    }

    /// <summary>The access token's <c>cnf.jkt</c>, or null when it has none.</summary>
    public static string? Confirmation(string accessToken) =>
        TokenHelpers.JwtPart(accessToken, 1).TryGetProperty("cnf", out var cnf) ? cnf.GetProperty("jkt").GetString() : null;

    /// <summary>A 401 whose DPoP challenge names <paramref name="error"/> and the algorithms (RFC 9449 §7.1), next to a Bearer one.</summary>
    public static async Task AssertDPoPChallenge(this HttpResponseMessage response, string error, string problem)
    {
        await response.Problem(HttpStatusCode.Unauthorized, problem);
        var challenges = response.Headers.GetValues("WWW-Authenticate").ToList();
        var all = string.Join(" | ", challenges);
        Assert.Contains(challenges, c => c.StartsWith("Bearer", StringComparison.Ordinal));
        Assert.True(challenges.Any(c => c.StartsWith($"DPoP error=\"{error}\"", StringComparison.Ordinal) && c.Contains("algs=\"ES256 RS256 PS256\"", StringComparison.Ordinal)),
            $"Expected a DPoP challenge with error=\"{error}\": {all}");
    }
}

/// <summary>
/// DPoP (RFC 9449) with nonces off (the default): tokens bound to the client's key at the token endpoint, codes bound by
/// <c>dpop_jkt</c>, public clients' refresh tokens bound to the key, confidential clients' not; resources that demand
/// the proof (ath, htm, htu, key) for a bound token and refuse it as a bearer token; and every bad proof of §11 refused.
/// </summary>
public sealed class DPoPTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Scope = "openid profile collection:read offline_access";

    private static Dictionary<string, string> Code(RegisteredClient client, string code, string verifier) =>
        new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier };

    private static Dictionary<string, string> Refresh(string token) => new() { ["grant_type"] = "refresh_token", ["refresh_token"] = token };

    /// <summary>Front channel: the user signs in and allows; the code comes back (bound to <paramref name="dpopJkt"/> when given).</summary>
    private static async Task<(string Code, string Verifier)> CodeAsync(OAuthFlow flow, RegisteredClient client, TestUser user, string scope, string? dpopJkt)
    {
        var (verifier, challenge) = OAuthFlow.Pkce();
        var url = AuthorizeQuery.For(client, challenge, scope, "st").Set("dpop_jkt", dpopJkt).Url;
        var first = await flow.Browser.GetAsync(url);
        var redirect = first.StatusCode == HttpStatusCode.SeeOther ? first.Headers.Location! : await flow.SignInAndAllowAsync(url, user);
        var query = OAuthFlow.Query(redirect);
        Assert.True(query.TryGetValue("code", out var code), $"No code in the redirect: {redirect}");
        return (code!, verifier);
    }

    [Fact]
    public async Task A_public_app_redeems_a_dpop_jkt_code_only_with_that_key_and_its_refresh_token_stays_bound_to_it()
    {
        var flow = app.NewFlow();
        var client = await app.NewClientAsync("public");
        var user = await app.NewVerifiedUser();
        using var key = new DPoPClientKey(app.Clock);
        using var stranger = new DPoPClientKey(app.Clock);
        var (code, verifier) = await CodeAsync(flow, client, user, Scope, key.Jkt);

        // Without a proof, or with another key, the code is refused and not used up (§10).
        await (await flow.Backend.TokenAsync(client, Code(client, code, verifier))).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        await (await flow.Backend.TokenAsync(client, Code(client, code, verifier), stranger.Proof("POST", DPoPRequests.TokenUrl)))
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        var tokens = await (await flow.Backend.TokenAsync(client, Code(client, code, verifier), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);

        // The bound token works only with proofs of its key, at userinfo, /api/me and the collection API.
        await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "Bearer", tokens.AccessToken)).AssertDPoPChallenge("invalid_token", "invalid-token");
        var userinfo = await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", tokens.AccessToken,
            key.Proof("GET", DPoPRequests.UserInfoUrl, tokens.AccessToken))).Ok();
        Assert.Equal(user.Uid, userinfo.GetProperty("sub").GetString());
        var me = await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/api/me", "DPoP", tokens.AccessToken,
            key.Proof("GET", DPoPRequests.Issuer + "/api/me", tokens.AccessToken))).Ok();
        Assert.Equal(user.Uid, me.GetProperty("uid").GetString());
        await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/api/me/collection", "DPoP", tokens.AccessToken,
            key.Proof("GET", DPoPRequests.Issuer + "/api/me/collection", tokens.AccessToken))).Ok();
        await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/api/me/collection", "DPoP", tokens.AccessToken,
            stranger.Proof("GET", DPoPRequests.Issuer + "/api/me/collection", tokens.AccessToken))).AssertDPoPChallenge("invalid_dpop_proof", "invalid-dpop-proof");

        // The refresh token is bound too (§5): no proof, or another key's, changes nothing.
        await (await flow.Backend.TokenAsync(client, Refresh(tokens.RefreshToken!))).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        await (await flow.Backend.TokenAsync(client, Refresh(tokens.RefreshToken!), stranger.Proof("POST", DPoPRequests.TokenUrl)))
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        var rotated = await (await flow.Backend.TokenAsync(client, Refresh(tokens.RefreshToken!), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);
        Assert.NotEqual(tokens.RefreshToken, rotated.RefreshToken);

        // The rotated token is spent even with the right key; the new one keeps working with it.
        await (await flow.Backend.TokenAsync(client, Refresh(tokens.RefreshToken!), key.Proof("POST", DPoPRequests.TokenUrl)))
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        var third = await (await flow.Backend.TokenAsync(client, Refresh(rotated.RefreshToken!), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);
        await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", third.AccessToken,
            key.Proof("GET", DPoPRequests.UserInfoUrl, third.AccessToken))).Ok();
    }

    [Fact]
    public async Task A_confidential_app_gets_a_bound_access_token_when_it_sends_a_proof_and_introspection_shows_the_key()
    {
        var flow = app.NewFlow();
        var client = await app.NewClientAsync();
        var user = await app.NewVerifiedUser();
        using var key = new DPoPClientKey(app.Clock);
        using var other = new DPoPClientKey(app.Clock);
        var (code, verifier) = await CodeAsync(flow, client, user, Scope, dpopJkt: null);

        var tokens = await (await flow.Backend.TokenAsync(client, Code(client, code, verifier), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt);
        var access = await flow.IntrospectAsync(client, tokens.AccessToken);
        Assert.True(access.GetProperty("active").GetBoolean());
        Assert.Equal("DPoP", access.GetProperty("token_type").GetString());
        Assert.Equal(key.Jkt, access.GetProperty("cnf").GetProperty("jkt").GetString());

        // §5: the client authenticates on every refresh, so its refresh token is not bound to the key…
        var refresh = await flow.IntrospectAsync(client, tokens.RefreshToken!);
        Assert.True(refresh.GetProperty("active").GetBoolean());
        Assert.False(refresh.TryGetProperty("cnf", out _));
        var bearer = await (await flow.Backend.TokenAsync(client, Refresh(tokens.RefreshToken!))).AssertTokens("Bearer");
        Assert.Null(DPoPRequests.Confirmation(bearer.AccessToken));
        await flow.AssertAccessWorksAsync(bearer.AccessToken, user.Uid);
        // …and each new access token is bound to the key of the proof that came with the refresh.
        var rebound = await (await flow.Backend.TokenAsync(client, Refresh(bearer.RefreshToken!), other.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(other.Jkt);
        await (await flow.Backend.ResourceAsync(HttpMethod.Post, "/oauth/userinfo", "DPoP", rebound.AccessToken,
            other.Proof("POST", DPoPRequests.UserInfoUrl, rebound.AccessToken))).Ok();

        // An unbound token presented under the DPoP scheme is refused even with a good proof.
        await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", bearer.AccessToken,
            key.Proof("GET", DPoPRequests.UserInfoUrl, bearer.AccessToken))).AssertDPoPChallenge("invalid_token", "invalid-token");
    }

    [Fact]
    public async Task Every_bad_proof_at_the_token_endpoint_is_refused_with_invalid_dpop_proof()
    {
        var client = await app.NewClientAsync();
        var http = app.CreateClient();
        using var key = new DPoPClientKey(app.Clock);
        using var other = new DPoPClientKey(app.Clock);
        var grant = () => new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        string P(Action<Dictionary<string, object>>? header = null, Action<Dictionary<string, object>>? payload = null, DateTimeOffset? iat = null, ECDsa? signWith = null) =>
            key.Proof("POST", DPoPRequests.TokenUrl, iat: iat, header: header, payload: payload, signWith: signWith);

        static string Unsigned(string proof, Action<Dictionary<string, object>> header, Func<string, string> sign)
        {
            var parts = proof.Split('.');
            var h = JsonSerializer.Deserialize<Dictionary<string, object>>(Base64UrlEncoder.Decode(parts[0]))!;
            header(h);
            var input = Base64UrlEncoder.Encode(JsonSerializer.Serialize(h)) + "." + parts[1];
            return input + "." + sign(input);
        }

        var bad = new Dictionary<string, string[]>
        {
            ["typ JWT"] = [P(header: h => h["typ"] = "JWT")],
            ["no typ"] = [P(header: h => h.Remove("typ"))],
            ["alg none"] = [Unsigned(P(), h => h["alg"] = "none", _ => "")],
            ["alg HS256, keyed with the public key"] = [Unsigned(P(), h => h["alg"] = "HS256",
                input => Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key.X + key.Y), Encoding.ASCII.GetBytes(input))))],
            ["private key in the jwk"] = [P(header: h => h["jwk"] = JsonSerializer.Deserialize<Dictionary<string, object>>(key.PrivateJwkJson)!)],
            ["no jwk"] = [P(header: h => h.Remove("jwk"))],
            ["signed by another key"] = [P(signWith: other.Signer)],
            ["htm GET"] = [key.Proof("GET", DPoPRequests.TokenUrl)],
            ["htu of another endpoint"] = [key.Proof("POST", DPoPRequests.Issuer + "/oauth/revoke")],
            ["htu of another host"] = [key.Proof("POST", "https://evil.example/oauth/token")],
            ["iat five minutes old"] = [P(iat: key.Now.AddMinutes(-5))],
            ["iat five minutes ahead"] = [P(iat: key.Now.AddMinutes(5))],
            ["no iat"] = [P(payload: p => p.Remove("iat"))],
            ["no jti"] = [P(payload: p => p.Remove("jti"))],
            ["an ath at the token endpoint"] = [P(payload: p => p["ath"] = "x")],
            ["not a JWS"] = ["not-a-proof"],
            ["two DPoP headers"] = [P(), P()],
        };
        foreach (var (name, proofs) in bad)
        {
            var response = await http.TokenAsync(client, grant(), proofs);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && text.Contains("\"invalid_dpop_proof\"", StringComparison.Ordinal),
                $"{name}: expected 400 invalid_dpop_proof, got {(int)response.StatusCode}: {text}");
        }

        // The good ones: ES256, RS256, and an htu with a query (ignored, §4.3); each proof is good once.
        var good = key.Proof("POST", DPoPRequests.TokenUrl);
        await (await http.TokenAsync(client, grant(), good)).AssertDPoPTokens(key.Jkt);
        await (await http.TokenAsync(client, grant(), good)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_dpop_proof");
        await (await http.TokenAsync(client, grant(), key.Proof("POST", DPoPRequests.TokenUrl + "?x=1"))).AssertDPoPTokens(key.Jkt);
        var (rsaProof, rsaJkt) = DPoPClientKey.RsaProof("POST", DPoPRequests.TokenUrl, key.Now);
        await (await http.TokenAsync(client, grant(), rsaProof)).AssertDPoPTokens(rsaJkt);
    }

    [Fact]
    public async Task A_bound_token_needs_a_proof_of_its_key_for_this_request_and_a_proof_replayed_twenty_times_at_once_works_once()
    {
        var flow = app.NewFlow();
        var client = await app.NewClientAsync();
        var user = await app.NewVerifiedUser();
        using var key = new DPoPClientKey(app.Clock);
        var (code, verifier) = await CodeAsync(flow, client, user, "openid profile", dpopJkt: null);
        var token = (await (await flow.Backend.TokenAsync(client, Code(client, code, verifier), key.Proof("POST", DPoPRequests.TokenUrl))).AssertDPoPTokens(key.Jkt)).AccessToken;
        var me = DPoPRequests.Issuer + "/api/me";

        // No token at all: both schemes are offered, DPoP with its algorithms.
        var anonymous = await flow.Backend.GetAsync("/api/me");
        await anonymous.Problem(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("DPoP algs=\"ES256 RS256 PS256\"", anonymous.Headers.GetValues("WWW-Authenticate"));

        var bad = new Dictionary<string, string[]>
        {
            ["no proof"] = [],
            ["no ath"] = [key.Proof("GET", me)],
            ["the ath of another token"] = [key.Proof("GET", me, token + "x")],
            ["htm POST for a GET"] = [key.Proof("POST", me, token)],
            ["htu of userinfo at /api/me"] = [key.Proof("GET", DPoPRequests.UserInfoUrl, token)],
            ["typ JWT"] = [key.Proof("GET", me, token, header: h => h["typ"] = "JWT")],
            ["iat five minutes old"] = [key.Proof("GET", me, token, iat: key.Now.AddMinutes(-5))],
        };
        foreach (var (name, proofs) in bad)
        {
            var response = await flow.Backend.ResourceAsync(HttpMethod.Get, "/api/me", "DPoP", token, proofs);
            var challenge = response.Headers.TryGetValues("WWW-Authenticate", out var c) ? string.Join(" | ", c) : "";
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized && challenge.Contains("DPoP error=\"invalid_dpop_proof\"", StringComparison.Ordinal),
                $"{name}: expected 401 with DPoP error=\"invalid_dpop_proof\", got {(int)response.StatusCode}: {challenge}");
        }

        // A good proof for a scope the token lacks: 403, challenged under the scheme the token came with.
        var collection = await flow.Backend.ResourceAsync(HttpMethod.Get, "/api/me/collection", "DPoP", token,
            key.Proof("GET", DPoPRequests.Issuer + "/api/me/collection", token));
        await collection.Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        Assert.StartsWith("DPoP error=\"insufficient_scope\"", Assert.Single(collection.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);

        // A malformed key in the header is a refused proof, not a failure of the server.
        var garbled = key.Proof("GET", me, token, header: h => h["jwk"] = new Dictionary<string, object> { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = "!!", ["y"] = 5 });
        var refused = await flow.Backend.ResourceAsync(HttpMethod.Get, "/api/me", "DPoP", token, garbled);
        await refused.AssertDPoPChallenge("invalid_dpop_proof", "invalid-dpop-proof");

        // §11.1: one proof sent twenty times at once is accepted exactly once; the others are replays.
        var proof = key.Proof("GET", DPoPRequests.UserInfoUrl, token);
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", token, proof)));
        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) == 1, $"Expected exactly one 200 among 20, got: {statuses}");
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK)) await loser.AssertDPoPChallenge("invalid_dpop_proof", "invalid-dpop-proof");
    }
}

/// <summary>The app of <see cref="DPoPNonceTests"/>: DPoP proofs must carry a server nonce.</summary>
public sealed class DPoPNonceApp(Emulators emulators) : BangumoeApp(emulators, new Dictionary<string, string?> { ["OAuth:DPoPNonceRequired"] = "true" });

/// <summary>
/// Server nonces (RFC 9449 §8, §9) when they are required: the token endpoint answers <c>use_dpop_nonce</c> (400) and the
/// resources a <c>DPoP error="use_dpop_nonce"</c> challenge (401), each with the nonce in <c>DPoP-Nonce</c>; a wrong or
/// stale nonce is refused the same way; oauth4webapi's DPoP handle gets through by retrying with the nonce.
/// </summary>
public sealed class DPoPNonceTests(DPoPNonceApp app) : IClassFixture<DPoPNonceApp>
{
    private static string Nonce(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("DPoP-Nonce"));

    [Fact]
    public async Task Oauth4webapi_retries_with_the_servers_nonce_and_a_missing_wrong_or_stale_nonce_is_refused()
    {
        var flow = app.NewFlow();
        var client = await app.NewClientAsync("public");
        var user = await app.NewVerifiedUser();
        using var key = new DPoPClientKey(app.Clock);
        var (verifier, challenge) = OAuthFlow.Pkce();
        const string state = "dpop-state";
        var callback = await flow.SignInAndAllowAsync(
            AuthorizeQuery.For(client, challenge, "openid profile offline_access", state).Set("dpop_jkt", key.Jkt).Url, user);

        var seen = await NodeClients.RunAsync("dpop-client.mjs", new Dictionary<string, string>
        {
            ["ISSUER"] = BangumoeApp.PublicBaseUrl,
            ["BASE_URL"] = app.BaseAddress.ToString(),
            ["CLIENT_ID"] = client.ClientId,
            ["REDIRECT_URI"] = client.RedirectUri,
            ["CALLBACK"] = callback.ToString(),
            ["STATE"] = state,
            ["VERIFIER"] = verifier,
            ["PRIVATE_JWK"] = key.PrivateJwkJson,
        }, TimeSpan.FromSeconds(90));
        // oauth4webapi hands token_type over in lower case (the scheme names are case-insensitive).
        Assert.Equal("dpop", seen.GetProperty("token_type").GetString());
        Assert.Equal(key.Jkt, seen.GetProperty("jkt").GetString());
        Assert.Equal(user.Uid, seen.GetProperty("userinfo_sub").GetString());
        Assert.Equal(user.Uid, seen.GetProperty("me_uid").GetString());
        Assert.Equal("dpop", seen.GetProperty("refreshed_token_type").GetString());
        Assert.Equal(key.Jkt, seen.GetProperty("refreshed_jkt").GetString());
        Assert.True(seen.GetProperty("rotated").GetBoolean());
        // It met use_dpop_nonce once, at its first request; the nonce it learnt then carried it through the rest.
        Assert.True(seen.GetProperty("nonce_retries").GetInt32() >= 1);

        // The token endpoint: no nonce, a made-up one → 400 use_dpop_nonce with the nonce to use.
        var confidential = await app.NewClientAsync();
        var grant = () => new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        var refused = await flow.Backend.TokenAsync(confidential, grant(), key.Proof("POST", DPoPRequests.TokenUrl));
        await refused.AssertOAuthError(HttpStatusCode.BadRequest, "use_dpop_nonce");
        var nonce = Nonce(refused);
        await (await flow.Backend.TokenAsync(confidential, grant(), key.Proof("POST", DPoPRequests.TokenUrl, nonce: nonce + "x")))
            .AssertOAuthError(HttpStatusCode.BadRequest, "use_dpop_nonce");
        var tokens = await flow.Backend.TokenAsync(confidential, grant(), key.Proof("POST", DPoPRequests.TokenUrl, nonce: nonce));
        await tokens.AssertDPoPTokens(key.Jkt);
        Assert.False(string.IsNullOrEmpty(Nonce(tokens)));

        // A resource: a bound token's proof without the nonce → 401 with a DPoP use_dpop_nonce challenge; with it → 200.
        var (code, codeVerifier) = await TokenHelpers.CodeAsync(flow, confidential, user, "openid profile");
        var access = (await (await flow.Backend.TokenAsync(confidential,
            new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = confidential.RedirectUri, ["code_verifier"] = codeVerifier },
            key.Proof("POST", DPoPRequests.TokenUrl, nonce: nonce))).AssertDPoPTokens(key.Jkt)).AccessToken;
        var challenged = await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", access, key.Proof("GET", DPoPRequests.UserInfoUrl, access));
        await challenged.AssertDPoPChallenge("use_dpop_nonce", "use-dpop-nonce");
        var resourceNonce = Nonce(challenged);
        await (await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", access,
            key.Proof("GET", DPoPRequests.UserInfoUrl, access, nonce: resourceNonce))).Ok();

        // Minutes later the nonce is stale: refused, with a new one that works.
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        var stale = await flow.Backend.ResourceAsync(HttpMethod.Get, "/oauth/userinfo", "DPoP", access,
            key.Proof("GET", DPoPRequests.UserInfoUrl, access, nonce: resourceNonce));
        await stale.AssertDPoPChallenge("use_dpop_nonce", "use-dpop-nonce");
        Assert.NotEqual(resourceNonce, Nonce(stale));
        var staleAtToken = await flow.Backend.TokenAsync(confidential, grant(), key.Proof("POST", DPoPRequests.TokenUrl, nonce: nonce));
        await staleAtToken.AssertOAuthError(HttpStatusCode.BadRequest, "use_dpop_nonce");
        await (await flow.Backend.TokenAsync(confidential, grant(), key.Proof("POST", DPoPRequests.TokenUrl, nonce: Nonce(staleAtToken))))
            .AssertDPoPTokens(key.Jkt);
    }
}
