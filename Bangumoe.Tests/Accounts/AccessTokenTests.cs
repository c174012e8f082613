using System.Net;
using System.Security.Cryptography;
using System.Text;
using Bangumoe.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.Accounts;

/// <summary>What <c>GET /api/me</c> makes of the Authorization header: RFC 6750 answers for every kind of bad token.</summary>
public sealed class AccessTokenTests(DefaultApp app, Emulators emulators) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task No_authorization_gets_a_bare_bearer_challenge()
    {
        var client = app.NewClient();
        var response = await client.GetAsync("/api/me");
        await response.Problem(HttpStatusCode.Unauthorized, "unauthenticated");
        // No token was sent, so no error attribute (RFC 6750 section 3.1); DPoP is offered with its algorithms (RFC 9449 §7.1).
        Assert.Equal(["Bearer", "DPoP algs=\"ES256 RS256 PS256\""], response.Headers.GetValues("WWW-Authenticate"));
    }

    [Fact]
    public async Task A_genuine_login_token_and_a_correctly_forged_one_both_work()
    {
        // The control for every forgery below: with the right key and claims the app accepts a forged token, so each
        // 401 below is caused by the one thing that test changes.
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var me = await client.Me(user.Token);
        Assert.Equal(user.Uid, me.GetProperty("uid").GetString());

        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        Assert.Equal(stamp, TokenForgery.Claim(user.Token, "stamp"));
        var forged = TokenForgery.AccessToken(app, user.Uid, stamp);
        Assert.Equal(user.Uid, (await client.Me(forged)).GetProperty("uid").GetString());
    }

    [Fact]
    public async Task Garbage_tokens_are_invalid()
    {
        var client = app.NewClient();
        foreach (var garbage in new[] { "garbage", "a.b.c", "Zm9v.YmFy.YmF6", new string('x', 9000) })
            await (await client.Send(HttpMethod.Get, "/api/me", garbage)).AssertInvalidToken();
    }

    [Fact]
    public async Task A_token_with_a_tampered_payload_is_invalid()
    {
        var client = app.NewClient();
        var victim = await app.NewVerifiedUser();
        var attacker = await app.NewVerifiedUser();

        // The attacker's own token, its sub pointed at the victim (and, to leave only the signature in the way,
        // the victim's stamp).
        var victimStamp = await TokenForgery.SecurityStampAsync(app, victim.Uid);
        var tampered = TokenForgery.WithPayload(attacker.Token, p =>
        {
            p["sub"] = TokenForgery.Json(victim.Uid);
            p["stamp"] = TokenForgery.Json(victimStamp);
        });
        Assert.Equal(attacker.Token.Split('.')[2], tampered.Split('.')[2]);
        await (await client.Send(HttpMethod.Get, "/api/me", tampered)).AssertInvalidToken();

        // A change to a claim that would not matter otherwise is caught just the same.
        var otherJti = TokenForgery.WithPayload(attacker.Token, p => p["jti"] = TokenForgery.Json("tampered"));
        await (await client.Send(HttpMethod.Get, "/api/me", otherJti)).AssertInvalidToken();

        // The untouched token still works: the signature was the only problem.
        Assert.Equal(attacker.Uid, (await client.Me(attacker.Token)).GetProperty("uid").GetString());
    }

    [Fact]
    public async Task A_token_with_a_tampered_signature_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var parts = user.Token.Split('.');
        // Flip a character in the middle (the last one may only carry padding bits).
        var signature = parts[2].ToCharArray();
        var middle = signature.Length / 2;
        signature[middle] = signature[middle] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{parts[1]}.{new string(signature)}";
        await (await client.Send(HttpMethod.Get, "/api/me", tampered)).AssertInvalidToken();

        var noSignature = $"{parts[0]}.{parts[1]}.";
        await (await client.Send(HttpMethod.Get, "/api/me", noSignature)).AssertInvalidToken();

        await client.Me(user.Token);
    }

    [Fact]
    public async Task An_alg_none_token_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var payload = user.Token.Split('.')[1];
        foreach (var alg in new[] { "none", "None", "NONE" })
        {
            var header = TokenForgery.EncodePart(new Dictionary<string, string> { ["alg"] = alg, ["typ"] = "at+jwt" });
            await (await client.Send(HttpMethod.Get, "/api/me", $"{header}.{payload}.")).AssertInvalidToken();
        }
        // The same with the app's kid in the header.
        var withKid = TokenForgery.EncodePart(new Dictionary<string, string> { ["alg"] = "none", ["typ"] = "at+jwt", ["kid"] = TokenForgery.AppKeyId });
        await (await client.Send(HttpMethod.Get, "/api/me", $"{withKid}.{payload}.")).AssertInvalidToken();
    }

    [Fact]
    public async Task An_hs256_token_keyed_with_the_public_key_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        // The classic key confusion: HMAC with the published public key as the secret.
        var secret = Encoding.UTF8.GetBytes(TestKeys.Rsa.ExportSubjectPublicKeyInfoPem());
        var credentials = new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = TokenForgery.AppKeyId }, SecurityAlgorithms.HmacSha256);
        var token = TokenForgery.AccessToken(app, user.Uid, stamp, credentials: credentials);
        await (await client.Send(HttpMethod.Get, "/api/me", token)).AssertInvalidToken();
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        using var other = RSA.Create(2048);
        // Claiming the app's kid, and with a kid of its own.
        var sameKid = TokenForgery.AccessToken(app, user.Uid, stamp, credentials: TokenForgery.Credentials(other, TokenForgery.AppKeyId));
        await (await client.Send(HttpMethod.Get, "/api/me", sameKid)).AssertInvalidToken();
        var ownKid = TokenForgery.AccessToken(app, user.Uid, stamp,
            credentials: TokenForgery.Credentials(other, Base64UrlEncoder.Encode(new RsaSecurityKey(other).ComputeJwkThumbprint())));
        await (await client.Send(HttpMethod.Get, "/api/me", ownKid)).AssertInvalidToken();
    }

    [Fact]
    public async Task A_token_with_the_right_key_but_the_wrong_issuer_or_audience_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);

        var wrongIssuer = TokenForgery.AccessToken(app, user.Uid, stamp, issuer: "http://evil.test");
        await (await client.Send(HttpMethod.Get, "/api/me", wrongIssuer)).AssertInvalidToken();

        var trailingSlashIssuer = TokenForgery.AccessToken(app, user.Uid, stamp, issuer: BangumoeApp.PublicBaseUrl + "/");
        await (await client.Send(HttpMethod.Get, "/api/me", trailingSlashIssuer)).AssertInvalidToken();

        var wrongAudience = TokenForgery.AccessToken(app, user.Uid, stamp, audience: "http://other-api.test");
        await (await client.Send(HttpMethod.Get, "/api/me", wrongAudience)).AssertInvalidToken();

        // The control: same key and claims with the right issuer and audience.
        await client.Me(TokenForgery.AccessToken(app, user.Uid, stamp));
    }

    [Fact]
    public async Task A_verification_link_token_is_not_an_access_token()
    {
        var client = app.NewClient();
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        var mail = await app.Mail.WaitForAsync(user.Email, "Verify");
        var linkToken = mail.Token;
        Assert.Equal("bangumoe-email-verify+jwt", TokenForgery.DecodePart(linkToken, 0).GetProperty("typ").GetString());
        Assert.Equal(user.Uid, TokenForgery.Claim(linkToken, "sub"));
        await (await client.Send(HttpMethod.Get, "/api/me", linkToken)).AssertInvalidToken();
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("jwt")]
    [InlineData("bangumoe-email-verify+jwt")]
    [InlineData("bangumoe-password-reset+jwt")]
    [InlineData("bangumoe-email-change+jwt")]
    public async Task A_token_of_another_type_with_perfect_claims_is_invalid(string type)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var token = TokenForgery.AccessToken(app, user.Uid, stamp, type: type);
        Assert.Equal(type, TokenForgery.DecodePart(token, 0).GetProperty("typ").GetString());
        await (await client.Send(HttpMethod.Get, "/api/me", token)).AssertInvalidToken();
    }

    [Fact]
    public async Task An_expired_token_is_invalid()
    {
        // Its own app: moving the clock must not disturb the other tests of this class.
        await using var own = new BangumoeApp(emulators);
        var client = own.NewClient();
        var user = await own.NewVerifiedUser();
        await client.Me(user.Token);

        own.Clock.Advance(TimeSpan.FromMinutes(59));
        await client.Me(user.Token);

        own.Clock.Advance(TimeSpan.FromMinutes(2));
        await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).AssertInvalidToken();

        // A fresh login works again.
        await client.Me(await client.Login(user.Email, user.Password));
    }

    [Fact]
    public async Task A_token_that_is_not_yet_valid_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var now = app.Clock.GetUtcNow();
        var future = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = BangumoeApp.PublicBaseUrl,
            Audience = BangumoeApp.PublicBaseUrl,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.AddMinutes(10).UtcDateTime,
            Expires = now.AddHours(1).UtcDateTime,
            TokenType = "at+jwt",
            Claims = new Dictionary<string, object> { ["sub"] = user.Uid, ["client_id"] = "bangumoe", ["scope"] = "profile", ["stamp"] = stamp, ["jti"] = "nbf-test" },
            SigningCredentials = TokenForgery.AppCredentials,
        });
        await (await client.Send(HttpMethod.Get, "/api/me", future)).AssertInvalidToken();
    }

    [Fact]
    public async Task A_token_without_an_expiry_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var forever = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = BangumoeApp.PublicBaseUrl,
            Audience = BangumoeApp.PublicBaseUrl,
            TokenType = "at+jwt",
            Claims = new Dictionary<string, object> { ["sub"] = user.Uid, ["client_id"] = "bangumoe", ["scope"] = "profile", ["stamp"] = stamp, ["jti"] = "no-exp" },
            SigningCredentials = TokenForgery.AppCredentials,
        });
        Assert.False(TokenForgery.DecodePart(forever, 1).TryGetProperty("exp", out _));
        await (await client.Send(HttpMethod.Get, "/api/me", forever)).AssertInvalidToken();
    }

    [Fact]
    public async Task A_token_whose_stamp_does_not_match_the_user_is_invalid()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var wrongStamp = TokenForgery.AccessToken(app, user.Uid, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        await (await client.Send(HttpMethod.Get, "/api/me", wrongStamp)).AssertInvalidToken();
        var emptyStamp = TokenForgery.AccessToken(app, user.Uid, "");
        await (await client.Send(HttpMethod.Get, "/api/me", emptyStamp)).AssertInvalidToken();
        // A right stamp for a user that does not exist is refused too.
        var noSuchUser = TokenForgery.AccessToken(app, Guid.CreateVersion7().ToString("N"), stamp);
        await (await client.Send(HttpMethod.Get, "/api/me", noSuchUser)).AssertInvalidToken();
    }

    [Fact]
    public async Task Basic_authorization_is_refused()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Email}:{user.Password}"));
        var response = await client.GetWithAuthorization("/api/me", "Basic", basic);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", string.Join(", ", response.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);

        // The access token under another scheme name is not a bearer token either.
        var wrongScheme = await client.GetWithAuthorization("/api/me", "Token", user.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongScheme.StatusCode);
    }

    [Fact]
    public async Task A_token_without_the_profile_scope_gets_insufficient_scope()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var token = TokenForgery.AccessToken(app, user.Uid, stamp, scope: "collection:read email", clientId: "bangumoe");

        var response = await client.Send(HttpMethod.Get, "/api/me", token);
        await response.Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        var challenge = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
        Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"profile\"", challenge, StringComparison.Ordinal);

        // The same token issued to a third-party app the user never authorized is no token at all.
        var ungranted = TokenForgery.AccessToken(app, user.Uid, stamp, scope: "profile", clientId: "some-app");
        await (await client.Send(HttpMethod.Get, "/api/me", ungranted)).Problem(HttpStatusCode.Unauthorized, "invalid-token");

        // A scope that merely contains the word is not the scope.
        var lookalike = TokenForgery.AccessToken(app, user.Uid, stamp, scope: "profiles profile:read");
        await (await client.Send(HttpMethod.Get, "/api/me", lookalike)).Problem(HttpStatusCode.Forbidden, "insufficient-scope");
    }

    [Fact]
    public async Task A_token_with_profile_but_without_account_can_read_but_not_change_the_account()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);
        var token = TokenForgery.AccessToken(app, user.Uid, stamp, scope: "openid profile email collection:read collection:write", clientId: "bangumoe");

        var me = await client.Me(token);
        Assert.Equal(user.Uid, me.GetProperty("uid").GetString());

        var patch = await client.Send(HttpMethod.Patch, "/api/me", token, new { nickname = "hijacked" });
        await patch.Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        var challenge = string.Join(", ", patch.Headers.GetValues("WWW-Authenticate"));
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"account\"", challenge, StringComparison.Ordinal);

        // The other account-changing endpoints are closed to it as well.
        await (await client.Send(HttpMethod.Post, "/api/me/password", token, new { current_password = user.Password, new_password = "stolen password 1" }))
            .Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        await (await client.Send(HttpMethod.Post, "/api/me/email", token, new { new_email = TestApi.NewEmail(), password = user.Password }))
            .Problem(HttpStatusCode.Forbidden, "insufficient-scope");
        await (await client.Send(HttpMethod.Delete, "/api/me", token, new { password = user.Password }))
            .Problem(HttpStatusCode.Forbidden, "insufficient-scope");

        // Nothing changed.
        var after = await client.Me(user.Token);
        Assert.Equal(user.Uname, after.GetProperty("nickname").GetString());
        Assert.Equal(user.Email, after.GetProperty("email").GetString());
        await client.Login(user.Email, user.Password);
    }
}
