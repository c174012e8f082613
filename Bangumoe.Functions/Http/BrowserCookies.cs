using System.Security.Cryptography;
using System.Text;
using Bangumoe.Accounts;
using Bangumoe.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Functions.Http;

/// <summary>
/// The browser's cookies: the session of every page (and the authorization pages), the CSRF token of their forms, and
/// the device cookie that lets a browser that signed in before through the login throttle's lock of strangers
/// (<see cref="Bangumoe.Accounts.LoginDevices"/>). HttpOnly always; Secure (and the __Host- prefix) when PublicBaseUrl is
/// https, decided from configuration because behind the Functions host every request looks like http.
/// The session is SameSite=Lax so that it rides along when an app sends the user to /oauth/authorize; the CSRF cookie
/// is SameSite=Strict and must equal the form's hidden field (double submit), and a cross-origin Origin is refused.
/// </summary>
public static class BrowserCookies
{
    public const string CsrfField = "csrf";

    public static string SessionName(AppOptions app) => app.UsesHttps ? "__Host-bgm_session" : "bgm_session";

    private static string CsrfName(AppOptions app) => app.UsesHttps ? "__Host-bgm_csrf" : "bgm_csrf";

    public static string? Session(HttpContext context) =>
        context.Request.Cookies[SessionName(Options(context))];

    public static void SetSession(HttpContext context, string value, TimeSpan lifetime)
    {
        var app = Options(context);
        context.Response.Cookies.Append(SessionName(app), value, new CookieOptions
        {
            HttpOnly = true, Secure = app.UsesHttps, SameSite = SameSiteMode.Lax, Path = "/", MaxAge = lifetime, IsEssential = true,
        });
    }

    /// <summary>Tells the browser to drop its session cookie (after signing out or deleting the account).</summary>
    public static void DeleteSession(HttpContext context)
    {
        var app = Options(context);
        context.Response.Cookies.Delete(SessionName(app), new CookieOptions
        {
            HttpOnly = true, Secure = app.UsesHttps, SameSite = SameSiteMode.Lax, Path = "/", IsEssential = true,
        });
    }

    private static string DeviceName(AppOptions app) => app.UsesHttps ? "__Host-bgm_device" : "bgm_device";

    public static string? Device(HttpContext context) =>
        context.Request.Cookies[DeviceName(Options(context))];

    /// <summary>
    /// Gives the browser its device cookie after a password sign-in. It outlives the session and sign-out (it says the
    /// browser signed in here before, not that it is signed in); SameSite=Lax like the session, so that it comes along
    /// when an app sends the person to the authorization pages.
    /// </summary>
    public static void SetDevice(HttpContext context, DeviceCookie device)
    {
        var app = Options(context);
        context.Response.Cookies.Append(DeviceName(app), device.Value, new CookieOptions
        {
            HttpOnly = true, Secure = app.UsesHttps, SameSite = SameSiteMode.Lax, Path = "/", MaxAge = device.Lifetime, IsEssential = true,
        });
    }

    /// <summary>Remembers the language a person chose in the header's switch, for a year.</summary>
    public static void SetLanguage(HttpContext context, string language) =>
        context.Response.Cookies.Append(Pages.Texts.CookieName, language, new CookieOptions
        {
            HttpOnly = true, Secure = Options(context).UsesHttps, SameSite = SameSiteMode.Lax, Path = "/", MaxAge = TimeSpan.FromDays(365), IsEssential = true,
        });

    /// <summary>The CSRF token for the page's forms; a new one is set when the browser has none.</summary>
    public static string Csrf(HttpContext context)
    {
        var app = Options(context);
        var existing = context.Request.Cookies[CsrfName(app)];
        if (existing is { Length: 43 }) return existing;
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        context.Response.Cookies.Append(CsrfName(app), token, new CookieOptions
        {
            HttpOnly = true, Secure = app.UsesHttps, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true,
        });
        return token;
    }

    public static bool CsrfValid(HttpContext context, string? submitted)
    {
        var app = Options(context);
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null" && !string.Equals(origin, new Uri(app.Issuer).GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            return false;
        var cookie = context.Request.Cookies[CsrfName(app)];
        return !string.IsNullOrEmpty(cookie) && !string.IsNullOrEmpty(submitted)
               && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(submitted));
    }

    private static AppOptions Options(HttpContext context) => context.RequestServices.GetRequiredService<IOptions<AppOptions>>().Value;
}
