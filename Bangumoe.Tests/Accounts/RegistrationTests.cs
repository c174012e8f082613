using System.Net;
using System.Security.Cryptography;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>POST /api/auth/register: the answer, the mail, the field rules, uniqueness (also under races).</summary>
public sealed class RegistrationTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Password = AccountTestHelpers.Password;

    [Fact]
    public async Task Register_returns_201_with_the_account_and_mails_a_verification_link()
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();

        var response = await client.PostRegister(uname, email, Password);
        var json = await response.Ok(HttpStatusCode.Created);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("uid").GetString()));
        Assert.Equal(uname, json.GetProperty("uname").GetString());
        Assert.Equal(email, json.GetProperty("email").GetString());
        Assert.False(json.GetProperty("email_verified").GetBoolean());
        // Exactly the public fields: nothing about the password (or its hash) travels back.
        Assert.Equal(["email", "email_verified", "uid", "uname"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var mail = await app.Mail.WaitForAsync(email, "Verify");
        Assert.StartsWith(BangumoeApp.PublicBaseUrl + "/api/auth/verify?token=", mail.Link().ToString(), StringComparison.Ordinal);
        Assert.Contains(uname, mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, mail.Text, StringComparison.Ordinal);
        await app.Mail.AssertMailCountStays(email, 1, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Email_is_stored_trimmed_and_lower_case_and_uname_keeps_its_case()
    {
        var client = app.CreateClient();
        var uname = "MoE_" + TestApi.NewUname();
        var email = TestApi.NewEmail();

        var json = await client.Register(uname, "  " + email.ToUpperInvariant() + " ", Password);
        Assert.Equal(email, json.GetProperty("email").GetString());
        Assert.Equal(uname, json.GetProperty("uname").GetString());
        await app.Mail.WaitForAsync(email, "Verify");
    }

    public static TheoryData<string> ValidBoundaries => ["uname-3", "uname-32", "uname-symbols", "email-64", "password-8", "password-128", "password-unicode"];

    [Theory]
    [MemberData(nameof(ValidBoundaries))]
    public async Task Values_at_the_limits_are_accepted(string which)
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var password = Password;
        switch (which)
        {
            case "uname-3": uname = "a" + Convert.ToHexString(RandomNumberGenerator.GetBytes(1)).ToLowerInvariant(); break;
            case "uname-32": uname = (uname + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)))[..32]; break;
            case "uname-symbols": uname = "A_b-" + uname; break;
            case "email-64": email = email.Replace("@", new string('x', 64 - email.Length) + "@", StringComparison.Ordinal); break;
            case "password-8": password = "12345678"; break;
            case "password-128": password = new string('p', 128); break;
            case "password-unicode": password = "パスワードは長い😀"; break;
        }
        Assert.True(uname.Length is >= 3 and <= 32);
        Assert.True(email.Length <= 64);

        var json = await client.Register(uname, email, password);
        Assert.Equal(uname, json.GetProperty("uname").GetString());
        Assert.Equal(email, json.GetProperty("email").GetString());
        var response = await client.PostLogin(new { email, password });
        // Not verified yet, but the password is right: 403, not 401.
        await response.Problem(HttpStatusCode.Forbidden, "email-not-verified");
    }

    /// <summary>Each row: the field made invalid and the value it gets ("&lt;null&gt;" leaves it out).</summary>
    public static TheoryData<string, string> InvalidFields => new()
    {
        { "uname", "<null>" },
        { "uname", "" },
        { "uname", "ab" },
        { "uname", new string('a', 33) },
        { "uname", "has space" },
        { "uname", "dot.name" },
        { "uname", "at@name" },
        { "uname", "ümlaut" },
        { "uname", "日本語の名前" },
        { "uname", "tab\tname" },
        { "uname", "emoji😀name" },
        { "email", "<null>" },
        { "email", "" },
        { "email", "   " },
        { "email", "not-an-email" },
        { "email", "user@localhost" },
        { "email", "user@example." },
        { "email", "@example.com" },
        { "email", "user@" },
        { "email", "us er@example.com" },
        { "email", "Name <user@example.com>" },
        { "email", "a@example.com,b@example.com" },
        { "email", "user@@example.com" },
        { "email", new string('e', 53) + "@example.com" },
        { "password", "<null>" },
        { "password", "" },
        { "password", "1234567" },
        { "password", new string('p', 129) },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task An_invalid_field_is_a_400_naming_it_and_stores_nothing(string field, string value)
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var bad = value == "<null>" ? null : value;

        var response = await client.PostRegister(
            field == "uname" ? bad : uname,
            field == "email" ? bad : email,
            field == "password" ? bad : Password);
        var problem = await response.Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal([field], problem.ErrorFields());
        Assert.Contains(problem.GetProperty("errors").GetProperty(field).EnumerateArray(), m => !string.IsNullOrEmpty(m.GetString()));

        // Nothing was claimed: the valid email and user name of that request are still free.
        var json = await client.Register(uname, email, Password);
        Assert.Equal(email, json.GetProperty("email").GetString());
        // ...and the rejected request sent no mail: only the successful registration's arrives.
        await app.Mail.WaitForAsync(email, "Verify");
        Assert.Single(await app.Mail.ToAsync(email));
    }

    [Fact]
    public async Task Several_invalid_fields_are_all_named()
    {
        var client = app.CreateClient();
        var response = await client.PostRegister("x", "nope", "short");
        var problem = await response.Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["email", "password", "uname"], problem.ErrorFields());
    }

    [Fact]
    public async Task A_taken_email_is_409_whatever_its_case_and_the_loser_claims_nothing()
    {
        var client = app.CreateClient();
        var email = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), email, Password);

        var loserUname = TestApi.NewUname();
        var same = await (await client.PostRegister(loserUname, email, Password)).Problem(HttpStatusCode.Conflict, "email-taken");
        Assert.Equal(["email"], same.ErrorFields());
        var upper = await (await client.PostRegister(TestApi.NewUname(), email.ToUpperInvariant(), Password)).Problem(HttpStatusCode.Conflict, "email-taken");
        Assert.Equal(["email"], upper.ErrorFields());
        await (await client.PostRegister(TestApi.NewUname(), " " + email + " ", Password)).Problem(HttpStatusCode.Conflict, "email-taken");

        // The losing request's user name was not kept.
        await client.Register(loserUname, TestApi.NewEmail(), Password);
        // One mail only: conflicts mail nobody.
        await app.Mail.WaitForAsync(email, "Verify");
        await app.Mail.AssertMailCountStays(email, 1, TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task A_taken_uname_is_409_ignoring_case_and_the_loser_claims_nothing()
    {
        var client = app.CreateClient();
        var suffix = TestApi.NewUname();
        await client.Register("Moe" + suffix, TestApi.NewEmail(), Password);

        var loserEmail = TestApi.NewEmail();
        var lower = await (await client.PostRegister("moe" + suffix, loserEmail, Password)).Problem(HttpStatusCode.Conflict, "uname-taken");
        Assert.Equal(["uname"], lower.ErrorFields());
        await (await client.PostRegister("MOE" + suffix.ToUpperInvariant(), TestApi.NewEmail(), Password)).Problem(HttpStatusCode.Conflict, "uname-taken");
        await (await client.PostRegister("Moe" + suffix, TestApi.NewEmail(), Password)).Problem(HttpStatusCode.Conflict, "uname-taken");

        // The losing request's email was released again, and it was never mailed.
        await app.Mail.AssertMailCountStays(loserEmail, 0, TimeSpan.FromSeconds(1));
        await client.Register(TestApi.NewUname(), loserEmail, Password);
        await app.Mail.WaitForAsync(loserEmail, "Verify");
    }

    [Fact]
    public async Task Ten_parallel_registrations_of_one_email_have_exactly_one_winner_and_one_mail()
    {
        var client = app.CreateClient();
        var email = TestApi.NewEmail();
        var unames = Enumerable.Range(0, 10).Select(_ => TestApi.NewUname()).ToArray();

        var responses = await Task.WhenAll(unames.Select(u => client.PostRegister(u, email, Password)));

        var statuses = responses.Select(r => (int)r.StatusCode).ToArray();
        Assert.True(statuses.Count(s => s == 201) == 1 && statuses.Count(s => s == 409) == 9, "Statuses: " + string.Join(",", statuses));
        foreach (var loser in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await loser.Problem(HttpStatusCode.Conflict, "email-taken");
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.Created).Ok(HttpStatusCode.Created);
        var winnerUname = winner.GetProperty("uname").GetString();

        await app.Mail.WaitForAsync(email, "Verify");
        await app.Mail.AssertMailCountStays(email, 1, TimeSpan.FromSeconds(3));
        Assert.Contains(winnerUname!, (await app.Mail.ToAsync(email))[0].Text, StringComparison.Ordinal);

        // The losers' user names are free again.
        var loserUname = unames.First(u => u != winnerUname);
        await client.Register(loserUname, TestApi.NewEmail(), Password);
    }

    [Fact]
    public async Task Ten_parallel_registrations_of_one_uname_have_exactly_one_winner()
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var emails = Enumerable.Range(0, 10).Select(_ => TestApi.NewEmail()).ToArray();

        // Mixed case: uniqueness ignores it.
        var responses = await Task.WhenAll(emails.Select((e, i) => client.PostRegister(i % 2 == 0 ? uname : uname.ToUpperInvariant(), e, Password)));

        var statuses = responses.Select(r => (int)r.StatusCode).ToArray();
        Assert.True(statuses.Count(s => s == 201) == 1 && statuses.Count(s => s == 409) == 9, "Statuses: " + string.Join(",", statuses));
        foreach (var loser in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await loser.Problem(HttpStatusCode.Conflict, "uname-taken");
        var winnerEmail = (await responses.Single(r => r.StatusCode == HttpStatusCode.Created).Ok(HttpStatusCode.Created)).GetProperty("email").GetString()!;

        await app.Mail.WaitForAsync(winnerEmail, "Verify");
        var losers = emails.Where(e => e != winnerEmail).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var loser in losers) Assert.Empty(await app.Mail.ToAsync(loser));

        // The losers' emails are free again.
        await client.Register(TestApi.NewUname(), losers[0], Password);
    }
}
