using Bangumoe.Collections;
using Bangumoe.Queues;
using Bangumoe.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Bangumoe.Bangumi;

/// <summary>
/// The <c>ImportBangumiCollection</c> queue function: reads the user's Bangumi anime collection page by page
/// (COLLECTIONS.md §8) and writes it into the catalog and the user's collection.
/// <list type="bullet">
/// <item>Idempotent: items are keyed by subject, unchanged items are not written, so a second run changes nothing.</item>
/// <item>Resumable: the offset and counts are saved after every page; a live run renews its lease every third of
/// <see cref="BangumiOptions.ImportLease"/>, so a crashed run is taken over from there within one lease. A run that
/// fails gives its lease back at once. A newer import (sync, rebind) or an unbind makes the old run stop at its next
/// save or renewal.</item>
/// <item>A storage outage is waited out inside the run (storage is tried again every few seconds until the function's
/// time is up), so the import goes on within seconds of storage coming back.</item>
/// <item>Last writer wins per item: Bangumi's <c>updated_at</c> against the item's, so an edit made in Bangumoe after
/// the item last changed on Bangumi is kept.</item>
/// <item>On 401 the token is refreshed once (see <see cref="BangumiTokenRefresher"/>); 429 and 5xx are retried with
/// back-off; when the tries run out the import is marked failed with the reason.</item>
/// </list>
/// </summary>
public sealed partial class BangumiImporter(
    BangumiLinkStore links,
    BangumiClient client,
    BangumiTokenCipher cipher,
    BangumiTokenRefresher refresher,
    AnimeCatalog catalog,
    CollectionStore collections,
    QueueSender queues,
    IOptions<BangumiOptions> options,
    IOptions<QueueOptions> queueOptions,
    TimeProvider time,
    ILogger<BangumiImporter> logger) : IQueueMessageHandler
{
    private BangumiOptions Options => options.Value;

    // The run below reaches the services through these (a nested class cannot see primary-constructor parameters).
    private BangumiClient Client => client;
    private BangumiTokenCipher Cipher => cipher;
    private BangumiTokenRefresher Refresher => refresher;
    private AnimeCatalog Catalog => catalog;
    private CollectionStore Collections => collections;
    private BangumiLinkStore Links => links;
    private TimeProvider Time => time;

    private TimeSpan Lease => Options.ImportLease;

    private readonly ResiliencePipeline _storage = StorageOutage.WaitOut(time, TimeSpan.FromSeconds(5),
        (e, wait) => LogStorageOutage(logger, e?.Message, wait));

    /// <summary>A storage call that waits out an outage (see <see cref="StorageOutage.WaitOut"/>).</summary>
    private ValueTask<T> StorageAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        _storage.ExecuteAsync(async c => await call(c).ConfigureAwait(false), ct);

    public async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var request = message.Deserialize<BangumiImportRequest>();
        try
        {
            await RunAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && message.DequeueCount >= queueOptions.Value.MaxDequeueCount)
        {
            // The queue gives up on this message now: say so to the user instead of leaving the import "running".
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var link = await StorageAsync(c => links.GetAsync(request.Uid, c), patience.Token).ConfigureAwait(false);
            if (link?.ImportId == request.ImportId) await FailAsync(link, "The import stopped on an internal error; try syncing again.", patience.Token).ConfigureAwait(false);
            throw;
        }
    }

    private async Task RunAsync(BangumiImportRequest request, CancellationToken ct)
    {
        var link = await StorageAsync(c => links.GetAsync(request.Uid, c), ct).ConfigureAwait(false);
        if (link is not { IsBound: true } || link.ImportId != request.ImportId || link.ImportStatus is ImportStatus.Done or ImportStatus.Failed) return;
        var now = time.GetUtcNow();
        if (link.ImportStatus == ImportStatus.Running && link.LeaseUntil > now)
        {
            // Another worker runs this import (or this is a second delivery). Look again once its lease would lapse.
            var later = link.LeaseUntil.Value - now + TimeSpan.FromSeconds(1);
            await StorageAsync(async c => { await queues.SendAsync(BangumiBinding.QueueName, request, c, later).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
            return;
        }
        var runId = Guid.NewGuid().ToString("N");
        link.ImportStatus = ImportStatus.Running;
        link.RunId = runId;
        link.StartedAt ??= now;
        link.ImportError = null;
        link.LeaseUntil = now + Lease;
        if (!await StorageAsync(c => links.TrySaveAsync(link, c), ct).ConfigureAwait(false))
        {
            // Changed under us, or our own write whose answer storage lost: only in that case is the run ours.
            link = await StorageAsync(c => links.GetAsync(request.Uid, c), ct).ConfigureAwait(false);
            if (link?.RunId != runId) return; // whoever changed it decides
        }

        var run = new Run(this, link);
        try
        {
            await run.ImportAsync(ct).ConfigureAwait(false);
        }
        catch (ImportFailed failed)
        {
            await FailAsync(run.Link, failed.Message, ct).ConfigureAwait(false);
        }
        catch (ImportSuperseded)
        {
            LogSuperseded(request.Uid, request.ImportId);
            await CleanUpAfterAsync(request.Uid, ct).ConfigureAwait(false);
        }
        catch
        {
            // The message will be tried again: let that delivery (or a "sync now") take over at once, not a lease later.
            await run.ReleaseAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// This run found the binding changed under it, and may have written a page after an unbind's purge or an account
    /// deletion had already cleared the collection: redo that clean-up. The binding row disappears only with the
    /// account; an unbind leaves a marker that says whether to purge.
    /// </summary>
    private async Task CleanUpAfterAsync(string uid, CancellationToken ct)
    {
        var link = await StorageAsync(c => links.GetAsync(uid, c), ct).ConfigureAwait(false);
        if (link is null) await StorageAsync(async c => { await collections.DeleteUserDataAsync(uid, c).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
        else if (link is { Unbound: true, PurgeOnUnbind: true }) await StorageAsync(async c => { await collections.DeleteImportedAsync(uid, c).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
    }

    private async Task FailAsync(BangumiLinkEntity link, string reason, CancellationToken ct)
    {
        var importId = link.ImportId;
        while (true)
        {
            link.ImportStatus = ImportStatus.Failed;
            link.ImportError = reason;
            link.FinishedAt = time.GetUtcNow();
            link.LeaseUntil = null;
            if (await StorageAsync(c => links.TrySaveAsync(link, c), ct).ConfigureAwait(false)) return;
            var fresh = await StorageAsync(c => links.GetAsync(link.Uid, c), ct).ConfigureAwait(false);
            if (fresh is not { IsBound: true } || fresh.ImportId != importId) return;
            link = fresh;
        }
    }

    private sealed class ImportFailed(string reason) : Exception(reason);

    private sealed class ImportSuperseded : Exception;

    /// <summary>
    /// One run of one import: the binding row as last saved, and the user's items as last seen. Pages are pipelined:
    /// while one page is written, the next is already being fetched, so the import takes about as long as Bangumi
    /// takes to serve the pages. The binding row changes only under <see cref="_saving"/> (the main loop's progress and
    /// the heartbeat's renewals); the fetch in flight touches only the token, and a refresh it makes is merged by
    /// <see cref="SaveAsync"/>.
    /// </summary>
    private sealed class Run(BangumiImporter h, BangumiLinkEntity link)
    {
        private readonly SemaphoreSlim _saving = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private volatile bool _superseded;

        // Collection writes end only with the function, not when the heartbeat stops a superseded run: a write cut off
        // in flight may still be done by storage after the clean-up has read the collection, and would then stay.
        private CancellationToken _writes;
        private string _accessCipher = link.AccessTokenCipher;

        public BangumiLinkEntity Link { get; private set; } = link;

        private string Uid => Link.Uid;

        public async Task ImportAsync(CancellationToken ct)
        {
            _writes = ct;
            using var running = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            var heartbeat = HeartbeatAsync(running.Token);
            try
            {
                await ImportPagesAsync(running.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_superseded)
            {
                throw new ImportSuperseded();
            }
            finally
            {
                await running.CancelAsync().ConfigureAwait(false);
                await heartbeat.ConfigureAwait(false);
            }
        }

        /// <summary>Renews the lease while the run is alive, also while it waits on Bangumi; stops the run when it
        /// finds the run superseded. During a storage outage it simply tries again at the next tick.</summary>
        private async Task HeartbeatAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(h.Lease / 3, h.Time);
            try
            {
                while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                {
                    try
                    {
                        await SaveAsync(null, ct).ConfigureAwait(false);
                    }
                    catch (ImportSuperseded)
                    {
                        _superseded = true;
                        await _stop.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task ImportPagesAsync(CancellationToken ct)
        {
            var me = await CallAsync((token, c) => h.Client.GetMeAsync(token, c), ct).ConfigureAwait(false);
            await SaveAsync(l =>
            {
                l.BangumiUserId = me.Id;
                l.BangumiUsername = me.Username;
                l.BangumiNickname = me.Nickname;
            }, ct).ConfigureAwait(false);

            var existing = await h.StorageAsync(c => h.Collections.LoadAllAsync(Uid, c), ct).ConfigureAwait(false);
            Task<BangumiCollectionPage>? prefetch = null;
            try
            {
                while (Link.Total is null || Link.NextOffset < Link.Total)
                {
                    var offset = Link.NextOffset;
                    var page = await (prefetch ?? FetchAsync(me.Username, offset, ct)).ConfigureAwait(false);
                    // A page may hold fewer items than asked before the end (COLLECTIONS.md §3): step by the page size.
                    var following = offset + BangumiClient.PageSize;
                    prefetch = following < page.Total ? FetchAsync(me.Username, following, ct) : null;

                    var items = page.Data
                        .Where(i => i.SubjectType == 2 && i.Subject is not null && CollectionStatus.FromBangumiType(i.Type) is not null)
                        .DistinctBy(i => i.SubjectId)
                        .ToList();
                    await WriteAsync(items, existing).ConfigureAwait(false);
                    // Count, total and offset change together, so a run taken over never counts a page twice.
                    await SaveAsync(l =>
                    {
                        l.Imported += items.Count;
                        l.Total = page.Total;
                        l.NextOffset = following;
                    }, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                // Never leave a fetch running (and maybe refreshing tokens) behind a run that stopped.
                if (prefetch is not null) await Task.WhenAny(prefetch).ConfigureAwait(false);
            }

            await SaveAsync(l =>
            {
                l.ImportStatus = ImportStatus.Done;
                l.FinishedAt = h.Time.GetUtcNow();
                l.NextOffset = l.Total ?? 0;
            }, ct).ConfigureAwait(false);
        }

        /// <summary>Gives the lease back after a failure (best effort: storage may be what failed), so the message's
        /// next delivery or a "sync now" takes over at once.</summary>
        public async Task ReleaseAsync()
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _saving.WaitAsync(patience.Token).ConfigureAwait(false);
                try
                {
                    var fresh = await h.Links.GetAsync(Uid, patience.Token).ConfigureAwait(false);
                    if (fresh is null || fresh.RunId != Link.RunId || fresh.ImportStatus != ImportStatus.Running) return;
                    fresh.LeaseUntil = null;
                    await h.Links.TrySaveAsync(fresh, patience.Token).ConfigureAwait(false);
                }
                finally
                {
                    _saving.Release();
                }
            }
            catch (Exception e) when (e is OperationCanceledException || StorageOutage.Is(e))
            {
                // The lease then lapses by itself within one ImportLease.
            }
        }

        private Task<BangumiCollectionPage> FetchAsync(string username, int offset, CancellationToken ct) =>
            CallAsync((token, c) => h.Client.GetAnimeCollectionsAsync(token, username, offset, c), ct);

        private async Task WriteAsync(List<BangumiCollectionItem> items, Dictionary<string, CollectionEntity> existing)
        {
            var ct = _writes;
            if (items.Count == 0) return;
            var anime = items.Select(i => AnimeOf(i.Subject!)).ToList();
            await h.StorageAsync(async c => { await h.Catalog.UpsertImportedAsync(anime, c).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
            var byId = anime.ToDictionary(a => a.Id, StringComparer.Ordinal);

            var pending = items;
            for (var round = 0; pending.Count > 0; round++)
            {
                if (round > 0)
                {
                    // Lost a race with the user's own edits: read those items again and decide again.
                    foreach (var item in pending)
                    {
                        var id = AnimeEntity.BangumiIdOf(item.SubjectId);
                        if (await h.StorageAsync(c => h.Collections.GetAsync(Uid, id, c), ct).ConfigureAwait(false) is { } fresh) existing[id] = fresh;
                        else existing.Remove(id);
                    }
                }
                if (round > 10) throw new InvalidOperationException("Collection items kept changing during the import.");
                var writes = new List<CollectionWrite>();
                var itemOf = new Dictionary<CollectionWrite, BangumiCollectionItem>();
                foreach (var item in pending)
                {
                    var write = Decide(item, byId[AnimeEntity.BangumiIdOf(item.SubjectId)], existing.GetValueOrDefault(AnimeEntity.BangumiIdOf(item.SubjectId)));
                    if (write is null) continue;
                    writes.Add(write);
                    itemOf[write] = item;
                }
                // A retry after an answer storage lost finds its own writes already there: they come back as lost, are
                // read again and then need no write.
                var lost = await h.StorageAsync(c => h.Collections.SaveManyAsync(writes, c), ct).ConfigureAwait(false);
                foreach (var write in writes.Except(lost)) existing[write.Next.AnimeId] = write.Next;
                pending = lost.Select(w => itemOf[w]).ToList();
            }
        }

        private CollectionWrite? Decide(BangumiCollectionItem item, AnimeEntity anime, CollectionEntity? current)
        {
            var now = h.Time.GetUtcNow();
            var next = new CollectionEntity
            {
                PartitionKey = Link.PartitionKey,
                Status = CollectionStatus.FromBangumiType(item.Type)!,
                Score = item.Rate is >= 1 and <= 10 ? item.Rate : null,
                Comment = string.IsNullOrWhiteSpace(item.Comment) ? null : item.Comment.Trim(),
                EpisodesWatched = Math.Max(0, item.EpStatus),
                Private = item.Private,
                CreatedAt = current?.CreatedAt ?? now,
                UpdatedAt = item.UpdatedAt ?? DateTimeOffset.UnixEpoch,
                FromBangumi = true,
            };
            next.CopyAnime(anime);
            if (current is null) return new CollectionWrite(null, next);
            if (current.SameData(next) || current.UpdatedAt >= next.UpdatedAt) return null;
            return new CollectionWrite(current, next);
        }

        private static AnimeEntity AnimeOf(BangumiSubject s) => new()
        {
            RowKey = AnimeEntity.BangumiIdOf(s.Id),
            Name = Clip(FirstText(s.Name, s.NameCn) ?? $"Bangumi subject {s.Id}", AnimeCatalog.NameMaxLength),
            NameCn = FirstText(s.NameCn) is { } cn ? Clip(cn, AnimeCatalog.NameMaxLength) : null,
            Episodes = s.Eps > 0 ? s.Eps : null,
            AirDate = s.Date is { } d && AnimeCatalog.IsDate(d) ? d : null,
            Image = FirstText(s.Images?.Large, s.Images?.Common, s.Images?.Medium) is { } url && Accounts.AccountRules.IsHttpUrl(url) && url.Length <= AnimeCatalog.ImageMaxLength ? url : null,
            BangumiId = s.Id,
        };

        private static string? FirstText(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

        private static string Clip(string text, int max) => text.EnumerateRunes().Count() <= max ? text : string.Concat(text.EnumerateRunes().Take(max));

        /// <summary>
        /// Applies <paramref name="change"/> to the binding row, renews the lease and saves. When the row changed
        /// meanwhile, it is read again: a token refresh (ours or another worker's) is merged and the save retried; a
        /// new import, an unbind or another run taking over means this run is over.
        /// </summary>
        private async Task SaveAsync(Action<BangumiLinkEntity>? change, CancellationToken ct)
        {
            await _saving.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                change?.Invoke(Link);
                while (true)
                {
                    Link.LeaseUntil = Link.ImportStatus == ImportStatus.Running ? h.Time.GetUtcNow() + h.Lease : null;
                    if (await h.StorageAsync(c => h.Links.TrySaveAsync(Link, c), ct).ConfigureAwait(false)) return;
                    var fresh = await h.StorageAsync(c => h.Links.GetAsync(Uid, c), ct).ConfigureAwait(false);
                    if (fresh is not { IsBound: true } || fresh.ImportId != Link.ImportId || fresh.RunId != Link.RunId || fresh.ImportStatus != ImportStatus.Running)
                        throw new ImportSuperseded();
                    fresh.BangumiUserId = Link.BangumiUserId;
                    fresh.BangumiUsername = Link.BangumiUsername;
                    fresh.BangumiNickname = Link.BangumiNickname;
                    fresh.Imported = Link.Imported;
                    fresh.Total = Link.Total;
                    fresh.NextOffset = Link.NextOffset;
                    fresh.ImportStatus = Link.ImportStatus;
                    fresh.FinishedAt = Link.FinishedAt;
                    Link = fresh;
                }
            }
            finally
            {
                _saving.Release();
            }
        }

        /// <summary>One Bangumi call with the policy: refresh once on 401, back off on 429/5xx, fail on other 4xx.</summary>
        private async Task<T> CallAsync<T>(Func<string, CancellationToken, Task<BangumiResponse<T>>> call, CancellationToken ct)
        {
            var refreshed = false;
            for (var attempt = 1; ; attempt++)
            {
                var token = h.Cipher.Decrypt(_accessCipher, Uid, BangumiBinding.AccessField)
                    ?? throw new ImportFailed("The stored Bangumi token cannot be read; bind your Bangumi account again.");
                var response = await call(token, ct).ConfigureAwait(false);
                TimeSpan? retryAfter = response.RetryAfter;
                string? reason = response.Reason;
                switch (response.Outcome)
                {
                    case BangumiOutcome.Ok:
                        return response.Value!;
                    case BangumiOutcome.Rejected:
                        throw new ImportFailed(response.Reason ?? "Bangumi refused the request.");
                    case BangumiOutcome.Unauthorized when refreshed:
                        throw new ImportFailed((response.Reason ?? "Bangumi refused the token") + " It did so after a refresh too; bind your Bangumi account again.");
                    case BangumiOutcome.Unauthorized:
                        var refresh = await h.Refresher.RefreshAsync(Uid, _accessCipher, ct).ConfigureAwait(false);
                        if (refresh.Unbound) throw new ImportSuperseded();
                        if (refresh.Reauthorize) throw new ImportFailed(refresh.Failure!);
                        if (refresh.Link is { } fresh)
                        {
                            if (fresh.ImportId != Link.ImportId) throw new ImportSuperseded();
                            _accessCipher = fresh.AccessTokenCipher;
                            refreshed = true;
                            attempt--; // the refresh is not a failed try of the request
                            continue;
                        }
                        reason = refresh.Failure;
                        retryAfter = refresh.RetryAfter;
                        break;
                }
                if (attempt >= h.Options.MaxAttempts)
                    throw new ImportFailed($"{reason} Gave up after {attempt} tries.");
                var backoff = h.Options.RetryBaseDelay * Math.Pow(2, attempt - 1) * (0.8 + 0.4 * Random.Shared.NextDouble());
                var wait = retryAfter is { } asked && asked > backoff ? asked : backoff;
                if (wait > h.Options.MaxRetryDelay) wait = h.Options.MaxRetryDelay;
                h.LogRetry(Uid, reason, attempt, wait);
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bangumi import {ImportId} of {Uid} was superseded or unbound; this run stops")]
    private partial void LogSuperseded(string uid, string importId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bangumi import: storage is unavailable ({Reason}); trying again in {Wait}")]
    private static partial void LogStorageOutage(ILogger logger, string? reason, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bangumi import of {Uid}: {Reason} (try {Attempt}); retrying in {Wait}")]
    private partial void LogRetry(string uid, string? reason, int attempt, TimeSpan wait);
}
