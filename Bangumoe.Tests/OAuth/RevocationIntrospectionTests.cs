using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// <c>POST /oauth/revoke</c> (RFC 7009) and <c>POST /oauth/introspect</c> (RFC 7662): exactly 200 for every well-formed
/// request of an authenticated client; only the client's own tokens are revoked or described; anything unknown,
/// expired, revoked or foreign is exactly <c>{"active": false}</c>.
/// </summary>
public sealed class RevocationIntrospectionTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Scope = "openid profile offline_access";

    private async Task<(OAuthFlow Flow, RegisteredClient Client, TestUser User, TokenSet Tokens)> GrantAsync(BangumoeApp target, string type = "confidential")
    {
        var flow = new OAuthFlow(target);
        var client = await target.NewClientAsync(type);
        var user = await target.NewVerifiedUser();
        var tokens = await flow.TokensAsync(client, user, Scope);
        Assert.NotNull(tokens.RefreshToken);
        return (flow, client, user, tokens);
    }

    /// <summary>Tokens that are not (or no longer) anything this server issued.</summary>
    private static IEnumerable<string> Garbage() =>
    [
        Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
        Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)) + "." + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)),
        "a.b",
        "a.b.c",
        ".",
        "x.",
        "garbage with spaces / slashes ? # % and é",
        "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.",
        new string('x', 300),
        new string('y', 9000),
    ];

    // ---- Revocation --------------------------------------------------------------------------------------------

    [Fact]
    public async Task Revoking_an_unknown_or_garbage_token_answers_exactly_200()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        foreach (var token in Garbage())
        {
            await flow.AssertRevokedAsync(client, token);
            await flow.AssertRevokedAsync(client, token, "refresh_token");
            await flow.AssertRevokedAsync(client, token, "access_token");
        }
    }

    [Fact]
    public async Task Revoking_another_clients_tokens_answers_200_and_leaves_them_active()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);
        var other = await app.NewClientAsync();
        var publicOther = await app.NewClientAsync("public");

        foreach (var revoker in new[] { other, publicOther })
        {
            await flow.AssertRevokedAsync(revoker, tokens.AccessToken);
            await flow.AssertRevokedAsync(revoker, tokens.RefreshToken!);
            await flow.AssertRevokedAsync(revoker, tokens.IdToken!);
        }

        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);
        Assert.True((await flow.IntrospectAsync(client, tokens.AccessToken)).GetProperty("active").GetBoolean());
        Assert.True((await flow.IntrospectAsync(client, tokens.RefreshToken!)).GetProperty("active").GetBoolean());
        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(refreshed.AccessToken, user.Uid);
    }

    [Fact]
    public async Task Revoking_a_refresh_token_ends_it_and_every_access_token_of_its_family()
    {
        var (flow, client, user, first) = await GrantAsync(app);
        var second = await (await flow.RefreshAsync(client, first.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(first.AccessToken, user.Uid);
        await flow.AssertAccessWorksAsync(second.AccessToken, user.Uid);

        await flow.AssertRevokedAsync(client, second.RefreshToken!);

        await flow.AssertRefreshRefusedAsync(client, second.RefreshToken!);
        await flow.AssertAccessRefusedAsync(second.AccessToken);
        await flow.AssertAccessRefusedAsync(first.AccessToken);

        // Revoking it again is still a 200.
        await flow.AssertRevokedAsync(client, second.RefreshToken!);
    }

    [Fact]
    public async Task Revoking_an_access_token_ends_that_token_only()
    {
        var (flow, client, user, first) = await GrantAsync(app);
        var second = await (await flow.RefreshAsync(client, first.RefreshToken!)).AssertTokenResponse();

        await flow.AssertRevokedAsync(client, first.AccessToken);

        await flow.AssertAccessRefusedAsync(first.AccessToken);
        await (await flow.Backend.Send(HttpMethod.Get, "/api/me", first.AccessToken)).AssertInvalidToken();
        // The newer access token of the same grant, and the refresh token, carry on.
        await flow.AssertAccessWorksAsync(second.AccessToken, user.Uid);
        var third = await (await flow.RefreshAsync(client, second.RefreshToken!)).AssertTokenResponse();
        await flow.AssertAccessWorksAsync(third.AccessToken, user.Uid);
    }

    [Fact]
    public async Task A_wrong_token_type_hint_does_not_stop_a_revocation()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);
        var second = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();

        // RFC 7009 §2.1: a wrong hint only costs the server a second lookup.
        await flow.AssertRevokedAsync(client, tokens.AccessToken, "refresh_token");
        await flow.AssertAccessRefusedAsync(tokens.AccessToken);
        await flow.AssertAccessWorksAsync(second.AccessToken, user.Uid);

        await flow.AssertRevokedAsync(client, second.RefreshToken!, "access_token");
        await flow.AssertRefreshRefusedAsync(client, second.RefreshToken!);
        await flow.AssertAccessRefusedAsync(second.AccessToken);
    }

    [Fact]
    public async Task A_public_client_revokes_its_refresh_token_with_client_id_only()
    {
        var (flow, client, user, tokens) = await GrantAsync(app, "public");
        await flow.AssertAccessWorksAsync(tokens.AccessToken, user.Uid);

        await flow.AssertRevokedAsync(client, tokens.RefreshToken!);

        await flow.AssertRefreshRefusedAsync(client, tokens.RefreshToken!);
        await flow.AssertAccessRefusedAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task Revocation_needs_a_token_and_an_authenticated_client()
    {
        var (flow, client, _, tokens) = await GrantAsync(app);

        await flow.Backend.PostAsClientAsync("/oauth/revoke", client, []).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
        await flow.Backend.PostAsClientAsync("/oauth/revoke", client, new() { ["token"] = "" }).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");

        var form = new Dictionary<string, string> { ["token"] = tokens.RefreshToken! };
        await (await flow.Backend.PostOAuthAsync("/oauth/revoke", form, TokenHelpers.Basic(client.ClientId, client.Secret + "x"))).AssertInvalidClient(usedBasic: true);
        await (await flow.Backend.PostOAuthAsync("/oauth/revoke", form.Append(new("client_id", client.ClientId)).Append(new("client_secret", "wrong"))))
            .AssertInvalidClient(usedBasic: false);
        await (await flow.Backend.PostOAuthAsync("/oauth/revoke", form)).AssertInvalidClient(usedBasic: false);
        await (await flow.Backend.PostOAuthAsync("/oauth/revoke", form.Append(new("client_id", client.ClientId)))).AssertInvalidClient(usedBasic: false);

        // None of those revoked anything.
        await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
    }

    [Fact]
    public async Task A_revoked_client_credentials_token_is_no_longer_active()
    {
        var flow = new OAuthFlow(app);
        var client = await app.NewClientAsync();
        var tokens = await (await flow.TokenAsync(client, new() { ["grant_type"] = "client_credentials" })).AssertTokenResponse();
        var before = await flow.IntrospectAsync(client, tokens.AccessToken);
        Assert.True(before.GetProperty("active").GetBoolean());
        Assert.Equal(client.ClientId, before.GetProperty("sub").GetString());

        // RFC 7009 §2.2: 200 means "revoked" (or an invalid token); a token this server still calls active was not revoked.
        await flow.AssertRevokedAsync(client, tokens.AccessToken);
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, tokens.AccessToken));
    }

    // ---- Introspection -----------------------------------------------------------------------------------------

    [Fact]
    public async Task Introspection_needs_an_authenticated_confidential_client()
    {
        var (flow, client, _, tokens) = await GrantAsync(app, "public");
        var form = new Dictionary<string, string> { ["token"] = tokens.AccessToken };

        // A public client (client_id only) cannot introspect, not even its own token.
        await (await flow.Backend.PostAsClientAsync("/oauth/introspect", client, new(form))).AssertInvalidClient(usedBasic: false);
        // No client authentication at all.
        await (await flow.Backend.PostOAuthAsync("/oauth/introspect", form)).AssertInvalidClient(usedBasic: false);
        // A confidential client with a wrong secret.
        var confidential = await app.NewClientAsync();
        await (await flow.Backend.PostOAuthAsync("/oauth/introspect", form, TokenHelpers.Basic(confidential.ClientId, confidential.Secret + "x")))
            .AssertInvalidClient(usedBasic: true);
        await (await flow.Backend.PostOAuthAsync("/oauth/introspect", form.Append(new("client_id", confidential.ClientId))))
            .AssertInvalidClient(usedBasic: false);
        // A confidential client without the token parameter.
        await flow.Backend.PostAsClientAsync("/oauth/introspect", confidential, []).AssertOAuthError(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task An_active_access_token_is_described()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);

        var json = await flow.IntrospectAsync(client, tokens.AccessToken);
        Assert.Equal(JsonValueKind.True, json.GetProperty("active").ValueKind);
        Assert.Equal(client.ClientId, json.GetProperty("client_id").GetString());
        Assert.Equal(Scope, json.GetProperty("scope").GetString());
        Assert.Equal(user.Uid, json.GetProperty("sub").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("token_type").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("exp").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("iat").ValueKind);
        var payload = TokenHelpers.JwtPart(tokens.AccessToken, 1);
        Assert.Equal(payload.GetProperty("exp").GetInt64(), json.GetProperty("exp").GetInt64());
        Assert.Equal(payload.GetProperty("iat").GetInt64(), json.GetProperty("iat").GetInt64());
        if (json.TryGetProperty("iss", out var iss)) Assert.Equal(BangumoeApp.PublicBaseUrl, iss.GetString());
    }

    [Fact]
    public async Task An_active_refresh_token_is_active_and_a_rotated_one_is_not()
    {
        var (flow, client, user, tokens) = await GrantAsync(app);

        var json = await flow.IntrospectAsync(client, tokens.RefreshToken!);
        Assert.Equal(JsonValueKind.True, json.GetProperty("active").ValueKind);
        Assert.Equal(client.ClientId, json.GetProperty("client_id").GetString());
        Assert.Equal(user.Uid, json.GetProperty("sub").GetString());

        var refreshed = await (await flow.RefreshAsync(client, tokens.RefreshToken!)).AssertTokenResponse();
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, tokens.RefreshToken!));
        Assert.True((await flow.IntrospectAsync(client, refreshed.RefreshToken!)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Unknown_and_garbage_tokens_are_exactly_inactive()
    {
        var (flow, client, _, tokens) = await GrantAsync(app);
        foreach (var token in Garbage())
            TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, token));
        // An id_token is no access token.
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, tokens.IdToken!));
        // A tampered access token.
        var tampered = TokenForgery.WithPayload(tokens.AccessToken, p => p["scope"] = TokenForgery.Json("openid profile email offline_access collection:write"));
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, tampered));
    }

    [Fact]
    public async Task An_expired_access_token_is_exactly_inactive()
    {
        await using var timed = new BangumoeApp(app.Emulators);
        var (flow, client, _, tokens) = await GrantAsync(timed);
        Assert.True((await flow.IntrospectAsync(client, tokens.AccessToken)).GetProperty("active").GetBoolean());

        timed.Clock.Advance(TimeSpan.FromHours(2));

        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, tokens.AccessToken));
        // The refresh token lives on, so the client can still get a fresh one.
        Assert.True((await flow.IntrospectAsync(client, tokens.RefreshToken!)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoked_tokens_are_exactly_inactive()
    {
        var (flow, client, _, first) = await GrantAsync(app);
        var second = await (await flow.RefreshAsync(client, first.RefreshToken!)).AssertTokenResponse();

        await flow.AssertRevokedAsync(client, first.AccessToken);
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, first.AccessToken));
        Assert.True((await flow.IntrospectAsync(client, second.AccessToken)).GetProperty("active").GetBoolean());

        await flow.AssertRevokedAsync(client, second.RefreshToken!);
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, second.RefreshToken!));
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(client, second.AccessToken));
    }

    [Fact]
    public async Task Another_clients_tokens_are_exactly_inactive()
    {
        var (flow, client, _, tokens) = await GrantAsync(app);
        var other = await app.NewClientAsync();

        TokenHelpers.AssertInactive(await flow.IntrospectAsync(other, tokens.AccessToken));
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(other, tokens.RefreshToken!));
        var ownToken = await (await flow.TokenAsync(client, new() { ["grant_type"] = "client_credentials" })).AssertTokenResponse();
        TokenHelpers.AssertInactive(await flow.IntrospectAsync(other, ownToken.AccessToken));

        // The control: to their own client they are active.
        Assert.True((await flow.IntrospectAsync(client, tokens.AccessToken)).GetProperty("active").GetBoolean());
        Assert.True((await flow.IntrospectAsync(client, tokens.RefreshToken!)).GetProperty("active").GetBoolean());
        Assert.True((await flow.IntrospectAsync(client, ownToken.AccessToken)).GetProperty("active").GetBoolean());
    }
}
