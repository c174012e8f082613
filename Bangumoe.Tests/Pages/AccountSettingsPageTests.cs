using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// /account: profile, password, email and deleting the account, each a form of its own; bad input comes back next to
/// its field and changes nothing, a forged post changes nothing, and the page is only for the signed-in person.
/// </summary>
public sealed class AccountSettingsPageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private async Task<(TestUser User, PageClient Browser)> SignedIn(string language = "en")
    {
        var user = await app.NewVerifiedUser();
        return (user, app.Browser(language).SignedInAs(user));
    }

    [Fact]
    public async Task A_signed_out_visitor_is_sent_to_sign_in_first()
    {
        var browser = app.Browser();
        var page = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.SeeOther, page.Status);
        Assert.Equal("/login?return_to=%2Faccount", page.Location);
        foreach (var path in new[] { "/account/profile", "/account/password", "/account/email", "/account/delete" })
        {
            var post = await browser.PostAsync(path, new { nickname = "x", delete_password = "x" });
            Assert.Equal(HttpStatusCode.SeeOther, post.Status);
            Assert.Equal("/login?return_to=%2Faccount", post.Location);
        }
    }

    [Theory]
    [InlineData("en", "Your account", new[] { "Profile", "Change password", "Change email", "Delete account" })]
    [InlineData("zh-CN", "你的账号", new[] { "个人资料", "修改密码", "修改邮箱", "删除账号" })]
    public async Task The_page_speaks_the_language_with_a_section_per_form(string language, string title, string[] sections)
    {
        var (user, browser) = await SignedIn(language);
        var page = await browser.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        var headings = page.Document.QuerySelectorAll("main h2").Select(h => h.TextContent.Trim()).ToList();
        Assert.Equal(sections, headings.Take(4));
        Assert.Contains(user.Email, page.Text("main"), StringComparison.Ordinal);
        foreach (var action in new[] { "/account/profile", "/account/password", "/account/email", "/account/delete" })
            Assert.NotNull(page.Document.QuerySelector($"main form[action='{action}'] input[name='csrf']"));
        // What deleting removes is listed before the button.
        Assert.Equal(5, page.Document.QuerySelectorAll("section[aria-labelledby='delete-heading'] li").Length);
        Assert.Equal(user.Uname, page.FieldValue("nickname"));
    }

    [Fact]
    public async Task Saving_the_profile_shows_it_with_a_notice_and_an_avatar_preview()
    {
        var (user, browser) = await SignedIn("zh-CN");
        var response = await browser.PostAsync("/account/profile", new { nickname = "小明", avatar = "https://img.example/a.png", intro = "第一行\n第二行" });
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Equal("/account?done=profile", response.Location);

        var page = await browser.GetAsync(response.Location!);
        Assert.Equal("你的个人资料已保存。", page.Text(".notice"));
        Assert.Equal("小明", page.FieldValue("nickname"));
        Assert.Equal("https://img.example/a.png", page.FieldValue("avatar"));
        Assert.Equal("第一行\n第二行", page.FieldValue("intro"));
        var preview = page.Document.QuerySelector("img.avatar-preview")!;
        Assert.Equal("https://img.example/a.png", preview.GetAttribute("src"));
        Assert.Equal("你当前的头像", preview.GetAttribute("alt"));

        var stored = (await app.StoredUser(user.Uid))!;
        Assert.Equal(("小明", "https://img.example/a.png", "第一行\n第二行"), (stored.Nickname, stored.Avatar, stored.Intro));

        // Emptied fields are cleared; without an avatar there is no preview.
        await browser.PostAsync("/account/profile", new { nickname = "小明", avatar = "", intro = "" });
        var cleared = await browser.GetAsync("/account");
        Assert.Null(cleared.Document.QuerySelector("img.avatar-preview"));
        Assert.Null((await app.StoredUser(user.Uid))!.Avatar);
    }

    [Fact]
    public async Task A_bad_profile_is_shown_next_to_its_fields_kept_and_not_saved()
    {
        var (user, browser) = await SignedIn("zh-CN");
        var tooLong = new string('名', 33);
        var response = await browser.PostAsync("/account/profile", new { nickname = tooLong, avatar = "javascript:alert(1)", intro = "fine" });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("最多 32 个字符，且只能有一行。", response.FieldError("nickname"));
        Assert.Equal("请输入以 http:// 或 https:// 开头的地址（最多 256 个字符），或者留空。", response.FieldError("avatar"));
        Assert.Null(response.FieldError("intro"));
        Assert.Equal(tooLong, response.FieldValue("nickname"));
        Assert.Equal("javascript:alert(1)", response.FieldValue("avatar"));
        Assert.Equal("fine", response.FieldValue("intro"));
        Assert.Null(response.Document.QuerySelector("img.avatar-preview"));

        var stored = (await app.StoredUser(user.Uid))!;
        Assert.Equal((user.Uname, (string?)null, (string?)null), (stored.Nickname, stored.Avatar, stored.Intro));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("\"><img src=x onerror=alert(1)>")]
    public async Task Markup_in_the_profile_is_shown_as_text(string attack)
    {
        var (user, browser) = await SignedIn();
        // The avatar is a URL, which may only hold what RFC 3986 allows: the markup travels percent-encoded, plus a quote.
        var avatar = "https://img.example/" + Uri.EscapeDataString(attack) + "?'onerror='x'";
        var saved = await browser.PostAsync("/account/profile", new { nickname = attack, avatar, intro = attack });
        Assert.True(saved.Status == HttpStatusCode.SeeOther, saved.Html);
        var stored = (await app.StoredUser(user.Uid))!;
        Assert.Equal(attack, stored.Nickname);

        var page = await browser.GetAsync("/account");
        page.AssertNoInjectedMarkup();
        Assert.Equal(attack, page.FieldValue("nickname"));
        Assert.Equal(attack, page.FieldValue("intro"));
        Assert.Equal(stored.Avatar, page.FieldValue("avatar"));
        Assert.Equal(stored.Avatar, page.Document.QuerySelector("img.avatar-preview")!.GetAttribute("src"));
    }

    [Fact]
    public async Task Changing_the_password_ends_other_sessions_but_keeps_this_browser_signed_in()
    {
        var (user, browser) = await SignedIn();
        var other = app.Browser().SignedInAs(user);
        const string next = "a fresh passphrase";

        var response = await browser.PostAsync("/account/password", new { current_password = user.Password, new_password = next, confirm_password = next });
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Equal("/account?done=password", response.Location);
        Assert.Contains(response.Response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("bgm_session=", StringComparison.Ordinal));

        var page = await browser.GetAsync(response.Location!);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.StartsWith("Your password is changed.", page.Text(".notice"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.SeeOther, (await other.GetAsync("/account")).Status);

        var client = app.NewClient();
        await client.AssertLoginFails(user.Email, user.Password);
        await client.Login(user.Email, next);
    }

    [Fact]
    public async Task A_bad_password_change_is_shown_in_its_section_and_changes_nothing()
    {
        var (user, browser) = await SignedIn("zh-CN");
        var hash = await app.StoredPasswordHash(user.Uid);

        var wrong = await browser.PostAsync("/account/password", new { current_password = "not it at all", new_password = "a fresh passphrase", confirm_password = "a fresh passphrase" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("当前密码不正确。", wrong.FieldError("current_password"));
        Assert.Null(wrong.FieldValue("current_password"));
        Assert.DoesNotContain("a fresh passphrase", wrong.Html, StringComparison.Ordinal);

        var differ = await browser.PostAsync("/account/password", new { current_password = user.Password, new_password = "a fresh passphrase", confirm_password = "a fresh passphrasf" });
        Assert.Equal(HttpStatusCode.BadRequest, differ.Status);
        Assert.Equal("两次输入的密码不一致。", differ.FieldError("confirm_password"));

        var tooShort = await browser.PostAsync("/account/password", new { current_password = user.Password, new_password = "short", confirm_password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.Status);
        Assert.Equal("密码需要 8–128 个字符。", tooShort.FieldError("new_password"));
        // The other sections show what is saved, without errors.
        Assert.Null(tooShort.FieldError("nickname"));
        Assert.Equal(user.Uname, tooShort.FieldValue("nickname"));
        // The language switch returns to /account, not to the address the form posted to.
        Assert.Equal("/account", tooShort.Document.QuerySelector("form[action='/lang'] input[name='return_to']")!.GetAttribute("value"));

        Assert.Equal(hash, await app.StoredPasswordHash(user.Uid));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).Status);
    }

    [Fact]
    public async Task Changing_the_email_mails_the_new_address_in_the_account_language()
    {
        var browser = app.Browser("zh-CN");
        var user = await app.SignUpThroughPages(browser);
        await browser.SignInThroughPage(user.Email, user.Password);
        var newEmail = TestApi.NewEmail();

        var response = await browser.PostAsync("/account/email", new { new_email = newEmail, email_password = user.Password });
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Equal("/account?done=email", response.Location);
        Assert.Equal("我们已向新地址发送确认链接。打开链接后，你的邮箱才会更改。", (await browser.GetAsync(response.Location!)).Text(".notice"));

        var mail = await app.Mail.WaitForAsync(newEmail, "确认你的 Bangumoe 新邮箱");
        Assert.Equal(user.Email, (await app.StoredUser(user.Uid))!.Email);
        var changed = await browser.GetAsync(mail.Link().PathAndQuery);
        Assert.Equal("邮箱已更改", changed.Text("h1"));
        Assert.Equal(newEmail, (await app.StoredUser(user.Uid))!.Email);
        await app.Mail.WaitForAsync(user.Email, "你的 Bangumoe 邮箱已更改");
    }

    [Fact]
    public async Task A_bad_email_change_is_shown_in_its_section_and_mails_nothing()
    {
        var (user, browser) = await SignedIn();
        var other = await app.SignUpThroughTheApi(app.CreateClient());
        var newEmail = TestApi.NewEmail();

        var wrong = await browser.PostAsync("/account/email", new { new_email = newEmail, email_password = "not the password" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("The password is wrong.", wrong.FieldError("email_password"));
        Assert.Equal(newEmail, wrong.FieldValue("new_email"));

        var same = await browser.PostAsync("/account/email", new { new_email = user.Email.ToUpperInvariant(), email_password = user.Password });
        Assert.Equal("This is already your email address.", same.FieldError("new_email"));

        var taken = await browser.PostAsync("/account/email", new { new_email = other.Email, email_password = user.Password });
        Assert.Equal("Another account uses this email address.", taken.FieldError("new_email"));

        var invalid = await browser.PostAsync("/account/email", new { new_email = "nope", email_password = "" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal("Enter a valid email address of at most 64 characters.", invalid.FieldError("new_email"));
        Assert.Equal("Enter your password.", invalid.FieldError("email_password"));

        await app.Mail.AssertMailCountStays(newEmail, 0, TimeSpan.FromSeconds(1));
        await app.Mail.AssertMailCountStays(other.Email, 1, TimeSpan.FromSeconds(0.5));
    }

    [Fact]
    public async Task Deleting_the_account_needs_the_password_then_removes_it_and_signs_out()
    {
        var (user, browser) = await SignedIn();

        var wrong = await browser.PostAsync("/account/delete", new { delete_password = "not the password" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("The password is wrong.", wrong.FieldError("delete_password"));
        Assert.NotNull(await app.StoredUser(user.Uid));

        var response = await browser.PostAsync("/account/delete", new { delete_password = user.Password });
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        Assert.Equal("/account/deleted", response.Location);
        Assert.Null(await app.StoredUser(user.Uid));
        Assert.Null(browser.SessionCookie());

        var goodbye = await browser.GetAsync(response.Location!);
        Assert.Equal("Your account is deleted", goodbye.Text("h1"));
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.GetAsync("/account")).Status);
        await app.NewClient().AssertLoginFails(user.Email, user.Password);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task Forged_posts_change_nothing(string csrf)
    {
        var (user, browser) = await SignedIn();
        var hash = await app.StoredPasswordHash(user.Uid);
        var newEmail = TestApi.NewEmail();

        (await browser.PostAsync("/account/profile", new { nickname = "forged", avatar = "https://forged.example/a.png", intro = "forged" }, csrf)).AssertRefusedForm();
        (await browser.PostAsync("/account/password", new { current_password = user.Password, new_password = "forged passphrase", confirm_password = "forged passphrase" }, csrf)).AssertRefusedForm();
        (await browser.PostAsync("/account/email", new { new_email = newEmail, email_password = user.Password }, csrf)).AssertRefusedForm();
        (await browser.PostAsync("/account/delete", new { delete_password = user.Password }, csrf)).AssertRefusedForm();

        var stored = (await app.StoredUser(user.Uid))!;
        Assert.Equal((user.Uname, (string?)null, (string?)null), (stored.Nickname, stored.Avatar, stored.Intro));
        Assert.Equal(hash, stored.PasswordHash);
        await app.Mail.AssertMailCountStays(newEmail, 0, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account")).Status);
    }
}
