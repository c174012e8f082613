using Bangumoe.Accounts;
using Bangumoe.OAuth;

namespace Bangumoe.Functions.Pages;

/// <summary>
/// What every page knows about the request it answers: the person's language, who is signed in (if anyone), the CSRF
/// token its forms carry, and the address a language switch or a sign-in comes back to.
/// </summary>
public sealed record PageContext(HttpContext Http, Texts Texts, SessionUser? Session, string Csrf)
{
    public UserEntity? User => Session?.User;

    /// <summary>This page's local address (path and query): where the language switch and "sign in first" return to.
    /// A page answering a form post has no address to come back to (it takes posts only): the start page, unless the
    /// page function names the form's own page.</summary>
    public string ReturnPath { get; init; } = HttpMethods.IsGet(Http.Request.Method) ? Http.Request.Path + Http.Request.QueryString : "/";

    /// <summary>A context without a session, for the pages the policy middleware shows when a function failed.</summary>
    public static PageContext Anonymous(HttpContext http) => new(http, Texts.For(http.Request), null, BrowserCookies.Csrf(http));
}

/// <summary>A page form after the boundary's checks: read and CSRF-checked, or <see cref="Refused"/> with the page to show.</summary>
public sealed record PagePost(PageContext Page, IFormCollection Form, IResult? Refused)
{
    /// <summary>Whose form it is, once <see cref="PageRequests.ReadSignedInPostAsync"/> accepted it.</summary>
    public SessionUser Session => Page.Session ?? throw new InvalidOperationException("This post was not read as a signed-in person's.");

    public UserEntity User => Session.User;
}
