using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MstGad.Features;
using MstGad.Hosting;

namespace MstGad.Orleans;

/// <summary>The grain of one monitored system (<see cref="IMonitoredSystemGrain"/>).</summary>
internal sealed partial class MonitoredSystemGrain : Grain, IMonitoredSystemGrain, IDisposable
{
    private readonly MstGadClusterOptions _options;
    private readonly DetectorCache _detectors;
    private readonly IPersistentState<MonitoredSystemState> _state;
    private readonly VerdictOutbox _observers;
    private readonly IncidentTracker _incidents;
    private readonly ILogger _logger;
    private readonly Guid _incarnation = Guid.NewGuid();
    private MonitoredSystemState _live = new();
    private OnlineDetector? _online;
    private Detector? _detector;
    private string _version = "";
    private int _sinceCheckpoint;
    private OnlineDetector? _incoming;
    private string? _incomingVersion;
    private long? _incomingReady;
    private DateTimeOffset? _watermarkAtArrival;
    private DateTime _lastArrivalAt = DateTime.UtcNow;

    public MonitoredSystemGrain(IOptions<MstGadClusterOptions> options, DetectorCache detectors, IPersistentStateFactory states, IGrainContext context, ILogger<MonitoredSystemGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(states);
        _options = options.Value;
        _detectors = detectors;
        _logger = logger;
        _state = states.Create<MonitoredSystemState>(context, new StateConfiguration("system", _options.StorageName));
        _observers = new VerdictOutbox(_options.ObserverExpiry, _options.MaxUndeliveredSteps);
        _incidents = new IncidentTracker(_options.Incidents);
    }

    private string System => this.GetPrimaryKeyString();

    private OnlineDetector Online => _online ?? throw new InvalidOperationException($"The grain of system '{System}' has no detector.");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _state.ReadStateAsync(cancellationToken).ConfigureAwait(true);
        var state = _state.State;
        var store = _options.ModelStore!;
        ModelVersion? version = null;
        if (state.Checkpoint is not null && state.ModelVersion is not null)
        {
            version = await store.GetAsync(System, state.ModelVersion, cancellationToken).ConfigureAwait(true)
                ?? throw new InvalidOperationException($"System '{System}': its checkpoint was made with model version '{state.ModelVersion}', which the model store no longer has; put it back, or clear the system's grain state to start afresh.");
        }

        version ??= await store.GetNewestAsync(System, cancellationToken).ConfigureAwait(true)
            ?? throw new InvalidOperationException($"System '{System}': the model store has no model for it.");
        (_detector, _) = _detectors.Get(version);
        _version = version.Version;
        if (state.Checkpoint is { } checkpoint)
        {
            _online = OnlineDetector.Restore(_detector, new MemoryStream(checkpoint, writable: false), _options.CreateOnlineOptions());
            state.Restores++;
            if (state.Open)
            {
                state.UncleanRestores++;
                LogUncleanRestore(System, state.LastCheckpointWatermark);
            }
        }
        else
        {
            _online = new OnlineDetector(_detector, _options.CreateOnlineOptions());
        }

        _online.StepClosed += OnStepClosed;
        _observers.Load(state.Observers, DateTime.UtcNow);
        state.Observers = _observers.Save();

        state.ModelVersion = _version;
        state.Open = true;
        await _state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        _live = state.Copy();
        _live.Checkpoint = state.Checkpoint = null;
        if (state.RollingOutTo is { } pending && pending != _version)
        {
            // A roll-out was under way when the last activation ended: start it again (the new model needs a whole
            // window of records from now on).
            if (await store.GetAsync(System, pending, cancellationToken).ConfigureAwait(true) is { } resumed)
            {
                StartRollOut(resumed);
            }
            else
            {
                _live.RollingOutTo = null;
            }
        }

        this.RegisterGrainTimer(ScheduledCheckpointAsync, _options.CheckpointPeriod, _options.CheckpointPeriod);
        this.RegisterGrainTimer(() =>
        {
            Deliver();
            return Task.CompletedTask;
        }, TimeSpan.Zero, _options.ObserverRetryPeriod);
        if (_options.IdleAdvanceAfter > TimeSpan.Zero)
        {
            var tick = TimeSpan.FromTicks(Math.Clamp(_options.IdleAdvanceAfter.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond * 5));
            this.RegisterGrainTimer(AdvanceIfIdleAsync, tick, tick);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_online is not null)
        {
            try
            {
                await WriteCheckpointAsync(open: false, cancellationToken).ConfigureAwait(true);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // E.g. Orleans' memory storage, whose grains a shutting-down silo may deactivate first. The stored
                // state stays the last checkpoint, marked open: the next activation counts an unclean restore.
                LogFinalCheckpointFailed(System, ex.Message);
            }

            _online.StepClosed -= OnStepClosed;
            _online.Dispose();
            _online = null;
        }

        _incoming?.Dispose();
        _incoming = null;
    }

    public async Task<IngestReceipt> IngestAsync(TelemetryDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var state = _live;
        long expected = 0;
        if (delivery.Sender is { } sender)
        {
            if (!DeliveryTag.IsSender(sender))
            {
                throw new ArgumentException($"'{sender}' is not a usable sender id (1 to 128 letters, digits, '-', '_', '.', ':').", nameof(delivery));
            }

            expected = state.Expected.GetValueOrDefault(sender);
            if (delivery.Sequence < expected)
            {
                state.Duplicates = state.Duplicates.Add(delivery.Count);
                return Receipt(IngestStatus.Duplicate, sender);
            }

            if (delivery.Sequence > expected)
            {
                state.Gaps = state.Gaps.Add(delivery.Count);
                return Receipt(IngestStatus.Gap, sender);
            }
        }

        Push(delivery);
        _watermarkAtArrival = Online.Watermark;
        _lastArrivalAt = DateTime.UtcNow;
        state.Accepted = state.Accepted.Add(delivery.Count);
        if (delivery.Resent)
        {
            state.Resent = state.Resent.Add(delivery.Count);
        }

        if (delivery.Sender is { } taken)
        {
            state.Expected[taken] = expected + 1;
        }

        // Only now, with the delivery counted as taken, may a checkpoint be written (the hand-over writes one).
        _sinceCheckpoint++;
        await HandOverIfReadyAsync().ConfigureAwait(true);
        if (_options.CheckpointEveryDeliveries > 0 && _sinceCheckpoint >= _options.CheckpointEveryDeliveries)
        {
            await WriteCheckpointAsync(open: true, CancellationToken.None).ConfigureAwait(true);
        }

        return Receipt(IngestStatus.Accepted, delivery.Sender);
    }

    public async Task<IngestReceipt> FlushAsync(string sender)
    {
        ArgumentException.ThrowIfNullOrEmpty(sender);
        await WriteCheckpointAsync(open: true, CancellationToken.None).ConfigureAwait(true);
        return Receipt(IngestStatus.Accepted, sender);
    }

    public async Task<MonitoredSystemStatus> CheckpointAsync()
    {
        await WriteCheckpointAsync(open: true, CancellationToken.None).ConfigureAwait(true);
        return Status();
    }

    public async Task<MonitoredSystemStatus> RollOutAsync()
    {
        var newest = await _options.ModelStore!.GetNewestAsync(System).ConfigureAwait(true)
            ?? throw new InvalidOperationException($"System '{System}': the model store has no model for it.");
        if (newest.Version == _version || newest.Version == _incomingVersion)
        {
            return Status();
        }

        StartRollOut(newest);
        _live.RollingOutTo = newest.Version;
        await WriteCheckpointAsync(open: true, CancellationToken.None).ConfigureAwait(true);
        return Status();
    }

    /// <summary>
    /// Starts the new model beside the live one: both get every record from now on; the live one keeps scoring and
    /// telling its steps (the open ones included) until the new one has closed a step with a whole window of its own,
    /// and from the next step on the new one tells. No step is lost or told twice, and no record is kept for it.
    /// </summary>
    private void StartRollOut(ModelVersion version)
    {
        var (detector, _) = _detectors.Get(version);
        _incoming?.Dispose();
        _incoming = new OnlineDetector(detector, _options.CreateOnlineOptions());
        _incoming.StepClosed += OnIncomingStepClosed;
        _incomingVersion = version.Version;
        _incomingReady = null;
    }

    /// <summary>Notes the first step the incoming model scored (its first whole window).</summary>
    private void OnIncomingStepClosed(object? sender, StepClosedEventArgs e)
    {
        if (e.Verdicts.Scored)
        {
            _incomingReady ??= e.Verdicts.Step;
        }
    }

    /// <summary>Hands over to the incoming model once it has a whole window (after a delivery: both saw all of it).</summary>
    private async Task HandOverIfReadyAsync()
    {
        if (_incoming is null || _incomingReady is null)
        {
            return;
        }

        var old = Online;
        old.StepClosed -= OnStepClosed;
        old.Dispose();
        _online = _incoming;
        _online.StepClosed -= OnIncomingStepClosed;
        _online.StepClosed += OnStepClosed;
        _version = _incomingVersion!;
        LogRolledOut(System, _version, _incomingReady.Value);
        (_incoming, _incomingVersion, _incomingReady) = (null, null, null);
        _live.RollOuts++;
        _live.RollingOutTo = null;
        await WriteCheckpointAsync(open: true, CancellationToken.None).ConfigureAwait(true);
    }

    public void Dispose()
    {
        _online?.Dispose();
        _online = null;
        _incoming?.Dispose();
        _incoming = null;
    }

    public Task<MonitoredSystemStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task SubscribeAsync(ISystemVerdictObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, DateTime.UtcNow);
        return WriteCheckpointAsync(open: true, CancellationToken.None);
    }

    public Task UnsubscribeAsync(ISystemVerdictObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return _observers.Unsubscribe(observer) ? WriteCheckpointAsync(open: true, CancellationToken.None) : Task.CompletedTask;
    }

    private void Push(TelemetryDelivery delivery)
    {
        var online = Online;
        var pushed = _live.Pushed;
        var incoming = _incoming;
        foreach (var sample in delivery.Metrics)
        {
            Count(pushed, online.Push(sample));
            incoming?.Push(sample);
        }

        foreach (var log in delivery.Logs)
        {
            Count(pushed, online.Push(log));
            incoming?.Push(log);
        }

        foreach (var span in delivery.Spans)
        {
            Count(pushed, online.Push(span));
            incoming?.Push(span);
        }
    }

    private static void Count(Dictionary<string, long> pushed, PushResult result)
    {
        var name = result.ToString();
        pushed[name] = pushed.GetValueOrDefault(name) + 1;
    }

    private void OnStepClosed(object? sender, StepClosedEventArgs e)
    {
        var told = new SystemStep(System, e.Verdicts, _version, _incidents.Observe(e.Verdicts));
        _observers.Tell(told, DateTime.UtcNow);
        Deliver();
    }

    private void Deliver() => _observers.Deliver((observer, step) => observer.OnStepClosedAsync(step), ex => LogObserverFailed(ex, System));

    /// <summary>In a quiet period, moves event time on at the speed of the clock from the last delivery's watermark.</summary>
    private async Task AdvanceIfIdleAsync()
    {
        var idle = DateTime.UtcNow - _lastArrivalAt;
        if (_watermarkAtArrival is not { } watermark || idle < _options.IdleAdvanceAfter)
        {
            return;
        }

        var target = watermark + idle;
        var moved = Online.AdvanceTo(target);
        _incoming?.AdvanceTo(target);
        if (moved)
        {
            _sinceCheckpoint++;
            await HandOverIfReadyAsync().ConfigureAwait(true);
        }
    }

    private async Task ScheduledCheckpointAsync(CancellationToken cancellationToken)
    {
        if (_sinceCheckpoint > 0)
        {
            await WriteCheckpointAsync(open: true, cancellationToken).ConfigureAwait(true);
        }
    }

    private async Task WriteCheckpointAsync(bool open, CancellationToken cancellationToken)
    {
        // The stored state changes only here, all at once: the checkpoint and the counts and senders' positions that
        // go with it (the live ones run ahead of it between checkpoints).
        var state = _live;
        using (var buffer = new MemoryStream())
        {
            Online.SaveCheckpoint(buffer);
            state.Checkpoint = buffer.ToArray();
        }

        state.ModelVersion = _version;
        state.Checkpoints++;
        state.LastCheckpointWatermark = Online.Watermark;
        state.Open = open;
        state.Observers = _observers.Save();
        // The stored state is what the receipts call checkpointed: it becomes the copy only once the copy is stored.
        var stored = _state.State;
        _state.State = state.Copy();
        try
        {
            await _state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        }
        catch
        {
            _state.State = stored;
            throw;
        }

        // Storage has the bytes; the next write makes new ones (every write of the state goes through here).
        _state.State.Checkpoint = state.Checkpoint = null;
        _sinceCheckpoint = 0;
    }

    /// <summary>A receipt: the sender's next expected delivery (live) and those in the stored checkpoint.</summary>
    private IngestReceipt Receipt(IngestStatus status, string? sender) => sender is null
        ? new IngestReceipt(status, 0, 0, _incarnation)
        : new IngestReceipt(status, _live.Expected.GetValueOrDefault(sender), _state.State.Expected.GetValueOrDefault(sender), _incarnation);

    private MonitoredSystemStatus Status()
    {
        var state = _live;
        var report = Online.Report;
        return new MonitoredSystemStatus(
            System, _version, report.Watermark, report.StepsClosed, report.StepsScored, report.OpenSteps,
            new Dictionary<string, long>(state.Pushed, StringComparer.Ordinal),
            state.Accepted, state.Duplicates, state.Gaps, state.Resent, state.Checkpoints, state.LastCheckpointWatermark,
            state.Restores, state.UncleanRestores, state.RollOuts, _incarnation, _incomingVersion,
            _observers.Count, _observers.Pending, _observers.Dropped);
    }

    [LoggerMessage(1, LogLevel.Warning, "System {System}: restored the checkpoint of {Watermark:O} after an activation that was lost; what it accepted since is gone unless its senders send it again")]
    private partial void LogUncleanRestore(string system, DateTimeOffset? watermark);

    [LoggerMessage(4, LogLevel.Warning, "System {System}: the checkpoint at deactivation could not be written ({Reason}); the next activation restores the one before")]
    private partial void LogFinalCheckpointFailed(string system, string reason);

    [LoggerMessage(3, LogLevel.Debug, "System {System}: an observer did not take a step; it is sent again")]
    private partial void LogObserverFailed(Exception exception, string system);

    [LoggerMessage(2, LogLevel.Information, "System {System}: model version {Version} took over after step {Step}, its first with a whole window")]
    private partial void LogRolledOut(string system, string version, long step);

    private sealed class StateConfiguration(string stateName, string storageName) : IPersistentStateConfiguration
    {
        public string StateName { get; } = stateName;

        public string StorageName { get; } = storageName;
    }
}
