using Bangumoe.Accounts;
using Bangumoe.Security;

namespace Bangumoe.OAuth;

/// <summary>An app a user authorized: its grant's scopes and dates, with the app's name and home page.</summary>
public sealed record AuthorizedApp(string ClientId, string Name, string HomeUrl, string Scope, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Consent: which app may do what for a user. Remembered per app and scope set; revocable.</summary>
public sealed class GrantService(UserStore users, ClientService clients, TimeProvider time)
{
    public static GrantRecord? Find(UserEntity user, string clientId) =>
        OAuthState.Of(user).Grants.TryGetValue(clientId, out var grant) ? grant : null;

    /// <summary>True when an earlier consent already covers every requested scope.</summary>
    public static bool Covers(GrantRecord? grant, string scope) =>
        grant is not null && Scopes.Covers(grant.Scope, scope);

    /// <summary>The apps the user authorized, most recently changed first; an app its developer deleted no longer counts.</summary>
    public async Task<IReadOnlyList<AuthorizedApp>> ListAuthorizedAppsAsync(UserEntity user, CancellationToken ct = default)
    {
        var granted = OAuthState.Of(user).Grants;
        var apps = await Task.WhenAll(granted.Keys.Select(id => clients.FindAsync(id, ct))).ConfigureAwait(false);
        return granted.Zip(apps)
            .Where(pair => pair.Second is not null)
            .Select(pair => new AuthorizedApp(pair.First.Key, pair.Second!.Name, pair.Second.HomeUrl, pair.First.Value.Scope, pair.First.Value.CreatedAt, pair.First.Value.UpdatedAt))
            .OrderByDescending(a => a.UpdatedAt)
            .ToList();
    }

    /// <summary>Records consent to <paramref name="scope"/>, adding to what was consented before; the grant keeps its id.</summary>
    public async Task<(UserEntity User, GrantRecord Grant)> ConsentAsync(UserEntity user, string clientId, string scope, CancellationToken ct = default)
    {
        GrantRecord grant = null!;
        user = await users.MutateAsync(user, u =>
        {
            var state = OAuthState.Of(u);
            var now = time.GetUtcNow();
            state.Grants.TryGetValue(clientId, out var existing);
            grant = existing is null
                ? new GrantRecord(JwtService.NewId(), Scopes.Canonical(Scopes.Parse(scope)), now, now)
                : existing with { Scope = Scopes.Canonical(Scopes.Parse(existing.Scope).Concat(Scopes.Parse(scope))), UpdatedAt = now };
            state.Grants[clientId] = grant;
            state.SaveTo(u, now);
        }, ct).ConfigureAwait(false);
        return (user, grant);
    }

    /// <summary>Withdraws the app's grant: every token it issued stops working (they all carry the grant's id).
    /// False when there was no grant (or a concurrent request removed it first).</summary>
    public async Task<bool> RevokeAsync(string uid, string clientId, CancellationToken ct = default)
    {
        var user = await users.GetAsync(uid, ct).ConfigureAwait(false);
        if (user is null || Find(user, clientId) is null) return false;
        var removed = false;
        await users.TryMutateAsync(user, u =>
        {
            var state = OAuthState.Of(u);
            removed = state.Grants.Remove(clientId);
            if (removed) state.SaveTo(u, time.GetUtcNow());
            return removed;
        }, ct).ConfigureAwait(false);
        return removed;
    }

    /// <summary>Revokes single tokens (a jti) or refresh families (their access tokens carry the family id) until <paramref name="until"/>.</summary>
    public async Task RevokeIdAsync(string uid, string id, DateTimeOffset until, CancellationToken ct = default)
    {
        var user = await users.GetAsync(uid, ct).ConfigureAwait(false);
        if (user is null) return;
        await users.TryMutateAsync(user, u =>
        {
            var state = OAuthState.Of(u);
            if (state.IsRevoked(id)) return false;
            state.Revoked[id] = until.ToUnixTimeSeconds();
            state.SaveTo(u, time.GetUtcNow());
            return true;
        }, ct).ConfigureAwait(false);
    }
}
