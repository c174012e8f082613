using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// <c>POST /oauth/token</c>: single-use, bound and expiring codes (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.5), PKCE
/// (RFC 7636), client authentication (§2.3, Appendix B), the grants on offer, and the shape of every answer (§5.1,
/// §5.2, RFC 9068, OIDC Core §2) as strict clients check it. Userinfo and its challenges (RFC 6750 §3) too.
/// </summary>
public sealed class TokenEndpointTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Issuer = BangumoeApp.PublicBaseUrl;
    private const string AllScopes = "openid profile email offline_access";

    private Task<TestUser> NewUserAsync() => app.NewVerifiedUser();

    // ---- Codes (B2) ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Twenty_parallel_redemptions_of_one_code_give_exactly_one_token_response_whose_tokens_then_die()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();

        // A few rounds, each with a new code (and a new consent: the replays of the round before revoked the grant).
        for (var round = 1; round <= 3; round++)
        {
            var (code, verifier) = await flow.CodeAsync(client, user, AllScopes);

            var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => flow.RedeemAsync(client, code, verifier)));

            var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
            var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
            Assert.True(winners.Count == 1, $"Round {round}: expected exactly one 200 among 20 redemptions, got: {statuses}");
            var tokens = await winners[0].AssertTokenResponse();
            foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                var text = await loser.Content.ReadAsStringAsync();
                Assert.True(loser.StatusCode == HttpStatusCode.BadRequest, $"Round {round}: a losing redemption must be 400 invalid_grant, got {(int)loser.StatusCode}: {text} (all: {statuses})");
                await loser.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
            }

            // The other 19 were replays: the grant, and with it what the winner got, is revoked (RFC 6749 §4.1.2).
            await flow.AssertAccessRefusedAsync(tokens.AccessToken);
            await flow.AssertRefreshRefusedAsync(client, tokens.RefreshToken!);
        }
    }

    [Fact]
    public async Task A_replayed_code_is_refused_and_the_tokens_of_the_first_redemption_stop_working()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, AllScopes);

        var tokens = await (await flow.RedeemAsync(client, code, verifier)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);

        await flow.RedeemAsync(client, code, verifier).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");

        await flow.AssertAccessRefusedAsync(tokens.AccessToken);
        await flow.AssertRefreshRefusedAsync(client, tokens.RefreshToken!);
    }

    [Fact]
    public async Task Another_client_cannot_redeem_a_code_and_its_attempt_does_not_use_the_code_up()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var other = await app.NewClientAsync();
        var publicOther = await app.NewClientAsync("public");
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid offline_access");

        await flow.RedeemAsync(other, code, verifier).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await flow.RedeemAsync(other, code, verifier).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await flow.RedeemAsync(publicOther, code, verifier).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");

        var tokens = await (await flow.RedeemAsync(client, code, verifier)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
        Assert.Equal(client.ClientId, TokenForgery.Claim(tokens.AccessToken, "client_id"));
    }

    [Fact]
    public async Task A_code_expires_after_sixty_seconds()
    {
        await using var timed = new BangumoeApp(app.Emulators);
        var flow = new OAuthFlow(timed);
        var client = await timed.NewClientAsync();
        var user = await timed.NewVerifiedUser();
        var (early, earlyVerifier) = await flow.CodeAsync(client, user, "openid");
        var (late, lateVerifier) = await flow.CodeAsync(client, user, "openid");

        // The control: just before its end a code still works...
        timed.Clock.Advance(TimeSpan.FromSeconds(55));
        await (await flow.RedeemAsync(client, early, earlyVerifier)).AssertTokenResponse();

        // ...and 61 s after issue it does not.
        timed.Clock.Advance(TimeSpan.FromSeconds(6));
        await flow.RedeemAsync(client, late, lateVerifier).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task The_redirect_uri_at_the_token_endpoint_must_be_the_one_of_the_authorization_request()
    {
        var flow = new OAuthFlow(app);
        const string second = "https://client.example/other-callback";
        var client = await app.NewClientAsync("confidential", OAuthFlow.RedirectUri, second);
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid");

        // Registered for the app, but not the one the code was issued for.
        await flow.RedeemAsync(client, code, verifier, second).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        // Near misses.
        foreach (var nearMiss in new[] { OAuthFlow.RedirectUri + "/", OAuthFlow.RedirectUri + "?x=1", "https://CLIENT.example/callback", "https://client.example/Callback" })
            await flow.RedeemAsync(client, code, verifier, nearMiss).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        // Missing altogether: a malformed request.
        await flow.TokenAsync(client, new() { ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = verifier })
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");

        // None of that used the code up.
        await (await flow.RedeemAsync(client, code, verifier)).AssertTokenResponse();
    }

    // ---- PKCE (B3) -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_code_verifier_is_required_must_be_well_formed_and_must_match()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid");
        Assert.Equal(43, verifier.Length);

        Task<HttpResponseMessage> Redeem(string? codeVerifier)
        {
            var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri };
            if (codeVerifier is not null) form["code_verifier"] = codeVerifier;
            return flow.TokenAsync(client, form);
        }

        await Redeem(null).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await Redeem("").AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        // RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
        await Redeem(verifier[..42]).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await Redeem(new string('a', 129)).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        foreach (var illegal in new[] { "+", "/", "=", " ", "%", "é", "*" })
            await Redeem(verifier[..42] + illegal).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");

        // Well formed but not the one: invalid_grant, and the code survives.
        await Redeem(OAuthFlow.Pkce().Verifier).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        await Redeem(verifier[..42] + (verifier[42] == 'A' ? 'B' : 'A')).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");
        // The challenge itself is not the verifier (a "plain" downgrade).
        await Redeem(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))))
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_grant");

        await (await Redeem(verifier)).AssertTokenResponse();
    }

    // ---- Client authentication (B6) ------------------------------------------------------------------------------

    [Fact]
    public async Task Client_secret_basic_form_urldecodes_an_id_and_secret_sent_fully_percent_encoded()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();

        var encoded = TokenHelpers.RawBasic(TokenHelpers.PercentEncodeAll(client.ClientId), TokenHelpers.PercentEncodeAll(client.Secret!));
        var tokens = await (await flow.Backend.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" }, encoded))
            .AssertTokenResponse();
        Assert.Equal(client.ClientId, TokenForgery.Claim(tokens.AccessToken, "sub"));

        // The control: with one character of the secret changed, the same encoding is refused.
        var wrong = client.Secret![..^1] + (client.Secret[^1] == 'A' ? 'B' : 'A');
        var refused = await flow.Backend.PostOAuthAsync("/oauth/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            TokenHelpers.RawBasic(TokenHelpers.PercentEncodeAll(client.ClientId), TokenHelpers.PercentEncodeAll(wrong)));
        await refused.AssertInvalidClient(usedBasic: true);
    }

    [Fact]
    public async Task Client_secret_basic_decodes_plus_as_space_and_escapes_in_ids_and_secrets_that_need_them()
    {
        var flow = new OAuthFlow(app);
        // Characters that form-urlencoding must change: space, '+', ':', '&', '=', '%', '/', '?', non-ASCII.
        var id = "seed:" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)) + " a+b&c=d é";
        const string secret = "a secret: with spaces + plus & amp = eq % pct / slash ? q é ~";
        var client = await app.SeedConfidentialClientAsync(id, secret);
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };

        // Form-urlencoded (space as '+', '+' as %2B), as RFC 6749 Appendix B has it.
        var basic = TokenHelpers.Basic(id, secret);
        var sent = Encoding.UTF8.GetString(Convert.FromBase64String(basic["Basic ".Length..]));
        Assert.Contains("+with+spaces+%2B+plus+", sent, StringComparison.Ordinal);
        var tokens = await (await flow.Backend.PostOAuthAsync("/oauth/token", form, basic)).AssertTokenResponse();
        Assert.Equal(id, TokenForgery.Claim(tokens.AccessToken, "sub"));
        Assert.Equal(id, TokenForgery.Claim(tokens.AccessToken, "client_id"));

        // Spaces as %20 decode the same.
        await (await flow.Backend.PostOAuthAsync("/oauth/token", form, TokenHelpers.RawBasic(Uri.EscapeDataString(id), Uri.EscapeDataString(secret))))
            .AssertTokenResponse();

        // client_secret_post with the same credentials.
        await (await flow.TokenAsync(client, new() { ["grant_type"] = "client_credentials" }, basic: false)).AssertTokenResponse();

        // The secret sent unencoded is a different secret once decoded ('+' is a space): refused.
        await (await flow.Backend.PostOAuthAsync("/oauth/token", form, TokenHelpers.RawBasic(TokenHelpers.FormEncode(id), secret)))
            .AssertInvalidClient(usedBasic: true);
    }

    [Fact]
    public async Task Client_secret_post_works()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid");
        var tokens = await (await flow.TokenAsync(client, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
        }, basic: false)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
    }

    [Fact]
    public async Task Basic_and_a_client_secret_in_the_body_together_are_invalid_request()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var response = await flow.Backend.PostOAuthAsync("/oauth/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = client.ClientId, ["client_secret"] = client.Secret! },
            TokenHelpers.Basic(client.ClientId, client.Secret!));
        await response.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_wrong_secret_in_the_basic_header_is_401_invalid_client_with_a_basic_challenge()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var response = await flow.TokenAsync(client with { Secret = client.Secret + "x" }, new() { ["grant_type"] = "client_credentials" });
        await response.AssertInvalidClient(usedBasic: true);
    }

    [Fact]
    public async Task A_wrong_secret_in_the_body_is_401_invalid_client()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var response = await flow.TokenAsync(client with { Secret = client.Secret + "x" }, new() { ["grant_type"] = "client_credentials" }, basic: false);
        await response.AssertInvalidClient(usedBasic: false);
    }

    [Fact]
    public async Task An_unknown_client_is_401_invalid_client()
    {
        var flow = new OAuthFlow(app);
        var unknown = new RegisteredClient(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)), "some-secret", OAuthFlow.RedirectUri);
        await (await flow.TokenAsync(unknown, new() { ["grant_type"] = "client_credentials" })).AssertInvalidClient(usedBasic: true);
        await (await flow.TokenAsync(unknown, new() { ["grant_type"] = "client_credentials" }, basic: false)).AssertInvalidClient(usedBasic: false);
        await (await flow.TokenAsync(unknown with { Secret = null }, new() { ["grant_type"] = "client_credentials" })).AssertInvalidClient(usedBasic: false);
    }

    [Fact]
    public async Task A_public_client_that_sends_a_secret_is_401_invalid_client()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync("public");
        Assert.Null(client.Secret);
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid");
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
        };

        await (await flow.TokenAsync(client with { Secret = "anything" }, new(form), basic: false)).AssertInvalidClient(usedBasic: false);
        await (await flow.TokenAsync(client with { Secret = "anything" }, new(form), basic: true)).AssertInvalidClient(usedBasic: true);

        // The control: the same request as a public client (client_id only) is fine.
        await (await flow.TokenAsync(client, new(form))).AssertTokenResponse();
    }

    [Fact]
    public async Task A_confidential_client_without_its_secret_is_401_invalid_client()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid");
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
        };

        // client_id only, as a public client would.
        await (await flow.TokenAsync(client with { Secret = null }, new(form))).AssertInvalidClient(usedBasic: false);
        // Basic with an empty password.
        await (await flow.Backend.PostOAuthAsync("/oauth/token", form, TokenHelpers.RawBasic(client.ClientId, ""))).AssertInvalidClient(usedBasic: true);
        // Nothing at all.
        await (await flow.Backend.PostOAuthAsync("/oauth/token", form)).AssertInvalidClient(usedBasic: false);

        // The code was not used up by any of that.
        await (await flow.RedeemAsync(client, code, verifier)).AssertTokenResponse();
    }

    [Fact]
    public async Task A_public_client_redeems_its_code_with_client_id_and_pkce_only()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync("public");
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid profile");

        var tokens = await (await flow.RedeemAsync(client, code, verifier)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
        Assert.Equal(client.ClientId, TokenForgery.Claim(tokens.AccessToken, "client_id"));
    }

    // ---- Grants --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Password_and_implicit_grants_are_unsupported_and_a_grant_type_is_required()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();

        await flow.TokenAsync(client, new() { ["grant_type"] = "password", ["username"] = user.Email, ["password"] = user.Password })
            .AssertOAuthError(HttpStatusCode.BadRequest, "unsupported_grant_type");
        await flow.TokenAsync(client, new() { ["grant_type"] = "implicit" })
            .AssertOAuthError(HttpStatusCode.BadRequest, "unsupported_grant_type");
        await flow.TokenAsync(client, new() { ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer" })
            .AssertOAuthError(HttpStatusCode.BadRequest, "unsupported_grant_type");
        // The device grant is supported (DeviceGrantTests); without its device_code the request is incomplete.
        await flow.TokenAsync(client, new() { ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code" })
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await flow.TokenAsync(client, new() { ["code"] = "x" })
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await flow.TokenAsync(client, new() { ["grant_type"] = "" })
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Client_credentials_gives_a_confidential_client_a_token_about_itself_that_opens_no_account()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();

        var tokens = await (await flow.TokenAsync(client, new() { ["grant_type"] = "client_credentials" })).AssertTokenResponse();
        Assert.Null(tokens.RefreshToken);
        Assert.Null(tokens.IdToken);
        var header = TokenHelpers.JwtPart(tokens.AccessToken, 0);
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal(client.ClientId, TokenForgery.Claim(tokens.AccessToken, "sub"));
        Assert.Equal(client.ClientId, TokenForgery.Claim(tokens.AccessToken, "client_id"));
        Assert.Equal(Issuer, TokenForgery.Claim(tokens.AccessToken, "iss"));

        await (await flow.Backend.Send(HttpMethod.Get, "/api/me", tokens.AccessToken)).AssertInvalidToken();
        await flow.AssertAccessRefusedAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task Client_credentials_is_unauthorized_client_for_a_public_client()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync("public");
        await flow.TokenAsync(client, new() { ["grant_type"] = "client_credentials" }).AssertOAuthError(HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task Client_credentials_with_a_scope_is_invalid_scope()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        foreach (var scope in new[] { "profile", "openid", "account", "collection:read" })
            await flow.TokenAsync(client, new() { ["grant_type"] = "client_credentials", ["scope"] = scope }).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task A_repeated_parameter_is_invalid_request()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var (code, verifier) = await flow.CodeAsync(client, user, "openid");
        var basic = TokenHelpers.Basic(client.ClientId, client.Secret!);
        KeyValuePair<string, string> P(string k, string v) => new(k, v);

        await flow.Backend.PostOAuthAsync("/oauth/token", [P("grant_type", "client_credentials"), P("grant_type", "client_credentials")], basic)
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await flow.Backend.PostOAuthAsync("/oauth/token",
            [P("grant_type", "authorization_code"), P("code", code), P("code", code), P("redirect_uri", client.RedirectUri), P("code_verifier", verifier)], basic)
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await flow.Backend.PostOAuthAsync("/oauth/token",
            [P("grant_type", "authorization_code"), P("code", code), P("redirect_uri", client.RedirectUri), P("code_verifier", verifier), P("code_verifier", verifier)], basic)
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");

        // Repetitions that a lenient "first value or nothing" reading would get past: a repeated client_id next to Basic...
        await flow.Backend.PostOAuthAsync("/oauth/token", [P("grant_type", "client_credentials"), P("client_id", client.ClientId), P("client_id", client.ClientId)], basic)
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        // ...and a repeated (optional) scope, which must not be taken as "no scope".
        await flow.Backend.PostOAuthAsync("/oauth/token", [P("grant_type", "client_credentials"), P("scope", "openid"), P("scope", "profile")], basic)
            .AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");

        // The control: the same request without the repetition.
        await (await flow.Backend.PostOAuthAsync("/oauth/token",
            [P("grant_type", "authorization_code"), P("code", code), P("redirect_uri", client.RedirectUri), P("code_verifier", verifier)], basic)).AssertTokenResponse();
    }

    [Fact]
    public async Task A_json_body_is_invalid_request()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { grant_type = "client_credentials" }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(TokenHelpers.Basic(client.ClientId, client.Secret!));
        var response = await flow.Backend.SendAsync(request);
        await response.AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
    }

    // ---- Response conformance (A, B7) ----------------------------------------------------------------------------

    [Fact]
    public async Task The_token_response_access_token_and_id_token_have_every_required_member()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        const string nonce = "n-0S6_WzA2Mj";

        var tokens = await flow.TokensAsync(client, user, AllScopes, nonce);
        Assert.Equal(AllScopes, tokens.Scope);
        Assert.Equal(3600, tokens.Json.GetProperty("expires_in").GetInt32());
        Assert.NotNull(tokens.RefreshToken);

        // RFC 9068 §2.1 and §2.2.
        var header = TokenHelpers.JwtPart(tokens.AccessToken, 0);
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal(TokenForgery.AppKeyId, header.GetProperty("kid").GetString());
        var access = TokenHelpers.JwtPart(tokens.AccessToken, 1);
        Assert.Equal(Issuer, access.GetProperty("iss").GetString());
        Assert.Equal(user.Uid, access.GetProperty("sub").GetString());
        AssertAudience(access, Issuer);
        Assert.Equal(client.ClientId, access.GetProperty("client_id").GetString());
        Assert.Equal(AllScopes, access.GetProperty("scope").GetString());
        Assert.False(string.IsNullOrEmpty(access.GetProperty("jti").GetString()));
        var iat = access.GetProperty("iat").GetInt64();
        var exp = access.GetProperty("exp").GetInt64();
        Assert.InRange(iat, app.Clock.GetUtcNow().ToUnixTimeSeconds() - 120, app.Clock.GetUtcNow().ToUnixTimeSeconds() + 5);
        Assert.Equal(3600, exp - iat);

        // OIDC Core §2 / §3.1.3.7.
        var idHeader = TokenHelpers.JwtPart(tokens.IdToken!, 0);
        Assert.Equal("RS256", idHeader.GetProperty("alg").GetString());
        Assert.Equal(TokenForgery.AppKeyId, idHeader.GetProperty("kid").GetString());
        Assert.False(idHeader.TryGetProperty("crit", out _));
        var id = TokenHelpers.JwtPart(tokens.IdToken!, 1);
        Assert.Equal(Issuer, id.GetProperty("iss").GetString());
        Assert.Equal(user.Uid, id.GetProperty("sub").GetString());
        AssertAudience(id, client.ClientId);
        Assert.True(id.GetProperty("exp").GetInt64() > id.GetProperty("iat").GetInt64());
        Assert.Equal(JsonValueKind.Number, id.GetProperty("iat").ValueKind);
        Assert.Equal(JsonValueKind.Number, id.GetProperty("auth_time").ValueKind);
        Assert.True(id.GetProperty("auth_time").GetInt64() <= id.GetProperty("iat").GetInt64());
        Assert.Equal(nonce, id.GetProperty("nonce").GetString());
    }

    [Fact]
    public async Task An_id_token_carries_no_nonce_when_none_was_sent()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var tokens = await flow.TokensAsync(client, user, "openid");
        var id = TokenHelpers.JwtPart(tokens.IdToken!, 1);
        Assert.False(id.TryGetProperty("nonce", out var nonce), $"nonce was not sent but the id_token has one: {nonce}");
        Assert.Equal(user.Uid, id.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Without_openid_no_id_token_and_without_offline_access_no_refresh_token()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();

        var profileOnly = await flow.TokensAsync(client, user, "profile");
        Assert.Equal("profile", profileOnly.Scope);
        Assert.Null(profileOnly.IdToken);
        Assert.Null(profileOnly.RefreshToken);

        var openid = await flow.TokensAsync(client, user, "openid");
        Assert.NotNull(openid.IdToken);
        Assert.Null(openid.RefreshToken);

        var offline = await flow.TokensAsync(client, user, "profile offline_access");
        Assert.Null(offline.IdToken);
        Assert.NotNull(offline.RefreshToken);
    }

    [Fact]
    public async Task An_id_token_is_not_accepted_as_an_access_token()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var tokens = await flow.TokensAsync(client, user, "openid profile email");

        // The control: the access token opens both.
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
        await (await flow.Backend.Send(HttpMethod.Get, "/api/me", tokens.AccessToken)).Ok();

        await (await flow.UserInfoAsync(tokens.IdToken)).AssertInvalidToken();
        await (await flow.UserInfoAsync(tokens.IdToken, HttpMethod.Post)).AssertInvalidToken();
        await (await flow.Backend.Send(HttpMethod.Get, "/api/me", tokens.IdToken)).AssertInvalidToken();
    }

    [Fact]
    public async Task Userinfo_answers_get_and_post_with_the_sub_of_the_id_token()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var tokens = await flow.TokensAsync(client, user, "openid profile email");
        var idSub = TokenHelpers.JwtPart(tokens.IdToken!, 1).GetProperty("sub").GetString();

        var byGet = await flow.UserInfoAsync(tokens.AccessToken);
        var get = await byGet.Ok();
        Assert.Equal("application/json", byGet.Content.Headers.ContentType?.MediaType);
        Assert.Equal(idSub, get.GetProperty("sub").GetString());
        Assert.Equal(user.Email, get.GetProperty("email").GetString());

        var post = await (await flow.UserInfoAsync(tokens.AccessToken, HttpMethod.Post)).Ok();
        Assert.Equal(idSub, post.GetProperty("sub").GetString());
        Assert.Equal(user.Uname, post.GetProperty("preferred_username").GetString());
    }

    [Fact]
    public async Task Userinfo_with_a_token_without_openid_is_403_insufficient_scope()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var user = await NewUserAsync();
        var tokens = await flow.TokensAsync(client, user, "profile");

        // The control: the token is good where its scope reaches.
        await (await flow.Backend.Send(HttpMethod.Get, "/api/me", tokens.AccessToken)).Ok();

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            var response = await flow.UserInfoAsync(tokens.AccessToken, method);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var challenge = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
            Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
            Assert.Contains("insufficient_scope", challenge, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Userinfo_without_a_token_is_401_with_a_bare_bearer_challenge()
    {
        var flow = new OAuthFlow(app);
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            var response = await flow.UserInfoAsync(null, method);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            // No credentials were sent, so no error code (RFC 6750 §3.1); DPoP is offered with its algorithms (RFC 9449 §7.1).
            Assert.Equal(["Bearer", "DPoP algs=\"ES256 RS256 PS256\""], response.Headers.GetValues("WWW-Authenticate"));
        }
    }

    private static void AssertAudience(JsonElement payload, string expected)
    {
        var aud = payload.GetProperty("aud");
        if (aud.ValueKind == JsonValueKind.Array)
            Assert.Equal(expected, Assert.Single(aud.EnumerateArray()).GetString());
        else
            Assert.Equal(expected, aud.GetString());
    }
}
