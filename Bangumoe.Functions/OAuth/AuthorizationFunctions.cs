using Bangumoe.Accounts;
using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.OAuth;

public sealed record AuthorizationView(string ClientId, string Name, string HomeUrl, string Scope, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record AuthorizationList(IReadOnlyList<AuthorizationView> Items);

/// <summary>The apps a user has authorized: <c>/api/me/authorizations</c>. Revoking one ends every token it issued.</summary>
public sealed class AuthorizationFunctions(ClientService clients, GrantService grants)
{
    [Function("ListAuthorizations")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> List([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/me/authorizations")] HttpRequest req, CancellationToken ct) =>
        TypedResults.Ok(new AuthorizationList(await ListAsync(clients, req.Caller().User, ct)));

    [Function("RevokeAuthorization")]
    [RequireScope(Scopes.Account)]
    public async Task<IResult> Revoke([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/me/authorizations/{client_id}")] HttpRequest req, string client_id, CancellationToken ct) =>
        await grants.RevokeAsync(req.Caller().User.Uid, client_id, ct)
            ? TypedResults.NoContent()
            : Problems.Status(404, "authorization-not-found", "You have not authorized this app.");

    /// <summary>The user's grants with their apps, most recently changed first (also the <c>/account/apps</c> page).</summary>
    public static async Task<IReadOnlyList<AuthorizationView>> ListAsync(ClientService clients, UserEntity user, CancellationToken ct)
    {
        var granted = OAuthState.Of(user).Grants;
        var apps = await Task.WhenAll(granted.Keys.Select(id => clients.FindAsync(id, ct)));
        return granted.Zip(apps)
            .Where(pair => pair.Second is not null) // an app deleted by its developer no longer counts
            .Select(pair => new AuthorizationView(pair.First.Key, pair.Second!.Name, pair.Second.HomeUrl, pair.First.Value.Scope, pair.First.Value.CreatedAt, pair.First.Value.UpdatedAt))
            .OrderByDescending(a => a.UpdatedAt)
            .ToList();
    }
}
