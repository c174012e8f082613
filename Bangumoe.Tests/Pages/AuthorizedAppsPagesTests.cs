using System.Net;
using Bangumoe.Tests.Infrastructure;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// /account/apps: the apps a person allowed, what each may do and since when, and withdrawing one, after which the
/// app's tokens stop working at once.
/// </summary>
public sealed class AuthorizedAppsPagesTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string Scope = "openid profile collection:read";

    /// <summary>A developer's app (named <paramref name="name"/>) that <paramref name="user"/> allowed; the app's access token.</summary>
    private async Task<(RegisteredClient Client, string AccessToken, OAuthFlow Flow)> AuthorizedAsync(TestUser user, string name = "Watch Log",
        string description = "Logs what you watch.")
    {
        var flow = app.NewFlow();
        var developer = await app.NewVerifiedUser();
        var json = await (await flow.Backend.Send(HttpMethod.Post, "/api/clients", developer.Token, new
        {
            name, home_url = "https://watchlog.example", description, redirect_uris = new[] { OAuthFlow.RedirectUri }, type = "confidential",
        })).Ok(HttpStatusCode.Created);
        var client = new RegisteredClient(json.GetProperty("client_id").GetString()!, json.GetProperty("client_secret").GetString(), OAuthFlow.RedirectUri);
        var tokens = await flow.TokensAsync(client, user, Scope);
        return (client, tokens.AccessToken, flow);
    }

    /// <summary>What the JSON API answers the app's token.</summary>
    private async Task<HttpStatusCode> CollectionStatusAsync(string accessToken) =>
        (await app.CreateClient().Send(HttpMethod.Get, "/api/me/collection", accessToken)).StatusCode;

    [Fact]
    public async Task A_signed_out_visitor_is_sent_to_sign_in_first()
    {
        var page = await new PageClient(app).GetAsync("/account/apps");
        Assert.Equal(HttpStatusCode.SeeOther, page.Status);
        Assert.Equal("/login?return_to=%2Faccount%2Fapps", page.Location);

        var post = await new PageClient(app).PostAsync("/account/apps/withdraw", new { client_id = "x" });
        Assert.Equal(HttpStatusCode.SeeOther, post.Status);
        Assert.Equal("/login?return_to=%2Faccount%2Fapps", post.Location);
    }

    [Theory]
    [InlineData("zh-CN", "已授权的应用", "你还没有允许任何应用使用你的账号。")]
    [InlineData("en", "Authorized apps", "You have not allowed any app to use your account.")]
    public async Task Without_any_app_the_page_says_so_in_both_languages(string language, string title, string none)
    {
        var user = await app.NewVerifiedUser();
        var page = await new PageClient(app, language).SignedInAs(user).GetAsync("/account/apps");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(title, page.Text("h1"));
        Assert.Contains(none, page.Document.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(page.Document.QuerySelectorAll("main form"));
    }

    [Theory]
    [InlineData("zh-CN", "查看你的动画收藏，包括私密条目", "撤销访问", "首次允许")]
    [InlineData("en", "See your anime collection, private entries included", "Withdraw access", "First allowed")]
    public async Task An_authorized_app_is_listed_with_its_home_page_scopes_in_words_and_dates(string language, string collectionRead, string withdraw, string first)
    {
        var user = await app.NewVerifiedUser();
        var (client, _, _) = await AuthorizedAsync(user);

        var page = await new PageClient(app, language).SignedInAs(user).GetAsync("/account/apps");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var card = Assert.Single(page.Document.QuerySelectorAll("main section.app-card"));
        Assert.Equal("Watch Log", card.QuerySelector("h2")?.TextContent);
        Assert.Equal("https://watchlog.example", card.QuerySelector("a")?.GetAttribute("href"));
        Assert.Equal(3, card.QuerySelectorAll("dd ul li").Length);
        Assert.Contains(collectionRead, card.QuerySelectorAll("dd ul li").Select(li => li.TextContent));
        Assert.Contains(first, card.TextContent, StringComparison.Ordinal);
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(card.QuerySelectorAll("time"), t => Assert.StartsWith(today, t.GetAttribute("datetime"), StringComparison.Ordinal));
        Assert.Equal(2, card.QuerySelectorAll("time").Length);
        Assert.Equal(client.ClientId, card.QuerySelector("form input[name=client_id]")?.GetAttribute("value"));
        Assert.Equal(withdraw, card.QuerySelector("form button")?.TextContent.Trim());
    }

    [Fact]
    public async Task Withdrawing_access_ends_the_apps_tokens_at_once_and_says_so()
    {
        var user = await app.NewVerifiedUser();
        var (client, accessToken, flow) = await AuthorizedAsync(user);
        Assert.Equal(HttpStatusCode.OK, await CollectionStatusAsync(accessToken));
        var browser = new PageClient(app, "zh-CN").SignedInAs(user);

        var withdrawn = await browser.PostAsync("/account/apps/withdraw", new { client_id = client.ClientId });
        Assert.Equal(HttpStatusCode.SeeOther, withdrawn.Status);
        Assert.StartsWith("/account/apps?withdrawn=", withdrawn.Location, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, await CollectionStatusAsync(accessToken));
        var page = await browser.GetAsync(withdrawn.Location!);
        Assert.Equal("「Watch Log」已无法再访问你的账号。", page.Text("main .notice"));
        Assert.Empty(page.Document.QuerySelectorAll("main section.app-card"));

        // The next sign-in through the app asks for consent again.
        var (_, challenge) = OAuthFlow.Pkce();
        var again = await flow.Browser.GetAsync(OAuthFlow.AuthorizeUrl(client, Scope, "s", challenge));
        await again.AssertConsentPage("after withdrawing");

        // A second withdrawal (another tab) is no error.
        var twice = await browser.PostAsync("/account/apps/withdraw", new { client_id = client.ClientId });
        Assert.Equal(HttpStatusCode.SeeOther, twice.Status);
        Assert.Equal("/account/apps", twice.Location);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong-token-wrong-token-wrong-token-wrong-t")]
    public async Task Withdrawing_without_a_valid_csrf_token_is_refused_and_changes_nothing(string csrf)
    {
        var user = await app.NewVerifiedUser();
        var (client, accessToken, _) = await AuthorizedAsync(user);
        var browser = new PageClient(app).SignedInAs(user);
        await browser.GetAsync("/account/apps");

        var refused = await browser.PostAsync("/account/apps/withdraw", new { client_id = client.ClientId }, csrf);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("Please try again", refused.Text("h1"));
        Assert.Equal(HttpStatusCode.OK, await CollectionStatusAsync(accessToken));
        Assert.Single((await browser.GetAsync("/account/apps")).Document.QuerySelectorAll("main section.app-card"));
    }

    [Fact]
    public async Task Another_person_cannot_withdraw_someone_elses_access()
    {
        var user = await app.NewVerifiedUser();
        var (client, accessToken, _) = await AuthorizedAsync(user);
        var stranger = await app.NewVerifiedUser();

        var posted = await new PageClient(app).SignedInAs(stranger).PostAsync("/account/apps/withdraw", new { client_id = client.ClientId });
        Assert.Equal(HttpStatusCode.SeeOther, posted.Status);
        Assert.Equal("/account/apps", posted.Location);
        Assert.Equal(HttpStatusCode.OK, await CollectionStatusAsync(accessToken));
        // Nor see it.
        Assert.Empty((await new PageClient(app).SignedInAs(stranger).GetAsync("/account/apps")).Document.QuerySelectorAll("main section.app-card"));
    }

    [Fact]
    public async Task An_apps_markup_is_shown_as_text()
    {
        const string payload = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
        var user = await app.NewVerifiedUser();
        await AuthorizedAsync(user, payload, payload);

        var page = await new PageClient(app).SignedInAs(user).GetAsync("/account/apps");
        Assert.Equal(payload, page.Text("main section.app-card h2"));
        Assert.Empty(page.Document.QuerySelectorAll("img"));
        Assert.Empty(page.Document.QuerySelectorAll("script"));
    }
}
