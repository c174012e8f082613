using Microsoft.AspNetCore.Http.HttpResults;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// Renders a page component with the headers every page carries: no framing, no scripts or inline styles (CSP), no
/// referrer (a URL may carry a token), never cached, and the language it is in.
/// </summary>
public static class PageResults
{
    /// <param name="formTargets">Origins a form on the page may end up at besides our own: browsers apply form-action to
    /// the redirects that follow a form post too, and the authorization pages redirect to the app.</param>
    public static IResult Render<TPage>(HttpContext context, int status, Texts texts, IReadOnlyDictionary<string, object?> parameters, string? formTargets = null)
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        SetHeaders(context, formTargets);
        context.Response.Headers.ContentLanguage = texts.Lang;
        return new RazorComponentResult<TPage>(parameters) { StatusCode = status };
    }

    /// <summary>The headers every page carries, whichever way it is rendered.</summary>
    public static void SetHeaders(HttpContext context, string? formTargets)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'self'; img-src https: data:; form-action 'self'{(formTargets is null ? "" : " " + formTargets)}; frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }

    /// <summary>A <see cref="MessagePage"/>: a title, what happened, and an optional detail shown as an error.</summary>
    public static IResult Message(HttpContext context, int status, Texts texts, string title, IReadOnlyList<string> paragraphs, string? detail = null) =>
        Render<MessagePage>(context, status, texts, new Dictionary<string, object?>
        {
            [nameof(MessagePage.Texts)] = texts,
            [nameof(MessagePage.Title)] = title,
            [nameof(MessagePage.Paragraphs)] = paragraphs,
            [nameof(MessagePage.Detail)] = detail,
        });
}
