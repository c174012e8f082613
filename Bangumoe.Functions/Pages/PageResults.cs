using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// What a page function answers: a page component with the headers every page carries (no framing, scripts and styles
/// only from our own files, no referrer since a URL may carry a token, never cached, the language it is in), or a
/// 303 after a form post.
/// </summary>
public static class PageResults
{
    /// <summary>Renders <typeparamref name="TPage"/>; its <c>Page</c> parameter is set to <paramref name="page"/>.</summary>
    /// <param name="formTargets">Origins a form on the page may end up at besides our own: browsers apply form-action to
    /// the redirects that follow a form post too, and the authorization pages redirect to the app.</param>
    public static IResult Render<TPage>(PageContext page, int status, IReadOnlyDictionary<string, object?>? parameters = null, string? formTargets = null)
        where TPage : IComponent
    {
        SetHeaders(page.Http, formTargets);
        page.Http.Response.Headers.ContentLanguage = page.Texts.Lang;
        var all = new Dictionary<string, object?>(parameters ?? new Dictionary<string, object?>()) { ["Page"] = page };
        return new RazorComponentResult<TPage>(all) { StatusCode = status };
    }

    /// <summary>The headers every page carries.</summary>
    public static void SetHeaders(HttpContext context, string? formTargets)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src https: data:; form-action 'self'{(formTargets is null ? "" : " " + formTargets)}; frame-ancestors 'none'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }

    /// <summary>A <see cref="MessagePage"/>: a title, what happened, and an optional detail shown as an error.</summary>
    public static IResult Message(PageContext page, int status, string title, IReadOnlyList<string> paragraphs, string? detail = null,
        IReadOnlyList<PageLink>? links = null) =>
        Render<MessagePage>(page, status, new Dictionary<string, object?>
        {
            [nameof(MessagePage.Title)] = title,
            [nameof(MessagePage.Paragraphs)] = paragraphs,
            [nameof(MessagePage.Detail)] = detail,
            [nameof(MessagePage.Links)] = links ?? [],
        });

    /// <summary>404 in the page's language: also what another person's private page answers, so it is not revealed.</summary>
    public static IResult NotFound(PageContext page) =>
        Message(page, 404, page.Texts.NotFoundTitle, [page.Texts.NotFound], links: [new("/", page.Texts.BackHome)]);

    /// <summary>303 See Other: after every form post (never 307, RFC 9700 §4.12), and to places the browser goes next.</summary>
    public static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        context.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>A failed sign-in as every sign-in form says it: one answer (401) for an unknown login and a wrong
    /// password, so nobody learns which accounts exist; 403 for an unverified email; 429 with Retry-After when throttled.</summary>
    public static (int Status, string Message) SignInFailed(PageContext page, Error failure)
    {
        var t = page.Texts;
        switch (failure.Kind)
        {
            case ErrorKind.TooManyRequests:
                var wait = failure.RetryAfter ?? TimeSpan.FromMinutes(1);
                page.Http.Response.SetRetryAfter(wait);
                return (429, t.SignInThrottled((int)Math.Ceiling(wait.TotalMinutes)));
            case ErrorKind.Forbidden:
                return (403, t.SignInNotVerified);
            default:
                return (401, t.SignInWrong);
        }
    }

    /// <summary>A page that needs a signed-in person sends the browser to the sign-in page, which returns here after.</summary>
    public static IResult SignInFirst(PageContext page) =>
        SeeOther(page.Http, "/login" + QueryString.Create("return_to", page.ReturnPath));

    /// <summary>A return address from a form or query, if it is a path on this site; anything else (another origin,
    /// <c>//host</c>, <c>/\host</c>, a scheme) is replaced by <paramref name="fallback"/>: no open redirects.</summary>
    public static string LocalPath(string? candidate, string fallback = "/") =>
        candidate is { Length: > 0 and <= 2048 } path && path[0] == '/' && (path.Length == 1 || (path[1] != '/' && path[1] != '\\'))
        && !path.Any(char.IsControl)
            ? path
            : fallback;
}

/// <summary>A link a page offers as the next step.</summary>
public sealed record PageLink(string Href, string Text);
