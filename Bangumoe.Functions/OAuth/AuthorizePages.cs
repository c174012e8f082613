using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;

namespace Bangumoe.Functions.OAuth;

/// <summary>The login, consent and error pages of /oauth/authorize, rendered from their components.</summary>
public static class AuthorizePages
{
    /// <summary>The request cannot be trusted (bad client or redirect URI): a page, never a redirect.</summary>
    public static IResult Error(PageContext page, string detail) =>
        PageResults.Render<AuthorizeErrorPage>(page, 400, new Dictionary<string, object?> { [nameof(AuthorizeErrorPage.Detail)] = detail });

    /// <summary>The sign-in form; after a failed try, with why it failed and the login typed (never the password).</summary>
    public static IResult Login(PageContext page, AuthorizationRequest request, IReadOnlyList<KeyValuePair<string, string>> parameters,
        string? error = null, string? login = null, int status = 200) =>
        PageResults.Render<AuthorizeLoginPage>(page, status, new Dictionary<string, object?>
        {
            [nameof(AuthorizeLoginPage.AppName)] = request.Client.Name,
            [nameof(AuthorizeLoginPage.Parameters)] = parameters,
            [nameof(AuthorizeLoginPage.Error)] = error,
            [nameof(AuthorizeLoginPage.Login)] = login,
        }, FormTarget(request));

    public static IResult Consent(PageContext page, AuthorizationRequest request, SessionUser session, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var switchUser = "/oauth/authorize" + QueryString.Create(parameters.Where(p => p.Key != "prompt").Append(new("prompt", "login"))
            .Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        return PageResults.Render<AuthorizeConsentPage>(page, 200, new Dictionary<string, object?>
        {
            [nameof(AuthorizeConsentPage.Client)] = request.Client,
            [nameof(AuthorizeConsentPage.Scopes)] = request.Scopes,
            [nameof(AuthorizeConsentPage.Uname)] = session.User.Uname,
            [nameof(AuthorizeConsentPage.Parameters)] = parameters,
            [nameof(AuthorizeConsentPage.SwitchUser)] = switchUser,
        }, FormTarget(request));
    }

    /// <summary>The app's origin: after Allow/Deny the browser follows a 303 there, which form-action also governs.</summary>
    private static string FormTarget(AuthorizationRequest request) => new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority);
}
