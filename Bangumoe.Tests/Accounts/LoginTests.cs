using System.Net;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>POST /api/auth/login: tokens, one answer for every bad login, throttling (per account and address, per
/// address, across instances; the owner's side of the lockout is in <see cref="LoginLockoutTests"/>) and the
/// password-hash upgrade.</summary>
public sealed class LoginTests(DefaultApp app, Emulators emulators) : IClassFixture<DefaultApp>
{
    private const string Password = AccountTestHelpers.Password;

    /// <summary>Every test logs in from its own address, so failures in one test never throttle another's address.</summary>
    private readonly string _address = AccountTestHelpers.NewAddress();

    private HttpClient Client() => app.ClientFrom(_address);

    [Fact]
    public async Task Login_by_email_or_uname_in_any_case_returns_a_bearer_token()
    {
        var client = Client();
        var user = await app.NewVerifiedUser();

        foreach (var body in new object[]
                 {
                     new { email = user.Email, password = Password },
                     new { email = user.Email.ToUpperInvariant(), password = Password },
                     new { uname = user.Uname, password = Password },
                     new { uname = user.Uname.ToUpperInvariant(), password = Password },
                 })
        {
            var response = await client.PostLogin(body);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var json = await response.ReadJson();
            Assert.Equal(["access_token", "expires_in", "token_type"], json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            await response.AssertToken(client, user.Uid);
        }
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_401()
    {
        var client = Client();
        var user = await app.NewVerifiedUser();

        var wrongPassword = await (await client.PostLogin(new { email = user.Email, password = "not the password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var unknownEmail = await (await client.PostLogin(new { email = TestApi.NewEmail(), password = Password })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var unknownUname = await (await client.PostLogin(new { uname = TestApi.NewUname(), password = Password })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var wrongByUname = await (await client.PostLogin(new { uname = user.Uname, password = "not the password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        foreach (var other in new[] { unknownEmail, unknownUname, wrongByUname })
        {
            Assert.Equal(Shape(wrongPassword), Shape(other));
            Assert.Equal(wrongPassword.GetProperty("title").GetString(), other.GetProperty("title").GetString());
        }
        Assert.Empty(wrongPassword.ErrorFields());
    }

    /// <summary>A problem without its per-request trace id.</summary>
    private static string Shape(JsonElement problem) =>
        string.Join("|", problem.EnumerateObject().Where(p => p.Name is not ("traceId" or "trace_id")).Select(p => p.Name + "=" + p.Value.GetRawText()));

    [Fact]
    public async Task Both_or_neither_of_email_and_uname_is_a_400()
    {
        var client = Client();
        var user = await app.NewVerifiedUser();

        var both = await (await client.PostLogin(new { email = user.Email, uname = user.Uname, password = Password })).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("uname", both.ErrorFields());
        var neither = await (await client.PostLogin(new { password = Password })).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("email", neither.ErrorFields());
        var blank = await (await client.PostLogin(new { email = "", uname = "", password = Password })).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.NotEmpty(blank.ErrorFields());
        var noPassword = await (await client.PostLogin(new { email = user.Email })).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["password"], noPassword.ErrorFields());
        var emptyPassword = await (await client.PostLogin(new { uname = user.Uname, password = "" })).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["password"], emptyPassword.ErrorFields());
    }

    [Fact]
    public async Task An_unverified_account_gets_403_only_with_the_right_password()
    {
        var client = Client();
        var email = TestApi.NewEmail();
        var uname = TestApi.NewUname();
        await client.Register(uname, email, Password);

        var right = await (await client.PostLogin(new { email, password = Password })).Problem(HttpStatusCode.Forbidden, "email-not-verified");
        Assert.False(right.TryGetProperty("access_token", out _));
        await (await client.PostLogin(new { uname, password = Password })).Problem(HttpStatusCode.Forbidden, "email-not-verified");

        // The wrong password gets exactly what it gets for a verified account: nothing tells the two apart.
        var wrong = await (await client.PostLogin(new { email, password = "not the password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var verified = await app.NewVerifiedUser();
        var wrongForVerified = await (await client.PostLogin(new { email = verified.Email, password = "not the password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(Shape(wrongForVerified), Shape(wrong));
    }

    [Fact]
    public async Task Too_many_failures_lock_the_account_from_that_address_even_for_the_right_password_then_it_unlocks()
    {
        var client = Client();
        var user = await app.NewVerifiedUser();

        for (var i = 0; i < 5; i++)
            await (await client.PostLogin(new { email = user.Email, password = "wrong " + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var locked = await client.PostLogin(new { email = user.Email, password = Password });
        var problem = await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.False(problem.TryGetProperty("access_token", out _));
        var wait = locked.RetryAfterSeconds();
        Assert.InRange(wait, 1, 60);
        // Locked by account, not by how it is named: by uname, in another case, also 429 from there.
        await (await client.PostLogin(new { uname = user.Uname.ToUpperInvariant(), password = Password })).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        // From elsewhere the owner is not locked out (issue 12): five failures are far from the account-wide bar.
        var elsewhere = app.ClientFrom(AccountTestHelpers.NewAddress());
        await (await elsewhere.PostLogin(new { uname = user.Uname, password = Password })).AssertToken(elsewhere, user.Uid);

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await client.PostLogin(new { email = user.Email, password = Password })).AssertToken(client, user.Uid);

        // Success reset the counter: four more failures do not lock.
        for (var i = 0; i < 4; i++)
            await (await client.PostLogin(new { uname = user.Uname, password = "wrong " + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        await (await client.PostLogin(new { uname = user.Uname, password = Password })).AssertToken(client, user.Uid);
    }

    [Fact]
    public async Task The_lock_doubles_with_each_further_failure()
    {
        var client = Client();
        var user = await app.NewVerifiedUser();
        for (var i = 0; i < 5; i++)
            await (await client.PostLogin(new { email = user.Email, password = "wrong " + i })).Problem(HttpStatusCode.Unauthorized);

        // While locked, even wrong passwords get 429 (and are not checked).
        await (await client.PostLogin(new { email = user.Email, password = "wrong again" })).Problem(HttpStatusCode.TooManyRequests, "login-throttled");

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await client.PostLogin(new { email = user.Email, password = "wrong 6" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var locked = await client.PostLogin(new { email = user.Email, password = Password });
        await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(locked.RetryAfterSeconds(), 61, 120);

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await client.PostLogin(new { email = user.Email, password = Password })).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        app.Clock.Advance(TimeSpan.FromSeconds(60));
        await (await client.PostLogin(new { email = user.Email, password = Password })).AssertToken(client, user.Uid);
    }

    [Fact]
    public async Task Guessing_at_a_missing_account_is_throttled_alike()
    {
        var client = Client();
        var email = TestApi.NewEmail();
        for (var i = 0; i < 5; i++)
            await (await client.PostLogin(new { email, password = "wrong " + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var locked = await client.PostLogin(new { email = email.ToUpperInvariant(), password = "wrong 5" });
        await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(locked.RetryAfterSeconds(), 1, 60);
    }

    [Fact]
    public async Task Too_many_failures_from_one_address_lock_that_address_only()
    {
        await using var strict = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            ["LoginThrottle:AddressMaxFailures"] = "3",
            ["LoginThrottle:AccountMaxFailures"] = "100",
        });
        const string attacker = "203.0.113.7";
        var user = await strict.NewVerifiedUser();
        var fromAttacker = strict.ClientFrom(attacker);

        for (var i = 0; i < 3; i++)
            await (await fromAttacker.PostLogin(new { email = TestApi.NewEmail(), password = "guess " + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var locked = await fromAttacker.PostLogin(new { email = user.Email, password = Password });
        await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(locked.RetryAfterSeconds(), 1, 60);
        // The last X-Forwarded-For entry is the one the proxy wrote: prepending another address changes nothing.
        await (await strict.ClientFrom("192.0.2.99, " + attacker).PostLogin(new { email = user.Email, password = Password }))
            .Problem(HttpStatusCode.TooManyRequests, "login-throttled");

        // Another address is not affected, and neither is the account.
        var elsewhere = strict.ClientFrom("198.51.100.20");
        await (await elsewhere.PostLogin(new { email = user.Email, password = Password })).AssertToken(elsewhere, user.Uid);
        var spoofed = strict.ClientFrom(attacker + ", 198.51.100.21");
        await (await spoofed.PostLogin(new { uname = user.Uname, password = Password })).AssertToken(spoofed, user.Uid);

        // A success from elsewhere does not launder the attacker's address; time does.
        await (await fromAttacker.PostLogin(new { email = user.Email, password = Password })).Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        strict.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await fromAttacker.PostLogin(new { email = user.Email, password = Password })).AssertToken(fromAttacker, user.Uid);
    }

    [Fact]
    public async Task Wrong_passwords_for_several_existing_accounts_lock_the_address()
    {
        await using var strict = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            ["LoginThrottle:AddressMaxFailures"] = "3",
            ["LoginThrottle:AccountMaxFailures"] = "100",
        });
        const string attacker = "203.0.113.8";
        var victims = new List<TestUser>();
        for (var i = 0; i < 3; i++) victims.Add(await strict.NewVerifiedUser());
        var fromAttacker = strict.ClientFrom(attacker);

        foreach (var victim in victims)
            await (await fromAttacker.PostLogin(new { uname = victim.Uname, password = "guess" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var locked = await fromAttacker.PostLogin(new { email = victims[0].Email, password = Password });
        await locked.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(locked.RetryAfterSeconds(), 1, 60);
        var elsewhere = strict.ClientFrom("198.51.100.30");
        await (await elsewhere.PostLogin(new { email = victims[0].Email, password = Password })).AssertToken(elsewhere, victims[0].Uid);

        strict.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await fromAttacker.PostLogin(new { email = victims[1].Email, password = Password })).AssertToken(fromAttacker, victims[1].Uid);
    }

    [Fact]
    public async Task Throttling_holds_across_instances_sharing_storage()
    {
        await using var a = new BangumoeApp(emulators);
        await using var b = new BangumoeApp(emulators, new Dictionary<string, string?> { ["Storage:NamePrefix"] = a.Prefix });
        // One guesser, one address, talking to both instances.
        var address = AccountTestHelpers.NewAddress();
        var clientA = a.ClientFrom(address);
        var clientB = b.ClientFrom(address);
        var user = await a.NewVerifiedUser();

        // Same storage: B knows the user A registered.
        await (await clientB.PostLogin(new { uname = user.Uname, password = Password })).AssertToken(clientB, user.Uid);

        // Failures counted on both instances add up.
        for (var i = 0; i < 3; i++)
            await (await clientA.PostLogin(new { email = user.Email, password = "wrong a" + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        for (var i = 0; i < 2; i++)
            await (await clientB.PostLogin(new { email = user.Email, password = "wrong b" + i })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var onA = await clientA.PostLogin(new { email = user.Email, password = Password });
        await onA.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        var onB = await clientB.PostLogin(new { email = user.Email, password = Password });
        await onB.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(onB.RetryAfterSeconds(), 1, 60);

        b.Clock.Advance(TimeSpan.FromSeconds(61));
        await (await clientB.PostLogin(new { email = user.Email, password = Password })).AssertToken(clientB, user.Uid);
    }

    [Fact]
    public async Task Failures_from_many_addresses_on_one_instance_lock_the_account_on_another()
    {
        var bars = new Dictionary<string, string?> { ["LoginThrottle:AccountAddressMaxFailures"] = "2", ["LoginThrottle:AccountMaxFailures"] = "6" };
        await using var a = new BangumoeApp(emulators, bars);
        await using var b = new BangumoeApp(emulators, new Dictionary<string, string?>(bars) { ["Storage:NamePrefix"] = a.Prefix });
        var user = await a.NewVerifiedUser();

        // Three addresses, each under its own bar, reach the account-wide bar on A.
        for (var address = 0; address < 3; address++)
        {
            var guesser = a.ClientFrom(AccountTestHelpers.NewAddress());
            for (var i = 0; i < 2; i++)
                await (await guesser.PostLogin(new { uname = user.Uname, password = $"wrong {address}.{i}" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }
        var onB = await b.ClientFrom(AccountTestHelpers.NewAddress()).PostLogin(new { email = user.Email, password = Password });
        await onB.Problem(HttpStatusCode.TooManyRequests, "login-throttled");
        Assert.InRange(onB.RetryAfterSeconds(), 1, 60);
    }

    [Fact]
    public async Task A_password_hashed_with_fewer_iterations_is_upgraded_at_the_next_login()
    {
        await using var old = new BangumoeApp(emulators);
        var clientOld = old.ClientFrom(AccountTestHelpers.NewAddress());
        var user = await old.NewVerifiedUser();
        var before = await old.StoredPasswordHash(user.Uid);
        Assert.Equal(600_000, AccountTestHelpers.HashIterations(before));

        await using var stronger = new BangumoeApp(emulators, new Dictionary<string, string?>
        {
            ["Storage:NamePrefix"] = old.Prefix,
            ["PasswordHashing:Pbkdf2Iterations"] = "700000",
        });
        var client = stronger.ClientFrom(AccountTestHelpers.NewAddress());

        // A wrong password upgrades nothing.
        await (await client.PostLogin(new { email = user.Email, password = "not the password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(before, await old.StoredPasswordHash(user.Uid));

        await (await client.PostLogin(new { email = user.Email, password = Password })).AssertToken(client, user.Uid);
        var after = await old.StoredPasswordHash(user.Uid);
        Assert.Equal(700_000, AccountTestHelpers.HashIterations(after));
        Assert.NotEqual(before.Split('$')[2], after.Split('$')[2]); // a fresh salt too

        // The new hash works, on either instance, and is not rewritten again (nor downgraded by the older setting).
        await (await client.PostLogin(new { uname = user.Uname, password = Password })).AssertToken(client, user.Uid);
        Assert.Equal(after, await old.StoredPasswordHash(user.Uid));
        await (await clientOld.PostLogin(new { email = user.Email, password = Password })).AssertToken(clientOld, user.Uid);
        Assert.Equal(after, await old.StoredPasswordHash(user.Uid));
        await (await client.PostLogin(new { email = user.Email, password = "not the password" })).Problem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }
}
