using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>The path a new user walks: register, find the mail in MailDev, verify, log in, edit the profile.</summary>
public sealed class UserJourneyTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Fact]
    public async Task Register_verify_login_and_edit_profile()
    {
        var client = app.CreateClient();
        var email = TestApi.NewEmail();
        var uname = TestApi.NewUname();

        var registered = await client.Register(uname, email.ToUpperInvariant(), "correct horse battery");
        Assert.Equal(uname, registered.GetProperty("uname").GetString());
        Assert.Equal(email, registered.GetProperty("email").GetString());
        Assert.False(registered.GetProperty("email_verified").GetBoolean());
        var uid = registered.GetProperty("uid").GetString()!;

        // Not verified yet: the right password still gets 403 with a problem type that says why.
        var early = await client.PostJson("/api/auth/login", new { email, password = "correct horse battery" });
        await early.Problem(HttpStatusCode.Forbidden, "email-not-verified");

        var mail = await app.Mail.WaitForAsync(email, "Verify");
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/api/auth/verify?token=", mail.Link().ToString(), StringComparison.Ordinal);
        Assert.Contains(mail.Link().ToString(), mail.Html, StringComparison.Ordinal);
        var (status, html) = await client.FollowMailLink(mail);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Email verified", html, StringComparison.Ordinal);

        var token = await client.Login(uname.ToUpperInvariant(), "correct horse battery");
        var me = await (await client.Send(HttpMethod.Get, "/api/me", token)).Ok();
        Assert.Equal(uid, me.GetProperty("uid").GetString());
        Assert.Equal(uname, me.GetProperty("uname").GetString());
        Assert.Equal(email, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("email_verified").GetBoolean());
        Assert.Equal(uname, me.GetProperty("nickname").GetString());
        Assert.True(me.TryGetProperty("created_at", out _));

        var patched = await (await client.Send(HttpMethod.Patch, "/api/me", token, new { nickname = "萌え", avatar = "https://lain.bgm.tv/pic/user/l/000/1.jpg", intro = "Watching everything." })).Ok();
        Assert.Equal("萌え", patched.GetProperty("nickname").GetString());
        var again = await (await client.Send(HttpMethod.Get, "/api/me", token)).Ok();
        Assert.Equal("https://lain.bgm.tv/pic/user/l/000/1.jpg", again.GetProperty("avatar").GetString());
        Assert.Equal("Watching everything.", again.GetProperty("intro").GetString());
    }
}
