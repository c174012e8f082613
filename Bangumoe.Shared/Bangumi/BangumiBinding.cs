using System.Security.Cryptography;
using Bangumoe.Accounts;
using Bangumoe.Collections;
using Bangumoe.Queues;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Bangumoe.Bangumi;

/// <summary>What travels on the <c>bangumi-import</c> queue: whose collection, and which import (a newer one supersedes).</summary>
public sealed record BangumiImportRequest(string Uid, string ImportId);

/// <summary>The ways a bind callback fails; nothing is linked in any of them.</summary>
public static class BindErrors
{
    /// <summary>The state is unknown, expired, already used, or its user is gone.</summary>
    public static readonly Error LinkInvalid = new(ErrorKind.NotFound, "bind-link-invalid", "This binding link has expired or was already used.");

    /// <summary>The user said no on Bangumi's page (or Bangumi sent an error instead of a code).</summary>
    public static Error Denied(string? reason) => new(ErrorKind.Forbidden, "bind-denied", reason ?? "Bangumi did not authorize Bangumoe.");

    /// <summary>Bangumi did not give us tokens for the code.</summary>
    public static Error ExchangeFailed(string? reason) => new(ErrorKind.Conflict, "bind-exchange-failed", reason ?? "Bangumi did not hand over access.");
}

/// <summary>What "sync now" did: queued a new import, or found one already queued or running.</summary>
public sealed record ImportSync(BangumiLinkEntity Link, bool Started);

/// <summary>
/// Binding a Bangumi account: the state sent to Bangumi is random, stored hashed with the uid it was made for, lives
/// minutes and is consumed by one conditional delete, so the callback needs no cookie and a forged or replayed state
/// changes nothing. The tokens Bangumi returns are stored encrypted and an import is queued.
/// </summary>
public sealed class BangumiBinding(
    BangumiLinkStore links,
    BangumiClient client,
    BangumiTokenCipher cipher,
    CollectionStore collections,
    UserStore users,
    QueueSender queues,
    IOptions<BangumiOptions> options,
    TimeProvider time) : IUserDataOwner
{
    public const string QueueName = "bangumi-import";
    public const string FunctionName = "ImportBangumiCollection";
    public const string AccessField = "access";
    public const string RefreshField = "refresh";

    /// <summary>An import that has shown no sign of life for this long is taken to be lost; a sync starts a new one.</summary>
    internal static readonly TimeSpan StaleImport = TimeSpan.FromMinutes(10);

    public static Error NotConfigured => new(ErrorKind.NotFound, "bangumi-not-configured", "Binding a Bangumi account is not set up on this server.");

    public static Error NotBound => new(ErrorKind.NotFound, "bangumi-not-bound", "No Bangumi account is bound.");

    public bool Enabled => options.Value.Enabled;

    /// <summary>The URL of Bangumi's consent page for this user.</summary>
    public async Task<Result<string>> StartAsync(string uid, CancellationToken ct = default)
    {
        if (!Enabled) return NotConfigured;
        var state = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        await links.AddStateAsync(state, uid, time.GetUtcNow() + options.Value.StateLifetime, ct).ConfigureAwait(false);
        return client.AuthorizeUrl(state);
    }

    /// <summary>Bangumi's callback: on success the binding is saved, an import is queued, and the uid is returned.</summary>
    public async Task<Result<string>> CompleteAsync(string? state, string? code, string? error, CancellationToken ct = default)
    {
        if (!Enabled || string.IsNullOrEmpty(state)) return BindErrors.LinkInvalid;
        var pending = await links.ConsumeStateAsync(state, ct).ConfigureAwait(false);
        if (pending is null || pending.ExpiresAt < time.GetUtcNow()) return BindErrors.LinkInvalid;
        if (!string.IsNullOrEmpty(error) || string.IsNullOrEmpty(code)) return BindErrors.Denied(error);
        if (!await IsLiveAsync(pending.Uid, ct).ConfigureAwait(false)) return BindErrors.LinkInvalid;

        var exchange = await client.ExchangeCodeAsync(code, ct).ConfigureAwait(false);
        if (!exchange.Ok) return BindErrors.ExchangeFailed(exchange.Reason);
        var tokens = exchange.Value!;

        BangumiLinkEntity link;
        do
        {
            var now = time.GetUtcNow();
            link = await links.GetAsync(pending.Uid, ct).ConfigureAwait(false) ?? new BangumiLinkEntity { PartitionKey = Storage.KeyEncoding.Escape(pending.Uid) };
            if (link.BangumiUserId != tokens.UserId)
            {
                // Another Bangumi account than before: what we knew of the old one no longer applies.
                link.BangumiUsername = null;
                link.BangumiNickname = null;
            }
            link.BangumiUserId = tokens.UserId;
            link.BoundAt = now;
            link.Unbound = false;
            link.PurgeOnUnbind = false;
            SetTokens(link, tokens, now);
            link.QueueNewImport(now);
        }
        while (!await links.TrySaveAsync(link, ct).ConfigureAwait(false));
        // The account may have begun to go while Bangumi exchanged the code. A deletion marked after this check
        // deletes the binding later, this row included; one marked before it is seen here, and the row is taken back.
        // Either way no Bangumi tokens of a deleted account stay, and no import runs for it.
        if (!await IsLiveAsync(pending.Uid, ct).ConfigureAwait(false))
        {
            await links.DeleteAsync(pending.Uid, ct).ConfigureAwait(false);
            return BindErrors.LinkInvalid;
        }
        await queues.SendAsync(QueueName, new BangumiImportRequest(link.Uid, link.ImportId), ct).ConfigureAwait(false);
        return link.Uid;
    }

    private async Task<bool> IsLiveAsync(string uid, CancellationToken ct) =>
        await users.GetAsync(uid, ct).ConfigureAwait(false) is { Registered: true, DeletingSince: null };

    /// <summary>The binding, or null when there is none (never bound, or unbound).</summary>
    public async Task<BangumiLinkEntity?> GetAsync(string uid, CancellationToken ct = default) =>
        await links.GetAsync(uid, ct).ConfigureAwait(false) is { IsBound: true } link ? link : null;

    /// <summary>Queues a new import, unless one is already queued or running (then that one is the answer, and
    /// <see cref="ImportSync.Started"/> is false).</summary>
    public async Task<Result<ImportSync>> SyncAsync(string uid, CancellationToken ct = default)
    {
        while (true)
        {
            var link = await links.GetAsync(uid, ct).ConfigureAwait(false);
            if (link is not { IsBound: true }) return NotBound;
            if (link.NeedsReauthorization)
                return new Error(ErrorKind.Conflict, "bangumi-reauthorization-required", "Bangumi no longer accepts our authorization: bind your Bangumi account again.");
            var now = time.GetUtcNow();
            if (InProgress(link, now)) return new ImportSync(link, Started: false);
            link.QueueNewImport(now);
            if (!await links.TrySaveAsync(link, ct).ConfigureAwait(false)) continue;
            await queues.SendAsync(QueueName, new BangumiImportRequest(link.Uid, link.ImportId), ct).ConfigureAwait(false);
            return new ImportSync(link, Started: true);
        }
    }

    /// <summary>
    /// Forgets the binding and its tokens; with <paramref name="purge"/> also the items imported from Bangumi. The row
    /// becomes an unbound marker first, which stops a running import at its next save; that import then removes what
    /// it wrote meanwhile if a purge was asked for (see <see cref="BangumiImporter"/>).
    /// </summary>
    public async Task<Error?> UnbindAsync(string uid, bool purge, CancellationToken ct = default)
    {
        while (true)
        {
            var link = await links.GetAsync(uid, ct).ConfigureAwait(false);
            if (link is not { IsBound: true }) return NotBound;
            link.Unbound = true;
            link.PurgeOnUnbind = purge;
            link.AccessTokenCipher = "";
            link.RefreshTokenCipher = "";
            link.BangumiUserId = null;
            link.BangumiUsername = null;
            link.BangumiNickname = null;
            link.NeedsReauthorization = false;
            link.RefreshingUntil = null;
            link.ImportId = "";
            link.ImportStatus = "";
            link.LeaseUntil = null;
            if (await links.TrySaveAsync(link, ct).ConfigureAwait(false)) break;
        }
        if (purge) await collections.DeleteImportedAsync(uid, ct).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Deleting an account deletes the binding (and its tokens), then the items the imports brought in. The row goes
    /// first, as with an unbind: a running import may write a page until its next save finds the row gone, and it then
    /// clears up after itself; an import that finished before the row went wrote everything before this purge. The
    /// collection store's own deletion may come before or after this one; in either order nothing imported is left.
    /// </summary>
    public async Task DeleteUserDataAsync(string uid, CancellationToken cancellationToken)
    {
        await links.DeleteAsync(uid, cancellationToken).ConfigureAwait(false);
        await collections.DeleteImportedAsync(uid, cancellationToken).ConfigureAwait(false);
    }

    public void SetTokens(BangumiLinkEntity link, BangumiTokens tokens, DateTimeOffset now)
    {
        link.AccessTokenCipher = cipher.Encrypt(tokens.AccessToken, link.Uid, AccessField);
        link.RefreshTokenCipher = cipher.Encrypt(tokens.RefreshToken, link.Uid, RefreshField);
        link.AccessTokenExpiresAt = now + tokens.ExpiresIn;
        link.NeedsReauthorization = false;
        link.RefreshingUntil = null;
    }

    /// <summary>An import is queued or running and still alive: a sync answers with it instead of starting another, and
    /// the binding page keeps showing its progress.</summary>
    public static bool InProgress(BangumiLinkEntity link, DateTimeOffset now) => link.ImportStatus switch
    {
        ImportStatus.Queued => link.QueuedAt is { } queued && now - queued < StaleImport,
        ImportStatus.Running => link.LeaseUntil is { } lease && lease > now,
        _ => false,
    };
}
