using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Bangumoe.Security;
using Bangumoe.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.OAuth;

/// <summary>Configuration section <c>DeviceGrant</c>: the Device Authorization Grant (RFC 8628).</summary>
public sealed class DeviceGrantOptions
{
    /// <summary>How long a device code and its user code live (RFC 8628 §3.2 <c>expires_in</c>): long enough to walk
    /// to a phone and sign in, short enough that a code photographed off a screen soon stops mattering.</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The least time between two polls of one device code (RFC 8628 §3.2 <c>interval</c>); a faster poll gets
    /// <c>slow_down</c> and raises the code's interval by 5 seconds (§3.5).</summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Wrong user codes one signed-in account may type within <see cref="GuessWindow"/> before the /device
    /// page refuses it (RFC 8628 §5.1: user codes are short, so guessing must be limited).</summary>
    public int WrongCodesPerAccount { get; set; } = 5;

    /// <summary>Wrong user codes from one client address, for any accounts, within <see cref="GuessWindow"/> (a guesser
    /// with several accounts).</summary>
    public int WrongCodesPerAddress { get; set; } = 20;

    public TimeSpan GuessWindow { get; set; } = TimeSpan.FromMinutes(10);

    internal static IEnumerable<string> Validate(DeviceGrantOptions o)
    {
        if (o.CodeLifetime < TimeSpan.FromMinutes(1) || o.CodeLifetime > TimeSpan.FromMinutes(30)) yield return "DeviceGrant:CodeLifetime must be between 1 and 30 minutes.";
        if (o.PollingInterval < TimeSpan.FromSeconds(1) || o.PollingInterval > TimeSpan.FromMinutes(1) || o.PollingInterval.Ticks % TimeSpan.TicksPerSecond != 0)
            yield return "DeviceGrant:PollingInterval must be whole seconds between 1 and 60.";
        if (o.WrongCodesPerAccount < 1) yield return "DeviceGrant:WrongCodesPerAccount must be at least 1.";
        if (o.WrongCodesPerAddress < 1) yield return "DeviceGrant:WrongCodesPerAddress must be at least 1.";
        if (o.GuessWindow < TimeSpan.FromMinutes(1) || o.GuessWindow > TimeSpan.FromDays(1)) yield return "DeviceGrant:GuessWindow must be between 1 minute and 1 day.";
    }
}

/// <summary>Where a device code is in its life. Strings, because that is how a table row keeps them readable.</summary>
public static class DeviceCodeStatus
{
    /// <summary>Nobody has decided yet: the device hears <c>authorization_pending</c>.</summary>
    public const string Pending = "pending";

    /// <summary>A person pressed Allow and won the code; their consent is being recorded. Still pending for the device.</summary>
    public const string Claimed = "claimed";

    public const string Approved = "approved";
    public const string Denied = "denied";

    /// <summary>The device got its tokens: the code is used up.</summary>
    public const string Redeemed = "redeemed";
}

/// <summary>
/// One device authorization: table <c>DeviceCodes</c>, PartitionKey = the user code (8 letters, as normalized), RK = "".
/// Every state change (a poll, a decision, the redemption) is one ETag-conditional write of this row, so each race has
/// exactly one winner.
/// </summary>
public sealed class DeviceCodeEntity : TableRow
{
    /// <summary>SHA-256 of the device code: the credential that gets tokens is never stored.</summary>
    public string DeviceCodeHash { get; set; } = "";

    public string ClientId { get; set; } = "";
    public string Scope { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The current polling interval; <c>slow_down</c> raises it.</summary>
    public int IntervalSeconds { get; set; }

    public DateTimeOffset? LastPolledAt { get; set; }
    public string Status { get; set; } = DeviceCodeStatus.Pending;

    /// <summary>Who decided (from <see cref="DeviceCodeStatus.Claimed"/> on).</summary>
    public string? Uid { get; set; }

    public string? GrantId { get; set; }
    public DateTimeOffset? AuthTime { get; set; }

    public string UserCode => PartitionKey;
}

/// <summary>
/// User codes (RFC 8628 §6.1): 8 letters from an alphabet without vowels (no words spelled by chance) and without
/// letters people confuse with digits, about 34.6 bits; shown as XXXX-XXXX; typed in any case, with or without the
/// dash and spaces.
/// </summary>
public static class UserCodes
{
    public const string Alphabet = "BCDFGHJKLMNPQRSTVWXZ";
    public const int Length = 8;

    public static string New()
    {
        Span<char> code = stackalloc char[Length];
        for (var i = 0; i < Length; i++) code[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(code);
    }

    /// <summary>The 8 letters of what a person typed (case, dashes and white space ignored), or null when it cannot be
    /// a user code at all.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 64) return null;
        var letters = new StringBuilder(Length);
        foreach (var c in typed)
        {
            if (c == '-' || char.IsWhiteSpace(c)) continue;
            var upper = char.ToUpperInvariant(c);
            if (letters.Length == Length || !Alphabet.Contains(upper, StringComparison.Ordinal)) return null;
            letters.Append(upper);
        }
        return letters.Length == Length ? letters.ToString() : null;
    }

    /// <summary>XXXX-XXXX: how a code is shown and sent.</summary>
    public static string Display(string code) => code.Length == Length ? code[..4] + "-" + code[4..] : code;
}

/// <summary>A new device authorization: what the device shows and keeps.</summary>
public sealed record IssuedDeviceCode(string DeviceCode, string UserCode, int ExpiresInSeconds, int IntervalSeconds);

/// <summary>
/// The device codes of the Device Authorization Grant. A device code is "{user code}.{256 random bits}", so the token
/// endpoint finds its row with a point read and compares the stored hash in constant time. The user code itself is the
/// row key, not hashed: it must be found from what a person types, and a hash of 20^8 values is reversed in seconds, so
/// hashing it would only pretend. What protects a user code is its short life and the guessing limit of /device.
/// </summary>
public sealed class DeviceCodeStore(StorageClients storage, TimeProvider time, IOptions<DeviceGrantOptions> options)
{
    public const string GrantType = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>RFC 8628 §3.5: each <c>slow_down</c> adds this to the code's interval.</summary>
    public const int SlowDownSeconds = 5;

    /// <summary>How long after its expiry a row keeps its user code. Until then the device still hears expired_token;
    /// after, a new authorization that drew the same code may take the row over.</summary>
    private static readonly TimeSpan KeptAfterExpiry = TimeSpan.FromHours(1);

    private DeviceGrantOptions Options => options.Value;

    public async Task<IssuedDeviceCode> CreateAsync(string clientId, string scope, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.DeviceCodes, ct).ConfigureAwait(false);
        var interval = (int)Options.PollingInterval.TotalSeconds;
        for (var attempt = 0; ; attempt++)
        {
            var userCode = UserCodes.New();
            var deviceCode = userCode + "." + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            var now = time.GetUtcNow();
            var row = new DeviceCodeEntity
            {
                PartitionKey = userCode,
                DeviceCodeHash = Hashes.Sha256Hex(deviceCode),
                ClientId = clientId,
                Scope = scope,
                ExpiresAt = now + Options.CodeLifetime,
                IntervalSeconds = interval,
            };
            try
            {
                await table.AddEntityAsync(row, ct).ConfigureAwait(false);
                return new IssuedDeviceCode(deviceCode, userCode, (int)Options.CodeLifetime.TotalSeconds, interval);
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                // The code is taken. A long-dead row gives its code up (conditionally, so two new authorizations that
                // drew it cannot both take it); a live one never does: draw again.
                var existing = await FindAsync(userCode, ct).ConfigureAwait(false);
                if (existing is not null && existing.ExpiresAt + KeptAfterExpiry < now)
                {
                    try
                    {
                        await table.UpdateEntityAsync(row, existing.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                        return new IssuedDeviceCode(deviceCode, userCode, (int)Options.CodeLifetime.TotalSeconds, interval);
                    }
                    catch (RequestFailedException raced) when (raced.IsPreconditionFailed() || raced.IsNotFound())
                    {
                    }
                }
                // With 20^8 codes a second collision in a row means something is wrong, not bad luck.
                if (attempt >= 5) throw;
            }
        }
    }

    /// <summary>The row of a (normalized) user code, or null.</summary>
    public async Task<DeviceCodeEntity?> FindAsync(string userCode, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.DeviceCodes, ct).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<DeviceCodeEntity>(userCode, "", cancellationToken: ct).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>
    /// The token endpoint's poll (RFC 8628 §3.4–3.5). Returns the row of an approved code that this very request used
    /// up, or the error the device should hear. Exactly one of any number of concurrent polls of an approved code
    /// gets it; the others hear invalid_grant.
    /// </summary>
    public async Task<Result<DeviceCodeEntity>> PollAsync(string clientId, string? deviceCode, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(deviceCode)) return OAuthErrors.InvalidRequest("device_code is required.");
        const string invalid = "The device code is invalid or was issued to another client.";
        var dot = deviceCode.IndexOf('.', StringComparison.Ordinal);
        if (dot != UserCodes.Length || deviceCode.Length > 128 || UserCodes.Normalize(deviceCode[..dot]) != deviceCode[..dot])
            return OAuthErrors.InvalidGrant(invalid);
        var hash = Encoding.ASCII.GetBytes(Hashes.Sha256Hex(deviceCode));
        var table = await storage.TableAsync(TableNames.DeviceCodes, ct).ConfigureAwait(false);

        // Each pass reads the row, decides, and writes conditionally; a 412 means someone else wrote in between (another
        // poll, a decision, a redemption), so the next pass decides again on what they wrote.
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var row = await FindAsync(deviceCode[..dot], ct).ConfigureAwait(false);
            // A device code is bound to its client: another client's poll learns nothing and changes nothing.
            if (row is null || !CryptographicOperations.FixedTimeEquals(hash, Encoding.ASCII.GetBytes(row.DeviceCodeHash)) || row.ClientId != clientId)
                return OAuthErrors.InvalidGrant(invalid);
            if (row.Status == DeviceCodeStatus.Redeemed) return OAuthErrors.InvalidGrant("The device code was already used.");
            var now = time.GetUtcNow();
            if (row.ExpiresAt <= now) return OAuthErrors.ExpiredToken("The device code has expired; start again.");
            if (row.Status == DeviceCodeStatus.Denied) return OAuthErrors.AccessDenied("The user denied access.");

            Error? answer = null;
            if (row.Status == DeviceCodeStatus.Approved)
            {
                row.Status = DeviceCodeStatus.Redeemed;
            }
            else
            {
                // Still pending (or claimed, its consent being recorded). Pace is checked only here: once decided, the
                // device hears the decision however fast it asks.
                var tooSoon = row.LastPolledAt is { } last && now - last < TimeSpan.FromSeconds(row.IntervalSeconds);
                if (tooSoon) row.IntervalSeconds += SlowDownSeconds;
                row.LastPolledAt = now;
                answer = tooSoon
                    ? OAuthErrors.PollingTooFast($"Polled faster than the interval; wait at least {row.IntervalSeconds} seconds between requests from now on.")
                    : OAuthErrors.AuthorizationPending("The user has not decided yet.");
            }
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                return answer is null ? row : answer;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
            }
            catch (RequestFailedException e) when (e.IsNotFound())
            {
                return OAuthErrors.InvalidGrant(invalid);
            }
        }
        // Twenty writers in a row beat this one: nothing was decided for it, so it may simply ask again.
        return OAuthErrors.AuthorizationPending("The user has not decided yet.");
    }

    /// <summary>
    /// A person's decision on a pending code: <see cref="DeviceCodeStatus.Claimed"/> by <paramref name="uid"/> (Allow,
    /// before the consent is recorded) or <see cref="DeviceCodeStatus.Denied"/>. False when the code is no longer
    /// pending (someone decided first, or it expired meanwhile): exactly one decision wins.
    /// </summary>
    public async Task<bool> DecideAsync(string userCode, string status, string uid, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.DeviceCodes, ct).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var row = await FindAsync(userCode, ct).ConfigureAwait(false);
            if (row is null || row.Status != DeviceCodeStatus.Pending || row.ExpiresAt <= time.GetUtcNow()) return false;
            row.Status = status;
            row.Uid = uid;
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                // A poll (or another decision) wrote first: read again.
            }
        }
        throw KeptChanging(userCode);
    }

    /// <summary>Completes an Allow that <see cref="DecideAsync"/> claimed: the code carries the grant from now on and
    /// the device's next poll gets tokens.</summary>
    public async Task<bool> ApproveAsync(string userCode, string uid, string grantId, DateTimeOffset authTime, CancellationToken ct = default)
    {
        var table = await storage.TableAsync(TableNames.DeviceCodes, ct).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var row = await FindAsync(userCode, ct).ConfigureAwait(false);
            if (row is null || row.Status != DeviceCodeStatus.Claimed || row.Uid != uid) return false;
            row.Status = DeviceCodeStatus.Approved;
            row.GrantId = grantId;
            row.AuthTime = authTime;
            try
            {
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, ct).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                // Only polls change a claimed row (its last-polled time): read again.
            }
        }
        // The claim stays: the device keeps hearing authorization_pending until the code expires.
        throw KeptChanging(userCode);
    }

    /// <summary>A row changes only when a person decides or the device polls (every few seconds at most), so this many
    /// lost writes in a row mean something is wrong; the caller gets a 503, as for a storage outage.</summary>
    private const int MaxWriteAttempts = 20;

    private static RequestFailedException KeptChanging(string userCode) =>
        new(503, $"The device code {UserCodes.Display(userCode)} kept changing under an update.");
}
