using System.Text;
using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;

namespace Bangumoe.Functions.OAuth;

/// <summary>The login, consent and error pages of /oauth/authorize.</summary>
public static class AuthorizePages
{
    private static readonly Dictionary<string, string> ScopeText = new(StringComparer.Ordinal)
    {
        [Scopes.OpenId] = "Sign you in with your Bangumoe identity",
        [Scopes.Profile] = "See your user name, nickname, avatar and intro",
        [Scopes.Email] = "See your email address",
        [Scopes.OfflineAccess] = "Stay connected while you are away (it can refresh its access)",
        [Scopes.CollectionRead] = "See your anime collection, private entries included",
        [Scopes.CollectionWrite] = "Add, change and remove entries in your anime collection",
    };

    /// <summary>The request cannot be trusted (bad client or redirect URI): a page, never a redirect.</summary>
    public static IResult Error(HttpContext context, string message)
    {
        var page = Pages.PageContext.Anonymous(context);
        return Pages.PageResults.Message(page, 400, page.Texts.SignInLinkBrokenTitle, [page.Texts.SignInLinkBroken], message);
    }

    public static IResult Login(HttpContext context, AuthorizationRequest request, IEnumerable<KeyValuePair<string, string>> parameters, string? error = null, int status = 200) =>
        HtmlPage.Render(context, status, "Sign in to Bangumoe", $"""
            <p><strong>{HtmlPage.Encode(request.Client.Name)}</strong> wants you to sign in with Bangumoe.</p>
            {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{HtmlPage.Encode(error)}</p>")}
            <form method="post" action="/oauth/authorize">
              {Hidden(context, parameters)}
              <label for="login">Email or user name</label>
              <input id="login" name="login" autocomplete="username" required maxlength="128" autofocus>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
              <button type="submit" name="action" value="login">Sign in</button>
            </form>
            """, FormTarget(request));

    public static IResult Consent(HttpContext context, AuthorizationRequest request, SessionUser session, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var scopes = string.Concat(request.Scopes.Select(s => $"<li>{HtmlPage.Encode(ScopeText.GetValueOrDefault(s, s))}</li>"));
        var client = request.Client;
        var switchUser = "/oauth/authorize" + QueryString.Create(parameters.Where(p => p.Key != "prompt").Append(new("prompt", "login")).Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        return HtmlPage.Render(context, 200, "Allow access?", $"""
            <p><strong>{HtmlPage.Encode(client.Name)}</strong> (<a href="{HtmlPage.Encode(client.HomeUrl)}" rel="noopener noreferrer">{HtmlPage.Encode(client.HomeUrl)}</a>) would like to:</p>
            <ul>{scopes}</ul>
            {(client.Description.Length > 0 ? $"<p><em>{HtmlPage.Encode(client.Description)}</em></p>" : "")}
            <p>Signed in as <strong>{HtmlPage.Encode(session.User.Uname)}</strong>. <a href="{HtmlPage.Encode(switchUser)}">Not you?</a></p>
            <form method="post" action="/oauth/authorize">
              {Hidden(context, parameters)}
              <button type="submit" name="action" value="allow">Allow</button>
              <button type="submit" name="action" value="deny" class="secondary">Deny</button>
            </form>
            <p><small>You can withdraw this at any time; the app's access ends at once.</small></p>
            """, FormTarget(request));
    }

    private static string Hidden(HttpContext context, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var html = new StringBuilder();
        // Parameters named like the page's own fields are not OAuth parameters (and are ignored, RFC 6749 §3.1);
        // echoing them would make the browser send two values for one field.
        foreach (var (name, value) in parameters.Where(p => !AuthorizationFlow.PageFields.Contains(p.Key)))
            html.Append($"<input type=\"hidden\" name=\"{HtmlPage.Encode(name)}\" value=\"{HtmlPage.Encode(value)}\">");
        html.Append($"<input type=\"hidden\" name=\"{BrowserCookies.CsrfField}\" value=\"{HtmlPage.Encode(BrowserCookies.Csrf(context))}\">");
        return html.ToString();
    }

    /// <summary>The app's origin: after Allow/Deny the browser follows a 303 there, which form-action also governs.</summary>
    private static string FormTarget(AuthorizationRequest request) => new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority);
}
