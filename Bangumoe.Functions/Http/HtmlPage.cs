using System.Net;

namespace Bangumoe.Functions.Http;

/// <summary>
/// The pages not yet moved to components (the sign-in and consent pages, the seed's page): the same headers and
/// stylesheet as the components' layout, built from strings until they move (issue 11).
/// </summary>
public static class HtmlPage
{
    /// <param name="formTargets">Origins a form on the page may end up at besides our own: browsers apply form-action to
    /// the redirects that follow a form post too, and the authorization pages redirect to the app.</param>
    public static IResult Render(HttpContext context, int status, string title, string bodyHtml, string? formTargets = null)
    {
        Pages.PageResults.SetHeaders(context, formTargets);
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Encode(title)} · Bangumoe</title>
            <link rel="stylesheet" href="/assets/site.css">
            </head>
            <body><main>
            <h1>{Encode(title)}</h1>
            {bodyHtml}
            </main></body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
