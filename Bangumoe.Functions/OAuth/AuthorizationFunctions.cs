using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

public sealed record AuthorizationList(IReadOnlyList<AuthorizedApp> Items);

/// <summary>The apps a user has authorized: <c>/api/me/authorizations</c>. Revoking one ends every token it issued.</summary>
public sealed class AuthorizationFunctions(GrantService grants)
{
    [Function("ListAuthorizations")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me/authorizations")] HttpRequest req, CancellationToken ct) =>
        TypedResults.Ok(new AuthorizationList(await grants.ListAuthorizedAppsAsync(req.Caller().User, ct)));

    [Function("RevokeAuthorization")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Revoke([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/me/authorizations/{client_id}")] HttpRequest req, string client_id, CancellationToken ct) =>
        await grants.RevokeAsync(req.Caller().User.Uid, client_id, ct)
            ? TypedResults.NoContent()
            : Problems.Status(404, "authorization-not-found", "You have not authorized this app.");
}
