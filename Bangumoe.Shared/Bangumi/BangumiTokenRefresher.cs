using Microsoft.Extensions.Options;

namespace Bangumoe.Bangumi;

public sealed record RefreshResult(BangumiLinkEntity? Link, string? Failure = null, bool Reauthorize = false, bool Unbound = false, TimeSpan? RetryAfter = null);

/// <summary>
/// Refreshes a user's Bangumi tokens, never twice at once for one user: Bangumi rotates the refresh token and kills
/// the old one immediately (OAUTH.md §5), so a second concurrent refresh would fail and lose the binding. A worker
/// first takes a short lock on the binding row (an ETag-conditional write of <c>RefreshingUntil</c>); the others wait
/// for its result, which they notice as a changed access token.
/// </summary>
public sealed class BangumiTokenRefresher(BangumiLinkStore links, BangumiClient client, BangumiTokenCipher cipher, BangumiBinding binding, IOptions<BangumiOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <param name="staleAccessCipher">The encrypted access token that Bangumi just refused.</param>
    public async Task<RefreshResult> RefreshAsync(string uid, string staleAccessCipher, CancellationToken ct)
    {
        var lockTime = options.Value.RequestTimeout + TimeSpan.FromSeconds(5);
        var giveUpAt = time.GetUtcNow() + lockTime + lockTime;
        while (true)
        {
            var link = await links.GetAsync(uid, ct).ConfigureAwait(false);
            if (link is not { IsBound: true }) return new(null, "The Bangumi account was unbound.", Unbound: true);
            if (link.AccessTokenCipher != staleAccessCipher) return new(link); // someone else refreshed already
            if (link.NeedsReauthorization) return Reauthorize();
            var now = time.GetUtcNow();
            if (link.RefreshingUntil > now)
            {
                if (now > giveUpAt) return new(null, "Another refresh of the Bangumi token did not finish.");
                await Task.Delay(Poll, ct).ConfigureAwait(false);
                continue;
            }
            link.RefreshingUntil = now + lockTime;
            if (!await links.TrySaveAsync(link, ct).ConfigureAwait(false)) continue;
            return await RefreshHoldingLockAsync(link, ct).ConfigureAwait(false);
        }
    }

    private async Task<RefreshResult> RefreshHoldingLockAsync(BangumiLinkEntity link, CancellationToken ct)
    {
        var refreshToken = cipher.Decrypt(link.RefreshTokenCipher, link.Uid, BangumiBinding.RefreshField);
        var response = refreshToken is null
            ? new BangumiResponse<BangumiTokens>(BangumiOutcome.Rejected, null, "The stored refresh token cannot be read.")
            : await client.RefreshAsync(refreshToken, CancellationToken.None).ConfigureAwait(false);
        // Whatever happened, the outcome must land: after a successful rotation the old refresh token is dead, so the
        // new pair is the only one there is. Keep re-reading until the write goes through.
        while (true)
        {
            var now = time.GetUtcNow();
            if (response.Ok) binding.SetTokens(link, response.Value!, now);
            else
            {
                // A 4xx from a refresh means the user must authorize again (OAUTH.md §5); anything else is for later.
                link.NeedsReauthorization = response.Outcome == BangumiOutcome.Rejected;
                link.RefreshingUntil = null;
            }
            if (await links.TrySaveAsync(link, CancellationToken.None).ConfigureAwait(false)) break;
            var fresh = await links.GetAsync(link.Uid, CancellationToken.None).ConfigureAwait(false);
            if (fresh is not { IsBound: true }) return new(null, "The Bangumi account was unbound.", Unbound: true);
            link = fresh;
        }
        if (response.Ok) return new(link);
        return response.Outcome == BangumiOutcome.Rejected
            ? Reauthorize()
            : new(null, response.Reason, RetryAfter: response.RetryAfter);
    }

    private static RefreshResult Reauthorize() =>
        new(null, "Bangumi no longer accepts our authorization; bind your Bangumi account again.", Reauthorize: true);
}
