using Bangumoe.Functions.Http;
using Bangumoe.OAuth;
using Bangumoe.Security;

namespace Bangumoe.Functions.OAuth;

public sealed record AuthorizationView(string ClientId, string Name, string HomeUrl, string Scope, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record AuthorizationList(IReadOnlyList<AuthorizationView> Items);

/// <summary>The apps a user has authorized: <c>/api/me/authorizations</c>. Revoking one ends every token it issued.</summary>
public static class AuthorizationsApi
{
    public static RouteGroupBuilder MapAuthorizations(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/me/authorizations").WithTags("OAuth apps").RequireAuthorization().RequireScope(Scopes.Account);
        group.MapGet("", List).WithName("ListAuthorizations");
        group.MapDelete("/{client_id}", Revoke).WithName("RevokeAuthorization");
        return group;
    }

    public static async Task<IResult> List(CurrentUser me, ClientService clients, CancellationToken ct)
    {
        var grants = OAuthState.Of(me.User).Grants;
        var apps = await Task.WhenAll(grants.Keys.Select(id => clients.FindAsync(id, ct)));
        var items = grants.Zip(apps)
            .Where(pair => pair.Second is not null) // an app deleted by its developer no longer counts
            .Select(pair => new AuthorizationView(pair.First.Key, pair.Second!.Name, pair.Second.HomeUrl, pair.First.Value.Scope, pair.First.Value.CreatedAt, pair.First.Value.UpdatedAt))
            .OrderByDescending(a => a.UpdatedAt)
            .ToList();
        return TypedResults.Ok(new AuthorizationList(items));
    }

    public static async Task<IResult> Revoke(string client_id, CurrentUser me, GrantService grants, CancellationToken ct) =>
        await grants.RevokeAsync(me.User.Uid, client_id, ct)
            ? TypedResults.NoContent()
            : Problems.Status(404, "authorization-not-found", "You have not authorized this app.");
}
