using System.Net;
using Bangumoe.Tests.Infrastructure;
using Bangumoe.Tests.OAuth;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// /developer/apps for a key-based app: the developer chooses private_key_jwt, pastes the public keys (checked, with the
/// refusal in the page's language) and may require pushed authorization requests; the app page says so.
/// </summary>
public sealed class DeveloperAppKeysPagesTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    [Theory]
    [InlineData("en", "These keys cannot be used:", "How it authenticates", "so it has no secret", "Required")]
    [InlineData("zh-CN", "无法使用这些公钥：", "身份验证方式", "因此没有密钥字符串", "必须使用")]
    public async Task A_key_based_app_is_registered_with_its_public_keys_and_can_require_par(string language, string refusal, string methodHeading,
        string noSecret, string required)
    {
        var user = await app.NewVerifiedUser();
        var browser = new PageClient(app, language).SignedInAs(user);
        var key = new ClientKey();
        var withPrivate = key.PublicJwk();
        withPrivate["d"] = Base64UrlEncoder.Encode(key.Ec.ExportParameters(true).D);
        var form = new Dictionary<string, string>
        {
            ["name"] = "Keyed Diary", ["home_url"] = "https://diary.example", ["description"] = "", ["redirect_uris"] = OAuthFlow.RedirectUri,
            ["type"] = "confidential", ["token_endpoint_auth_method"] = "private_key_jwt",
            ["jwks"] = "{\"keys\": [" + withPrivate.ToJsonString() + "]}", ["require_pushed_authorization_requests"] = "yes",
        };

        var bad = await browser.PostAsync("/developer/apps", form);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.StartsWith(refusal, bad.FieldError("jwks"), StringComparison.Ordinal);
        Assert.Equal(form["jwks"], bad.FieldValue("jwks"));

        form["jwks"] = key.Jwks().ToJsonString();
        var registered = await browser.PostAsync("/developer/apps", form);
        // No secret to show: straight to the app's page.
        Assert.True(registered.Status == HttpStatusCode.SeeOther, registered.Html);
        var page = await browser.GetAsync(registered.Location!);
        Assert.Contains(methodHeading, page.Html, StringComparison.Ordinal);
        Assert.Contains("<code>private_key_jwt</code>", page.Html, StringComparison.Ordinal);
        Assert.Contains(noSecret, page.Html, StringComparison.Ordinal);
        Assert.Contains(required, page.Html, StringComparison.Ordinal);
        var clientId = registered.Location!.Split('/', '?')[3];
        await (await app.CreateClient().ClientCredentialsAsync(clientId, key.Assertion(clientId))).Ok();
        var json = await (await app.CreateClient().Send(HttpMethod.Get, "/api/clients/" + clientId, user.Token)).Ok();
        Assert.True(json.GetProperty("require_pushed_authorization_requests").GetBoolean());

        // Saving the edit form with the box unticked and the secret chosen: PAR no longer required, keys gone.
        form.Remove("require_pushed_authorization_requests");
        form.Remove("type");
        form["token_endpoint_auth_method"] = "client_secret_basic";
        var saved = await browser.PostAsync("/developer/apps/" + clientId, form);
        Assert.True(saved.Status == HttpStatusCode.SeeOther, saved.Html);
        json = await (await app.CreateClient().Send(HttpMethod.Get, "/api/clients/" + clientId, user.Token)).Ok();
        Assert.False(json.GetProperty("require_pushed_authorization_requests").GetBoolean());
        Assert.Equal("client_secret_basic", json.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(json.TryGetProperty("jwks", out _));
    }
}
