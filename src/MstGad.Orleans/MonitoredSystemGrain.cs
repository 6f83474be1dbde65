using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MstGad.Features;
using MstGad.Hosting;
using Orleans.Utilities;

namespace MstGad.Orleans;

/// <summary>The grain of one monitored system (<see cref="IMonitoredSystemGrain"/>).</summary>
internal sealed partial class MonitoredSystemGrain : Grain, IMonitoredSystemGrain, IDisposable
{
    private readonly MstGadClusterOptions _options;
    private readonly DetectorCache _detectors;
    private readonly IPersistentState<MonitoredSystemState> _state;
    private readonly ObserverManager<ISystemVerdictObserver> _observers;
    private readonly ILogger _logger;
    private readonly Guid _incarnation = Guid.NewGuid();
    private readonly Queue<TimedRecord> _recent = new();
    private MonitoredSystemState _live = new();
    private OnlineDetector? _online;
    private Detector? _detector;
    private string _version = "";
    private int _sinceCheckpoint;
    private bool _replaying;
    private long _lastToldStep = long.MinValue;
    private readonly TimeSpan _lateness;

    public MonitoredSystemGrain(IOptions<MstGadClusterOptions> options, DetectorCache detectors, IPersistentStateFactory states, IGrainContext context, ILogger<MonitoredSystemGrain> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(states);
        _options = options.Value;
        _detectors = detectors;
        _logger = logger;
        _state = states.Create<MonitoredSystemState>(context, new StateConfiguration("system", _options.StorageName));
        _observers = new ObserverManager<ISystemVerdictObserver>(_options.ObserverExpiry, logger);
        _lateness = _options.CreateOnlineOptions().Lateness;
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
        foreach (var (sender, next) in state.Expected)
        {
            _checkpointed[sender] = next;
        }

        foreach (var (observer, since) in state.Observers.ToList())
        {
            if (DateTime.UtcNow - since < _options.ObserverExpiry)
            {
                _observers.Subscribe(observer, observer);
            }
            else
            {
                state.Observers.Remove(observer);
            }
        }

        state.ModelVersion = _version;
        state.Open = true;
        await _state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        _live = state.Copy();
        this.RegisterGrainTimer(ScheduledCheckpointAsync, _options.CheckpointPeriod, _options.CheckpointPeriod);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_online is not null)
        {
            await WriteCheckpointAsync(open: false, cancellationToken).ConfigureAwait(true);
            _online.StepClosed -= OnStepClosed;
            _online.Dispose();
            _online = null;
        }
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
        state.Accepted = state.Accepted.Add(delivery.Count);
        if (delivery.Resent)
        {
            state.Resent = state.Resent.Add(delivery.Count);
        }

        if (delivery.Sender is { } taken)
        {
            state.Expected[taken] = expected + 1;
        }

        if (_options.CheckpointEveryDeliveries > 0 && ++_sinceCheckpoint >= _options.CheckpointEveryDeliveries)
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
        if (newest.Version == _version)
        {
            return Status();
        }

        var (detector, _) = _detectors.Get(newest);
        var old = Online;
        var lastClosed = _lastToldStep;
        var next = new OnlineDetector(detector, _options.CreateOnlineOptions());
        next.StepClosed += OnStepClosed;
        _online = next;
        _detector = detector;
        _version = newest.Version;
        _replaying = true;
        try
        {
            // The records of the windows before the open steps and of the open steps themselves, in arrival order:
            // the new detector closes the steps the old one closed (not told again) and holds the open ones.
            foreach (var record in _recent)
            {
                PushOne(next, record.Record);
            }
        }
        finally
        {
            _replaying = false;
        }

        _lastToldStep = lastClosed;
        old.StepClosed -= OnStepClosed;
        old.Dispose();
        _live.RollOuts++;
        LogRolledOut(System, newest.Version, _recent.Count);
        await WriteCheckpointAsync(open: true, CancellationToken.None).ConfigureAwait(true);
        return Status();
    }

    public void Dispose()
    {
        _online?.Dispose();
        _online = null;
    }

    public Task<MonitoredSystemStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task SubscribeAsync(ISystemVerdictObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, observer);
        _live.Observers[observer] = _state.State.Observers[observer] = DateTime.UtcNow;
        return _state.WriteStateAsync();
    }

    public Task UnsubscribeAsync(ISystemVerdictObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        _live.Observers.Remove(observer);
        return _state.State.Observers.Remove(observer) ? _state.WriteStateAsync() : Task.CompletedTask;
    }

    private void Push(TelemetryDelivery delivery)
    {
        var online = Online;
        var pushed = _live.Pushed;
        foreach (var sample in delivery.Metrics)
        {
            Count(pushed, online.Push(sample));
            Remember(sample.Time, sample);
        }

        foreach (var log in delivery.Logs)
        {
            Count(pushed, online.Push(log));
            Remember(log.Time, log);
        }

        foreach (var span in delivery.Spans)
        {
            Count(pushed, online.Push(span));
            Remember(span.Start, span);
        }

        Forget();
    }

    private static void Count(Dictionary<string, long> pushed, PushResult result)
    {
        var name = result.ToString();
        pushed[name] = pushed.GetValueOrDefault(name) + 1;
    }

    private static PushResult PushOne(OnlineDetector online, object record) => record switch
    {
        MetricSample sample => online.Push(sample),
        LogRecord log => online.Push(log),
        Span span => online.Push(span),
        _ => throw new InvalidOperationException("Not a record: " + record),
    };

    /// <summary>Keeps a record for a roll-out (records of the last window and the open steps, in memory only).</summary>
    private void Remember(DateTimeOffset time, object record) => _recent.Enqueue(new TimedRecord(time, record));

    private void Forget()
    {
        if (_online?.Watermark is not { } watermark || _detector is null)
        {
            return;
        }

        var keep = watermark - ((_detector.Window + 2) * _detector.Interval) - _online.Interval - _lateness;
        while (_recent.TryPeek(out var oldest) && oldest.Time < keep)
        {
            _recent.Dequeue();
        }
    }

    private void OnStepClosed(object? sender, StepClosedEventArgs e)
    {
        var step = e.Verdicts;
        if (_replaying && step.Step <= _lastToldStep)
        {
            return;
        }

        _lastToldStep = Math.Max(_lastToldStep, step.Step);
        var told = new SystemStep(System, step, _version);
        _observers.Notify(o => o.OnStepClosed(told));
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
        _state.State = state.Copy();
        await _state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
        _sinceCheckpoint = 0;
        _checkpointed.Clear();
        foreach (var (sender, next) in state.Expected)
        {
            _checkpointed[sender] = next;
        }
    }

    private readonly Dictionary<string, long> _checkpointed = new(StringComparer.Ordinal);

    private IngestReceipt Receipt(IngestStatus status, string? sender) => sender is null
        ? new IngestReceipt(status, 0, 0, _incarnation)
        : new IngestReceipt(status, _live.Expected.GetValueOrDefault(sender), _checkpointed.GetValueOrDefault(sender), _incarnation);

    private MonitoredSystemStatus Status()
    {
        var state = _live;
        var report = Online.Report;
        return new MonitoredSystemStatus(
            System, _version, report.Watermark, report.StepsClosed, report.StepsScored, report.OpenSteps,
            new Dictionary<string, long>(state.Pushed, StringComparer.Ordinal),
            state.Accepted, state.Duplicates, state.Gaps, state.Resent, state.Checkpoints, state.LastCheckpointWatermark,
            state.Restores, state.UncleanRestores, state.RollOuts, _incarnation);
    }

    [LoggerMessage(1, LogLevel.Warning, "System {System}: restored the checkpoint of {Watermark:O} after an activation that was lost; what it accepted since is gone unless its senders send it again")]
    private partial void LogUncleanRestore(string system, DateTimeOffset? watermark);

    [LoggerMessage(2, LogLevel.Information, "System {System}: rolled out model version {Version} ({Records} recent records pushed into it)")]
    private partial void LogRolledOut(string system, string version, int records);

    private readonly record struct TimedRecord(DateTimeOffset Time, object Record);

    private sealed class StateConfiguration(string stateName, string storageName) : IPersistentStateConfiguration
    {
        public string StateName { get; } = stateName;

        public string StorageName { get; } = storageName;
    }
}
