using MstGad.Features;
using MstGad.Hosting;

namespace MstGad.Orleans;

/// <summary>
/// The grain of one monitored system (its key: the system's name). It owns the system's <see cref="OnlineDetector"/>,
/// loaded from the silo's <see cref="IMstGadModelStore"/>, keeps its checkpoint as grain state, and tells its
/// observers every closed step.
/// </summary>
[Alias("MstGad.Orleans.IMonitoredSystemGrain")]
public interface IMonitoredSystemGrain : IGrainWithStringKey
{
    /// <summary>Pushes one delivery of records into the system's detector.</summary>
    /// <param name="delivery">The records, and who sent them under which number.</param>
    /// <returns>What was done with it, and which of its sender's deliveries are now safe in the checkpoint.</returns>
    [Alias("Ingest")]
    Task<IngestReceipt> IngestAsync(TelemetryDelivery delivery);

    /// <summary>Writes a checkpoint now and answers as to a delivery of <paramref name="sender"/>: which of its
    /// deliveries the checkpoint has (a sender that stops sends this last, and sends again what a lost activation
    /// had not checkpointed).</summary>
    /// <param name="sender">The sender.</param>
    /// <returns>The receipt (<see cref="IngestStatus.Accepted"/>).</returns>
    [Alias("Flush")]
    Task<IngestReceipt> FlushAsync(string sender);

    /// <summary>Writes a checkpoint now (also done on the configured schedule and when the grain deactivates).</summary>
    /// <returns>The system's status after it.</returns>
    [Alias("Checkpoint")]
    Task<MonitoredSystemStatus> CheckpointAsync();

    /// <summary>Loads the newest model of the system from the store and, when it is another version than the one in
    /// use, rolls it out: the new model runs beside the live one on every record from now on; the live one goes on
    /// scoring and telling every step (the open ones included) until the new one has closed a step with a whole window
    /// of its own, and the new one tells every step after it. No step is lost or told twice. A roll-out under way is
    /// resumed by the next activation.</summary>
    /// <returns>The system's status after it.</returns>
    [Alias("RollOut")]
    Task<MonitoredSystemStatus> RollOutAsync();

    /// <summary>The system's status: its model, watermark, what its records became, and its checkpoints.</summary>
    /// <returns>The status.</returns>
    [Alias("GetStatus")]
    Task<MonitoredSystemStatus> GetStatusAsync();

    /// <summary>Subscribes an observer to the system's closed steps; subscribe again within
    /// <see cref="MstGadClusterOptions.ObserverExpiry"/>. Subscriptions are grain state: a new activation of the grain
    /// (after its silo was lost) tells the same observers.</summary>
    /// <param name="observer">The observer (a reference made with <c>IGrainFactory.CreateObjectReference</c>).</param>
    /// <returns>A task.</returns>
    [Alias("Subscribe")]
    Task SubscribeAsync(ISystemVerdictObserver observer);

    /// <summary>Removes an observer.</summary>
    /// <param name="observer">The observer.</param>
    /// <returns>A task.</returns>
    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(ISystemVerdictObserver observer);
}

/// <summary>
/// Decodes nothing and keeps nothing: splits a batch of records by monitored system and hands each part to its
/// system's grain. A stateless worker, so every silo runs as many as it needs, next to the caller.
/// </summary>
[Alias("MstGad.Orleans.ITelemetryRouterGrain")]
public interface ITelemetryRouterGrain : IGrainWithIntegerKey
{
    /// <summary>Routes records to their systems' grains (a record's system and its instance name there:
    /// <see cref="MstGadClusterOptions.Route"/>).</summary>
    /// <param name="delivery">The records (any sender tag is ignored: a routed batch is split).</param>
    /// <returns>Per system, the grain's receipt.</returns>
    [Alias("Route")]
    Task<IReadOnlyDictionary<string, IngestReceipt>> RouteAsync(TelemetryDelivery delivery);
}

/// <summary>Receives the closed steps of the systems it subscribed to: every step at least once, in step order per
/// system; a step is sent again until the call returns (kept with the grain's checkpoint, so the loss of a silo does
/// not lose it), and told again, the same, when a grain that restored an older checkpoint closes it anew. Take a
/// step by its system and number (<c>closed.Step.Step</c>).</summary>
[Alias("MstGad.Orleans.ISystemVerdictObserver")]
public interface ISystemVerdictObserver : IGrainObserver
{
    /// <summary>A step of a system closed. Return quickly: the grain sends this observer's next step when this
    /// one's call has returned.</summary>
    /// <param name="closed">The step and its verdicts.</param>
    /// <returns>A task; the step counts as taken when it completes.</returns>
    [Alias("OnStepClosed")]
    Task OnStepClosedAsync(SystemStep closed);
}

/// <summary>One delivery of records to a monitored system's grain.</summary>
[GenerateSerializer]
[Alias("MstGad.Orleans.TelemetryDelivery")]
public sealed class TelemetryDelivery
{
    /// <summary>The sender's id, or <see langword="null"/> for an untagged delivery (taken as it comes, not
    /// de-duplicated, not acknowledged).</summary>
    [Id(0)]
    public string? Sender { get; init; }

    /// <summary>The delivery's number in its sender's count for this system: 0, 1, 2, … without gaps.</summary>
    [Id(1)]
    public long Sequence { get; init; }

    /// <summary>Whether the sender sends it again because the grain lost it (counted apart in the status).</summary>
    [Id(2)]
    public bool Resent { get; init; }

    /// <summary>Metric samples.</summary>
    [Id(3)]
    public IReadOnlyList<MetricSample> Metrics { get; init; } = [];

    /// <summary>Log records.</summary>
    [Id(4)]
    public IReadOnlyList<LogRecord> Logs { get; init; } = [];

    /// <summary>Spans.</summary>
    [Id(5)]
    public IReadOnlyList<Span> Spans { get; init; } = [];

    /// <summary>How many records it holds.</summary>
    public int Count => Metrics.Count + Logs.Count + Spans.Count;
}

/// <summary>What a system's grain did with a delivery.</summary>
public enum IngestStatus
{
    /// <summary>Pushed into the detector.</summary>
    Accepted = 0,

    /// <summary>Taken before (it is in the detector's state): ignored.</summary>
    Duplicate = 1,

    /// <summary>Not taken: the grain has not received every earlier delivery of this sender (after it restored a
    /// checkpoint, those after the checkpoint are gone). Send again from <see cref="IngestReceipt.Expected"/>.</summary>
    Gap = 2,

    /// <summary>Not taken: too many deliveries to this system are on their way from this silo
    /// (<see cref="MstGadClusterOptions.MaxDeliveriesInFlight"/>). Send it again a little later.</summary>
    Busy = 3,
}

/// <summary>A system's grain's answer to a delivery.</summary>
/// <param name="Status">What it did.</param>
/// <param name="Expected">The sender's next delivery the grain expects (for an untagged delivery, 0).</param>
/// <param name="Checkpointed">The sender's deliveries below this number are in the newest checkpoint: safe from a
/// silo's loss, the sender may forget them.</param>
/// <param name="Incarnation">Changes every time the grain activates (a new value after a silo was lost means the
/// deliveries since the checkpoint are gone).</param>
[GenerateSerializer]
[Alias("MstGad.Orleans.IngestReceipt")]
public sealed record IngestReceipt(
    [property: Id(0)] IngestStatus Status,
    [property: Id(1)] long Expected,
    [property: Id(2)] long Checkpointed,
    [property: Id(3)] Guid Incarnation);

/// <summary>A closed step of one monitored system.</summary>
/// <param name="System">The system.</param>
/// <param name="Step">The step: its time, whether it was scored, its verdicts and the calls seen in it.</param>
/// <param name="ModelVersion">The model version that scored it.</param>
/// <param name="Incidents">What the step did to the system's incidents (opened, updated, closed; the grain's
/// <see cref="IncidentTracker"/> with <see cref="MstGadClusterOptions.Incidents"/>, started afresh by each activation).</param>
[GenerateSerializer]
[Alias("MstGad.Orleans.SystemStep")]
public sealed record SystemStep(
    [property: Id(0)] string System,
    [property: Id(1)] StepVerdicts Step,
    [property: Id(2)] string ModelVersion,
    [property: Id(3)] IReadOnlyList<IncidentEvent> Incidents);

/// <summary>The status of one monitored system's grain. Every record of every accepted delivery is counted once under
/// what its push gave (<see cref="Pushed"/>), restored counts included: records lost with a silo and sent again count
/// once, in <see cref="Resent"/> as well.</summary>
/// <param name="System">The system.</param>
/// <param name="ModelVersion">The model version in use.</param>
/// <param name="Watermark">The newest event time the detector reached.</param>
/// <param name="StepsClosed">Steps closed by the detector in use (restored counts included; since its roll-out for a
/// model rolled out).</param>
/// <param name="StepsScored">Of them, steps scored (a full window).</param>
/// <param name="OpenSteps">Steps open now.</param>
/// <param name="Pushed">Records pushed, by what the push gave (a <see cref="PushResult"/> name → count).</param>
/// <param name="Accepted">Deliveries pushed, and their records.</param>
/// <param name="Duplicates">Deliveries ignored as taken before, and their records.</param>
/// <param name="Gaps">Deliveries refused because an earlier one was missing, and their records.</param>
/// <param name="Resent">Of the accepted, those sent again because an activation that had accepted them was lost
/// before its next checkpoint: the records a lost silo lost, recovered from their senders.</param>
/// <param name="Checkpoints">Checkpoints written.</param>
/// <param name="LastCheckpointWatermark">The watermark of the newest checkpoint.</param>
/// <param name="Restores">Activations that restored a checkpoint.</param>
/// <param name="UncleanRestores">Of them, those after an activation that ended without its final checkpoint (its silo
/// was lost: what it accepted after its last checkpoint was lost with it).</param>
/// <param name="RollOuts">Model versions rolled out to the live detector.</param>
/// <param name="Incarnation">This activation's id.</param>
/// <param name="RollingOutTo">The model version running beside the live one until it has a whole window, if any.</param>
/// <param name="Observers">Observers subscribed.</param>
/// <param name="UndeliveredSteps">Steps told that an observer has not yet taken (sent again until it does).</param>
/// <param name="DroppedSteps">Steps given up because an observer had <see cref="MstGadClusterOptions.MaxUndeliveredSteps"/> waiting.</param>
[GenerateSerializer]
[Alias("MstGad.Orleans.MonitoredSystemStatus")]
public sealed record MonitoredSystemStatus(
    [property: Id(0)] string System,
    [property: Id(1)] string ModelVersion,
    [property: Id(2)] DateTimeOffset? Watermark,
    [property: Id(3)] long StepsClosed,
    [property: Id(4)] long StepsScored,
    [property: Id(5)] int OpenSteps,
    [property: Id(6)] IReadOnlyDictionary<string, long> Pushed,
    [property: Id(7)] Tally Accepted,
    [property: Id(8)] Tally Duplicates,
    [property: Id(9)] Tally Gaps,
    [property: Id(10)] Tally Resent,
    [property: Id(11)] long Checkpoints,
    [property: Id(12)] DateTimeOffset? LastCheckpointWatermark,
    [property: Id(13)] long Restores,
    [property: Id(14)] long UncleanRestores,
    [property: Id(15)] long RollOuts,
    [property: Id(16)] Guid Incarnation,
    [property: Id(17)] string? RollingOutTo,
    [property: Id(18)] int Observers,
    [property: Id(19)] long UndeliveredSteps,
    [property: Id(20)] long DroppedSteps)
{
    /// <summary>Records pushed, whatever the push gave.</summary>
    public long RecordsPushed => Pushed.Values.Sum();
}

/// <summary>A count of deliveries and of the records in them.</summary>
/// <param name="Deliveries">Deliveries.</param>
/// <param name="Records">Records.</param>
[GenerateSerializer]
[Alias("MstGad.Orleans.Tally")]
public readonly record struct Tally([property: Id(0)] long Deliveries, [property: Id(1)] long Records)
{
    /// <summary>This tally with one delivery of <paramref name="records"/> records more.</summary>
    /// <param name="records">The delivery's records.</param>
    /// <returns>The new tally.</returns>
    public Tally Add(long records) => new(Deliveries + 1, Records + records);
}
