using System.Security.Cryptography;
using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.Hosting;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/developer/apps</c>: a signed-in person's registered apps: register, edit, make a new secret, delete. The same
/// rules as <c>/api/clients</c> (<see cref="ClientService"/>); another person's app answers 404, as one that does not
/// exist.
/// </summary>
public sealed class DeveloperAppsFunctions(PageRequests pages, ClientService clients, IOptions<AppOptions> app)
{
    private const string ListPath = "/developer/apps";

    [Function("DeveloperAppsPage")]
    [Page]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "developer/apps")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (page.User is not { } user) return PageResults.SignInFirst(page);
        var notice = req.Query["deleted"] == "1" ? page.Texts.OAuth.AppDeleted : null;
        return await ListPageAsync(page, user, FormState.Empty, notice, 200, ct);
    }

    [Function("RegisterAppForm")]
    [Page]
    public async Task<IResult> Register([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "developer/apps")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, ListPath, ct);
        if (post.Refused is { } refused) return refused;
        var (page, user) = (post.Page, post.User);
        var sent = ClientForms.Read(post.Form, creating: true);
        var result = await clients.RegisterAsync(user.Uid, sent, ct: ct);
        if (!result.Ok)
            return await ListPageAsync(page, user, ClientForms.WithErrors(FormState.From(post.Form), result.Error!, sent, page.Texts), null, 400, ct);
        var created = result.Value!;
        // A new secret is shown in the answer to this post (200; pages are never cached), not after a 303 as other
        // posts are: a redirect would have to carry the secret through a URL or a cookie, where it could be logged or
        // kept. Reloading asks to post again, which registers another app rather than showing this secret twice.
        return created.Secret is { } secret
            ? SecretPage(page, created.Client, secret, rotated: false)
            : PageResults.SeeOther(req.HttpContext, AppPath(created.Client.ClientId) + "?registered=1");
    }

    [Function("DeveloperAppPage")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "developer/apps/{client_id}")] HttpRequest req, string client_id,
        CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (page.User is not { } user) return PageResults.SignInFirst(page);
        if (await clients.FindOwnedAsync(user.Uid, client_id, ct) is not { } client) return PageResults.NotFound(page);
        var t = page.Texts.OAuth;
        var notice = req.Query["saved"] == "1" ? t.Saved : req.Query["registered"] == "1" ? t.AppRegistered : null;
        return AppPage(page, client, 200, notice: notice);
    }

    [Function("UpdateAppForm")]
    [Page]
    public async Task<IResult> Update([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "developer/apps/{client_id}")] HttpRequest req, string client_id,
        CancellationToken ct)
    {
        var post = await ReadAppPostAsync(req, client_id, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form, client) = (post.Page, post.Form, post.Client!);
        var sent = ClientForms.Read(form, creating: false);
        var result = await clients.UpdateAsync(client, sent, ct);
        if (result.Ok) return PageResults.SeeOther(req.HttpContext, AppPath(client.ClientId) + "?saved=1");
        var error = result.Error!;
        if (error.Kind == ErrorKind.Validation)
            return AppPage(page, client, 400, editForm: ClientForms.WithErrors(FormState.From(form), error, sent, page.Texts));
        // Changed or deleted meanwhile: show the app as it is now, with what was typed.
        if (await clients.FindOwnedAsync(client.OwnerUid, client_id, ct) is not { } current) return PageResults.NotFound(page);
        var typed = FormState.From(form);
        typed.Message = page.Texts.OAuth.AppChangedMeanwhile;
        return AppPage(page, current, 409, editForm: typed);
    }

    [Function("RotateAppSecretForm")]
    [Page]
    public async Task<IResult> RotateSecret([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "developer/apps/{client_id}/secret")] HttpRequest req,
        string client_id, CancellationToken ct)
    {
        var post = await ReadAppPostAsync(req, client_id, ct);
        if (post.Refused is { } refused) return refused;
        var (page, client) = (post.Page, post.Client!);
        var result = await clients.RotateSecretAsync(client, ct);
        if (result.Ok) return SecretPage(page, result.Value!.Client, result.Value.Secret!, rotated: true);
        var t = page.Texts.OAuth;
        if (result.Error!.Kind == ErrorKind.Validation) return AppPage(page, client, 400, secretError: t.PublicAppHasNoSecret);
        if (await clients.FindOwnedAsync(client.OwnerUid, client_id, ct) is not { } current) return PageResults.NotFound(page);
        return AppPage(page, current, 409, secretError: t.AppChangedMeanwhile);
    }

    [Function("DeleteAppForm")]
    [Page]
    public async Task<IResult> Delete([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "developer/apps/{client_id}/delete")] HttpRequest req,
        string client_id, CancellationToken ct)
    {
        var post = await ReadAppPostAsync(req, client_id, ct);
        if (post.Refused is { } refused) return refused;
        var (page, form, client) = (post.Page, post.Form, post.Client!);
        if (form["confirm"] != "yes")
            return AppPage(page, client, 400, deleteForm: FormState.Empty.AddError("confirm", page.Texts.OAuth.DeleteConfirmMissing));
        await clients.DeleteAsync(client, ct);
        return PageResults.SeeOther(req.HttpContext, ListPath + "?deleted=1");
    }

    private static string AppPath(string clientId) => ListPath + "/" + Uri.EscapeDataString(clientId);

    /// <summary>A post about one app, by whoever may change it: read and CSRF-checked, by a signed-in person who owns
    /// the app; else <see cref="AppPost.Refused"/> is the answer (403, sign in first, or 404 as for no app at all).</summary>
    private async Task<AppPost> ReadAppPostAsync(HttpRequest req, string clientId, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, AppPath(clientId), ct);
        if (post.Refused is { } refused) return new(post.Page, post.Form, null, refused);
        return await clients.FindOwnedAsync(post.User.Uid, clientId, ct) is { } client
            ? new(post.Page, post.Form, client, null)
            : new(post.Page, post.Form, null, PageResults.NotFound(post.Page));
    }

    private sealed record AppPost(PageContext Page, IFormCollection Form, ClientEntity? Client, IResult? Refused);

    private async Task<IResult> ListPageAsync(PageContext page, UserEntity user, FormState form, string? notice, int status, CancellationToken ct) =>
        PageResults.Render<DeveloperAppsPage>(page with { ReturnPath = ListPath }, status, new Dictionary<string, object?>
        {
            [nameof(DeveloperAppsPage.Apps)] = await clients.ListOwnedAsync(user.Uid, ct),
            [nameof(DeveloperAppsPage.Form)] = form,
            [nameof(DeveloperAppsPage.Notice)] = notice,
        });

    private IResult AppPage(PageContext page, ClientEntity client, int status, FormState? editForm = null, FormState? deleteForm = null,
        string? secretError = null, string? notice = null)
    {
        var (request, verifier) = ExampleRequest(client);
        return PageResults.Render<DeveloperAppPage>(page with { ReturnPath = AppPath(client.ClientId) }, status, new Dictionary<string, object?>
        {
            [nameof(DeveloperAppPage.Client)] = client,
            [nameof(DeveloperAppPage.DiscoveryUrl)] = app.Value.Issuer + "/.well-known/openid-configuration",
            [nameof(DeveloperAppPage.ExampleRequest)] = request,
            [nameof(DeveloperAppPage.ExampleVerifier)] = verifier,
            [nameof(DeveloperAppPage.EditForm)] = editForm ?? FormState.Empty,
            [nameof(DeveloperAppPage.DeleteForm)] = deleteForm ?? FormState.Empty,
            [nameof(DeveloperAppPage.SecretError)] = secretError,
            [nameof(DeveloperAppPage.Notice)] = notice,
        });
    }

    private static IResult SecretPage(PageContext page, ClientEntity client, string secret, bool rotated) =>
        PageResults.Render<DeveloperSecretPage>(page with { ReturnPath = AppPath(client.ClientId) }, 200, new Dictionary<string, object?>
        {
            [nameof(DeveloperSecretPage.Client)] = client,
            [nameof(DeveloperSecretPage.Secret)] = secret,
            [nameof(DeveloperSecretPage.Rotated)] = rotated,
        });

    /// <summary>
    /// A minimal authorization request the app could send: code flow, its first redirect URI, "openid profile", a
    /// state, and a PKCE S256 challenge; with the verifier of this example (made up here, fresh on every view).
    /// </summary>
    private (string Request, string Verifier) ExampleRequest(ClientEntity client)
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Pkce.Challenge(verifier);
        var request = app.Value.Issuer + "/oauth/authorize" + AuthorizationFlow.Query(
        [
            new("response_type", "code"),
            new("client_id", client.ClientId),
            new("redirect_uri", client.RedirectUris.FirstOrDefault() ?? ""),
            new("scope", "openid profile"),
            new("state", Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16))),
            new("code_challenge", challenge),
            new("code_challenge_method", "S256"),
        ]);
        return (request, verifier);
    }
}
