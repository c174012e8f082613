using System.Net;
using Azure.Data.Tables;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary><c>DELETE /api/me</c>: the password confirms it, and afterwards the account is gone, its names free.</summary>
public sealed class DeleteAccountTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task A_wrong_password_deletes_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var response = await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = "not my password" });
        var problem = await response.Problem(HttpStatusCode.Forbidden, "wrong-password");
        Assert.Contains("password", problem.FieldNames());

        Assert.Equal(user.Uid, (await client.Me(user.Token)).GetProperty("uid").GetString());
        await client.Login(user.Email, user.Password);
        await (await client.PostJson("/api/auth/register", new { uname = user.Uname, email = TestApi.NewEmail(), password = "another passphrase" }))
            .Problem(HttpStatusCode.Conflict, "uname-taken");
    }

    [Fact]
    public async Task Deleting_ends_the_account_and_frees_its_names()
    {
        var client = app.NewClient();
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        var otherSession = await client.Login(user.Uname, user.Password);

        await (await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).Ok(HttpStatusCode.NoContent);

        await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).AssertInvalidToken();
        await (await client.Send(HttpMethod.Get, "/api/me", otherSession)).AssertInvalidToken();
        // A token forged with the old stamp finds no user either.
        await (await client.Send(HttpMethod.Get, "/api/me", TokenForgery.AccessToken(app, user.Uid, TokenForgery.Claim(user.Token, "stamp")!))).AssertInvalidToken();

        // Deleting again with the dead token is refused as unauthenticated, not answered 204.
        await (await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).AssertInvalidToken();

        // The row is gone from storage, not just hidden.
        var users = new TableClient(app.Emulators.StorageConnectionString, app.Prefix + "Users");
        Assert.False((await users.GetEntityIfExistsAsync<TableEntity>(user.Uid, "")).HasValue);

        // Same user name (in another case) and email can register again, as a new account.
        var again = await client.Register(user.Uname.ToUpperInvariant(), user.Email, "a fresh passphrase");
        Assert.NotEqual(user.Uid, again.GetProperty("uid").GetString());
        Assert.False(again.GetProperty("email_verified").GetBoolean());
        var mail = await app.Mail.WaitForAsync(user.Email, "Verify", count: 2);
        var (status, html) = await client.FollowMailLink(mail);
        Assert.True(status == HttpStatusCode.OK, html);
        var token = await client.Login(user.Email, "a fresh passphrase");
        var me = await client.Me(token);
        Assert.Equal(again.GetProperty("uid").GetString(), me.GetProperty("uid").GetString());
        Assert.Equal(user.Uname.ToUpperInvariant(), me.GetProperty("uname").GetString());
        // Nothing of the old account carried over.
        await client.AssertLoginFails(user.Email, user.Password);
    }

    [Fact]
    public async Task After_deletion_the_login_is_refused()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        await (await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password })).Ok(HttpStatusCode.NoContent);

        // The same answer as for any unknown login: 401 invalid-credentials.
        await client.AssertLoginFails(user.Email, user.Password);
        await client.AssertLoginFails(user.Uname, user.Password);
    }

    [Fact]
    public async Task A_missing_body_or_password_is_a_400()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var noBody = await client.Send(HttpMethod.Delete, "/api/me", user.Token);
        await noBody.Problem(HttpStatusCode.BadRequest);

        var emptyObject = await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { });
        var problem = await emptyObject.Problem(HttpStatusCode.BadRequest);
        Assert.Contains("password", problem.FieldNames());

        var emptyPassword = await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = "" });
        Assert.Contains("password", (await emptyPassword.Problem(HttpStatusCode.BadRequest)).FieldNames());

        Assert.Equal(user.Uid, (await client.Me(user.Token)).GetProperty("uid").GetString());
        await client.Login(user.Email, user.Password);
    }

    [Fact]
    public async Task Deleting_needs_a_token()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var response = await client.Send(HttpMethod.Delete, "/api/me", body: new { password = user.Password });
        await response.Problem(HttpStatusCode.Unauthorized, "unauthenticated");
        await client.Me(user.Token);
    }
}
