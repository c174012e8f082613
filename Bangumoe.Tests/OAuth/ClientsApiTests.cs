using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.OAuth;

/// <summary>
/// <c>/api/clients</c>: a developer registers, reads, changes, rotates and deletes third-party apps. The secret is
/// shown once and stored hashed; another user's app is indistinguishable from one that does not exist.
/// </summary>
public sealed class ClientsApiTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Clients = "/api/clients";

    private static readonly ClientSecrets Secrets =
        new(new PasswordHasher(Microsoft.Extensions.Options.Options.Create(new PasswordHashingOptions())));

    // ---- Registration ------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_confidential_app_gets_its_secret_once_and_only_a_hash_is_stored()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var before = app.Clock.GetUtcNow();

        var response = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody());
        var created = await response.Ok(HttpStatusCode.Created);
        var clientId = created.GetProperty("client_id").GetString()!;
        var secret = created.GetProperty("client_secret").GetString()!;

        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        Assert.NotNull(response.Headers.Location);
        var location = response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location.AbsolutePath : response.Headers.Location.OriginalString;
        Assert.Equal($"{Clients}/{clientId}", location);

        Assert.True(clientId.Length >= 22, $"client_id '{clientId}' is short");
        Assert.True(secret.Length >= 43, $"client_secret '{secret}' is shorter than 43 characters");
        Assert.True(secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), $"client_secret '{secret}' is not base64url");
        Assert.Equal("My App", created.GetProperty("name").GetString());
        Assert.Equal("https://app.example.com", created.GetProperty("home_url").GetString());
        Assert.Equal("An app for testing.", created.GetProperty("description").GetString());
        Assert.Equal(["https://app.example.com/cb", "http://127.0.0.1/cb"], Strings(created.GetProperty("redirect_uris")));
        Assert.Equal("confidential", created.GetProperty("type").GetString());
        Assert.Equal("client_secret_basic", created.GetProperty("token_endpoint_auth_method").GetString());
        var createdAt = DateTimeOffset.Parse(created.GetProperty("created_at").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(createdAt, before.AddSeconds(-5), app.Clock.GetUtcNow().AddSeconds(5));

        // Reading it again never shows the secret, neither one app nor the list.
        var read = await client.Send(HttpMethod.Get, location, user.Token).Ok();
        Assert.False(read.TryGetProperty("client_secret", out _), read.ToString());
        Assert.DoesNotContain(secret, read.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(clientId, read.GetProperty("client_id").GetString());
        foreach (var field in new[] { "name", "home_url", "description", "type", "token_endpoint_auth_method" })
            Assert.Equal(created.GetProperty(field).GetString(), read.GetProperty(field).GetString());
        Assert.Equal(Strings(created.GetProperty("redirect_uris")), Strings(read.GetProperty("redirect_uris")));
        Assert.Equal(createdAt, DateTimeOffset.Parse(read.GetProperty("created_at").GetString()!, CultureInfo.InvariantCulture));

        var listed = await client.Send(HttpMethod.Get, Clients, user.Token).Ok();
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(clientId, item.GetProperty("client_id").GetString());
        Assert.False(item.TryGetProperty("client_secret", out _), item.ToString());
        Assert.DoesNotContain(secret, listed.GetRawText(), StringComparison.Ordinal);

        // Storage holds a hash of the secret, never the secret.
        var row = await StoredClient(clientId);
        Assert.NotNull(row);
        Assert.Equal(user.Uid, row.GetString("OwnerUid"));
        var hash = row.GetString("SecretHash");
        Assert.StartsWith("sha256$", hash, StringComparison.Ordinal);
        Assert.True(Secrets.Verify(hash, secret));
        foreach (var (key, value) in row)
            Assert.False(value?.ToString()?.Contains(secret, StringComparison.Ordinal) ?? false, $"Property {key} holds the secret in plain text.");
    }

    [Fact]
    public async Task A_public_app_has_no_secret()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var response = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody("public"));
        var created = await response.Ok(HttpStatusCode.Created);
        Assert.False(created.TryGetProperty("client_secret", out _), created.ToString());
        Assert.Equal("public", created.GetProperty("type").GetString());
        Assert.Equal("none", created.GetProperty("token_endpoint_auth_method").GetString());
        var clientId = created.GetProperty("client_id").GetString()!;

        var read = await client.Send(HttpMethod.Get, $"{Clients}/{clientId}", user.Token).Ok();
        Assert.False(read.TryGetProperty("client_secret", out _), read.ToString());
        Assert.Equal("public", read.GetProperty("type").GetString());
        Assert.Equal("none", read.GetProperty("token_endpoint_auth_method").GetString());

        var row = await StoredClient(clientId);
        Assert.NotNull(row);
        Assert.Equal("", row.GetString("SecretHash") ?? "");
    }

    [Fact]
    public async Task Client_ids_and_secrets_differ_between_registrations()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();

        var apps = new List<JsonElement>();
        for (var i = 0; i < 4; i++)
            apps.Add(await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created));
        var ids = apps.Select(a => a.GetProperty("client_id").GetString()!).ToList();
        var secrets = apps.Select(a => a.GetProperty("client_secret").GetString()!).ToList();
        Assert.Equal(4, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(4, secrets.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(ids.Intersect(secrets, StringComparer.Ordinal));

        // The list holds all four, none with a secret.
        var listed = await client.Send(HttpMethod.Get, Clients, user.Token).Ok();
        var items = listed.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), items.Select(a => a.GetProperty("client_id").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(items, a => Assert.False(a.TryGetProperty("client_secret", out _)));
    }

    [Fact]
    public async Task Every_acceptable_kind_of_redirect_uri_registers_as_sent()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        string[] uris =
        [
            "https://app.example.com/cb",
            "https://app.example.com/cb?x=1",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/callback",
        ];
        var body = ValidBody();
        body["redirect_uris"] = uris;
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, body).Ok(HttpStatusCode.Created);
        Assert.Equal(uris, Strings(created.GetProperty("redirect_uris")));
        var read = await client.Send(HttpMethod.Get, $"{Clients}/{created.GetProperty("client_id").GetString()}", user.Token).Ok();
        Assert.Equal(uris, Strings(read.GetProperty("redirect_uris")));
    }

    [Fact]
    public async Task The_limits_are_inclusive()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var body = ValidBody();
        body["name"] = new string('n', 64);
        body["description"] = new string('d', 500);
        body["redirect_uris"] = Enumerable.Range(0, 10).Select(i => $"https://app.example.com/cb{i}").ToArray();
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, body).Ok(HttpStatusCode.Created);
        Assert.Equal(new string('n', 64), created.GetProperty("name").GetString());
        Assert.Equal(new string('d', 500), created.GetProperty("description").GetString());
        Assert.Equal(10, created.GetProperty("redirect_uris").GetArrayLength());
    }

    // ---- Validation --------------------------------------------------------------------------------------------

    private static readonly Dictionary<string, (Action<Dictionary<string, object?>> Change, string[] Fields)> InvalidCases = new()
    {
        ["missing name"] = (b => b.Remove("name"), ["name"]),
        ["null name"] = (b => b["name"] = null, ["name"]),
        ["blank name"] = (b => b["name"] = "   ", ["name"]),
        ["name of 65 characters"] = (b => b["name"] = new string('n', 65), ["name"]),
        ["name with a newline"] = (b => b["name"] = "My\nApp", ["name"]),
        ["name ending in a newline"] = (b => b["name"] = "My App\n", ["name"]),
        ["missing home_url"] = (b => b.Remove("home_url"), ["home_url"]),
        ["home_url ftp"] = (b => b["home_url"] = "ftp://app.example.com", ["home_url"]),
        ["home_url javascript"] = (b => b["home_url"] = "javascript:alert(1)", ["home_url"]),
        ["home_url relative"] = (b => b["home_url"] = "/home", ["home_url"]),
        ["home_url without scheme"] = (b => b["home_url"] = "app.example.com", ["home_url"]),
        ["description of 501 characters"] = (b => b["description"] = new string('d', 501), ["description"]),
        ["missing redirect_uris"] = (b => b.Remove("redirect_uris"), ["redirect_uris"]),
        ["empty redirect_uris"] = (b => b["redirect_uris"] = Array.Empty<string>(), ["redirect_uris"]),
        ["11 redirect_uris"] = (b => b["redirect_uris"] = Enumerable.Range(0, 11).Select(i => $"https://app.example.com/cb{i}").ToArray(), ["redirect_uris"]),
        ["duplicate redirect_uris"] = (b => b["redirect_uris"] = new[] { "https://app.example.com/cb", "https://app.example.com/cb" }, ["redirect_uris"]),
        ["bad redirect uris named by index"] = (b => b["redirect_uris"] = new[]
        {
            "https://app.example.com/cb", "http://app.example.com/cb", "http://127.0.0.1/cb", "https://app.example.com/cb#frag",
        }, ["redirect_uris[1]", "redirect_uris[3]"]),
        ["type other"] = (b => b["type"] = "other", ["type"]),
        ["type in another case"] = (b => b["type"] = "Confidential", ["type"]),
        ["type empty"] = (b => b["type"] = "", ["type"]),
        ["everything missing"] = (b => b.Clear(), ["home_url", "name", "redirect_uris"]),
    };

    public static TheoryData<string> InvalidCaseNames => [.. InvalidCases.Keys];

    [Theory]
    [MemberData(nameof(InvalidCaseNames))]
    public async Task An_invalid_registration_is_a_400_naming_the_fields_and_stores_nothing(string caseName)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var (change, fields) = InvalidCases[caseName];
        var body = ValidBody();
        change(body);

        var problem = await client.Send(HttpMethod.Post, Clients, user.Token, body).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(fields, problem.FieldNames().Order(StringComparer.Ordinal));

        await AssertOwnsNothing(client, user);
    }

    [Theory]
    [InlineData("http://app.example.com/cb")]
    [InlineData("https://app.example.com/cb#frag")]
    [InlineData("https://user:pw@app.example.com/cb")]
    [InlineData("https://*.example.com/cb")]
    [InlineData("/relative/cb")]
    [InlineData("javascript:alert(1)")]
    [InlineData("custom-scheme:/cb")]
    [InlineData("ftp://x/cb")]
    [InlineData("https://app.example.com/c b")]
    [InlineData("")]
    public async Task An_unacceptable_redirect_uri_is_refused_by_index(string bad)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var body = ValidBody();
        body["redirect_uris"] = new[] { "https://app.example.com/cb", bad };

        var problem = await client.Send(HttpMethod.Post, Clients, user.Token, body).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["redirect_uris[1]"], problem.FieldNames());
        await AssertOwnsNothing(client, user);
    }

    [Fact]
    public async Task An_over_long_redirect_uri_is_refused()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        const string prefix = "https://app.example.com/";
        var body = ValidBody();
        body["redirect_uris"] = new[] { prefix + new string('a', 513 - prefix.Length) };
        var problem = await client.Send(HttpMethod.Post, Clients, user.Token, body).Problem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["redirect_uris[0]"], problem.FieldNames());
        await AssertOwnsNothing(client, user);
    }

    // ---- Ownership ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task Another_users_app_is_a_404_like_a_missing_one_and_stays_unchanged()
    {
        var client = app.NewClient();
        var owner = await app.NewVerifiedUser();
        var other = await app.NewVerifiedUser();
        var created = await client.Send(HttpMethod.Post, Clients, owner.Token, ValidBody()).Ok(HttpStatusCode.Created);
        var clientId = created.GetProperty("client_id").GetString()!;
        var secret = created.GetProperty("client_secret").GetString()!;
        var hashBefore = (await StoredClient(clientId))!.GetString("SecretHash");

        var missing = await client.Send(HttpMethod.Get, $"{Clients}/{ClientSecrets.NewClientId()}", owner.Token)
            .Problem(HttpStatusCode.NotFound, "client-not-found");

        var path = $"{Clients}/{clientId}";
        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, path, null),
            (HttpMethod.Patch, path, new Dictionary<string, object?> { ["name"] = "Hijacked", ["redirect_uris"] = new[] { "https://evil.example/cb" } }),
            (HttpMethod.Post, path + "/secret", null),
            (HttpMethod.Delete, path, null),
        };
        foreach (var (method, target, body) in attempts)
        {
            var problem = await client.Send(method, target, other.Token, body).Problem(HttpStatusCode.NotFound, "client-not-found");
            Assert.Equal(missing.GetProperty("title").GetString(), problem.GetProperty("title").GetString());
            Assert.False(problem.TryGetProperty("errors", out _));
        }

        // The other user lists nothing; the owner still has the app, unchanged, with the same secret.
        Assert.Empty((await client.Send(HttpMethod.Get, Clients, other.Token).Ok()).GetProperty("items").EnumerateArray());
        var read = await client.Send(HttpMethod.Get, path, owner.Token).Ok();
        Assert.Equal("My App", read.GetProperty("name").GetString());
        Assert.Equal(Strings(created.GetProperty("redirect_uris")), Strings(read.GetProperty("redirect_uris")));
        Assert.Single((await client.Send(HttpMethod.Get, Clients, owner.Token).Ok()).GetProperty("items").EnumerateArray());
        var hashAfter = (await StoredClient(clientId))!.GetString("SecretHash");
        Assert.Equal(hashBefore, hashAfter);
        Assert.True(Secrets.Verify(hashAfter, secret));
    }

    [Fact]
    public async Task Every_operation_on_a_missing_app_is_the_same_404()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        foreach (var id in new[] { ClientSecrets.NewClientId(), "x", new string('a', 65) })
        {
            var path = $"{Clients}/{id}";
            await client.Send(HttpMethod.Get, path, user.Token).Problem(HttpStatusCode.NotFound, "client-not-found");
            await client.Send(HttpMethod.Patch, path, user.Token, new Dictionary<string, object?> { ["name"] = "x" }).Problem(HttpStatusCode.NotFound, "client-not-found");
            await client.Send(HttpMethod.Post, path + "/secret", user.Token).Problem(HttpStatusCode.NotFound, "client-not-found");
            await client.Send(HttpMethod.Delete, path, user.Token).Problem(HttpStatusCode.NotFound, "client-not-found");
        }
    }

    [Fact]
    public async Task The_list_shows_only_the_callers_apps()
    {
        var client = app.NewClient();
        var alice = await app.NewVerifiedUser();
        var bob = await app.NewVerifiedUser();
        var a1 = (await client.Send(HttpMethod.Post, Clients, alice.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString();
        var a2 = (await client.Send(HttpMethod.Post, Clients, alice.Token, ValidBody("public")).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString();
        var b1 = (await client.Send(HttpMethod.Post, Clients, bob.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString();

        var aliceList = await client.Send(HttpMethod.Get, Clients, alice.Token).Ok();
        Assert.Equal(new[] { a1, a2 }.Order(StringComparer.Ordinal),
            aliceList.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("client_id").GetString()).Order(StringComparer.Ordinal));
        var bobList = await client.Send(HttpMethod.Get, Clients, bob.Token).Ok();
        Assert.Equal([b1], bobList.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("client_id").GetString()));
    }

    // ---- Update ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Patch_changes_only_what_is_sent()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created);
        var clientId = created.GetProperty("client_id").GetString()!;
        var secret = created.GetProperty("client_secret").GetString()!;
        var path = $"{Clients}/{clientId}";

        var renamed = await client.Send(HttpMethod.Patch, path, user.Token, new Dictionary<string, object?> { ["name"] = "Renamed" }).Ok();
        Assert.Equal("Renamed", renamed.GetProperty("name").GetString());
        Assert.False(renamed.TryGetProperty("client_secret", out _), renamed.ToString());
        Assert.Equal("https://app.example.com", renamed.GetProperty("home_url").GetString());
        Assert.Equal("An app for testing.", renamed.GetProperty("description").GetString());
        Assert.Equal(Strings(created.GetProperty("redirect_uris")), Strings(renamed.GetProperty("redirect_uris")));
        Assert.Equal("confidential", renamed.GetProperty("type").GetString());

        var moved = await client.Send(HttpMethod.Patch, path, user.Token, new Dictionary<string, object?>
        {
            ["home_url"] = "https://new.example.com",
            ["description"] = "New words.",
            ["redirect_uris"] = new[] { "https://new.example.com/callback" },
        }).Ok();
        Assert.Equal("Renamed", moved.GetProperty("name").GetString());
        Assert.Equal("https://new.example.com", moved.GetProperty("home_url").GetString());
        Assert.Equal("New words.", moved.GetProperty("description").GetString());
        Assert.Equal(["https://new.example.com/callback"], Strings(moved.GetProperty("redirect_uris")));

        // An empty patch changes nothing; sending the same type is no change either.
        await client.Send(HttpMethod.Patch, path, user.Token, new Dictionary<string, object?>()).Ok();
        await client.Send(HttpMethod.Patch, path, user.Token, new Dictionary<string, object?> { ["type"] = "confidential" }).Ok();

        var read = await client.Send(HttpMethod.Get, path, user.Token).Ok();
        Assert.Equal("Renamed", read.GetProperty("name").GetString());
        Assert.Equal("https://new.example.com", read.GetProperty("home_url").GetString());
        Assert.Equal("New words.", read.GetProperty("description").GetString());
        Assert.Equal(["https://new.example.com/callback"], Strings(read.GetProperty("redirect_uris")));
        Assert.Equal(created.GetProperty("created_at").GetString(), read.GetProperty("created_at").GetString());

        // Editing does not touch the secret.
        Assert.True(Secrets.Verify((await StoredClient(clientId))!.GetString("SecretHash"), secret));
    }

    [Theory]
    [InlineData("confidential", "public")]
    [InlineData("public", "confidential")]
    [InlineData("confidential", "other")]
    public async Task Patch_cannot_change_the_type(string type, string newType)
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody(type)).Ok(HttpStatusCode.Created);
        var path = $"{Clients}/{created.GetProperty("client_id").GetString()}";

        var problem = await client.Send(HttpMethod.Patch, path, user.Token, new Dictionary<string, object?> { ["type"] = newType, ["name"] = "Changed" })
            .Problem(HttpStatusCode.BadRequest);
        Assert.Contains("type", problem.FieldNames());

        var read = await client.Send(HttpMethod.Get, path, user.Token).Ok();
        Assert.Equal(type, read.GetProperty("type").GetString());
        Assert.Equal("My App", read.GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_invalid_patch_is_a_400_and_changes_nothing()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created);
        var path = $"{Clients}/{created.GetProperty("client_id").GetString()}";

        var cases = new (Dictionary<string, object?> Body, string[] Fields)[]
        {
            (new() { ["name"] = "" }, ["name"]),
            (new() { ["name"] = new string('n', 65) }, ["name"]),
            (new() { ["name"] = "Two\nlines" }, ["name"]),
            (new() { ["home_url"] = "ftp://x" }, ["home_url"]),
            (new() { ["description"] = new string('d', 501) }, ["description"]),
            (new() { ["redirect_uris"] = Array.Empty<string>() }, ["redirect_uris"]),
            (new() { ["redirect_uris"] = Enumerable.Range(0, 11).Select(i => $"https://app.example.com/{i}").ToArray() }, ["redirect_uris"]),
            (new() { ["redirect_uris"] = new[] { "https://a.example/cb", "https://a.example/cb" } }, ["redirect_uris"]),
            (new() { ["redirect_uris"] = new[] { "https://ok.example/cb", "http://evil.example/cb" } }, ["redirect_uris[1]"]),
            // One bad field spoils the whole patch: the good name is not applied either.
            (new() { ["name"] = "Good name", ["home_url"] = "javascript:alert(1)" }, ["home_url"]),
        };
        foreach (var (body, fields) in cases)
        {
            var problem = await client.Send(HttpMethod.Patch, path, user.Token, body).Problem(HttpStatusCode.BadRequest, "validation");
            Assert.Equal(fields, problem.FieldNames().Order(StringComparer.Ordinal));
        }

        var read = await client.Send(HttpMethod.Get, path, user.Token).Ok();
        Assert.Equal("My App", read.GetProperty("name").GetString());
        Assert.Equal("https://app.example.com", read.GetProperty("home_url").GetString());
        Assert.Equal("An app for testing.", read.GetProperty("description").GetString());
        Assert.Equal(Strings(created.GetProperty("redirect_uris")), Strings(read.GetProperty("redirect_uris")));
    }

    // ---- Secret rotation ---------------------------------------------------------------------------------------

    [Fact]
    public async Task Rotating_the_secret_shows_a_new_one_and_the_old_one_stops_verifying()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created);
        var clientId = created.GetProperty("client_id").GetString()!;
        var oldSecret = created.GetProperty("client_secret").GetString()!;
        var oldHash = (await StoredClient(clientId))!.GetString("SecretHash");

        var response = await client.Send(HttpMethod.Post, $"{Clients}/{clientId}/secret", user.Token);
        var rotated = await response.Ok();
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var newSecret = rotated.GetProperty("client_secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.True(newSecret.Length >= 43, newSecret);
        Assert.Equal(clientId, rotated.GetProperty("client_id").GetString());
        Assert.Equal("My App", rotated.GetProperty("name").GetString());

        var newHash = (await StoredClient(clientId))!.GetString("SecretHash");
        Assert.NotEqual(oldHash, newHash);
        Assert.StartsWith("sha256$", newHash, StringComparison.Ordinal);
        Assert.DoesNotContain(newSecret, newHash, StringComparison.Ordinal);
        Assert.True(Secrets.Verify(newHash, newSecret));
        Assert.False(Secrets.Verify(newHash, oldSecret));

        // The new secret is shown once too.
        var read = await client.Send(HttpMethod.Get, $"{Clients}/{clientId}", user.Token).Ok();
        Assert.False(read.TryGetProperty("client_secret", out _), read.ToString());

        // Rotating again gives yet another one.
        var again = await client.Send(HttpMethod.Post, $"{Clients}/{clientId}/secret", user.Token).Ok();
        var third = again.GetProperty("client_secret").GetString()!;
        Assert.NotEqual(newSecret, third);
        Assert.NotEqual(oldSecret, third);
        var thirdHash = (await StoredClient(clientId))!.GetString("SecretHash");
        Assert.True(Secrets.Verify(thirdHash, third));
        Assert.False(Secrets.Verify(thirdHash, newSecret));
    }

    [Fact]
    public async Task A_public_app_has_no_secret_to_rotate()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var created = await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody("public")).Ok(HttpStatusCode.Created);
        var clientId = created.GetProperty("client_id").GetString()!;

        var response = await client.Send(HttpMethod.Post, $"{Clients}/{clientId}/secret", user.Token);
        var problem = await response.Problem(HttpStatusCode.BadRequest);
        Assert.False(problem.TryGetProperty("client_secret", out _));
        Assert.Equal("", (await StoredClient(clientId))!.GetString("SecretHash") ?? "");
    }

    // ---- Delete ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_deleted_app_is_gone()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var kept = (await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString()!;
        var doomed = (await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString()!;

        var response = await client.Send(HttpMethod.Delete, $"{Clients}/{doomed}", user.Token);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        await client.Send(HttpMethod.Get, $"{Clients}/{doomed}", user.Token).Problem(HttpStatusCode.NotFound, "client-not-found");
        await client.Send(HttpMethod.Delete, $"{Clients}/{doomed}", user.Token).Problem(HttpStatusCode.NotFound, "client-not-found");
        await client.Send(HttpMethod.Post, $"{Clients}/{doomed}/secret", user.Token).Problem(HttpStatusCode.NotFound, "client-not-found");
        var listed = await client.Send(HttpMethod.Get, Clients, user.Token).Ok();
        Assert.Equal([kept], listed.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("client_id").GetString()));

        Assert.Null(await StoredClient(doomed));
        Assert.NotNull(await StoredClient(kept));
        Assert.Equal([kept], await OwnerIndex(user.Uid));
    }

    // ---- Authentication and scope ------------------------------------------------------------------------------

    [Fact]
    public async Task Without_a_token_every_endpoint_is_a_401()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var clientId = (await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString()!;

        foreach (var (method, path, body) in Endpoints(clientId))
        {
            var response = await client.Send(method, path, null, body);
            await response.Problem(HttpStatusCode.Unauthorized);
            Assert.StartsWith("Bearer", string.Join(", ", response.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);
        }
        await AssertUntouched(client, user, clientId);
    }

    [Fact]
    public async Task A_token_without_the_account_scope_is_a_403_insufficient_scope()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var clientId = (await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString()!;
        var stamp = await TokenForgery.SecurityStampAsync(app, user.Uid);

        // The control: a forged token with the first-party scopes works, so the 403s below are about the scope alone.
        await client.Send(HttpMethod.Get, Clients, TokenForgery.AccessToken(app, user.Uid, stamp)).Ok();

        // And a profile-only token is a working token where the profile scope is enough.
        await client.Me(TokenForgery.AccessToken(app, user.Uid, stamp, scope: "profile"));

        foreach (var scope in new[] { "profile", "profile email collection:read collection:write openid offline_access", "accounts", "ACCOUNT" })
        {
            var token = TokenForgery.AccessToken(app, user.Uid, stamp, scope: scope);
            foreach (var (method, path, body) in Endpoints(clientId))
            {
                var response = await client.Send(method, path, token, body);
                await response.Problem(HttpStatusCode.Forbidden);
                Assert.Contains("insufficient_scope", string.Join(", ", response.Headers.GetValues("WWW-Authenticate")), StringComparison.Ordinal);
            }
        }
        await AssertUntouched(client, user, clientId);
    }

    // ---- Account deletion --------------------------------------------------------------------------------------

    [Fact]
    public async Task Deleting_the_account_deletes_its_apps()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var bystander = await app.NewVerifiedUser();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add((await client.Send(HttpMethod.Post, Clients, user.Token, ValidBody(i == 0 ? "public" : "confidential")).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString()!);
        var theirs = (await client.Send(HttpMethod.Post, Clients, bystander.Token, ValidBody()).Ok(HttpStatusCode.Created)).GetProperty("client_id").GetString()!;
        foreach (var id in ids) Assert.NotNull(await StoredClient(id));

        await client.Send(HttpMethod.Delete, "/api/me", user.Token, new { password = user.Password }).Ok(HttpStatusCode.NoContent);

        foreach (var id in ids) Assert.Null(await StoredClient(id));
        Assert.Empty(await StoredClientsOf(user.Uid));
        Assert.Empty(await OwnerIndex(user.Uid));

        // Someone else's app is untouched.
        Assert.NotNull(await StoredClient(theirs));
        await client.Send(HttpMethod.Get, $"{Clients}/{theirs}", bystander.Token).Ok();
    }

    // ---- Helpers -----------------------------------------------------------------------------------------------

    private static Dictionary<string, object?> ValidBody(string type = "confidential") => new()
    {
        ["name"] = "My App",
        ["home_url"] = "https://app.example.com",
        ["description"] = "An app for testing.",
        ["redirect_uris"] = new[] { "https://app.example.com/cb", "http://127.0.0.1/cb" },
        ["type"] = type,
    };

    private static (HttpMethod Method, string Path, object? Body)[] Endpoints(string clientId) =>
    [
        (HttpMethod.Post, Clients, ValidBody()),
        (HttpMethod.Get, Clients, null),
        (HttpMethod.Get, $"{Clients}/{clientId}", null),
        (HttpMethod.Patch, $"{Clients}/{clientId}", new Dictionary<string, object?> { ["name"] = "Changed" }),
        (HttpMethod.Post, $"{Clients}/{clientId}/secret", null),
        (HttpMethod.Delete, $"{Clients}/{clientId}", null),
    ];

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private async Task AssertUntouched(HttpClient client, TestUser user, string clientId)
    {
        var hash = (await StoredClient(clientId))!.GetString("SecretHash");
        var listed = await client.Send(HttpMethod.Get, Clients, user.Token).Ok();
        var item = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal(clientId, item.GetProperty("client_id").GetString());
        Assert.Equal("My App", item.GetProperty("name").GetString());
        Assert.Single(await StoredClientsOf(user.Uid));
        Assert.Equal(hash, (await StoredClient(clientId))!.GetString("SecretHash"));
    }

    /// <summary>Nothing registered: the API lists nothing and storage holds no row for the user.</summary>
    private async Task AssertOwnsNothing(HttpClient client, TestUser user)
    {
        var listed = await client.Send(HttpMethod.Get, Clients, user.Token).Ok();
        Assert.Empty(listed.GetProperty("items").EnumerateArray());
        Assert.Empty(await StoredClientsOf(user.Uid));
        Assert.Empty(await OwnerIndex(user.Uid));
    }

    private async Task<TableClient> Table(string name)
    {
        var table = new TableClient(app.Emulators.StorageConnectionString, app.Prefix + name);
        await table.CreateIfNotExistsAsync();
        return table;
    }

    private async Task<TableEntity?> StoredClient(string clientId)
    {
        var row = await (await Table("Clients")).GetEntityIfExistsAsync<TableEntity>(clientId, "");
        return row.HasValue ? row.Value : null;
    }

    private async Task<List<TableEntity>> StoredClientsOf(string uid)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in (await Table("Clients")).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"OwnerUid eq {uid}")))
            rows.Add(row);
        return rows;
    }

    private async Task<List<string>> OwnerIndex(string uid)
    {
        var ids = new List<string>();
        await foreach (var row in (await Table("OwnerClients")).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {uid}")))
            ids.Add(row.RowKey);
        return ids;
    }
}
