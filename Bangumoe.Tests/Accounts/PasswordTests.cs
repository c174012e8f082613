using System.Net;
using System.Text.RegularExpressions;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>Changing a password (signed in), and forgetting it: the reset mail, the API and the HTML form.</summary>
public sealed partial class PasswordTests(DefaultApp app, Emulators emulators) : IClassFixture<DefaultApp>
{
    private const string ResetSubject = "Reset your Bangumoe password";

    [Fact]
    public async Task Changing_the_password_ends_old_sessions_and_returns_a_new_token()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var secondSession = await client.Login(user.Email, user.Password);
        const string next = "a brand new passphrase";

        var json = await (await client.Send(HttpMethod.Post, "/api/me/password", user.Token, new { current_password = user.Password, new_password = next })).Ok();
        var newToken = json.GetProperty("access_token").GetString()!;
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.GetProperty("expires_in").GetInt32());
        Assert.NotEqual(user.Token, newToken);

        // Every session from before is over, the one that changed the password included.
        await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).AssertInvalidToken();
        await (await client.Send(HttpMethod.Get, "/api/me", secondSession)).AssertInvalidToken();
        Assert.Equal(user.Uid, (await client.Me(newToken)).GetProperty("uid").GetString());

        await client.AssertLoginFails(user.Email, user.Password);
        await client.Me(await client.Login(user.Email, next));
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var response = await client.Send(HttpMethod.Post, "/api/me/password", user.Token, new { current_password = "not my password", new_password = "a brand new passphrase" });
        var problem = await response.Problem(HttpStatusCode.Forbidden, "wrong-password");
        Assert.Contains("current_password", problem.FieldNames());

        await client.Me(user.Token);
        await client.Login(user.Email, user.Password);
        await client.AssertLoginFails(user.Email, "a brand new passphrase");
    }

    [Theory]
    [InlineData("short")]
    [InlineData("")]
    public async Task An_invalid_new_password_is_a_400_naming_new_password(string next)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var response = await client.Send(HttpMethod.Post, "/api/me/password", user.Token, new { current_password = user.Password, new_password = next });
        var problem = await response.Problem(HttpStatusCode.BadRequest);
        Assert.Contains("new_password", problem.FieldNames());

        var tooLong = await client.Send(HttpMethod.Post, "/api/me/password", user.Token, new { current_password = user.Password, new_password = new string('p', 129) });
        Assert.Contains("new_password", (await tooLong.Problem(HttpStatusCode.BadRequest)).FieldNames());

        await client.Me(user.Token);
        await client.Login(user.Email, user.Password);
    }

    [Fact]
    public async Task Forgot_password_for_an_unknown_address_is_accepted_and_sends_nothing()
    {
        var client = app.NewClient();
        var unknown = TestApi.NewEmail();
        await (await client.PostJson("/api/auth/password/forgot", new { email = unknown })).Ok(HttpStatusCode.Accepted);

        // A known address right after: once its mail is through, the unknown one would have been too.
        var user = await app.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        await app.Mail.WaitForAsync(user.Email, ResetSubject);
        await Task.Delay(500);
        Assert.Empty(await app.Mail.ToAsync(unknown));
    }

    [Fact]
    public async Task Forgot_and_reset_through_the_api()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        const string next = "reset to this passphrase";

        // Any case and surrounding blanks find the account.
        await (await client.PostJson("/api/auth/password/forgot", new { email = " " + user.Email.ToUpperInvariant() + " " })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);
        Assert.Equal(ResetSubject, mail.Subject);
        var link = mail.Link();
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/auth/password/reset?token=", link.ToString(), StringComparison.Ordinal);
        Assert.Contains(link.ToString(), mail.Html, StringComparison.Ordinal);

        // Nothing changes by asking: the old password and token still work.
        await client.Me(user.Token);

        await (await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = next })).Ok(HttpStatusCode.NoContent);

        await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).AssertInvalidToken();
        await client.AssertLoginFails(user.Email, user.Password);
        await client.Me(await client.Login(user.Email, next));

        // The link works once: a second use (now also bound to an old stamp) changes nothing.
        var again = await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = "yet another passphrase" });
        var problem = await again.Problem(HttpStatusCode.BadRequest);
        Assert.Contains(problem.GetProperty("type").GetString(), new[] { "urn:bangumoe:problem:link-used", "urn:bangumoe:problem:link-invalid" });
        await client.AssertLoginFails(user.Email, "yet another passphrase");
        await client.Login(user.Email, next);
    }

    [Fact]
    public async Task A_reset_with_an_invalid_new_password_or_token_changes_nothing()
    {
        var client = app.NewClient();
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);

        var tooShort = await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = "short" });
        Assert.Contains("new_password", (await tooShort.Problem(HttpStatusCode.BadRequest)).FieldNames());

        var garbage = await client.PostJson("/api/auth/password/reset", new { token = "garbage", new_password = "long enough passphrase" });
        await garbage.Problem(HttpStatusCode.BadRequest, "link-invalid");

        // A verification link is not a reset link, even for the same user.
        var verifyMail = await app.Mail.WaitForAsync(user.Email, "Verify");
        var confused = await client.PostJson("/api/auth/password/reset", new { token = verifyMail.Token, new_password = "long enough passphrase" });
        await confused.Problem(HttpStatusCode.BadRequest, "link-invalid");

        await client.Me(user.Token);
        await client.Login(user.Email, user.Password);

        // The failed attempts did not use the link up.
        await (await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = "long enough passphrase" })).Ok(HttpStatusCode.NoContent);
        await client.Login(user.Email, "long enough passphrase");
    }

    [Fact]
    public async Task An_expired_reset_link_is_refused()
    {
        await using var own = new BangumoeApp(emulators);
        var client = own.NewClient();
        var user = await own.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await own.Mail.WaitForAsync(user.Email, ResetSubject);

        own.Clock.Advance(TimeSpan.FromMinutes(31));
        var response = await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = "too late passphrase" });
        await response.Problem(HttpStatusCode.BadRequest, "link-expired");

        await client.AssertLoginFails(user.Email, "too late passphrase");
        await client.Login(user.Email, user.Password);
    }

    [Fact]
    public async Task A_reset_link_from_before_a_password_change_is_refused()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);

        const string changed = "changed while signed in";
        await (await client.Send(HttpMethod.Post, "/api/me/password", user.Token, new { current_password = user.Password, new_password = changed })).Ok();

        var response = await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = "from the old link" });
        await response.Problem(HttpStatusCode.BadRequest, "link-invalid");
        await client.Login(user.Email, changed);
    }

    [Fact]
    public async Task A_reset_verifies_an_unverified_account()
    {
        var client = app.NewClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        await client.Register(uname, email, "registered passphrase");
        await (await client.TryLogin(email, "registered passphrase")).Problem(HttpStatusCode.Forbidden, "email-not-verified");

        await (await client.PostJson("/api/auth/password/forgot", new { email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(email, ResetSubject);
        await (await client.PostJson("/api/auth/password/reset", new { token = mail.Token, new_password = "the reset passphrase" })).Ok(HttpStatusCode.NoContent);

        var token = await client.Login(email, "the reset passphrase");
        var me = await client.Me(token);
        Assert.True(me.GetProperty("email_verified").GetBoolean());
        Assert.Equal(email, me.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Reset_mails_are_limited_to_one_per_interval()
    {
        await using var own = new BangumoeApp(emulators);
        var client = own.NewClient();
        var user = await own.NewVerifiedUser();

        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var first = await own.Mail.WaitForAsync(user.Email, ResetSubject);

        own.Clock.Advance(TimeSpan.FromMinutes(2));
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var second = await own.Mail.WaitForAsync(user.Email, ResetSubject, count: 2);
        await Task.Delay(500);
        Assert.Equal(2, (await own.Mail.ToAsync(user.Email)).Count(m => m.Subject == ResetSubject));
        Assert.NotEqual(first.Token, second.Token);
    }

    [Fact]
    public async Task Parallel_resets_with_one_link_have_exactly_one_winner()
    {
        await using var own = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            // Nine wrong logins below must be answered 401, not locked out.
            ["LoginThrottle:AccountAddressMaxFailures"] = "100",
            ["LoginThrottle:AccountMaxFailures"] = "100",
            ["LoginThrottle:AddressMaxFailures"] = "100",
        });
        var client = own.NewClient();
        var user = await own.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var token = (await own.Mail.WaitForAsync(user.Email, ResetSubject)).Token;

        var passwords = Enumerable.Range(0, 10).Select(i => $"racing passphrase {i}").ToList();
        var responses = await Task.WhenAll(passwords.Select(async p =>
        {
            await Task.Yield();
            return await client.PostJson("/api/auth/password/reset", new { token, new_password = p });
        }));

        var winners = Enumerable.Range(0, passwords.Count).Where(i => responses[i].StatusCode == HttpStatusCode.NoContent).ToList();
        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        Assert.True(winners.Count == 1, $"Expected exactly one 204, got: {statuses}");
        foreach (var (response, i) in responses.Select((r, i) => (r, i)).Where(x => x.i != winners[0]))
        {
            var problem = await response.Problem(HttpStatusCode.BadRequest);
            Assert.Contains(problem.GetProperty("type").GetString(), new[] { "urn:bangumoe:problem:link-used", "urn:bangumoe:problem:link-invalid" });
        }

        await client.Me(await client.Login(user.Email, passwords[winners[0]]));
        foreach (var loser in passwords.Where((_, i) => i != winners[0]))
            await client.AssertLoginFails(user.Email, loser);
        await client.AssertLoginFails(user.Email, user.Password);
    }

    [Fact]
    public async Task The_reset_page_shows_a_form_with_strict_headers()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);

        var response = await client.GetAsync(mail.Link().PathAndQuery);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        AssertStrictPageHeaders(response);

        Assert.Contains("<form method=\"post\" action=\"/auth/password/reset\">", html, StringComparison.Ordinal);
        Assert.Equal(mail.Token, HiddenToken().Match(html).Groups[1].Value);
        Assert.Contains("name=\"new_password\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"confirm_password\"", html, StringComparison.Ordinal);

        // Showing the page changes nothing.
        await client.Me(user.Token);
        await client.Login(user.Email, user.Password);
    }

    [Fact]
    public async Task The_reset_page_encodes_whatever_token_it_is_given()
    {
        var client = app.NewClient();
        var response = await client.GetAsync("/auth/password/reset?token=" + Uri.EscapeDataString("\"><script>alert(1)</script>"));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&quot;&gt;&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submitting_the_reset_form_changes_the_password()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);
        const string next = "typed into the form";

        var response = await PostForm(client, mail.Token, next, next);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Password changed", html, StringComparison.Ordinal);
        AssertStrictPageHeaders(response);

        await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).AssertInvalidToken();
        await client.AssertLoginFails(user.Email, user.Password);
        await client.Me(await client.Login(user.Email, next));

        // Posting the same form again: the link is used up, and the password stays.
        var again = await PostForm(client, mail.Token, "second form post", "second form post");
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("Link not usable", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await client.AssertLoginFails(user.Email, "second form post");
        await client.Login(user.Email, next);
    }

    [Fact]
    public async Task A_mismatched_confirmation_changes_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);

        var response = await PostForm(client, mail.Token, "first typing here", "second typing here");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("The two passwords differ.", html, StringComparison.Ordinal);
        // The form comes back with the token, so the user can simply try again.
        Assert.Equal(mail.Token, HiddenToken().Match(html).Groups[1].Value);

        await client.AssertLoginFails(user.Email, "first typing here");
        await client.AssertLoginFails(user.Email, "second typing here");
        await client.Me(user.Token);
        await client.Login(user.Email, user.Password);

        // And the link was not used up.
        var retry = await PostForm(client, mail.Token, "first typing here", "first typing here");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        await client.Login(user.Email, "first typing here");
    }

    [Fact]
    public async Task A_too_short_password_in_the_form_changes_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        await (await client.PostJson("/api/auth/password/forgot", new { email = user.Email })).Ok(HttpStatusCode.Accepted);
        var mail = await app.Mail.WaitForAsync(user.Email, ResetSubject);

        var response = await PostForm(client, mail.Token, "short", "short");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Choose a password of 8 to 128 characters.", html, StringComparison.Ordinal);
        await client.AssertLoginFails(user.Email, "short");
        await client.Login(user.Email, user.Password);
    }

    private static void AssertStrictPageHeaders(HttpResponseMessage response)
    {
        Assert.Contains("frame-ancestors 'none'", string.Join(", ", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store expected, got " + response.Headers.CacheControl);
    }

    /// <summary>Opens the reset page as the mailed link does and submits its form, with the page's CSRF token.</summary>
    private static async Task<HttpResponseMessage> PostForm(HttpClient client, string token, string password, string confirm)
    {
        var page = await (await client.GetAsync("/auth/password/reset?token=" + Uri.EscapeDataString(token))).Content.ReadAsStringAsync();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = HiddenCsrf().Match(page).Groups[1].Value,
            ["token"] = token,
            ["new_password"] = password,
            ["confirm_password"] = confirm,
        });
        return await client.PostAsync("/auth/password/reset", form);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"token\" value=\"([^\"]*)\"\\s*/?>")]
    private static partial Regex HiddenToken();

    [GeneratedRegex("<input type=\"hidden\" name=\"csrf\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenCsrf();
}
