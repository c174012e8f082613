using System.Net;
using System.Security.Claims;
using Bangumoe.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bangumoe.Tests.OAuth;

/// <summary>Keeps cookies across requests, as a browser does, for a client over an in-memory test server.</summary>
public sealed class CookieJarHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly CookieContainer _jar = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var header = _jar.GetCookieHeader(request.RequestUri!);
        if (header.Length > 0) request.Headers.Add("Cookie", header);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
            foreach (var cookie in cookies) _jar.SetCookies(request.RequestUri!, cookie);
        return response;
    }
}

/// <summary>
/// A third-party app built on ASP.NET Core's OpenID Connect handler (discovery, pushed authorization requests, PKCE,
/// state and nonce, id_token validation against the JWKS, userinfo, RP-initiated logout) signs a user in and out through
/// Bangumoe, unmodified but for pointing its back channel at the in-process provider.
/// </summary>
public sealed class OpenIdConnectClientTests(DefaultApp app) : IClassFixture<DefaultApp>
{
    private const string RpOrigin = "https://rp.example";

    [Fact]
    public async Task AspNetCore_OpenIdConnect_handler_signs_a_user_in_and_out()
    {
        var flow = new OAuthFlow(app);
        var developer = await app.NewVerifiedUser();
        var client = await flow.RegisterClientAsync(developer.Token, "confidential", RpOrigin + "/signin-oidc");
        await (await flow.Backend.Send(HttpMethod.Patch, "/api/clients/" + client.ClientId, developer.Token,
            new { post_logout_redirect_uris = new[] { RpOrigin + "/signout-callback-oidc" } })).Ok();
        var user = await app.NewVerifiedUser();

        await using var rp = await StartRelyingPartyAsync(client);
        using var rpBrowser = new HttpClient(new CookieJarHandler(rp.GetTestServer().CreateHandler())) { BaseAddress = new Uri(RpOrigin) };

        // The app pushes its request (PAR: the handler uses it by default once discovery offers it, with PKCE in the
        // pushed parameters) and sends the user to Bangumoe with only its client_id and the request_uri ...
        var challenge = await rpBrowser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/oauth/authorize", authorize.GetLeftPart(UriPartial.Path));
        var query = OAuthFlow.Query(authorize);
        Assert.Equal(client.ClientId, query["client_id"]);
        Assert.StartsWith("urn:ietf:params:oauth:request_uri:", query["request_uri"], StringComparison.Ordinal);
        Assert.False(query.ContainsKey("code_challenge"), "The pushed parameters do not travel through the browser.");

        // ... who signs in and allows it; Bangumoe sends the browser back to the app's callback ...
        var callback = await flow.SignInAndAllowAsync(authorize.PathAndQuery, user);
        Assert.Equal(RpOrigin + "/signin-oidc", callback.GetLeftPart(UriPartial.Path));

        // ... where the handler redeems the code, validates the id_token and reads userinfo.
        var signedIn = await rpBrowser.GetAsync(callback.PathAndQuery);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        var home = await (await rpBrowser.GetAsync("/")).Ok();
        Assert.Equal(user.Uid, home.GetProperty("sub").GetString());
        Assert.Equal(user.Email, home.GetProperty("email").GetString());
        Assert.Equal(user.Uname, home.GetProperty("preferred_username").GetString());
        Assert.Equal(BangumoeApp.PublicBaseUrl, home.GetProperty("iss").GetString());

        // Signing out of the app signs out of Bangumoe too (RP-Initiated Logout: the handler sends the id_token it kept
        // as id_token_hint, its callback as post_logout_redirect_uri, and a state it checks on the way back).
        Assert.Equal(HttpStatusCode.OK, (await flow.Browser.GetAsync("/account")).StatusCode);
        var signOut = await rpBrowser.GetAsync("/signout");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        var endSession = signOut.Headers.Location!;
        Assert.Equal(BangumoeApp.PublicBaseUrl + "/oauth/logout", endSession.GetLeftPart(UriPartial.Path));
        Assert.True(OAuthFlow.Query(endSession).ContainsKey("id_token_hint"));
        var back = await flow.Browser.GetAsync(endSession.PathAndQuery);
        Assert.Equal(HttpStatusCode.SeeOther, back.StatusCode);
        Assert.Equal(RpOrigin + "/signout-callback-oidc", back.Headers.Location!.GetLeftPart(UriPartial.Path));
        var signedOut = await rpBrowser.GetAsync(back.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal("/bye", signedOut.Headers.Location!.OriginalString); // the handler accepted the state it sent
        Assert.Equal(HttpStatusCode.SeeOther, (await flow.Browser.GetAsync("/account")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await rpBrowser.GetAsync("/")).StatusCode); // signed out of the app: challenged again
    }

    private async Task<WebApplication> StartRelyingPartyAsync(RegisteredClient client)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddOpenIdConnect(o =>
            {
                o.Authority = BangumoeApp.PublicBaseUrl;
                o.RequireHttpsMetadata = false; // the test issuer is http; everything else is as in production
                o.BackchannelHttpHandler = app.CreateHandler();
                o.ClientId = client.ClientId;
                o.ClientSecret = client.Secret;
                o.ResponseType = "code";
                o.ResponseMode = "query";
                o.UsePkce = true;
                o.Scope.Clear();
                foreach (var scope in new[] { "openid", "profile", "email" }) o.Scope.Add(scope);
                o.GetClaimsFromUserInfoEndpoint = true;
                o.MapInboundClaims = false;
                o.SaveTokens = true;
                o.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
                o.ClaimActions.MapUniqueJsonKey("email", "email");
            });
        var rp = builder.Build();
        rp.UseAuthentication();
        rp.MapGet("/", (HttpContext context) => context.User.Identity?.IsAuthenticated == true
            ? Results.Json(new
            {
                sub = context.User.FindFirstValue("sub"),
                email = context.User.FindFirstValue("email"),
                preferred_username = context.User.FindFirstValue("preferred_username"),
                iss = context.User.FindFirst("sub")?.Issuer,
            })
            : Results.Challenge());
        rp.MapGet("/signout", () => Results.SignOut(new AuthenticationProperties { RedirectUri = "/bye" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        await rp.StartAsync();
        return rp;
    }
}
