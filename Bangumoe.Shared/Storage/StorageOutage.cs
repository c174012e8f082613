using Azure;
using Polly;
using Polly.Retry;

namespace Bangumoe.Storage;

/// <summary>Telling a storage outage from other failures, and waiting one out.</summary>
public static class StorageOutage
{
    /// <summary>Storage refused or unreachable; Azure.Core wraps the last of its retries in an AggregateException.</summary>
    public static bool Is(Exception e) => e switch
    {
        RequestFailedException { Status: 0 or >= 500 } or HttpRequestException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(Is),
        _ => false,
    };

    /// <summary>
    /// Retries an operation for as long as storage is out, backing off to <paramref name="maxDelay"/>, until the
    /// caller's token ends. For work that outlives a request (a queue run): a request answers 503 instead, but a run
    /// that waits goes on within seconds of storage coming back, where one that failed would wait for its message to
    /// become visible again.
    /// </summary>
    public static ResiliencePipeline WaitOut(TimeProvider time, TimeSpan maxDelay, Action<Exception?, TimeSpan> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(Is),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = maxDelay,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception, args.RetryDelay);
                    return default;
                },
            })
            .Build();
}
