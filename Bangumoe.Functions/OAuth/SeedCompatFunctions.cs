using System.Text.Json.Serialization;
using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// The seed project's OAuth surface (<c>/oauth2.0/*</c>, and its <c>/aouth2.0/*</c> spelling), kept for clients written
/// against it, over the same core as the standard endpoints, with the seed's bugs fixed: the code travels in the
/// redirect URL, is single use, bound to the app and short-lived, and the redirect URL must equal the app's backURL.
/// Signing in on the seed's page is the consent to what <c>getinfo</c> returns (profile and email); the page says so.
/// </summary>
public sealed class SeedCompatFunctions(ClientService clients, SeedAuthorization seed, TokenService tokens, AccessTokenService accessTokens, PageRequests pages)
{
    public const int MinimumChosenSecretLength = 16;

    /// <summary>Registers a confidential app; a chosen secret is kept only if it has at least 16 characters.</summary>
    [Function("SeedSign")]
    [NoStore]
    [RequireScope(Scopes.Account)]
    public Task<IResult> Sign([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth2.0/sign")] HttpRequest req, CancellationToken ct) => SignAsync(req, ct);

    /// <summary>The seed's misspelling, which its clients call.</summary>
    [Function("SeedSignTypo")]
    [NoStore]
    [RequireScope(Scopes.Account)]
    public Task<IResult> SignTypo([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "aouth2.0/sign")] HttpRequest req, CancellationToken ct) => SignAsync(req, ct);

    private async Task<IResult> SignAsync(HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        var body = await req.ReadJsonAsync<SeedSignBody>(ct);
        var me = req.Caller();
        var chosen = body.Secrets is { Length: >= MinimumChosenSecretLength and <= 256 } secret ? secret : null;
        var result = await clients.RegisterAsync(me.User.Uid,
            new ClientRegistration(body.AppName, body.HomeUrl, body.AppDesc ?? "", body.BackUrl is null ? null : [body.BackUrl], ClientTypes.Confidential), chosen, ct);
        if (!result.Ok)
        {
            var error = result.Error!;
            // Name the seed's fields, not ours.
            var fields = error.FieldErrors?.ToDictionary(f => f.Key switch
            {
                "name" => "appname",
                "home_url" => "homeURL",
                "description" => "appDesc",
                _ when f.Key.StartsWith("redirect_uris", StringComparison.Ordinal) => "backURL",
                var other => other,
            }, f => f.Value);
            return (error with { FieldErrors = fields }).ToProblem(context);
        }
        return TypedResults.Created($"/api/clients/{result.Value!.Client.ClientId}",
            new Dictionary<string, string> { ["client_id"] = result.Value.Client.ClientId, ["client_secret"] = result.Value.Secret! });
    }

    [Function("SeedShow")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "oauth2.0/show")] HttpRequest req, CancellationToken ct)
    {
        var (client_id, redirect_url) = (req.Query["client_id"].FirstOrDefault(), req.Query["redirect_url"].FirstOrDefault());
        var page = await pages.ReadAsync(req, ct);
        if (await seed.FindClientAsync(client_id, redirect_url, ct) is not { } client)
            return AuthorizePages.Error(page, UnknownClient);
        return SignInPage(page, client, client_id!, redirect_url!, null, null, 200);
    }

    /// <summary>The seed's login: JSON <c>{email, password}</c> (or the page's form) → 302 to <c>redirect_url?code=…</c>.</summary>
    [Function("SeedLogin")]
    [NoStore]
    public async Task<IResult> Login([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth2.0/show")] HttpRequest req, CancellationToken ct)
    {
        var context = req.HttpContext;
        var (client_id, redirect_url) = (req.Query["client_id"].FirstOrDefault(), req.Query["redirect_url"].FirstOrDefault());
        var fromForm = context.Request.HasFormContentType;
        if (await seed.FindClientAsync(client_id, redirect_url, ct) is not { } client)
            return fromForm ? AuthorizePages.Error(await pages.ReadAsync(req, ct), UnknownClient) : Problems.Status(400, "seed-client", UnknownClient);
        string? email, password;
        if (fromForm)
        {
            var form = (await req.ReadFormOrNullAsync(ct))!;
            // A form can be posted cross-site; JSON cannot without a CORS preflight, which is never granted.
            if (!BrowserCookies.CsrfValid(context, form[BrowserCookies.CsrfField]))
            {
                var page = await pages.ReadAsync(req, ct);
                return SignInPage(page, client, client_id!, redirect_url!, page.Texts.OAuth.SeedFormExpired, null, 403);
            }
            (email, password) = (form["email"].ToString(), form["password"].ToString());
        }
        else if (context.Request.HasJsonContentType())
        {
            SeedLoginBody? body;
            try
            {
                body = await context.Request.ReadFromJsonAsync<SeedLoginBody>(ct);
            }
            catch (System.Text.Json.JsonException)
            {
                return Problems.Status(400, "malformed-json", "The request body is not valid JSON of the expected shape.");
            }
            (email, password) = (body?.Email, body?.Password);
        }
        else
        {
            return Problems.Status(415, "unsupported-media-type", "Send {email, password} as application/json.");
        }

        var result = await seed.SignInAsync(client, redirect_url!, req.Query["state"].FirstOrDefault(),
            LoginRequest.For(email, password, ClientAddress.Of(context), BrowserCookies.Device(context)), ct);
        if (!result.Ok)
        {
            if (!fromForm) return result.Error!.ToProblem(context);
            var page = await pages.ReadAsync(req, ct);
            var (status, message) = PageResults.SignInFailed(page, result.Error!);
            return SignInPage(page, client, client_id!, redirect_url!, message, email?.Trim(), status);
        }
        // Set for the JSON sign-in too: a script in a browser may post it, and a caller that is no browser ignores it.
        BrowserCookies.SetDevice(context, result.Value!.Device);
        return TypedResults.Redirect(result.Value.Location);
    }

    /// <summary>The seed's code exchange: <c>{client_id, client_secrets, code}</c> → <c>{token, token_type, expires_in}</c>.</summary>
    [Function("SeedGrantToken")]
    [NoStore]
    public async Task<IResult> GrantToken([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth2.0/granttoken")] HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<SeedGrantBody>(ct);
        var result = await tokens.RedeemSeedCodeAsync(new ClientCredentials(body.ClientId, body.ClientSecrets, ClientAuthMethod.ClientSecretPost), body.Code, ct);
        if (!result.Ok) return OAuthResults.Error(req, result.Error!);
        var response = result.Value!;
        return TypedResults.Json(new { token = response.AccessToken, token_type = response.TokenType, expires_in = response.ExpiresIn });
    }

    /// <summary>The seed's profile read: <c>{token}</c> → the seed's field names, <c>avator</c> included.</summary>
    [Function("SeedGetInfo")]
    public Task<IResult> GetInfo([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "oauth2.0/getinfo")] HttpRequest req, CancellationToken ct) => GetInfoAsync(req, ct);

    /// <summary>The seed's misspelling, which its clients call.</summary>
    [Function("SeedGetInfoTypo")]
    public Task<IResult> GetInfoTypo([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "aouth2.0/getinfo")] HttpRequest req, CancellationToken ct) => GetInfoAsync(req, ct);

    private async Task<IResult> GetInfoAsync(HttpRequest req, CancellationToken ct)
    {
        var body = await req.ReadJsonAsync<SeedTokenBody>(ct);
        if (await accessTokens.AuthenticateAsync(body.Token, ct) is not var (user, token) || !Scopes.Has(token.Claim("scope"), Scopes.Profile))
            return Problems.Status(401, "invalid-token", "The token is invalid, expired or revoked.");
        return TypedResults.Json(new Dictionary<string, string?>
        {
            ["uname"] = user.Uname,
            ["email"] = Scopes.Has(token.Claim("scope"), Scopes.Email) ? user.Email : null,
            ["nickname"] = user.Nickname,
            ["avator"] = user.Avatar,
            ["intro"] = user.Intro,
        });
    }

    private const string UnknownClient = "client_id is unknown, or redirect_url is not the app's backURL.";

    private static IResult SignInPage(PageContext page, ClientEntity client, string clientId, string redirectUrl, string? error, string? login, int status)
    {
        var self = "/oauth2.0/show" + AuthorizationFlow.Query([new("client_id", clientId), new("redirect_url", redirectUrl)]);
        // After a failed post, the language switch comes back to the page (a GET), not to the post.
        page = page with { ReturnPath = self };
        return PageResults.Render<SeedLoginPage>(page, status, new Dictionary<string, object?>
        {
            [nameof(SeedLoginPage.AppName)] = client.Name,
            [nameof(SeedLoginPage.Action)] = self,
            [nameof(SeedLoginPage.Error)] = error,
            [nameof(SeedLoginPage.Login)] = login,
        }, new Uri(redirectUrl).GetLeftPart(UriPartial.Authority));
    }
}
