using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bangumoe.Bench;

internal sealed record BenchUser(string Uname, string Email, string Password, string Token);

internal sealed record BenchClient(string ClientId, string Secret, string RedirectUri)
{
    public AuthenticationHeaderValue Basic => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(ClientId) + ":" + Uri.EscapeDataString(Secret))));
}

internal sealed record TokenPair(string AccessToken, string RefreshToken);

/// <summary>Sets up what the benchmark needs through Bangumoe's public HTTP API, as a user and an app would.</summary>
internal static partial class Scenario
{
    public const string Password = "correct horse battery staple";

    public static async Task<BenchUser> NewVerifiedUserAsync(HttpClient app, HttpClient mailDev, string uname)
    {
        var email = uname + "@bench.example";
        Ensure(await app.PostAsJsonAsync("/api/auth/register", new { uname, email, password = Password }), "register");
        string? link = null;
        for (var i = 0; i < 200 && link is null; i++)
        {
            var mails = JsonDocument.Parse(await mailDev.GetStringAsync("/api/email")).RootElement;
            foreach (var mail in mails.EnumerateArray())
            {
                if (!mail.GetProperty("to").ToString().Contains(email, StringComparison.Ordinal)) continue;
                link = VerifyLink().Match(mail.GetProperty("text").GetString() ?? "").Value;
            }
            if (string.IsNullOrEmpty(link)) { link = null; await Task.Delay(100); }
        }
        if (link is null) throw new InvalidOperationException($"No verification mail reached MailDev for {email}.");
        Ensure(await app.GetAsync(new Uri(link).PathAndQuery), "verify");
        var login = await Json(await app.PostAsJsonAsync("/api/auth/login", new { email, password = Password }), "login");
        return new BenchUser(uname, email, Password, login.GetProperty("access_token").GetString()!);
    }

    public static async Task<BenchClient> RegisterClientAsync(HttpClient app, BenchUser owner)
    {
        const string redirect = "https://bench.example/callback";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clients")
        {
            Content = JsonContent.Create(new { name = "Bench Tracker", home_url = "https://bench.example", description = "Benchmarks.", redirect_uris = new[] { redirect }, type = "confidential" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Token);
        var json = await Json(await app.SendAsync(request), "register client");
        return new BenchClient(json.GetProperty("client_id").GetString()!, json.GetProperty("client_secret").GetString()!, redirect);
    }

    /// <summary>
    /// <paramref name="count"/> independent refresh-token families for the app: each is one authorization-code flow
    /// through the real login and consent pages (consent is remembered after the first).
    /// </summary>
    public static async Task<List<TokenPair>> TokenFamiliesAsync(string appUrl, BenchUser user, BenchClient client, string scope, int count)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(appUrl) };
        using var backend = new HttpClient { BaseAddress = new Uri(appUrl) };
        var pairs = new List<TokenPair>();
        for (var i = 0; i < count; i++)
        {
            var verifier = Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            var challenge = Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
            var url = $"/oauth/authorize?response_type=code&client_id={Uri.EscapeDataString(client.ClientId)}&redirect_uri={Uri.EscapeDataString(client.RedirectUri)}" +
                      $"&scope={Uri.EscapeDataString(scope)}&state=s{i}&code_challenge={challenge}&code_challenge_method=S256";
            var response = await browser.GetAsync(url);
            bool IsRedirect(HttpResponseMessage r) => r.StatusCode is HttpStatusCode.Found or HttpStatusCode.SeeOther;
            for (var hop = 0; !(IsRedirect(response) && response.Headers.Location!.ToString().StartsWith(client.RedirectUri, StringComparison.Ordinal)); hop++)
            {
                if (hop > 6) throw new InvalidOperationException($"The authorization flow went in circles: {(int)response.StatusCode}");
                if (IsRedirect(response))
                {
                    response = await browser.GetAsync(response.Headers.Location!.ToString());
                    continue;
                }
                var html = await response.Content.ReadAsStringAsync();
                // The page's own form is in <main>; the layout's header has forms of its own (language switch, sign-out).
                var fields = HiddenInput().Matches(html[Math.Max(0, html.IndexOf("<main", StringComparison.Ordinal))..]).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
                if (html.Contains("name=\"password\"", StringComparison.Ordinal))
                {
                    fields["action"] = "login";
                    fields["login"] = user.Email;
                    fields["password"] = user.Password;
                }
                else fields["action"] = "allow";
                response = await browser.PostAsync("/oauth/authorize", new FormUrlEncodedContent(fields));
            }
            var redirect = response.Headers.Location ?? throw new InvalidOperationException($"The authorization flow did not come back: {(int)response.StatusCode}");
            var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(redirect.Query)["code"].ToString();
            using var exchange = new HttpRequestMessage(HttpMethod.Post, "/oauth/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
                }),
            };
            exchange.Headers.Authorization = client.Basic;
            var tokens = await Json(await backend.SendAsync(exchange), "code exchange");
            pairs.Add(new TokenPair(tokens.GetProperty("access_token").GetString()!, tokens.GetProperty("refresh_token").GetString()!));
        }
        return pairs;
    }

    /// <summary>Adds <paramref name="count"/> anime to the catalog and all of them to the user's collection.</summary>
    public static async Task FillCollectionAsync(HttpClient app, BenchUser user, int count)
    {
        string[] statuses = ["wish", "doing", "done", "on_hold", "dropped"];
        for (var i = 0; i < count; i++)
        {
            var anime = await Json(await Send(app, HttpMethod.Post, "/api/anime", user.Token, new { name = $"Bench Anime {i}", name_cn = $"测试动画 {i}", episodes = 12 }), "add anime");
            var id = anime.GetProperty("id").GetString();
            Ensure(await Send(app, HttpMethod.Put, $"/api/me/collection/{id}", user.Token,
                new { status = statuses[i % 5], score = i % 10 + 1, comment = $"Comment number {i}, with some words in it.", episodes_watched = i % 12 }), "put item");
        }
    }

    public static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return client.SendAsync(request);
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static void Ensure(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\" ?/?>")]
    private static partial Regex HiddenInput();

    [GeneratedRegex(@"http://[^\s""<>]+/api/auth/verify\?[^\s""<>]+")]
    private static partial Regex VerifyLink();
}
