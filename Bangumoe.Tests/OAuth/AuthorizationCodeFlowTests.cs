using System.Net;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Bangumoe.Tests.OAuth;

/// <summary>The whole authorization code flow, as a third-party app and its user's browser walk it.</summary>
public sealed class AuthorizationCodeFlowTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task Sign_in_consent_code_tokens_userinfo_and_refresh()
    {
        var flow = new OAuthFlow(app);
        var developer = await app.NewVerifiedUser();
        var client = await flow.RegisterClientAsync(developer.Token);
        var user = await app.NewVerifiedUser();
        var (verifier, challenge) = OAuthFlow.Pkce();

        var redirect = await flow.SignInAndAllowAsync(OAuthFlow.AuthorizeUrl(client, "openid profile email offline_access", "xyz-state", challenge, nonce: "n-0S6_WzA2Mj"), user);

        Assert.Equal("https://client.example/callback", redirect.GetLeftPart(UriPartial.Path));
        var query = OAuthFlow.Query(redirect);
        Assert.Equal("xyz-state", query["state"]);
        Assert.Equal(BangumoeApp.PublicBaseUrl, query["iss"]);
        var code = query["code"];

        var tokenResponse = await flow.RedeemAsync(client, code, verifier);
        var tokens = await tokenResponse.Ok();
        Assert.Equal("no-store", tokenResponse.Headers.CacheControl?.ToString());
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(3600, tokens.GetProperty("expires_in").GetInt32());
        Assert.Equal("openid profile email offline_access", tokens.GetProperty("scope").GetString());

        var access = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Equal("at+jwt", access.Typ);
        Assert.Equal(client.ClientId, access.GetPayloadValue<string>("client_id"));
        Assert.Equal(user.Uid, access.Subject);
        Assert.Equal(BangumoeApp.PublicBaseUrl, access.Issuer);
        var id = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal(client.ClientId, Assert.Single(id.Audiences));
        Assert.Equal("n-0S6_WzA2Mj", id.GetPayloadValue<string>("nonce"));
        Assert.Equal(user.Uid, id.Subject);
        Assert.Equal(user.Email, id.GetPayloadValue<string>("email"));

        var userinfo = await (await flow.Backend.Send(HttpMethod.Get, "/oauth/userinfo", access.EncodedToken)).Ok();
        Assert.Equal(id.Subject, userinfo.GetProperty("sub").GetString());
        Assert.Equal(user.Uname, userinfo.GetProperty("preferred_username").GetString());

        // The account API takes the app's token too, within its scopes.
        var me = await (await flow.Backend.Send(HttpMethod.Get, "/api/me", access.EncodedToken)).Ok();
        Assert.Equal(user.Uid, me.GetProperty("uid").GetString());
        var patch = await flow.Backend.Send(HttpMethod.Patch, "/api/me", access.EncodedToken, new { nickname = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, patch.StatusCode);

        var refreshed = await (await flow.TokenAsync(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()! })).Ok();
        Assert.NotEqual(tokens.GetProperty("refresh_token").GetString(), refreshed.GetProperty("refresh_token").GetString());
        await (await flow.Backend.Send(HttpMethod.Get, "/oauth/userinfo", refreshed.GetProperty("access_token").GetString())).Ok();

        // Consent is remembered for this app and scope set: the next authorization goes straight back with a code.
        var (_, challenge2) = OAuthFlow.Pkce();
        var again = await flow.Browser.GetAsync(OAuthFlow.AuthorizeUrl(client, "openid profile", "s2", challenge2));
        Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        Assert.True(OAuthFlow.Query(again.Headers.Location!).ContainsKey("code"));
    }
}
