using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>The mailed verification link (GET /api/auth/verify) and POST /api/auth/verify/resend.</summary>
public sealed class VerificationTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Password = AccountTestHelpers.Password;

    /// <summary>Registers a fresh user and returns it with its verification mail.</summary>
    private async Task<(string Uid, string Uname, string Email, Mail Mail)> Registered(HttpClient client)
    {
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var json = await client.Register(uname, email, Password);
        var mail = await app.Mail.WaitForAsync(email, "Verify");
        return (json.GetProperty("uid").GetString()!, uname, email, mail);
    }

    private static void AssertPage(HttpStatusCode expectedStatus, string expectedText, (HttpStatusCode Status, string Html) page)
    {
        Assert.True(page.Status == expectedStatus, $"Expected {(int)expectedStatus}, got {(int)page.Status}: {page.Html}");
        Assert.Contains(expectedText, page.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mailed_link_verifies_once_then_says_already_used()
    {
        var client = app.CreateClient();
        var (uid, _, email, mail) = await Registered(client);
        await (await client.PostLogin(new { email, password = Password })).Problem(HttpStatusCode.Forbidden, "email-not-verified");

        var response = await client.GetAsync(mail.Link().PathAndQuery);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, html);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Email verified", html, StringComparison.Ordinal);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);

        // Verified for real: login works, and the profile says so.
        var token = await (await client.PostLogin(new { email, password = Password })).AssertToken(client, uid);
        var me = await (await client.Send(HttpMethod.Get, "/api/me", token)).Ok();
        Assert.True(me.GetProperty("email_verified").GetBoolean());

        var again = await client.FollowMailLink(mail);
        AssertPage(HttpStatusCode.BadRequest, "Link already used", again);
        Assert.DoesNotContain("Email verified", again.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_link_is_refused_and_a_resent_one_works()
    {
        var client = app.CreateClient();
        var (uid, _, email, mail) = await Registered(client);

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        var expired = await client.FollowMailLink(mail);
        AssertPage(HttpStatusCode.BadRequest, "expired", expired);
        Assert.DoesNotContain("Email verified", expired.Html, StringComparison.Ordinal);
        await (await client.PostLogin(new { email, password = Password })).Problem(HttpStatusCode.Forbidden, "email-not-verified");

        // Well past the resend interval: a new mail with a fresh link, which works.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        var fresh = await app.Mail.WaitForAsync(email, "Verify", count: 2);
        Assert.NotEqual(mail.Token, fresh.Token);
        AssertPage(HttpStatusCode.OK, "Email verified", await client.FollowMailLink(fresh));
        await (await client.PostLogin(new { email, password = Password })).AssertToken(client, uid);
    }

    [Fact]
    public async Task A_link_still_works_just_before_it_expires()
    {
        var client = app.CreateClient();
        var (_, _, _, mail) = await Registered(client);
        app.Clock.Advance(TimeSpan.FromMinutes(9));
        AssertPage(HttpStatusCode.OK, "Email verified", await client.FollowMailLink(mail));
    }

    [Fact]
    public async Task A_tampered_signature_is_an_invalid_link_and_does_not_burn_the_real_one()
    {
        var client = app.CreateClient();
        var (_, _, _, mail) = await Registered(client);
        var token = mail.Token;
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var signature = parts[2].ToCharArray();
        var i = signature.Length / 2;
        signature[i] = signature[i] == 'A' ? 'B' : 'A';
        var tampered = parts[0] + "." + parts[1] + "." + new string(signature);
        Assert.NotEqual(token, tampered);

        var page = await client.FollowVerifyToken(tampered);
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", page);
        Assert.DoesNotContain("Email verified", page.Html, StringComparison.Ordinal);

        // A changed payload under the original signature is just as invalid.
        var payload = AccountTestHelpers.JwtPayload(token);
        payload["email"] = TestApi.NewEmail();
        var swapped = parts[0] + "." + System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(swapped));

        AssertPage(HttpStatusCode.OK, "Email verified", await client.FollowMailLink(mail));
    }

    public static TheoryData<string> GarbageTokens => ["<none>", "", "garbage", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "<long>"];

    [Theory]
    [MemberData(nameof(GarbageTokens))]
    public async Task A_missing_or_garbage_token_is_an_invalid_link(string token)
    {
        var client = app.CreateClient();
        var page = token switch
        {
            "<none>" => await client.FollowVerifyToken(null),
            // Long, but within the 4 KB URL a Functions host accepts.
            "<long>" => await client.FollowVerifyToken(new string('a', 3500)),
            _ => await client.FollowVerifyToken(token),
        };
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", page);
    }

    [Fact]
    public async Task An_overlong_link_is_refused_by_the_host_before_the_app()
    {
        var (status, _) = await app.CreateClient().FollowVerifyToken(new string('a', 9000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, status);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_invalid()
    {
        var client = app.CreateClient();
        var (_, _, _, mail) = await Registered(client);
        using var otherKey = RSA.Create(2048);

        var forged = AccountTestHelpers.Resign(mail.Token, otherKey);
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(forged));

        // The same header without a kid, so no key lookup can short-cut the check.
        var header = AccountTestHelpers.JwtHeader(mail.Token);
        header.Remove("kid");
        var noKid = AccountTestHelpers.SignJwt(header, AccountTestHelpers.JwtPayload(mail.Token), otherKey);
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(noKid));

        // Unsigned ("alg": "none") is refused too.
        var none = new JsonObject { ["alg"] = "none", ["typ"] = header["typ"]?.GetValue<string>() };
        var unsigned = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(none.ToJsonString())) + "." + mail.Token.Split('.')[1] + ".";
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(unsigned));

        // Control: the very same claims signed with the app's key do verify, so only the key made the difference.
        var genuine = AccountTestHelpers.Resign(mail.Token, TestKeys.Rsa);
        AssertPage(HttpStatusCode.OK, "Email verified", await client.FollowVerifyToken(genuine));
    }

    [Fact]
    public async Task The_token_is_bound_to_the_uid_and_the_email_it_was_sent_to()
    {
        var client = app.CreateClient();
        var (uid, _, email, mail) = await Registered(client);
        var (otherUid, _, _, _) = await Registered(client);

        // Validly signed (an attacker with the key), fresh jti, but for another address of this user: invalid.
        var otherEmail = AccountTestHelpers.Resign(mail.Token, TestKeys.Rsa, p =>
        {
            p["email"] = TestApi.NewEmail();
            p["jti"] = AccountTestHelpers.NewJti();
        });
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(otherEmail));

        // This user's email, but naming another (or no existing) uid: invalid.
        var otherUser = AccountTestHelpers.Resign(mail.Token, TestKeys.Rsa, p =>
        {
            p["sub"] = otherUid;
            p["jti"] = AccountTestHelpers.NewJti();
        });
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(otherUser));
        var noUser = AccountTestHelpers.Resign(mail.Token, TestKeys.Rsa, p =>
        {
            p["sub"] = Guid.NewGuid().ToString("N");
            p["jti"] = AccountTestHelpers.NewJti();
        });
        AssertPage(HttpStatusCode.BadRequest, "Invalid link", await client.FollowVerifyToken(noUser));

        // Neither verified anybody.
        await (await client.PostLogin(new { email, password = Password })).Problem(HttpStatusCode.Forbidden, "email-not-verified");

        // The mailed one does.
        AssertPage(HttpStatusCode.OK, "Email verified", await client.FollowMailLink(mail));
        await (await client.PostLogin(new { email, password = Password })).AssertToken(client, uid);
    }

    [Fact]
    public async Task Ten_parallel_uses_of_one_link_verify_exactly_once()
    {
        var client = app.CreateClient();
        var (uid, _, email, mail) = await Registered(client);
        var path = mail.Link().PathAndQuery;

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetAsync(path)));
        var pages = await Task.WhenAll(responses.Select(async r => (r.StatusCode, Html: await r.Content.ReadAsStringAsync())));

        var verified = pages.Where(p => p.Html.Contains("Email verified", StringComparison.Ordinal)).ToArray();
        Assert.True(verified.Length == 1, $"{verified.Length} of 10 parallel uses said 'Email verified'.");
        Assert.Equal(HttpStatusCode.OK, verified[0].StatusCode);
        foreach (var other in pages.Where(p => !p.Html.Contains("Email verified", StringComparison.Ordinal)))
            AssertPage(HttpStatusCode.BadRequest, "Link already used", other);
        Assert.All(pages, p => Assert.True((int)p.StatusCode < 500));
        await (await client.PostLogin(new { email, password = Password })).AssertToken(client, uid);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("not-an-email")]
    public async Task Resend_for_an_unknown_address_is_202_and_mails_nothing(string kind)
    {
        var client = app.CreateClient();
        var email = kind == "unknown" ? TestApi.NewEmail() : "not-an-email";
        var response = await client.PostJson("/api/auth/verify/resend", new { email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        if (kind == "unknown") await app.Mail.AssertMailCountStays(email, 0);
    }

    [Fact]
    public async Task Resend_mails_an_unverified_user_a_new_link_at_most_once_per_interval()
    {
        var client = app.CreateClient();
        var (uid, _, email, first) = await Registered(client);

        // Registration's own mail counts: resending right away sends nothing, but still answers 202.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        await app.Mail.AssertMailCountStays(email, 1, TimeSpan.FromSeconds(1.5));

        app.Clock.Advance(TimeSpan.FromMinutes(2));
        // Any case and surrounding spaces find the account.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email = " " + email.ToUpperInvariant() })).StatusCode);
        var second = await app.Mail.WaitForAsync(email, "Verify", count: 2);
        Assert.NotEqual(first.Token, second.Token);

        // Within the interval again: no third mail.
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        await app.Mail.AssertMailCountStays(email, 2);

        AssertPage(HttpStatusCode.OK, "Email verified", await client.FollowMailLink(second));
        await (await client.PostLogin(new { email, password = Password })).AssertToken(client, uid);
    }

    [Fact]
    public async Task Parallel_resends_send_one_mail()
    {
        var client = app.CreateClient();
        var (_, _, email, _) = await Registered(client);
        app.Clock.Advance(TimeSpan.FromMinutes(2));

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.PostJson("/api/auth/verify/resend", new { email })));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        await app.Mail.WaitForAsync(email, "Verify", count: 2);
        await app.Mail.AssertMailCountStays(email, 2, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Resend_for_a_verified_account_mails_nothing()
    {
        var client = app.CreateClient();
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        app.Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email = user.Email })).StatusCode);
        await app.Mail.AssertMailCountStays(user.Email, 1);
    }

    [Fact]
    public async Task Resend_with_no_interval_configured_mails_every_time()
    {
        await using var noInterval = new BangumoeApp(app.Emulators, new Dictionary<string, string?> { ["Accounts:MailResendInterval"] = "00:00:00" });
        var client = noInterval.CreateClient();
        var email = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), email, Password);
        await noInterval.Mail.WaitForAsync(email, "Verify");

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        await noInterval.Mail.WaitForAsync(email, "Verify", count: 2);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        var third = await noInterval.Mail.WaitForAsync(email, "Verify", count: 3);

        // Every link is its own single-use token; the newest works.
        var (status, html) = await client.FollowMailLink(third);
        Assert.True(status == HttpStatusCode.OK, html);
        Assert.Contains("Email verified", html, StringComparison.Ordinal);
    }
}
