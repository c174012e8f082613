using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Tests.Infrastructure;

public sealed record RegisteredClient(string ClientId, string? Secret, string RedirectUri);

/// <summary>What a third-party app and its user's browser do in the authorization code flow, step by step.</summary>
public sealed partial class OAuthFlow(BangumoeApp app)
{
    public const string RedirectUri = "https://client.example/callback";

    /// <summary>A browser: keeps cookies, does not follow redirects (so each hop can be checked).</summary>
    public HttpClient Browser { get; } = app.CreateClient(new ClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The app's back channel: no cookies.</summary>
    public HttpClient Backend { get; } = app.CreateClient(new ClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public async Task<RegisteredClient> RegisterClientAsync(string ownerToken, string type = "confidential", params string[] redirectUris)
    {
        var uris = redirectUris.Length == 0 ? [RedirectUri] : redirectUris;
        var json = await (await Backend.Send(HttpMethod.Post, "/api/clients", ownerToken, new
        {
            name = "Anime Tracker", home_url = "https://client.example", description = "Tracks what you watch.", redirect_uris = uris, type,
        })).Ok(HttpStatusCode.Created);
        return new RegisteredClient(json.GetProperty("client_id").GetString()!,
            json.TryGetProperty("client_secret", out var s) ? s.GetString() : null, uris[0]);
    }

    public static string AuthorizeUrl(RegisteredClient client, string scope, string state, string challenge, string? nonce = null, string? prompt = null, string? redirectUri = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = client.ClientId, ["redirect_uri"] = redirectUri ?? client.RedirectUri,
            ["scope"] = scope, ["state"] = state, ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        };
        if (nonce is not null) query["nonce"] = nonce;
        if (prompt is not null) query["prompt"] = prompt;
        return QueryHelpers.AddQueryString("/oauth/authorize", query);
    }

    /// <summary>The hidden fields and CSRF token of the page's form, to post it back like a browser.</summary>
    public static Dictionary<string, string> FormFields(string html)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in HiddenInput().Matches(MainOf(html)))
            fields[WebUtility.HtmlDecode(m.Groups[1].Value)] = WebUtility.HtmlDecode(m.Groups[2].Value);
        return fields;
    }

    public async Task<HttpResponseMessage> PostFormAsync(string html, Dictionary<string, string> extra)
    {
        var fields = FormFields(html);
        foreach (var (k, v) in extra) fields[k] = v;
        return await Browser.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields));
    }

    /// <summary>Login page → consent page → Allow: returns the redirect back to the app.</summary>
    public async Task<Uri> SignInAndAllowAsync(string authorizeUrl, TestUser user)
    {
        var loginPage = await Browser.GetAsync(authorizeUrl);
        var html = await loginPage.Content.ReadAsStringAsync();
        Assert.True(loginPage.StatusCode == HttpStatusCode.OK, html);
        var afterLogin = await PostFormAsync(html, new() { ["action"] = "login", ["login"] = user.Email, ["password"] = user.Password });
        Assert.Equal(HttpStatusCode.SeeOther, afterLogin.StatusCode);
        var consent = await Browser.GetAsync(afterLogin.Headers.Location!.ToString());
        var consentHtml = await consent.Content.ReadAsStringAsync();
        if (consent.StatusCode == HttpStatusCode.SeeOther) return consent.Headers.Location!;
        Assert.True(consent.StatusCode == HttpStatusCode.OK, consentHtml);
        Assert.Contains("Allow", consentHtml, StringComparison.Ordinal);
        var allowed = await PostFormAsync(consentHtml, new() { ["action"] = "allow" });
        Assert.Equal(HttpStatusCode.SeeOther, allowed.StatusCode);
        return allowed.Headers.Location!;
    }

    public static Dictionary<string, string> Query(Uri redirect) =>
        QueryHelpers.ParseQuery(redirect.Query).ToDictionary(kv => kv.Key, kv => kv.Value.ToString(), StringComparer.Ordinal);

    public async Task<HttpResponseMessage> TokenAsync(RegisteredClient client, Dictionary<string, string> form, bool basic = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token");
        if (client.Secret is not null && basic)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(client.ClientId) + ":" + Uri.EscapeDataString(client.Secret))));
        else
        {
            form["client_id"] = client.ClientId;
            if (client.Secret is not null) form["client_secret"] = client.Secret;
        }
        request.Content = new FormUrlEncodedContent(form);
        return await Backend.SendAsync(request);
    }

    public Task<HttpResponseMessage> RedeemAsync(RegisteredClient client, string code, string verifier, string? redirectUri = null) =>
        TokenAsync(client, new() { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirectUri ?? client.RedirectUri, ["code_verifier"] = verifier });

    public static async Task<JsonElement> OAuthError(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {error}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(error, json.GetProperty("error").GetString());
        return json;
    }

    /// <summary>The page's own content: the layout's header has forms of its own (language switch, sign-out) that a
    /// browser does not send with the page's form.</summary>
    public static string MainOf(string html)
    {
        var main = html.IndexOf("<main", StringComparison.Ordinal);
        return main < 0 ? html : html[main..];
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\" ?/?>")]
    private static partial Regex HiddenInput();
}
