using Bangumoe.Accounts;
using Bangumoe.Hosting;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary>Signed in on the seed's page: back to the app at <paramref name="Location"/> (with the code), and the browser's
/// new device cookie.</summary>
public sealed record SeedSignIn(string Location, DeviceCookie Device);

/// <summary>
/// The decisions of the seed's login page (<c>/oauth2.0/show</c>), over the same core as the standard flow, with the
/// seed's bugs fixed: the redirect URL must equal the app's backURL exactly, and the code travels in the redirect, is
/// single use, bound to the app and short-lived. Signing in on the page is the consent to what <c>getinfo</c> returns.
/// </summary>
public sealed class SeedAuthorization(ClientService clients, AccountService accounts, LoginDevices devices, GrantService grants,
    AuthorizationCodeStore codes, IOptions<AppOptions> options, TimeProvider time)
{
    /// <summary>What the seed flow grants: what getinfo returns (profile and email).</summary>
    public const string Scope = "profile email";

    /// <summary>The app, when <paramref name="redirectUrl"/> is one of its backURLs, compared exactly as the seed did
    /// (the standard loopback-port leeway does not apply here).</summary>
    public async Task<ClientEntity?> FindClientAsync(string? clientId, string? redirectUrl, CancellationToken ct)
    {
        var client = await clients.FindAsync(clientId, ct).ConfigureAwait(false);
        return client is not null && redirectUrl is not null && client.RedirectUris.Contains(redirectUrl, StringComparer.Ordinal) ? client : null;
    }

    /// <summary>Signs the person in and answers with the redirect back to the app, carrying a code.</summary>
    public async Task<Result<SeedSignIn>> SignInAsync(ClientEntity client, string redirectUrl, string? state, LoginRequest login, CancellationToken ct)
    {
        var result = await accounts.AuthenticateAsync(login, ct).ConfigureAwait(false);
        if (!result.Ok) return result.Error!;
        var (user, grant) = await grants.ConsentAsync(result.Value!, client.ClientId, Scope, ct).ConfigureAwait(false);
        var request = new AuthorizationRequest(client, redirectUrl, Scope, state, "", null, new HashSet<string>(), null);
        var code = await codes.CreateAsync(request, user.Uid, grant.Id, time.GetUtcNow(), ct).ConfigureAwait(false);
        return new SeedSignIn(AuthorizationRequests.RedirectBack(redirectUrl, options.Value.Issuer, state, ("code", code)), devices.Issue(user));
    }
}
