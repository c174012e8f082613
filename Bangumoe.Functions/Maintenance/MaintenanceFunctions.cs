using Bangumoe.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Bangumoe.Functions.Maintenance;

/// <summary>Housekeeping on a timer. The local host runs no timers (README, "Configuration"); in Azure this runs hourly.</summary>
public sealed class MaintenanceFunctions(ExpiredRowSweeper sweeper)
{
    /// <summary>Hourly, at a minute of its own: deletes single-use records a day past their expiry.</summary>
    [Function("SweepExpiredRows")]
    public Task Sweep([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken ct) => sweeper.SweepAsync(ct);
}
