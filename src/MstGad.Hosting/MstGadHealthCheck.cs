using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MstGad.Hosting;

/// <summary>
/// The hosted detector's health: Unhealthy when it is not running or scoring is not keeping up (records waiting
/// and the queue not empty for <see cref="MstGadHostOptions.HealthQueueDelay"/>); Degraded when the watermark has not
/// moved for <see cref="MstGadHostOptions.HealthWatermarkStall"/> or checkpoints are on and the newest is older than
/// <see cref="MstGadHostOptions.HealthCheckpointAge"/>; Healthy otherwise. The data holds the figures behind it.
/// Register it with <see cref="MstGadServiceCollectionExtensions.AddMstGad(Microsoft.Extensions.DependencyInjection.IHealthChecksBuilder, string)"/>.
/// </summary>
public sealed class MstGadHealthCheck : IHealthCheck
{
    private readonly MstGadMonitor _monitor;

    /// <summary>Creates the check of a monitor.</summary>
    /// <param name="monitor">The hosted detector.</param>
    public MstGadHealthCheck(MstGadMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        _monitor = monitor;
    }

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = _monitor.Status;
        var options = _monitor.Options;
        var now = _monitor.Now;
        var data = new Dictionary<string, object>
        {
            ["state"] = status.State.ToString(),
            ["queued_records"] = status.QueuedRecords,
            ["records_received"] = status.RecordsReceived,
            ["records_rejected"] = status.RecordsRejected,
            ["steps_closed"] = status.StepsClosed,
            ["open_incidents"] = status.OpenIncidents,
        };
        if (status.Watermark is { } watermark)
        {
            data["watermark"] = watermark.ToString("O", CultureInfo.InvariantCulture);
        }

        if (status.LastCheckpoint is { } checkpoint)
        {
            data["last_checkpoint"] = checkpoint;
        }

        if (status.State != MstGadState.Running)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"MstGad is not running: {status.State}.", data: data));
        }

        var problems = new List<string>();
        var unhealthy = false;
        if (status.QueuedRecords > 0 && status.QueueEmptyAt is { } empty && now - empty >= options.HealthQueueDelay)
        {
            unhealthy = true;
            problems.Add(Format($"scoring is not keeping up: {status.QueuedRecords} records queued, the queue last empty {(now - empty).TotalSeconds:F0} s ago"));
        }

        if (status.WatermarkMovedAt is { } moved && now - moved >= options.HealthWatermarkStall)
        {
            problems.Add(Format($"the watermark has not moved for {(now - moved).TotalSeconds:F0} s"));
        }

        if (!string.IsNullOrEmpty(options.CheckpointDirectory) && status.LastCheckpointAt is { } at && now - at >= options.HealthCheckpointAge)
        {
            problems.Add(Format($"the newest checkpoint is {(now - at).TotalSeconds:F0} s old"));
        }

        if (problems.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("MstGad is scoring.", data));
        }

        var description = "MstGad: " + string.Join("; ", problems) + ".";
        return Task.FromResult(unhealthy ? HealthCheckResult.Unhealthy(description, data: data) : HealthCheckResult.Degraded(description, data: data));
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
