using System.Net;

namespace Bangumoe.Functions.Http;

/// <summary>
/// The few server-rendered pages (verification result, password reset). Strict headers: no framing, no scripts, no
/// referrer (the URL may carry a token), never cached.
/// </summary>
public static class HtmlPage
{
    /// <param name="formTargets">Origins a form on the page may end up at besides our own: browsers apply form-action to
    /// the redirects that follow a form post too, and the authorization pages redirect to the app.</param>
    public static IResult Render(HttpContext context, int status, string title, string bodyHtml, string? formTargets = null)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self'{(formTargets is null ? "" : " " + formTargets)}; frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}} · Bangumoe</title>
            <style>
              body { font-family: system-ui, sans-serif; background: #fdf6fb; color: #222; margin: 0; }
              main { max-width: 28rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 2px 12px #0001; }
              h1 { font-size: 1.4rem; color: #d6407b; margin-top: 0; }
              label { display: block; margin: 1rem 0 .3rem; }
              input { width: 100%; box-sizing: border-box; padding: .6rem; border: 1px solid #ccc; border-radius: 6px; font-size: 1rem; }
              button { margin-top: 1.2rem; width: 100%; padding: .7rem; border: 0; border-radius: 6px; background: #d6407b; color: #fff; font-size: 1rem; cursor: pointer; }
              .error { color: #b00020; }
            </style>
            </head>
            <body><main>
            <h1>{{Encode(title)}}</h1>
            {{bodyHtml}}
            </main></body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
