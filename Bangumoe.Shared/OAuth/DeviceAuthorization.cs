using Bangumoe.Hosting;
using Bangumoe.Security;
using Microsoft.Extensions.Options;

namespace Bangumoe.OAuth;

/// <summary><c>POST /oauth/device_authorization</c>, read from its form.</summary>
public sealed record DeviceAuthorizationRequest(ClientCredentials Client, string? Scope, string ClientAddress);

/// <summary>The Device Authorization Response (RFC 8628 §3.2).</summary>
public sealed record DeviceAuthorizationResponse(
    string DeviceCode, string UserCode, string VerificationUri, string VerificationUriComplete, int ExpiresIn, int Interval);

/// <summary>
/// The device authorization endpoint (RFC 8628 §3.1–3.2): a TV or a command line, which cannot show a browser, asks for
/// a device code to poll with and a user code for its user to type at <c>/device</c>. The client authenticates as at the
/// token endpoint and shares its rate limit; every registered client may use the grant (no opt-in): what the person
/// allows is shown to them on /device like on the consent page, and the tokens are the same as the code flow's.
/// </summary>
public sealed class DeviceAuthorizationService(ClientAuthenticator authenticator, DeviceCodeStore codes, IOptions<AppOptions> app)
{
    public async Task<Result<DeviceAuthorizationResponse>> StartAsync(DeviceAuthorizationRequest request, CancellationToken ct = default)
    {
        if (authenticator.Throttle(request.Client, request.ClientAddress) is { } throttled) return throttled;
        var client = await authenticator.AuthenticateAsync(request.Client, ct).ConfigureAwait(false);
        if (!client.Ok) return client.Error!;

        // As at /oauth/authorize: a scope is required, and only the scopes a third-party app may have.
        if (string.IsNullOrWhiteSpace(request.Scope)) return OAuthErrors.InvalidScope("scope is required, e.g. \"openid profile\".");
        var requested = Scopes.Parse(request.Scope);
        var unknown = requested.Where(s => !Scopes.ThirdParty.Contains(s)).ToList();
        if (unknown.Count > 0) return OAuthErrors.InvalidScope("Unknown scope: " + string.Join(" ", unknown));

        var issued = await codes.CreateAsync(client.Value!.ClientId, Scopes.Canonical(requested), ct).ConfigureAwait(false);
        var userCode = UserCodes.Display(issued.UserCode);
        var verification = app.Value.Url(DeviceVerification.PagePath);
        return new DeviceAuthorizationResponse(issued.DeviceCode, userCode, verification,
            verification + "?user_code=" + Uri.EscapeDataString(userCode), issued.ExpiresInSeconds, issued.IntervalSeconds);
    }
}

/// <summary>What the /device page does next; the page function renders it.</summary>
public abstract record DeviceOutcome
{
    /// <summary>The code is waiting: show the app, the scopes and Allow/Deny.</summary>
    public sealed record Consent(string UserCode, ClientEntity Client, IReadOnlyList<string> Scopes) : DeviceOutcome;

    public sealed record Allowed(ClientEntity Client) : DeviceOutcome;

    public sealed record Denied(ClientEntity Client) : DeviceOutcome;

    /// <summary>What was typed cannot be a user code (it was not looked up, and not counted).</summary>
    public sealed record Malformed : DeviceOutcome;

    /// <summary>No device waits for this code (or its app is gone).</summary>
    public sealed record Unknown : DeviceOutcome;

    public sealed record Expired : DeviceOutcome;

    /// <summary>Someone already allowed or denied it.</summary>
    public sealed record Used : DeviceOutcome;

    /// <summary>Too many wrong codes: nothing was looked up.</summary>
    public sealed record Throttled(TimeSpan RetryAfter) : DeviceOutcome;
}

/// <summary>
/// The decisions of the /device page: a signed-in person types a user code, sees the app and the scopes, and allows
/// (their consent is recorded as at /oauth/authorize, so the app is among their authorized apps) or denies. Every
/// lookup of a code, also the one behind Allow and Deny, goes through the guessing limit.
/// </summary>
public sealed class DeviceVerification(DeviceCodeStore codes, UserCodeThrottle throttle, ClientService clients, GrantService grants, TimeProvider time)
{
    public const string PagePath = "/device";

    /// <summary>Continue: the code's app and scopes, for the person to decide on.</summary>
    public async Task<DeviceOutcome> LookUpAsync(string? typed, SessionUser session, string clientAddress, CancellationToken ct = default)
    {
        var found = await FindAsync(typed, session, clientAddress, ct).ConfigureAwait(false);
        return found.Refusal ?? new DeviceOutcome.Consent(found.Row!.UserCode, found.Client!, Scopes.Parse(found.Row.Scope));
    }

    /// <summary>Allow or Deny. Of several people deciding on one code at once, one decides; the others hear it was used.</summary>
    public async Task<DeviceOutcome> DecideAsync(string? typed, bool allow, SessionUser session, string clientAddress, CancellationToken ct = default)
    {
        var found = await FindAsync(typed, session, clientAddress, ct).ConfigureAwait(false);
        if (found.Refusal is { } refusal) return refusal;
        var (row, client, uid) = (found.Row!, found.Client!, session.User.Uid);
        if (!allow)
        {
            return await codes.DecideAsync(row.UserCode, DeviceCodeStatus.Denied, uid, ct).ConfigureAwait(false)
                ? new DeviceOutcome.Denied(client)
                : await AfterLostRaceAsync(row.UserCode, ct).ConfigureAwait(false);
        }
        // Claim the code first, then record the consent: a person who loses the race has consented to nothing.
        if (!await codes.DecideAsync(row.UserCode, DeviceCodeStatus.Claimed, uid, ct).ConfigureAwait(false))
            return await AfterLostRaceAsync(row.UserCode, ct).ConfigureAwait(false);
        var (_, grant) = await grants.ConsentAsync(session.User, client.ClientId, row.Scope, ct).ConfigureAwait(false);
        await codes.ApproveAsync(row.UserCode, uid, grant.Id, session.AuthTime, ct).ConfigureAwait(false);
        return new DeviceOutcome.Allowed(client);
    }

    /// <summary>Someone else decided first, or the code expired between the lookup and the decision.</summary>
    private async Task<DeviceOutcome> AfterLostRaceAsync(string userCode, CancellationToken ct)
    {
        var row = await codes.FindAsync(userCode, ct).ConfigureAwait(false);
        return row is { Status: DeviceCodeStatus.Pending } && row.ExpiresAt <= time.GetUtcNow() ? new DeviceOutcome.Expired() : new DeviceOutcome.Used();
    }

    /// <summary>A pending code and its app, or the refusal that says why not.</summary>
    private sealed record CodeLookup(DeviceCodeEntity? Row, ClientEntity? Client, DeviceOutcome? Refusal);

    private async Task<CodeLookup> FindAsync(string? typed, SessionUser session, string clientAddress, CancellationToken ct)
    {
        if (UserCodes.Normalize(typed) is not { } userCode) return new(null, null, new DeviceOutcome.Malformed());
        var uid = session.User.Uid;
        if (await throttle.AdmitAsync(uid, clientAddress, ct).ConfigureAwait(false) is { } wait) return new(null, null, new DeviceOutcome.Throttled(wait));
        var row = await codes.FindAsync(userCode, ct).ConfigureAwait(false);
        var client = row is null ? null : await clients.FindAsync(row.ClientId, ct).ConfigureAwait(false);
        if (row is null || client is null) return new(null, null, new DeviceOutcome.Unknown());
        // The code exists: whatever its state, typing it was no guess.
        await throttle.RefundAsync(uid, clientAddress, ct).ConfigureAwait(false);
        if (row.Status != DeviceCodeStatus.Pending) return new(null, null, new DeviceOutcome.Used());
        if (row.ExpiresAt <= time.GetUtcNow()) return new(null, null, new DeviceOutcome.Expired());
        return new(row, client, null);
    }
}
