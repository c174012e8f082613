using System.Net;
using Bangumoe.Accounts;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// Signing up on /signup, and the pages of the mailed links: the verification mail in the language of the sign-up,
/// resending it, forgetting the password and the reset form.
/// </summary>
public sealed class AccountSignUpPageTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Theory]
    [InlineData("en", "Create your Bangumoe account", "User name", "Sign up")]
    [InlineData("zh-CN", "注册 Bangumoe 账号", "用户名", "注册")]
    public async Task The_sign_up_page_speaks_the_language(string language, string title, string unameLabel, string button)
    {
        var page = await app.Browser(language).GetAsync("/signup");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Equal(unameLabel, page.Text("label[for='uname']"));
        Assert.Equal(button, page.Text("main form button"));
        foreach (var field in new[] { "uname", "email", "password", "confirm_password" })
            Assert.NotNull(page.Document.QuerySelector($"label[for='{field}']"));
        Assert.NotNull(page.Document.QuerySelector("main form input[name='csrf']"));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/login']"));
    }

    [Fact]
    public async Task A_chinese_sign_up_gets_a_chinese_mail_and_an_english_one_an_english_mail()
    {
        var chinese = app.Browser("zh-CN,zh;q=0.9");
        var zhUser = await app.SignUpThroughPages(chinese);
        var zhMail = (await app.Mail.ToAsync(zhUser.Email)).Single();
        Assert.Equal("验证你的 Bangumoe 邮箱", zhMail.Subject);
        Assert.Contains($"{zhUser.Uname}，你好", zhMail.Text, StringComparison.Ordinal);
        Assert.Contains("验证我的邮箱", zhMail.Html, StringComparison.Ordinal);
        Assert.Equal("zh-Hans", (await app.StoredUser(zhUser.Uid))!.Language);

        var english = app.Browser("en-US");
        var enUser = await app.SignUpThroughPages(english);
        var enMail = (await app.Mail.ToAsync(enUser.Email)).Single();
        Assert.Equal("Verify your Bangumoe email", enMail.Subject);
        Assert.Contains($"Hi {enUser.Uname},", enMail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("你好", enMail.Text, StringComparison.Ordinal);
        Assert.Equal("en", (await app.StoredUser(enUser.Uid))!.Language);
    }

    [Fact]
    public async Task Signing_up_says_a_mail_was_sent_and_the_link_verifies_in_the_page_language()
    {
        var browser = app.Browser("zh-CN");
        var email = TestApi.NewEmail();
        var response = await browser.PostAsync("/signup", new { uname = TestApi.NewUname(), email, password = AccountPageSteps.Password, confirm_password = AccountPageSteps.Password });
        Assert.Equal(HttpStatusCode.SeeOther, response.Status);
        var sent = await browser.GetAsync(response.Location!);
        Assert.Equal("请查收邮件", sent.Text("h1"));
        Assert.NotNull(sent.Document.QuerySelector("main a[href='/verify/resend']"));

        var mail = await app.Mail.WaitForAsync(email, "Bangumoe");
        var verified = await browser.GetAsync(mail.Link().PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        Assert.Equal("邮箱已验证", verified.Text("h1"));
        Assert.NotNull(verified.Document.QuerySelector("main a[href='/login']"));
        // Switching the language goes on to the next step rather than following the used link again.
        Assert.Equal("/login", verified.Document.QuerySelector("form[action='/lang'] input[name='return_to']")!.GetAttribute("value"));

        var again = await browser.GetAsync(mail.Link().PathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("链接已使用", again.Text("h1"));
    }

    [Fact]
    public async Task Bad_input_is_shown_next_to_each_field_keeps_what_was_typed_and_creates_nothing()
    {
        var browser = app.Browser("zh-CN");
        var email = TestApi.NewEmail();
        var response = await browser.PostAsync("/signup", new { uname = "a!", email, password = "short", confirm_password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(AccountTextsZh.UnameInvalid, response.FieldError("uname"));
        Assert.Equal("密码需要 8–128 个字符。", response.FieldError("password"));
        Assert.Null(response.FieldError("email"));
        Assert.Equal("a!", response.FieldValue("uname"));
        Assert.Equal(email, response.FieldValue("email"));
        Assert.Null(response.FieldValue("password"));
        Assert.DoesNotContain("short", response.Html, StringComparison.Ordinal);
        Assert.Contains("有些字段需要修改", response.Text(".error-summary"), StringComparison.Ordinal);

        var invalidEmail = await browser.PostAsync("/signup", new { uname = TestApi.NewUname(), email = "not an address", password = AccountPageSteps.Password, confirm_password = AccountPageSteps.Password });
        Assert.Equal(HttpStatusCode.BadRequest, invalidEmail.Status);
        Assert.Equal("请输入有效的邮箱地址（最多 64 个字符）。", invalidEmail.FieldError("email"));

        var differ = await browser.PostAsync("/signup", new { uname = TestApi.NewUname(), email, password = AccountPageSteps.Password, confirm_password = "something else" });
        Assert.Equal(HttpStatusCode.BadRequest, differ.Status);
        Assert.Equal("两次输入的密码不一致。", differ.FieldError("confirm_password"));
        Assert.Null(differ.FieldError("password"));

        Assert.Null(await app.Users().FindAsync(KeyKind.Email, email));
        await app.Mail.AssertMailCountStays(email, 0, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_taken_email_or_user_name_is_shown_on_its_field()
    {
        var existing = await app.NewVerifiedUser();
        var browser = app.Browser();
        var takenEmail = await browser.PostAsync("/signup", new { uname = TestApi.NewUname(), email = existing.Email.ToUpperInvariant(), password = AccountPageSteps.Password, confirm_password = AccountPageSteps.Password });
        Assert.Equal(HttpStatusCode.BadRequest, takenEmail.Status);
        Assert.StartsWith("An account with this email address already exists.", takenEmail.FieldError("email"), StringComparison.Ordinal);

        var takenUname = await browser.PostAsync("/signup", new { uname = existing.Uname, email = TestApi.NewEmail(), password = AccountPageSteps.Password, confirm_password = AccountPageSteps.Password });
        Assert.Equal(HttpStatusCode.BadRequest, takenUname.Status);
        Assert.Equal("This user name is taken. Choose another one.", takenUname.FieldError("uname"));
        Assert.Equal(existing.Uname, takenUname.FieldValue("uname"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task A_sign_up_without_the_right_csrf_token_is_refused_and_creates_nothing(string csrf)
    {
        var email = TestApi.NewEmail();
        var response = await app.Browser().PostAsync("/signup", new { uname = TestApi.NewUname(), email, password = AccountPageSteps.Password, confirm_password = AccountPageSteps.Password }, csrf);
        response.AssertRefusedForm();
        Assert.Null(await app.Users().FindAsync(KeyKind.Email, email));
        await app.Mail.AssertMailCountStays(email, 0, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_signed_in_visitor_is_sent_to_the_start_page()
    {
        var user = await app.NewVerifiedUser();
        var browser = app.Browser().SignedInAs(user);
        var page = await browser.GetAsync("/signup");
        Assert.Equal(HttpStatusCode.SeeOther, page.Status);
        Assert.Equal("/", page.Location);
        var email = TestApi.NewEmail();
        var post = await browser.PostAsync("/signup", new { uname = TestApi.NewUname(), email, password = AccountPageSteps.Password, confirm_password = AccountPageSteps.Password });
        Assert.Equal(HttpStatusCode.SeeOther, post.Status);
        Assert.Null(await app.Users().FindAsync(KeyKind.Email, email));
    }

    [Fact]
    public async Task Markup_typed_into_the_form_comes_back_as_text()
    {
        const string attack = "\"><img src=x onerror=alert(1)><script>alert(1)</script>";
        var response = await app.Browser().PostAsync("/signup", new { uname = attack, email = attack, password = "x", confirm_password = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        response.AssertNoInjectedMarkup();
        Assert.Equal(attack, response.FieldValue("uname"));
        Assert.Equal(attack, response.FieldValue("email"));
    }

    [Theory]
    [InlineData("/verify/resend", "en", "Send the verification mail again")]
    [InlineData("/verify/resend", "zh-CN", "重新发送验证邮件")]
    [InlineData("/password/forgot", "en", "Forgot your password")]
    [InlineData("/password/forgot", "zh-CN", "忘记密码")]
    public async Task The_mail_me_a_link_pages_speak_the_language(string path, string language, string title)
    {
        var page = await app.Browser(language).GetAsync(path + "?email=someone%40example.com");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Equal("someone@example.com", page.FieldValue("email"));
        Assert.Equal(path, page.Document.QuerySelector("main form")!.GetAttribute("action"));
    }

    [Fact]
    public async Task Resending_the_verification_answers_alike_for_known_and_unknown_addresses()
    {
        var client = app.NewClient();
        var email = TestApi.NewEmail();
        await client.Register(TestApi.NewUname(), email, AccountPageSteps.Password);
        await app.Mail.WaitForAsync(email, "Verify");
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        var browser = app.Browser("zh-CN");

        var known = await browser.PostAsync("/verify/resend", new { email });
        var unknownEmail = TestApi.NewEmail();
        var unknown = await browser.PostAsync("/verify/resend", new { email = unknownEmail });
        Assert.Equal(HttpStatusCode.SeeOther, known.Status);
        Assert.Equal("/verify/resend/sent", known.Location);
        Assert.Equal(known.Status, unknown.Status);
        Assert.Equal(known.Location, unknown.Location);
        var sent = await browser.GetAsync(known.Location!);
        Assert.Equal("请查收邮件", sent.Text("h1"));
        Assert.Contains("如果有尚未验证的账号使用这个地址", sent.Text("main"), StringComparison.Ordinal);

        await app.Mail.WaitForAsync(email, "Verify", count: 2);
        await app.Mail.AssertMailCountStays(unknownEmail, 0, TimeSpan.FromSeconds(1));

        var bad = await browser.PostAsync("/verify/resend", new { email = "<b>nope" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal("请输入有效的邮箱地址（最多 64 个字符）。", bad.FieldError("email"));
        Assert.Equal("<b>nope", bad.FieldValue("email"));
    }

    [Theory]
    [InlineData("/verify/resend", "")]
    [InlineData("/verify/resend", "wrong")]
    [InlineData("/password/forgot", "")]
    [InlineData("/password/forgot", "wrong")]
    public async Task Asking_for_a_mail_without_the_right_csrf_token_sends_nothing(string path, string csrf)
    {
        var user = await app.SignUpThroughTheApi(app.CreateClient());
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        var response = await app.Browser().PostAsync(path, new { email = user.Email }, csrf);
        response.AssertRefusedForm();
        await app.Mail.AssertMailCountStays(user.Email, 1, TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task Forgetting_the_password_resets_it_through_the_pages_in_the_account_language()
    {
        var browser = app.Browser("zh-CN");
        var user = await app.SignUpThroughPages(browser);
        var unknownEmail = TestApi.NewEmail();

        var unknown = await browser.PostAsync("/password/forgot", new { email = unknownEmail });
        var known = await browser.PostAsync("/password/forgot", new { email = user.Email });
        Assert.Equal(HttpStatusCode.SeeOther, known.Status);
        Assert.Equal("/password/forgot/sent", known.Location);
        Assert.Equal(known.Location, unknown.Location);
        Assert.Equal("请查收邮件", (await browser.GetAsync(known.Location!)).Text("h1"));

        var mail = await app.Mail.WaitForAsync(user.Email, "重置你的 Bangumoe 密码");
        Assert.Contains("设置新密码", mail.Text, StringComparison.Ordinal);
        await app.Mail.AssertMailCountStays(unknownEmail, 0, TimeSpan.FromSeconds(1));

        var form = await browser.GetAsync(mail.Link().PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, form.Status);
        Assert.Equal("设置新密码", form.Text("h1"));
        Assert.Equal(mail.Token, form.FieldValue("token"));

        var differ = await browser.PostAsync("/auth/password/reset", new { token = mail.Token, new_password = "a new passphrase", confirm_password = "another one" });
        Assert.Equal(HttpStatusCode.BadRequest, differ.Status);
        Assert.Equal("两次输入的密码不一致。", differ.FieldError("confirm_password"));
        Assert.Equal(mail.Token, differ.FieldValue("token"));
        Assert.Null(differ.FieldValue("new_password"));

        var tooShort = await browser.PostAsync("/auth/password/reset", new { token = mail.Token, new_password = "short", confirm_password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.Status);
        Assert.Equal("密码需要 8–128 个字符。", tooShort.FieldError("new_password"));

        var withoutCsrf = await browser.PostAsync("/auth/password/reset", new { token = mail.Token, new_password = "stolen passphrase", confirm_password = "stolen passphrase" }, "");
        withoutCsrf.AssertRefusedForm();

        var done = await browser.PostAsync("/auth/password/reset", new { token = mail.Token, new_password = "a new passphrase", confirm_password = "a new passphrase" });
        Assert.Equal(HttpStatusCode.OK, done.Status);
        Assert.Equal("密码已修改", done.Text("h1"));
        Assert.NotNull(done.Document.QuerySelector("main a[href='/login']"));

        var again = await browser.PostAsync("/auth/password/reset", new { token = mail.Token, new_password = "third passphrase", confirm_password = "third passphrase" });
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("链接无法使用", again.Text("h1"));
        Assert.NotNull(again.Document.QuerySelector("main a[href='/password/forgot']"));

        var fresh = app.Browser();
        var failed = await fresh.PostAsync("/login", new { login = user.Email, password = "stolen passphrase", return_to = "/" });
        Assert.Equal(HttpStatusCode.Unauthorized, failed.Status);
        await fresh.SignInThroughPage(user.Uname, "a new passphrase");
    }

    [Theory]
    [InlineData("en", "Incomplete link")]
    [InlineData("zh-CN", "链接不完整")]
    public async Task The_reset_page_without_a_token_offers_a_new_mail_instead_of_a_form(string language, string title)
    {
        var page = await app.Browser(language).GetAsync("/auth/password/reset");
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Null(page.Document.QuerySelector("input[name='new_password']"));
        Assert.NotNull(page.Document.QuerySelector("main a[href='/password/forgot']"));
    }

    private static class AccountTextsZh
    {
        public const string UnameInvalid = "请输入 3–32 个字符的用户名，只能包含字母、数字、_ 或 -。";
    }
}
