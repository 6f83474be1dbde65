using MstGad.Features;

namespace MstGad.Hosting;

/// <summary>Records handed to <see cref="MstGadMonitor.Receive(TelemetryBatch)"/> together (e.g. one OTLP export request).</summary>
/// <remarks>The monitor keeps the batch until the scorer has pushed its records: do not change it after handing it over.</remarks>
public sealed class TelemetryBatch
{
    /// <summary>Metric samples.</summary>
    public IList<MetricSample> Metrics { get; } = new List<MetricSample>();

    /// <summary>Log records.</summary>
    public IList<LogRecord> Logs { get; } = new List<LogRecord>();

    /// <summary>Spans.</summary>
    public IList<Span> Spans { get; } = new List<Span>();

    /// <summary>
    /// The delivery this batch is, when the sender numbers its deliveries: then it is taken at most once, and the
    /// checkpoints remember it (see <see cref="DeliveryTag"/>). <see langword="null"/> (the default) for none.
    /// </summary>
    public DeliveryTag? Delivery { get; set; }

    /// <summary>How many records the batch holds.</summary>
    public int Count => Metrics.Count + Logs.Count + Spans.Count;
}

/// <summary>What <see cref="MstGadMonitor.Receive(TelemetryBatch)"/> did with a batch.</summary>
public enum ReceiveStatus
{
    /// <summary>Queued for the scorer: every record of it will be pushed (and used or counted under a reason).</summary>
    Accepted = 0,

    /// <summary>Refused whole: the queue holds <see cref="MstGadHostOptions.QueueCapacity"/> records; send it again later.</summary>
    QueueFull = 1,

    /// <summary>Refused whole: the monitor is stopping or stopped.</summary>
    Stopped = 2,

    /// <summary>
    /// Ignored: a batch with the same <see cref="TelemetryBatch.Delivery"/> tag was taken before (counted in
    /// <see cref="MstGadStatus.DuplicateDeliveries"/>). Answer it as accepted: its records were taken with the first
    /// copy (or, for a number given up by the ledger's bound on gaps, are no longer wanted).
    /// </summary>
    Duplicate = 3,
}

/// <summary>The state of the hosted detector.</summary>
public enum MstGadState
{
    /// <summary>The host has not started it yet (records are queued meanwhile).</summary>
    NotStarted = 0,

    /// <summary>Scoring.</summary>
    Running = 1,

    /// <summary>Stopped (after the host stopped).</summary>
    Stopped = 2,

    /// <summary>Starting failed (the model could not be loaded) or the scorer stopped on an error; see the log.</summary>
    Failed = 3,
}

/// <summary>A snapshot of the hosted detector (<see cref="MstGadMonitor.Status"/>).</summary>
/// <param name="State">Its state.</param>
/// <param name="Watermark">The newest event time reached, if any.</param>
/// <param name="QueuedRecords">Records waiting for the scorer.</param>
/// <param name="RecordsReceived">Records accepted since start.</param>
/// <param name="RecordsRejected">Records refused since start (queue full or stopped).</param>
/// <param name="StepsClosed">Steps closed since start.</param>
/// <param name="LastStepEnd">The end of the newest closed step.</param>
/// <param name="OpenIncidents">Incidents open now.</param>
/// <param name="RestoredFrom">The checkpoint restored at start, if any.</param>
/// <param name="LastCheckpoint">The newest checkpoint written or restored, if any.</param>
/// <param name="LastCheckpointAt">When it was written or restored (clock time).</param>
/// <param name="WatermarkMovedAt">When the watermark last moved (clock time; the start when it has not).</param>
/// <param name="QueueEmptyAt">When the scorer last found the queue empty (clock time).</param>
/// <param name="DuplicateDeliveries">Batches ignored since start because their delivery tag was taken before.</param>
public sealed record MstGadStatus(
    MstGadState State,
    DateTimeOffset? Watermark,
    long QueuedRecords,
    long RecordsReceived,
    long RecordsRejected,
    long StepsClosed,
    DateTimeOffset? LastStepEnd,
    int OpenIncidents,
    string? RestoredFrom,
    string? LastCheckpoint,
    DateTimeOffset? LastCheckpointAt,
    DateTimeOffset? WatermarkMovedAt,
    DateTimeOffset? QueueEmptyAt,
    long DuplicateDeliveries);

/// <summary>
/// Receives the incidents of the hosted detector. Register implementations in the service collection; each
/// change (<see cref="IncidentChange.Opened"/>, <see cref="IncidentChange.Closed"/>) is delivered to every sink,
/// in order, on a delivery task of its own (a slow sink does not hold up scoring; an exception is logged,
/// counted and does not stop delivery).
/// </summary>
public interface IIncidentSink
{
    /// <summary>Takes one incident change.</summary>
    /// <param name="incident">The change.</param>
    /// <param name="cancellationToken">Cancelled when the host stops for good.</param>
    /// <returns>A task that completes when the change is handled.</returns>
    ValueTask OnIncidentAsync(IncidentEvent incident, CancellationToken cancellationToken);
}
