using System.Net;
using System.Text.Json;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Accounts;

/// <summary><c>PATCH /api/me</c>: field limits, partial updates, and that a refused request writes nothing at all.</summary>
public sealed class ProfileTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Avatar = "https://lain.bgm.tv/pic/user/l/000/1.jpg";

    /// <summary>A verified user whose profile has a value in every field.</summary>
    private async Task<(HttpClient Client, TestUser User)> UserWithProfile()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var set = await Patch(client, user, new { nickname = "Before", avatar = Avatar, intro = "Intro before." }).Ok();
        AssertProfile(set, "Before", Avatar, "Intro before.");
        return (client, user);
    }

    [Fact]
    public async Task Limits_are_inclusive()
    {
        var client = app.NewClient();
        var user = await app.NewVerifiedUser();
        var nickname = new string('n', 32);
        var avatar = "https://example.com/" + new string('a', 256 - "https://example.com/".Length);
        var intro = new string('i', 200);
        Assert.Equal(256, avatar.Length);

        var patched = await Patch(client, user, new { nickname, avatar, intro }).Ok();
        AssertProfile(patched, nickname, avatar, intro);
        AssertProfile(await client.Me(user.Token), nickname, avatar, intro);

        // Multi-line intros are fine, and http works as well as https.
        var more = await Patch(client, user, new { intro = "line one\nline two\ttabbed", avatar = "http://example.com/a.png" }).Ok();
        AssertProfile(more, nickname, "http://example.com/a.png", "line one\nline two\ttabbed");
    }

    [Fact]
    public async Task A_nickname_of_33_characters_is_a_400_and_changes_nothing()
    {
        var (client, user) = await UserWithProfile();
        var problem = await Patch(client, user, new { nickname = new string('n', 33) }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "nickname" }, problem.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://x")]
    [InlineData("data:image/png;base64,AAAA")]
    [InlineData("/relative/path.png")]
    [InlineData("not a url")]
    [InlineData("https://")]
    public async Task An_avatar_that_is_not_an_http_url_is_a_400_and_changes_nothing(string avatar)
    {
        var (client, user) = await UserWithProfile();
        var problem = await Patch(client, user, new { avatar }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "avatar" }, problem.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    [Fact]
    public async Task An_avatar_of_257_characters_is_a_400_and_changes_nothing()
    {
        var (client, user) = await UserWithProfile();
        var avatar = "https://example.com/" + new string('a', 257 - "https://example.com/".Length);
        Assert.Equal(257, avatar.Length);
        var problem = await Patch(client, user, new { avatar }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "avatar" }, problem.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    [Fact]
    public async Task An_intro_of_201_characters_is_a_400_and_changes_nothing()
    {
        var (client, user) = await UserWithProfile();
        var problem = await Patch(client, user, new { intro = new string('i', 201) }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "intro" }, problem.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    [Fact]
    public async Task One_invalid_field_refuses_the_valid_ones_too()
    {
        var (client, user) = await UserWithProfile();

        var badIntro = await Patch(client, user, new { nickname = "After", avatar = "https://example.com/new.png", intro = new string('i', 201) })
            .Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "intro" }, badIntro.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");

        var badAvatar = await Patch(client, user, new { nickname = "After", avatar = "javascript:alert(1)" }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "avatar" }, badAvatar.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");

        // Clearing a field in the same request as an invalid one does not clear it either.
        var badNickname = await Patch(client, user, new { nickname = new string('n', 33), avatar = "", intro = "" }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "nickname" }, badNickname.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");

        // All three wrong: all three named.
        var allBad = await Patch(client, user, new { nickname = new string('n', 33), avatar = "ftp://x", intro = new string('i', 201) }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "avatar", "intro", "nickname" }, allBad.FieldNames().Order(StringComparer.Ordinal));
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    [Fact]
    public async Task Absent_fields_are_kept_and_empty_strings_clear()
    {
        var (client, user) = await UserWithProfile();

        var nicknameOnly = await Patch(client, user, new { nickname = "After" }).Ok();
        AssertProfile(nicknameOnly, "After", Avatar, "Intro before.");

        var nothing = await Patch(client, user, new { }).Ok();
        AssertProfile(nothing, "After", Avatar, "Intro before.");

        var clearAvatar = await Patch(client, user, new { avatar = "" }).Ok();
        AssertProfile(clearAvatar, "After", null, "Intro before.");
        AssertProfile(await client.Me(user.Token), "After", null, "Intro before.");

        var clearRest = await Patch(client, user, new { nickname = "", intro = "" }).Ok();
        AssertProfile(clearRest, null, null, null);
        AssertProfile(await client.Me(user.Token), null, null, null);

        // Other account fields are untouched by profile edits.
        var me = await client.Me(user.Token);
        Assert.Equal(user.Uname, me.GetProperty("uname").GetString());
        Assert.Equal(user.Email, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("email_verified").GetBoolean());
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("two\r\nlines")]
    [InlineData("trailing\n")]
    [InlineData("two\rlines")]
    [InlineData("two\u2028lines")]
    [InlineData("bell\u0007")]
    [InlineData("rtl\u202Eoverride")]
    public async Task A_nickname_that_is_not_one_line_of_text_is_a_400(string nickname)
    {
        var (client, user) = await UserWithProfile();
        var problem = await Patch(client, user, new { nickname }).Problem(HttpStatusCode.BadRequest);
        Assert.Equal(new[] { "nickname" }, problem.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    [Fact]
    public async Task A_body_that_is_not_a_profile_is_a_400_and_changes_nothing()
    {
        var (client, user) = await UserWithProfile();
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/me")
        {
            Content = new StringContent("{\"nickname\": 42}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
        var problem = await (await client.SendAsync(request)).Problem(HttpStatusCode.BadRequest, "malformed-json");
        Assert.Contains("nickname", problem.FieldNames());
        AssertProfile(await client.Me(user.Token), "Before", Avatar, "Intro before.");
    }

    private static Task<HttpResponseMessage> Patch(HttpClient client, TestUser user, object body) => client.Send(HttpMethod.Patch, "/api/me", user.Token, body);

    private static void AssertProfile(JsonElement profile, string? nickname, string? avatar, string? intro)
    {
        Assert.Equal(nickname, profile.StringOrNull("nickname"));
        Assert.Equal(avatar, profile.StringOrNull("avatar"));
        Assert.Equal(intro, profile.StringOrNull("intro"));
    }
}
