using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Bangumoe.Functions.Http;
using Bangumoe.Tests.Infrastructure;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Tests.Pages;

/// <summary>
/// What holds for every page, found by reflection over the functions marked <c>[Page]</c> so a new page cannot slip
/// past: none can be framed or answers 500 to odd route values, and no form post acts without the page's CSRF token or
/// from another origin. The feature tests check per form that nothing changed; this one that no form was forgotten.
/// </summary>
public sealed partial class PageSecurityTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    public static TheoryData<string> GetRoutes() => new(PageRoutes("get"));

    /// <summary>Every page form post but the end_session_endpoint's: OpenID Connect lets an app's page post a logout
    /// request there, so it takes no CSRF token; it changes nothing and only answers 303 with the same request as a GET
    /// (see <c>EndSessionTests.A_form_post_from_the_app_becomes_the_same_request_as_a_get</c>).</summary>
    public static TheoryData<string> PostRoutes() => new(PageRoutes("post").Where(route => route != "oauth/logout"));

    [Theory]
    [MemberData(nameof(GetRoutes))]
    public async Task Every_page_forbids_framing_and_never_answers_500(string route)
    {
        var user = await app.NewVerifiedUser();
        foreach (var client in new[] { new PageClient(app), new PageClient(app, "zh-CN").SignedInAs(user) })
        {
            var page = await client.GetAsync("/" + Fill(route));
            Assert.True((int)page.Status < 500, $"{route}: {(int)page.Status}\n{page.Html}");
            if (page.Response.Content.Headers.ContentType?.MediaType != "text/html") continue;
            Assert.Equal("DENY", page.Response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("frame-ancestors 'none'", page.Response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("no-referrer", page.Response.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    [Theory]
    [MemberData(nameof(PostRoutes))]
    public async Task Every_form_post_without_the_csrf_token_or_from_another_origin_is_refused(string route)
    {
        var user = await app.NewVerifiedUser();
        var client = new PageClient(app).SignedInAs(user);
        var token = await client.CsrfTokenAsync();
        foreach (var csrf in new[] { "", "wrong-" + token[6..], token[..^1] })
        {
            var refused = await client.PostAsync("/" + Fill(route), new { }, csrf);
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{route} with csrf '{csrf}': {(int)refused.Status}\n{refused.Html}");
            Assert.Equal("text/html", refused.Response.Content.Headers.ContentType?.MediaType);
        }

        using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, "/" + Fill(route))
        {
            Content = new FormUrlEncodedContent([new("csrf", token)]),
        };
        crossOrigin.Headers.Add("Origin", "https://evil.example");
        var response = await client.Http.SendAsync(crossOrigin);
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route} from another origin: {(int)response.StatusCode}");
    }

    [Fact]
    public void The_pages_are_found()
    {
        // A guard against the reflection finding nothing (the theories would then pass vacuously).
        Assert.Contains("auth/password/reset", PageRoutes("get"));
        Assert.Contains("lang", PageRoutes("post"));
    }

    /// <summary>The routes of the [Page] functions that answer <paramref name="method"/>.</summary>
    private static List<string> PageRoutes(string method) =>
        typeof(PageAttribute).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Where(m => m.GetCustomAttribute<PageAttribute>() is not null && m.GetCustomAttribute<FunctionAttribute>() is not null)
            .Select(m => m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).Single(a => a is not null)!)
            .Where(trigger => trigger.Methods?.Contains(method, StringComparer.OrdinalIgnoreCase) == true)
            .Select(trigger => trigger.Route!)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Route values nobody has: an id that does not exist, a user name nobody took.</summary>
    private static string Fill(string route) => RouteValue().Replace(route, m => m.Groups[1].Value switch
    {
        _ when m.Value.EndsWith("?}", StringComparison.Ordinal) => "",
        "uname" => "nobody_" + Guid.NewGuid().ToString("N")[..8],
        _ => "missing-" + Guid.NewGuid().ToString("N")[..8],
    });

    [GeneratedRegex(@"\{(\w+)(:[^}]*?)?\??\}")]
    private static partial Regex RouteValue();
}
