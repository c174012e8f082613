using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary>What clients get wrong: broken JSON, wrong types, wrong content types, huge bodies. Always a 4xx problem,
/// never a 500, and nothing stored.</summary>
public sealed class BadInputTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Password = AccountTestHelpers.Password;

    private static string Fill(string template, string uname, string email) =>
        template.Replace("{U}", uname, StringComparison.Ordinal).Replace("{E}", email, StringComparison.Ordinal);

    private static async Task<HttpResponseMessage> SendRaw(HttpClient client, HttpMethod method, string path, string? token, byte[]? body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        return await client.SendAsync(request);
    }

    /// <summary>Asserts a 4xx problem+json (never a 500); with a status, exactly that one.</summary>
    private static async Task<System.Text.Json.JsonElement?> AssertClientError(HttpResponseMessage response, int? status, string? code, string because)
    {
        var text = await response.Content.ReadAsStringAsync();
        var actual = (int)response.StatusCode;
        Assert.True(actual is >= 400 and < 500, $"{because}: expected a 4xx, got {actual}: {text}");
        if (status is not null) Assert.True(actual == status, $"{because}: expected {status}, got {actual}: {text}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{because}: expected application/problem+json, got '{response.Content.Headers.ContentType}': {text}");
        var problem = System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
        Assert.True(problem.TryGetProperty("status", out var s) && s.GetInt32() == actual, $"{because}: problem status differs from {actual}: {text}");
        if (code is not null)
        {
            var type = problem.TryGetProperty("type", out var t) ? t.GetString() : null;
            Assert.True(type == "urn:bangumoe:problem:" + code, $"{because}: expected type urn:bangumoe:problem:{code}, got: {text}");
        }
        return problem;
    }

    private async Task AssertStillFree(HttpClient client, string uname, string email)
    {
        var json = await client.Register(uname, email, Password);
        Assert.Equal(email, json.GetProperty("email").GetString());
        await app.Mail.WaitForAsync(email, "Verify");
        Assert.Single(await app.Mail.ToAsync(email));
    }

    private static readonly string Deep = new string('[', 200) + new string(']', 200);

    /// <summary>Register bodies: template ({U}, {E} filled in), expected status (0: any 4xx), problem code, field named in errors.</summary>
    public static TheoryData<string, string, int, string, string> RegisterBodies => new()
    {
        { "truncated", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":\"correct horse battery\"", 400, "malformed-json", "" },
        { "unquoted names", "{uname:\"{U}\",email:\"{E}\",password:\"correct horse battery\"}", 400, "malformed-json", "" },
        { "single quotes", "{'uname':'{U}','email':'{E}','password':'correct horse battery'}", 400, "malformed-json", "" },
        { "trailing comma", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":\"correct horse battery\",}", 400, "malformed-json", "" },
        { "comment", "{\"uname\":\"{U}\",/* hi */\"email\":\"{E}\",\"password\":\"correct horse battery\"}", 400, "malformed-json", "" },
        { "two documents", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":\"correct horse battery\"}{}", 400, "malformed-json", "" },
        { "not json", "uname={U}&email={E}&password=correct+horse+battery", 400, "malformed-json", "" },
        { "array", "[{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":\"correct horse battery\"}]", 400, "malformed-json", "" },
        { "string", "\"{U}\"", 400, "malformed-json", "" },
        { "number", "42", 400, "malformed-json", "" },
        { "too deep", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":\"correct horse battery\",\"x\":" + Deep + "}", 400, "", "" },
        { "password number", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":123}", 400, "malformed-json", "password" },
        { "password true", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":true}", 400, "malformed-json", "password" },
        { "password object", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":{\"v\":\"correct horse battery\"}}", 400, "malformed-json", "password" },
        { "email array", "{\"uname\":\"{U}\",\"email\":[\"{E}\"],\"password\":\"correct horse battery\"}", 400, "malformed-json", "email" },
        { "uname number", "{\"uname\":12.5,\"email\":\"{E}\",\"password\":\"correct horse battery\"}", 400, "malformed-json", "uname" },
        { "lone surrogate", "{\"uname\":\"{U}\",\"email\":\"{E}\",\"password\":\"correct horse \\ud800 battery\"}", 0, "", "" },
        { "missing all", "{}", 400, "validation", "email,password,uname" },
        { "missing password", "{\"uname\":\"{U}\",\"email\":\"{E}\"}", 400, "validation", "password" },
        { "nulls", "{\"uname\":null,\"email\":null,\"password\":null}", 400, "validation", "email,password,uname" },
        { "json null", "null", 0, "", "" },
        { "empty", "", 400, "", "" },
        { "whitespace", "  \n ", 400, "", "" },
    };

    [Theory]
    [MemberData(nameof(RegisterBodies))]
    public async Task A_bad_register_body_is_a_4xx_problem_and_stores_nothing(string name, string template, int status, string code, string fields)
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();

        var response = await client.PostRaw("/api/auth/register", Fill(template, uname, email));
        var problem = await AssertClientError(response, status == 0 ? null : status, code.Length == 0 ? null : code, name);
        if (fields.Length > 0) Assert.Equal(fields.Split(','), problem!.Value.ErrorFields());

        await AssertStillFree(client, uname, email);
    }

    [Fact]
    public async Task Invalid_utf8_is_a_400_problem_and_stores_nothing()
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var body = Encoding.UTF8.GetBytes($"{{\"uname\":\"{uname}\",\"email\":\"{email}\",\"password\":\"correct horse ").Concat(new byte[] { 0xFF, 0xFE, 0xC3 })
            .Concat(Encoding.UTF8.GetBytes("battery\"}")).ToArray();

        var response = await client.PostBytes("/api/auth/register", body);
        await AssertClientError(response, 400, null, "invalid UTF-8");
        await AssertStillFree(client, uname, email);
    }

    public static TheoryData<string> WrongContentTypes => ["text/plain", "application/x-www-form-urlencoded", "application/xml", "<none>"];

    [Theory]
    [MemberData(nameof(WrongContentTypes))]
    public async Task A_json_body_with_another_content_type_is_415(string contentType)
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        var body = Encoding.UTF8.GetBytes($"{{\"uname\":\"{uname}\",\"email\":\"{email}\",\"password\":\"{Password}\"}}");

        var response = await SendRaw(client, HttpMethod.Post, "/api/auth/register", null, body, contentType == "<none>" ? null : contentType);
        await AssertClientError(response, 415, "unsupported-media-type", contentType);
        await AssertStillFree(client, uname, email);
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_413_and_stores_nothing()
    {
        var client = app.CreateClient();
        var uname = TestApi.NewUname();
        var email = TestApi.NewEmail();
        // Valid JSON of the right shape: only its size is wrong.
        var body = $"{{\"uname\":\"{uname}\",\"email\":\"{email}\",\"password\":\"{Password}\",\"padding\":\"{new string('x', 65 * 1024)}\"}}";

        var response = await client.PostRaw("/api/auth/register", body);
        await AssertClientError(response, 413, "body-too-large", "65 KiB body");

        // Just under the limit is read (the unknown field is ignored).
        var fits = $"{{\"uname\":\"{uname}\",\"email\":\"{email}\",\"password\":\"{Password}\",\"padding\":\"{new string('x', 60 * 1024)}\"}}";
        Assert.True(Encoding.UTF8.GetByteCount(fits) < 64 * 1024);
        await (await client.PostRaw("/api/auth/register", fits)).Ok(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_huge_body_to_login_is_413()
    {
        var client = app.CreateClient();
        var response = await client.PostRaw("/api/auth/login", $"{{\"email\":\"{TestApi.NewEmail()}\",\"password\":\"{new string('p', 200 * 1024)}\"}}");
        await AssertClientError(response, 413, "body-too-large", "200 KiB login");
    }

    [Fact]
    public async Task Bad_login_bodies_are_4xx_problems_and_do_not_count_as_failed_logins()
    {
        var client = app.ClientFrom(AccountTestHelpers.NewAddress());
        var user = await app.NewVerifiedUser();

        var cases = new (string Name, string Body, string? ContentType, int Status, string? Field)[]
        {
            ("malformed", $"{{\"email\":\"{user.Email}\",\"password\":", "application/json", 400, null),
            ("password number", $"{{\"email\":\"{user.Email}\",\"password\":123}}", "application/json", 400, "password"),
            ("email number", "{\"email\":5,\"password\":\"x\"}", "application/json", 400, "email"),
            ("uname array", "{\"uname\":[\"a\"],\"password\":\"x\"}", "application/json", 400, "uname"),
            ("missing everything", "{}", "application/json", 400, null),
            ("json null", "null", "application/json", 0, null),
            ("empty", "", "application/json", 400, null),
            ("text/plain", $"{{\"email\":\"{user.Email}\",\"password\":\"x\"}}", "text/plain", 415, null),
            ("form", $"email={user.Email}&password=x", "application/x-www-form-urlencoded", 415, null),
        };
        foreach (var (name, body, contentType, status, field) in cases)
        {
            var response = await client.PostRaw("/api/auth/login", body, contentType!);
            var problem = await AssertClientError(response, status == 0 ? null : status, null, name);
            if (field is not null) Assert.Contains(field, problem!.Value.ErrorFields());
        }

        // Nine bad requests, and the account is not locked (five failures would lock it).
        await (await client.PostLogin(new { email = user.Email, password = Password })).AssertToken(client, user.Uid);
    }

    public static TheoryData<string> OddLogins => ["long-uname", "long-email", "key-chars", "control-chars", "long-password"];

    [Theory]
    [MemberData(nameof(OddLogins))]
    public async Task Odd_but_well_formed_login_values_are_401_not_500(string kind)
    {
        var client = app.ClientFrom(AccountTestHelpers.NewAddress());
        object body = kind switch
        {
            "long-uname" => new { uname = new string('u', 5000), password = "whatever1" },
            "long-email" => new { email = new string('e', 5000) + "@example.com", password = "whatever1" },
            "key-chars" => new { uname = "a/b\\c#d?e%f", password = "whatever1" },
            "control-chars" => new { uname = "a\u0001b\u007f\u0000c", password = "whatever1" },
            _ => new { email = TestApi.NewEmail(), password = new string('p', 10_000) },
        };
        var response = await client.PostLogin(body);
        if (!kind.StartsWith("long-", StringComparison.Ordinal))
        {
            await AssertClientError(response, 401, "invalid-credentials", kind);
            return;
        }
        // Absurdly long values may be refused up front (400 naming the field) or simply not match (401); never a 500.
        var problem = (await AssertClientError(response, null, null, kind))!.Value;
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            Assert.Equal("urn:bangumoe:problem:validation", problem.GetProperty("type").GetString());
            Assert.Equal([kind["long-".Length..]], problem.ErrorFields());
        }
        else
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("urn:bangumoe:problem:invalid-credentials", problem.GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task A_long_email_to_resend_and_forgot_is_202_not_500()
    {
        var client = app.CreateClient();
        var email = new string('e', 3000) + "@example.com";
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/verify/resend", new { email })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostJson("/api/auth/password/forgot", new { email })).StatusCode);
    }

    [Fact]
    public async Task Bad_resend_bodies_are_4xx_problems()
    {
        var client = app.CreateClient();
        var number = await AssertClientError(await client.PostRaw("/api/auth/verify/resend", "{\"email\":5}"), 400, "malformed-json", "email number");
        Assert.Equal(["email"], number!.Value.ErrorFields());
        await AssertClientError(await client.PostRaw("/api/auth/verify/resend", "{\"email\":"), 400, "malformed-json", "truncated");
        await AssertClientError(await client.PostRaw("/api/auth/verify/resend", ""), 400, null, "empty");
        await AssertClientError(await client.PostRaw("/api/auth/verify/resend", "null"), null, null, "json null");
        await AssertClientError(await client.PostRaw("/api/auth/verify/resend", "{\"email\":\"a@example.com\"}", "text/plain"), 415, "unsupported-media-type", "text/plain");
    }

    [Fact]
    public async Task Bad_profile_updates_are_4xx_problems_and_change_nothing()
    {
        var client = app.CreateClient();
        var user = await app.NewVerifiedUser();
        var before = (await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).Ok()).GetRawText();
        var big = Encoding.UTF8.GetBytes($"{{\"nickname\":\"{new string('n', 70 * 1024)}\"}}");

        var cases = new (string Name, byte[] Body, string? ContentType, int Status, string? Field)[]
        {
            ("malformed", Encoding.UTF8.GetBytes("{\"nickname\":\"x\""), "application/json", 400, null),
            ("nickname number", Encoding.UTF8.GetBytes("{\"nickname\":5}"), "application/json", 400, "nickname"),
            ("intro array", Encoding.UTF8.GetBytes("{\"intro\":[\"x\"]}"), "application/json", 400, "intro"),
            ("avatar object", Encoding.UTF8.GetBytes("{\"avatar\":{}}"), "application/json", 400, "avatar"),
            ("json null", Encoding.UTF8.GetBytes("null"), "application/json", 0, null),
            ("empty", [], "application/json", 400, null),
            ("text/plain", Encoding.UTF8.GetBytes("{\"nickname\":\"x\"}"), "text/plain", 415, null),
            ("too large", big, "application/json", 413, null),
            ("bad avatar", Encoding.UTF8.GetBytes("{\"nickname\":\"changed\",\"avatar\":\"javascript:alert(1)\"}"), "application/json", 400, "avatar"),
            ("nickname too long", Encoding.UTF8.GetBytes($"{{\"nickname\":\"{new string('n', 33)}\",\"intro\":\"changed\"}}"), "application/json", 400, "nickname"),
            ("control characters", Encoding.UTF8.GetBytes("{\"intro\":\"a\\u0000b\",\"nickname\":\"changed\"}"), "application/json", 400, "intro"),
        };
        foreach (var (name, body, contentType, status, field) in cases)
        {
            var response = await SendRaw(client, HttpMethod.Patch, "/api/me", user.Token, body, contentType);
            var problem = await AssertClientError(response, status == 0 ? null : status, null, name);
            if (field is not null) Assert.Equal([field], problem!.Value.ErrorFields());
        }

        var after = (await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).Ok()).GetRawText();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Bad_bodies_to_password_change_and_delete_are_4xx_and_change_nothing()
    {
        var client = app.CreateClient();
        var user = await app.NewVerifiedUser();

        var password = await SendRaw(client, HttpMethod.Post, "/api/me/password", user.Token, Encoding.UTF8.GetBytes("{\"current_password\":1,\"new_password\":\"brand new password\"}"), "application/json");
        Assert.Equal(["current_password"], (await AssertClientError(password, 400, "malformed-json", "current_password number"))!.Value.ErrorFields());
        await AssertClientError(await SendRaw(client, HttpMethod.Post, "/api/me/password", user.Token, Encoding.UTF8.GetBytes("{\"current_password\":\""), "application/json"), 400, null, "truncated");
        await AssertClientError(await SendRaw(client, HttpMethod.Post, "/api/me/password", user.Token, Encoding.UTF8.GetBytes("x"), "text/plain"), 415, null, "text/plain");

        var delete = await SendRaw(client, HttpMethod.Delete, "/api/me", user.Token, Encoding.UTF8.GetBytes("{\"password\":123}"), "application/json");
        Assert.Equal(["password"], (await AssertClientError(delete, 400, "malformed-json", "delete password number"))!.Value.ErrorFields());
        await AssertClientError(await SendRaw(client, HttpMethod.Delete, "/api/me", user.Token, null, null), null, null, "delete without body");
        await AssertClientError(await SendRaw(client, HttpMethod.Delete, "/api/me", user.Token, Encoding.UTF8.GetBytes("null"), "application/json"), null, null, "delete json null");

        // Still there, the password unchanged, and the token still valid.
        await (await client.Send(HttpMethod.Get, "/api/me", user.Token)).Ok();
        await (await client.PostLogin(new { email = user.Email, password = Password })).AssertToken(client, user.Uid);
    }
}
