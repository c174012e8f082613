using Bangumoe.OAuth;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// The pages' side of the HTTP boundary: reads the browser session and language into a <see cref="PageContext"/>,
/// and checks every form post (a form body, the CSRF token, the Origin) before a page function acts on it.
/// </summary>
public sealed class PageRequests(BrowserSession sessions)
{
    public async Task<PageContext> ReadAsync(HttpRequest req, CancellationToken ct) =>
        new(req.HttpContext, Texts.For(req), await sessions.ReadAsync(BrowserCookies.Session(req.HttpContext), ct), BrowserCookies.Csrf(req.HttpContext));

    /// <summary>The posted form, or a refusal page: 415 for a body that is not a form, 403 for a missing or wrong CSRF
    /// token (nothing is changed then).</summary>
    /// <param name="formPage">The page the form is on. A post has no page of its own to come back to: the language
    /// switch, "sign in first" and the refusals lead back to this one.</param>
    public async Task<PagePost> ReadPostAsync(HttpRequest req, string formPage, CancellationToken ct)
    {
        var page = await ReadAsync(req, ct) with { ReturnPath = formPage };
        var t = page.Texts;
        if (await req.ReadFormOrNullAsync(ct) is not { } form)
            return new(page, FormCollection.Empty, PageResults.Message(page, 415, t.UnsupportedFormTitle, [t.UnsupportedForm]));
        if (!BrowserCookies.CsrfValid(req.HttpContext, form[BrowserCookies.CsrfField]))
            return new(page, form, PageResults.Message(page, 403, t.FormExpiredTitle, [t.FormExpired]));
        return new(page, form, null);
    }

    /// <summary>Like <see cref="ReadPostAsync"/>, for a form that acts for the signed-in person: without a session (it
    /// expired meanwhile) the answer is "sign in first", and back to <paramref name="formPage"/> after.</summary>
    public async Task<PagePost> ReadSignedInPostAsync(HttpRequest req, string formPage, CancellationToken ct)
    {
        var post = await ReadPostAsync(req, formPage, ct);
        return post.Refused is null && post.Page.Session is null ? post with { Refused = PageResults.SignInFirst(post.Page) } : post;
    }
}
