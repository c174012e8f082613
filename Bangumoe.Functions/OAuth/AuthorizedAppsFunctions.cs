using Bangumoe.Functions.Http;
using Bangumoe.Functions.Pages;
using Bangumoe.OAuth;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

/// <summary>
/// <c>/account/apps</c>: the apps a signed-in person authorized (their grants), and withdrawing one, which ends every
/// token the app holds (they all carry the grant's id).
/// </summary>
public sealed class AuthorizedAppsFunctions(PageRequests pages, ClientService clients, GrantService grants)
{
    private const string Path = "/account/apps";

    [Function("AuthorizedAppsPage")]
    [Page]
    public async Task<IResult> Show([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "account/apps")] HttpRequest req, CancellationToken ct)
    {
        var page = await pages.ReadAsync(req, ct);
        if (page.User is not { } user) return PageResults.SignInFirst(page);
        string? notice = null;
        if (req.Query["withdrawn"].FirstOrDefault() is { } withdrawn && GrantService.Find(user, withdrawn) is null
            && await clients.FindAsync(withdrawn, ct) is { } app)
            notice = page.Texts.OAuth.Withdrawn(app.Name);
        return PageResults.Render<AuthorizedAppsPage>(page, 200, new Dictionary<string, object?>
        {
            [nameof(AuthorizedAppsPage.Apps)] = await grants.ListAuthorizedAppsAsync(user, ct),
            [nameof(AuthorizedAppsPage.Notice)] = notice,
        });
    }

    [Function("WithdrawAppForm")]
    [Page]
    public async Task<IResult> Withdraw([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account/apps/withdraw")] HttpRequest req, CancellationToken ct)
    {
        var post = await pages.ReadSignedInPostAsync(req, Path, ct);
        if (post.Refused is { } refused) return refused;
        var user = post.User;
        var clientId = post.Form["client_id"].ToString();
        // Withdrawing what is already gone (a second click, another tab) is not an error: the app has no access.
        var removed = await grants.RevokeAsync(user.Uid, clientId, ct);
        return PageResults.SeeOther(req.HttpContext, removed ? Path + QueryString.Create("withdrawn", clientId) : Path);
    }
}
