using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Bangumoe.OAuth;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Bangumoe.Tests.Infrastructure;

/// <summary>A page as a browser received it: status, headers, and the HTML parsed into a DOM (AngleSharp).</summary>
public sealed record PageResponse(HttpResponseMessage Response, string Html, IDocument Document)
{
    public HttpStatusCode Status => Response.StatusCode;

    /// <summary>Where a 303 sends the browser.</summary>
    public string? Location => Response.Headers.Location?.OriginalString;

    /// <summary>The text of the element the selector finds first (trimmed), or null.</summary>
    public string? Text(string selector) => Document.QuerySelector(selector)?.TextContent.Trim();

    /// <summary>The error shown next to a form field (FormField renders it as #name-error).</summary>
    public string? FieldError(string field) => Text($"#{field}-error");

    /// <summary>The value a form field shows (input value or textarea text).</summary>
    public string? FieldValue(string field) => Document.QuerySelector($"[name='{field}']") switch
    {
        AngleSharp.Html.Dom.IHtmlTextAreaElement area => area.Value,
        AngleSharp.Html.Dom.IHtmlInputElement input => input.GetAttribute("value"),
        AngleSharp.Html.Dom.IHtmlSelectElement select => select.Value,
        _ => null,
    };
}

/// <summary>
/// A browser without JavaScript, for the pages: keeps cookies, never follows redirects (tests look at each 303), sends
/// a language, and posts forms with the CSRF token the pages put in them (or without, to test the refusal).
/// </summary>
public sealed class PageClient
{
    private static readonly HtmlParser Parser = new();
    private readonly BangumoeApp _app;
    private readonly CookieContainer _cookies = new();

    public PageClient(BangumoeApp app, string acceptLanguage = "en")
    {
        _app = app;
        var handler = new CookieContainerHandler(_cookies) { InnerHandler = app.CreateHandler(new ClientOptions { AllowAutoRedirect = false, HandleCookies = false }) };
        Http = new HttpClient(handler) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", acceptLanguage);
    }

    public HttpClient Http { get; }

    public CookieContainer Cookies => _cookies;

    /// <summary>Signs <paramref name="user"/> in the way the sign-in page does: a browser session cookie.</summary>
    public PageClient SignedInAs(TestUser user)
    {
        var sessions = _app.Services.GetRequiredService<BrowserSession>();
        var users = _app.Services.GetRequiredService<Bangumoe.Accounts.UserStore>();
        var entity = users.GetAsync(user.Uid).GetAwaiter().GetResult() ?? throw new InvalidOperationException("No such user.");
        var (value, _) = sessions.Create(entity, DateTimeOffset.UtcNow);
        _cookies.Add(Http.BaseAddress!, new Cookie("bgm_session", value, "/"));
        return this;
    }

    public async Task<PageResponse> GetAsync(string path) => await Read(await Http.GetAsync(path));

    /// <summary>Posts a form; the CSRF token is the one in the CSRF cookie (as the page's hidden field has it) unless
    /// <paramref name="csrf"/> says otherwise ("" sends none).</summary>
    public async Task<PageResponse> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> fields, string? csrf = null)
    {
        var token = csrf ?? await CsrfTokenAsync();
        var all = fields.ToList();
        if (token.Length > 0) all.Add(new("csrf", token));
        return await Read(await Http.PostAsync(path, new FormUrlEncodedContent(all)));
    }

    public Task<PageResponse> PostAsync(string path, object fields, string? csrf = null) =>
        PostAsync(path, fields.GetType().GetProperties().Select(p => new KeyValuePair<string, string>(p.Name, p.GetValue(fields)?.ToString() ?? "")), csrf);

    /// <summary>The CSRF token, getting a page first when the browser has none yet.</summary>
    public async Task<string> CsrfTokenAsync()
    {
        if (_cookies.GetCookies(Http.BaseAddress!)["bgm_csrf"] is not { } cookie) await Http.GetAsync("/auth/password/reset");
        return _cookies.GetCookies(Http.BaseAddress!)["bgm_csrf"]?.Value ?? throw new InvalidOperationException("The pages set no CSRF cookie.");
    }

    private static async Task<PageResponse> Read(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        return new PageResponse(response, html, await Parser.ParseDocumentAsync(html));
    }
}
