using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>Changing the email: nothing happens until the link mailed to the new address is followed.</summary>
public sealed class EmailChangeTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string ConfirmSubject = "Confirm your new Bangumoe email";
    private const string NoticeSubject = "Your Bangumoe email was changed";

    [Fact]
    public async Task Changing_the_email_takes_effect_when_the_new_address_confirms()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var newEmail = TestApi.NewEmail();

        var pending = await (await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = " " + newEmail.ToUpperInvariant(), password = user.Password }))
            .Ok(HttpStatusCode.Accepted);
        Assert.Equal(newEmail, pending.GetProperty("pending_email").GetString());

        var mail = await app.Mail.WaitForAsync(newEmail, ConfirmSubject);
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/api/auth/verify?token=", mail.Link().ToString(), StringComparison.Ordinal);

        // Until then nothing changed.
        var before = await client.Me(user.Token);
        Assert.Equal(user.Email, before.GetProperty("email").GetString());
        Assert.True(before.GetProperty("email_verified").GetBoolean());
        await client.Login(user.Email, user.Password);
        Assert.DoesNotContain(await app.Mail.ToAsync(user.Email), m => m.Subject == NoticeSubject);

        var (status, html) = await client.FollowMailLink(mail);
        Assert.True(status == HttpStatusCode.OK, html);
        Assert.Contains("Email changed", html, StringComparison.Ordinal);

        var after = await client.Me(user.Token);
        Assert.Equal(newEmail, after.GetProperty("email").GetString());
        Assert.True(after.GetProperty("email_verified").GetBoolean());
        Assert.Equal(user.Uname, after.GetProperty("uname").GetString());

        var notice = await app.Mail.WaitForAsync(user.Email, NoticeSubject);
        Assert.Contains(newEmail, notice.Text, StringComparison.Ordinal);

        Assert.Equal(user.Uid, (await client.Me(await client.Login(newEmail, user.Password))).GetProperty("uid").GetString());

        // The old address is free again.
        var other = await client.Register(TestApi.NewUname(), user.Email, "another passphrase");
        Assert.NotEqual(user.Uid, other.GetProperty("uid").GetString());
        // The new one is not.
        await (await client.PostJson("/api/auth/register", new { uname = TestApi.NewUname(), email = newEmail, password = "another passphrase" }))
            .Problem(HttpStatusCode.Conflict, "email-taken");
    }

    [Fact]
    public async Task Login_works_with_the_current_address_only()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var newEmail = TestApi.NewEmail();
        await (await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = newEmail, password = user.Password })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(newEmail, ConfirmSubject);

        // Pending: the new address does not log in yet (401, as for any unknown login), the old one does.
        await client.AssertLoginFails(newEmail, user.Password);
        await client.Login(user.Email, user.Password);

        var (status, html) = await client.FollowMailLink(mail);
        Assert.True(status == HttpStatusCode.OK, html);

        // Changed: the other way round.
        await client.Login(newEmail, user.Password);
        await client.AssertLoginFails(user.Email, user.Password);
    }

    [Fact]
    public async Task A_wrong_password_is_403_and_sends_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var newEmail = TestApi.NewEmail();

        var response = await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = newEmail, password = "not my password" });
        var problem = await response.Problem(HttpStatusCode.Forbidden, "wrong-password");
        Assert.Contains("password", problem.FieldNames());

        // A mail that is sent later to the user's own address shows the queue has moved past this point.
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        await app.Mail.WaitForAsync(user.Email, "Reset your Bangumoe password");
        await Task.Delay(500);
        Assert.Empty(await app.Mail.ToAsync(newEmail));
        Assert.Equal(user.Email, (await client.Me(user.Token)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task An_address_of_another_account_is_409()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var taken = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), taken, "someone else's passphrase");

        var response = await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = taken.ToUpperInvariant(), password = user.Password });
        var problem = await response.Problem(HttpStatusCode.Conflict, "email-taken");
        Assert.Contains("new_email", problem.FieldNames());
        Assert.Equal(user.Email, (await client.Me(user.Token)).GetProperty("email").GetString());
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("")]
    [InlineData("Someone <someone@example.com>")]
    [InlineData("a@b")]
    public async Task An_invalid_new_email_is_a_400_naming_new_email(string newEmail)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var response = await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = newEmail, password = user.Password });
        var problem = await response.Problem(HttpStatusCode.BadRequest);
        Assert.Contains("new_email", problem.FieldNames());

        var tooLong = await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = new string('a', 60) + "@example.com", password = user.Password });
        Assert.Contains("new_email", (await tooLong.Problem(HttpStatusCode.BadRequest)).FieldNames());

        Assert.Equal(user.Email, (await client.Me(user.Token)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task The_current_address_is_a_400()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        foreach (var same in new[] { user.Email, user.Email.ToUpperInvariant() })
        {
            var response = await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = same, password = user.Password });
            var problem = await response.Problem(HttpStatusCode.BadRequest);
            Assert.Contains("new_email", problem.FieldNames());
        }
        Assert.Equal(user.Email, (await client.Me(user.Token)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task The_change_link_works_once()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var newEmail = TestApi.NewEmail();
        await (await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = newEmail, password = user.Password })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(newEmail, ConfirmSubject);

        var (first, firstHtml) = await client.FollowMailLink(mail);
        Assert.True(first == HttpStatusCode.OK, firstHtml);
        Assert.Contains("Email changed", firstHtml, StringComparison.Ordinal);

        var (second, secondHtml) = await client.FollowMailLink(mail);
        Assert.Equal(HttpStatusCode.BadRequest, second);
        Assert.Contains("already used", secondHtml, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(newEmail, (await client.Me(user.Token)).GetProperty("email").GetString());
        // One change, one notice.
        await app.Mail.WaitForAsync(user.Email, NoticeSubject);
        await Task.Delay(500);
        Assert.Single(await app.Mail.ToAsync(user.Email), m => m.Subject == NoticeSubject);
    }

    [Fact]
    public async Task A_link_for_an_address_another_account_took_meanwhile_changes_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var newEmail = TestApi.NewEmail();
        await (await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = newEmail, password = user.Password })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(newEmail, ConfirmSubject);

        // Someone registers the address before the link is followed: a pending change does not reserve it.
        var squatter = await client.Register(TestApi.NewUname(), newEmail, "squatter passphrase");

        var (status, html) = await client.FollowMailLink(mail);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Address taken", html, StringComparison.Ordinal);

        var me = await client.Me(user.Token);
        Assert.Equal(user.Email, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("email_verified").GetBoolean());
        await client.Login(user.Email, user.Password);
        await client.AssertLoginFails(newEmail, user.Password);
        // The other account keeps the address.
        await (await client.PostJson("/api/auth/register", new { uname = TestApi.NewUname(), email = newEmail, password = "third passphrase" }))
            .Problem(HttpStatusCode.Conflict, "email-taken");
        Assert.NotEqual(user.Uid, squatter.GetProperty("uid").GetString());
        Assert.DoesNotContain(await app.Mail.ToAsync(user.Email), m => m.Subject == NoticeSubject);
    }

    [Fact]
    public async Task An_older_change_link_is_dead_after_another_change()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var first = TestApi.NewEmail();
        var second = TestApi.NewEmail();
        await (await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = first, password = user.Password })).Ok(HttpStatusCode.Accepted);
        await (await client.Send(HttpMethod.Post, "/api/me/email", user.Token, new { new_email = second, password = user.Password })).Ok(HttpStatusCode.Accepted);
        var firstMail = await app.Mail.WaitForAsync(first, ConfirmSubject);
        var secondMail = await app.Mail.WaitForAsync(second, ConfirmSubject);

        var (status, html) = await client.FollowMailLink(secondMail);
        Assert.True(status == HttpStatusCode.OK, html);

        // The first link was bound to the address the account had then.
        var (stale, staleHtml) = await client.FollowMailLink(firstMail);
        Assert.Equal(HttpStatusCode.BadRequest, stale);
        Assert.DoesNotContain("Email changed", staleHtml, StringComparison.Ordinal);
        Assert.Equal(second, (await client.Me(user.Token)).GetProperty("email").GetString());
    }
}
