using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MstGad.Features;

namespace MstGad.Hosting;

/// <summary>
/// The hosted detector: records go in through <see cref="Receive(TelemetryBatch)"/> (from any thread, never
/// blocking), verdicts and incidents come out through <see cref="ReadVerdictsAsync"/>, <see cref="ReadIncidentsAsync"/>
/// and the registered <see cref="IIncidentSink"/>s. Registered as a singleton by
/// <see cref="MstGadServiceCollectionExtensions.AddMstGad(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{MstGadHostOptions})"/>;
/// a hosted service starts and stops it with the host.
/// </summary>
/// <remarks>
/// <para>
/// One scoring task owns the <see cref="OnlineDetector"/>: it pushes the queued batches in the order they were
/// accepted, moves the watermark in quiet periods (<see cref="MstGadHostOptions.IdleAdvanceAfter"/>), writes a
/// checkpoint every <see cref="MstGadHostOptions.CheckpointInterval"/> and at shutdown (after pushing every
/// accepted record), and at start restores the newest checkpoint that loads (a corrupt one, or one made with
/// another detector, is logged, counted, renamed to <c>*.rejected</c> and skipped; nothing is half-loaded).
/// Incidents are not part of a checkpoint: after a restart, an incident still running opens again.
/// </para>
/// <para>
/// Self-telemetry: the <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="ActivitySource"/> named
/// <see cref="TelemetryName"/> (instruments listed in docs/hosting.md), log event ids 5201–5212, and
/// <see cref="MstGadHealthCheck"/>.
/// </para>
/// </remarks>
public sealed partial class MstGadMonitor : ITelemetryReceiver, IDisposable
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> and of the <see cref="ActivitySource"/>.</summary>
    public const string TelemetryName = "MstGad.Hosting";

    private int _disposed;

    /// <summary>The file name pattern of checkpoints in <see cref="MstGadHostOptions.CheckpointDirectory"/>.</summary>
    internal const string CheckpointPattern = "checkpoint-*.mstgad-checkpoint";

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly MstGadHostOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IIncidentSink[] _sinks;
    private readonly HostingInstruments _instruments;
    private readonly Channel<TelemetryBatch> _queue = Channel.CreateUnbounded<TelemetryBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<IncidentEvent> _sinkQueue = Channel.CreateUnbounded<IncidentEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Subscribers<StepVerdicts> _verdictReaders;
    private readonly Subscribers<IncidentEvent> _incidentReaders;
    private readonly CancellationTokenSource _stopping = new();
    private readonly long[,] _pushCounts = new long[3, Enum.GetValues<PushResult>().Length];
    private readonly IncidentTracker _incidents;
    private readonly Lock _deliveryGate = new();
    private readonly HashSet<DeliveryTag> _queuedDeliveries = [];
    private DeliveryLedger _deliveries = new();
    private DeliveryLedger _checkpointedDeliveries = new();
    private long _duplicateDeliveries;
    private Detector? _detector;
    private OnlineDetector? _online;
    private Task _scorer = Task.CompletedTask;
    private Task _delivery = Task.CompletedTask;
    private long _queued;
    private long _received;
    private long _rejected;
    private long _stepsClosed;
    private long _lastStepEnd = long.MinValue;
    private long _checkpointSequence;
    private int _openIncidents;
    private int _rejecting;
    private volatile int _state;
    private string? _restoredFrom;
    private string? _lastCheckpoint;
    private long _lastCheckpointAt = long.MinValue;
    private long _watermarkMovedAt = long.MinValue;
    private long _queueEmptyAt = long.MinValue;
    private long _watermark = long.MinValue;
    private long _lastArrivalAt;
    private long _watermarkAtArrival = long.MinValue;

    internal MstGadMonitor(IOptions<MstGadHostOptions> options, TimeProvider timeProvider, ILoggerFactory loggerFactory, IEnumerable<IIncidentSink> sinks, System.Diagnostics.Metrics.IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("MstGad.Hosting");
        _sinks = [.. sinks];
        _incidents = new IncidentTracker(_options.Incidents);
        _instruments = new HostingInstruments(meterFactory, this);
        _verdictReaders = new Subscribers<StepVerdicts>(_options.SubscriberBufferCapacity, () => _instruments.SubscriberDropped("verdicts"));
        _incidentReaders = new Subscribers<IncidentEvent>(_options.SubscriberBufferCapacity, () => _instruments.SubscriberDropped("incidents"));
    }

    /// <summary>The state of the hosted detector.</summary>
    public MstGadState State => (MstGadState)_state;

    /// <summary>A snapshot of what the hosted detector is doing.</summary>
    public MstGadStatus Status => new(
        State,
        Time(Interlocked.Read(ref _watermark)),
        Interlocked.Read(ref _queued),
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _stepsClosed),
        Time(Interlocked.Read(ref _lastStepEnd)),
        Volatile.Read(ref _openIncidents),
        Volatile.Read(ref _restoredFrom),
        Volatile.Read(ref _lastCheckpoint),
        Time(Interlocked.Read(ref _lastCheckpointAt)),
        Time(Interlocked.Read(ref _watermarkMovedAt)),
        Time(Interlocked.Read(ref _queueEmptyAt)),
        Interlocked.Read(ref _duplicateDeliveries));

    /// <summary>The step interval of the loaded detector (after start).</summary>
    /// <exception cref="InvalidOperationException">Before the host started it.</exception>
    public TimeSpan Interval => _online?.Interval ?? throw new InvalidOperationException("The MstGad monitor has not started: no detector is loaded yet.");

    /// <summary>The loaded detector's threshold on <see cref="InstanceVerdict.Score"/> (after start).</summary>
    /// <exception cref="InvalidOperationException">Before the host started it.</exception>
    public double Threshold => _detector?.Threshold ?? throw new InvalidOperationException("The MstGad monitor has not started: no detector is loaded yet.");

    /// <summary>
    /// Queues a batch of records for the scorer, whole or not at all; never blocks. Accepted records are pushed in
    /// the order they were accepted, also when the host stops (they are scored and in the shutdown checkpoint).
    /// </summary>
    /// <param name="batch">The records (not changed afterwards by the caller). With a <see cref="TelemetryBatch.Delivery"/>
    /// tag, a batch whose tag was taken before (queued, or in the detector's state) is ignored and counted as a
    /// <see cref="ReceiveStatus.Duplicate"/>.</param>
    /// <returns><see cref="ReceiveStatus.Accepted"/>, or why it was not taken (counted either way).</returns>
    public ReceiveStatus Receive(TelemetryBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Delivery is { } tag)
        {
            // The check and the queueing happen under one lock, so two copies of a delivery sent at once are not both taken.
            lock (_deliveryGate)
            {
                if (_queuedDeliveries.Contains(tag) || _deliveries.Contains(tag))
                {
                    CountDuplicate(batch);
                    return ReceiveStatus.Duplicate;
                }

                var status = Enqueue(batch);
                if (status == ReceiveStatus.Accepted)
                {
                    _queuedDeliveries.Add(tag);
                }

                return status;
            }
        }

        return Enqueue(batch);
    }

    /// <summary>
    /// The deliveries of a sender that the detector has: those in its state (after a restart, the restored checkpoint's)
    /// and those queued. A sender that lost its connection re-sends every delivery this does not contain.
    /// </summary>
    /// <param name="sender">The sender's id (<see cref="DeliveryTag.Sender"/>).</param>
    /// <returns>The deliveries had; none for a sender never seen.</returns>
    public DeliveryState GetDeliveries(string sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        lock (_deliveryGate)
        {
            return new DeliveryState(
                sender,
                _deliveries.Get(sender, _queuedDeliveries.Where(t => t.Sender == sender).Select(t => t.Sequence)),
                _checkpointedDeliveries.Get(sender, []));
        }
    }

    private ReceiveStatus Enqueue(TelemetryBatch batch)
    {
        var count = batch.Count;
        if (_stopping.IsCancellationRequested || State is MstGadState.Stopped or MstGadState.Failed)
        {
            Refuse(batch, "stopped");
            return ReceiveStatus.Stopped;
        }

        if (Interlocked.Add(ref _queued, count) > _options.QueueCapacity && count > 0)
        {
            Interlocked.Add(ref _queued, -count);
            Refuse(batch, "queue_full");
            if (Interlocked.Exchange(ref _rejecting, 1) == 0)
            {
                LogQueueFull(_logger, _options.QueueCapacity);
            }

            return ReceiveStatus.QueueFull;
        }

        if (!_queue.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _queued, -count);
            Refuse(batch, "stopped");
            return ReceiveStatus.Stopped;
        }

        Volatile.Write(ref _rejecting, 0);
        Interlocked.Add(ref _received, count);
        _instruments.Received(batch);
        return ReceiveStatus.Accepted;
    }

    /// <summary>
    /// The verdicts of every step closed from this call on, in step order, until the host stops. Subscribes at the
    /// call (enumerate promptly); a reader more than <see cref="MstGadHostOptions.SubscriberBufferCapacity"/> steps
    /// behind loses the oldest (counted).
    /// </summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The steps' verdicts.</returns>
    public IAsyncEnumerable<StepVerdicts> ReadVerdictsAsync(CancellationToken cancellationToken = default) => _verdictReaders.Subscribe(cancellationToken);

    /// <summary>
    /// The incident changes from this call on, in order, until the host stops (subscribes at the call; a reader more
    /// than <see cref="MstGadHostOptions.SubscriberBufferCapacity"/> changes behind loses the oldest, counted).
    /// </summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The incident changes.</returns>
    public IAsyncEnumerable<IncidentEvent> ReadIncidentsAsync(CancellationToken cancellationToken = default) => _incidentReaders.Subscribe(cancellationToken);

    /// <summary>The incidents open now (a snapshot).</summary>
    public IReadOnlyList<Incident> OpenIncidents
    {
        get
        {
            lock (_incidents)
            {
                return _incidents.Open;
            }
        }
    }

    /// <summary>What the online detector used and did not use, and why (a snapshot); <see langword="null"/> before start.</summary>
    public OnlineReport? Report => _online?.Report;

    /// <inheritdoc/>
    public void Dispose()
    {
        // Once: a host disposes it as MstGadMonitor and again as its ITelemetryReceiver.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _queue.Writer.TryComplete();
        _online?.Dispose();
        _detector?.Dispose();
        _instruments.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Loads the detector, restores the newest good checkpoint and starts scoring and delivery.</summary>
    internal Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            _detector = Detector.Load(_options.ModelPath, _loggerFactory);
            _online = RestoreOrCreate(_detector);
        }
        catch (Exception ex)
        {
            _state = (int)MstGadState.Failed;
            LogStartFailed(_logger, ex, _options.ModelPath);
            throw;
        }

        _online.StepClosed += OnStepClosed;
        var now = _time.GetUtcNow().UtcTicks;
        _watermark = _online.Watermark?.UtcTicks ?? long.MinValue;
        _watermarkAtArrival = _watermark;
        _lastArrivalAt = now;
        _watermarkMovedAt = now;
        _queueEmptyAt = now;
        _state = (int)MstGadState.Running;
        var interval = _online.Interval;
        var watermark = Time(_watermark);
        LogStarted(_logger, _options.ModelPath, interval, _restoredFrom ?? "(none)", watermark);
        _delivery = Task.Run(DeliverAsync, CancellationToken.None);

        // The first tick is timed from the start, and every next one before the housekeeping of the last, so a clock
        // that is moved on after an effect of housekeeping is seen always reaches the next tick.
        var tick = Task.Delay(Tick, _time, CancellationToken.None);
        _scorer = Task.Run(() => ScoreAsync(tick), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Refuses new records, pushes every accepted one, writes the shutdown checkpoint and completes the streams.</summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _scorer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sinkQueue.Writer.TryComplete();
            _verdictReaders.Complete();
            _incidentReaders.Complete();
            try
            {
                await _delivery.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (_state == (int)MstGadState.Running)
                {
                    _state = (int)MstGadState.Stopped;
                }

                var status = Status;
                LogStopped(_logger, status.Watermark, status.RecordsReceived, status.RecordsRejected);
            }
        }
    }

    private OnlineDetector RestoreOrCreate(Detector detector)
    {
        var online = _options.ToOnline(_time, _loggerFactory);
        if (string.IsNullOrEmpty(_options.CheckpointDirectory))
        {
            return new OnlineDetector(detector, online);
        }

        Directory.CreateDirectory(_options.CheckpointDirectory);
        foreach (var (path, sequence) in Checkpoints(_options.CheckpointDirectory))
        {
            _checkpointSequence = Math.Max(_checkpointSequence, sequence);
        }

        foreach (var (path, _) in Checkpoints(_options.CheckpointDirectory))
        {
            try
            {
                var restored = OnlineDetector.Restore(detector, path, online, out var attachment);
                DeliveryLedger deliveries;
                try
                {
                    deliveries = DeliveryLedger.Read(attachment);
                }
                catch (InvalidDataException ex)
                {
                    restored.Dispose();
                    throw new InvalidDataException($"{path}: {ex.Message}", ex);
                }

                lock (_deliveryGate)
                {
                    _deliveries = deliveries;
                    _checkpointedDeliveries = DeliveryLedger.Read(attachment);
                }

                _restoredFrom = path;
                _lastCheckpoint = path;
                _lastCheckpointAt = _time.GetUtcNow().UtcTicks;
                _instruments.Checkpoint("restored");
                return restored;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                LogCheckpointRejected(_logger, path, ex.Message);
                _instruments.Checkpoint("rejected");
                TryRename(path, path + ".rejected");
            }
        }

        return new OnlineDetector(detector, online);
    }

    /// <summary>The checkpoints in a folder, newest (highest sequence) first.</summary>
    internal static IEnumerable<(string Path, long Sequence)> Checkpoints(string directory) =>
        Directory.EnumerateFiles(directory, CheckpointPattern)
            .Select(p => (Path: p, Sequence: long.TryParse(Path.GetFileName(p).AsSpan()["checkpoint-".Length..^".mstgad-checkpoint".Length], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : -1))
            .Where(c => c.Sequence >= 0)
            .OrderByDescending(c => c.Sequence)
            .ToList();

    private async Task ScoreAsync(Task tick)
    {
        var online = _online!;
        var reader = _queue.Reader;
        Task<bool>? waiting = null;
        try
        {
            while (true)
            {
                while (reader.TryRead(out var batch))
                {
                    Push(online, batch);
                    tick = HousekeepingWhenDue(online, tick); // under sustained load the queue may never run empty
                }

                Interlocked.Exchange(ref _queueEmptyAt, _time.GetUtcNow().UtcTicks);
                if (reader.Completion.IsCompleted)
                {
                    break;
                }

                waiting ??= reader.WaitToReadAsync().AsTask();
                await Task.WhenAny(waiting, tick).ConfigureAwait(false);
                tick = HousekeepingWhenDue(online, tick);

                if (waiting.IsCompleted)
                {
                    var more = await waiting.ConfigureAwait(false);
                    waiting = null;
                    if (!more && !reader.TryPeek(out _))
                    {
                        break;
                    }
                }
            }

            if (!string.IsNullOrEmpty(_options.CheckpointDirectory))
            {
                WriteCheckpoint(online);
            }
        }
        catch (Exception ex)
        {
            _state = (int)MstGadState.Failed;
            LogScorerFailed(_logger, ex);
            throw;
        }
    }

    /// <summary>
    /// Pushes a batch's records, merging the three kinds by event time (each kind's records in their own order), so
    /// that a batch spanning more than the lateness does not make one kind's records late because of another's.
    /// </summary>
    private void Push(OnlineDetector online, TelemetryBatch batch)
    {
        // A delivery taken before the start was checked against the ledger before the restored one replaced it: the
        // restored state may hold it already.
        if (batch.Delivery is { } delivery)
        {
            lock (_deliveryGate)
            {
                if (_deliveries.Contains(delivery))
                {
                    _queuedDeliveries.Remove(delivery);
                    Interlocked.Add(ref _queued, -batch.Count);
                    CountDuplicate(batch);
                    return;
                }
            }
        }

        var counts = _pushCounts;
        Array.Clear(counts);
        var metrics = batch.Metrics;
        var logs = batch.Logs;
        var spans = batch.Spans;
        int m = 0, l = 0, s = 0;
        while (m < metrics.Count || l < logs.Count || s < spans.Count)
        {
            var metricTime = m < metrics.Count ? metrics[m].Time.UtcTicks : long.MaxValue;
            var logTime = l < logs.Count ? logs[l].Time.UtcTicks : long.MaxValue;
            var spanTime = s < spans.Count ? EventTicks(spans[s]) : long.MaxValue;
            if (metricTime <= logTime && metricTime <= spanTime)
            {
                counts[0, (int)online.Push(metrics[m++])]++;
            }
            else if (logTime <= spanTime)
            {
                counts[1, (int)online.Push(logs[l++])]++;
            }
            else
            {
                counts[2, (int)online.Push(spans[s++])]++;
            }
        }

        Interlocked.Add(ref _queued, -batch.Count);
        if (batch.Delivery is { } tag)
        {
            lock (_deliveryGate)
            {
                _queuedDeliveries.Remove(tag);
                _deliveries.Add(tag);
            }
        }

        _instruments.Pushed(counts);
        var now = _time.GetUtcNow().UtcTicks;
        if (batch.Count > 0)
        {
            _lastArrivalAt = now; // an empty numbered delivery is not traffic: it does not hold up the idle advance
        }

        if (online.Watermark?.UtcTicks is { } watermark && watermark != Interlocked.Read(ref _watermark))
        {
            Interlocked.Exchange(ref _watermark, watermark);
            Interlocked.Exchange(ref _watermarkMovedAt, now);
        }

        _watermarkAtArrival = Interlocked.Read(ref _watermark);
    }

    /// <summary>Runs the housekeeping when the tick has come, timing the next tick first; returns the next tick.</summary>
    private Task HousekeepingWhenDue(OnlineDetector online, Task tick)
    {
        if (!tick.IsCompleted)
        {
            return tick;
        }

        var next = Task.Delay(Tick, _time);
        Housekeeping(online);
        return next;
    }

    /// <summary>Moves the watermark in a quiet period and writes a checkpoint when one is due (on the scorer).</summary>
    private void Housekeeping(OnlineDetector online)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (_options.IdleAdvanceAfter > TimeSpan.Zero && _watermarkAtArrival != long.MinValue && Interlocked.Read(ref _queued) == 0
            && now - _lastArrivalAt >= _options.IdleAdvanceAfter.Ticks)
        {
            var target = _watermarkAtArrival + (now - _lastArrivalAt);
            if (online.AdvanceTo(new DateTimeOffset(target, TimeSpan.Zero)))
            {
                Interlocked.Exchange(ref _watermark, target);
                Interlocked.Exchange(ref _watermarkMovedAt, now);
            }
        }

        if (!string.IsNullOrEmpty(_options.CheckpointDirectory))
        {
            var last = Interlocked.Read(ref _lastCheckpointAt);
            var since = last == long.MinValue ? long.MaxValue : now - last;
            if (since >= _options.CheckpointInterval.Ticks)
            {
                WriteCheckpoint(online);
            }
        }
    }

    private void WriteCheckpoint(OnlineDetector online)
    {
        var directory = _options.CheckpointDirectory!;
        var sequence = ++_checkpointSequence;
        var path = Path.Combine(directory, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"checkpoint-{sequence:D10}.mstgad-checkpoint"));
        var started = _time.GetTimestamp();
        using var activity = HostingInstruments.Source.StartActivity("mstgad.checkpoint");
        activity?.SetTag("mstgad.checkpoint.path", path);
        try
        {
            // On the scorer: the deliveries pushed so far are exactly those in the state written.
            byte[] deliveries;
            lock (_deliveryGate)
            {
                deliveries = _deliveries.Write();
            }

            online.SaveCheckpoint(path, deliveries);
            lock (_deliveryGate)
            {
                _checkpointedDeliveries = DeliveryLedger.Read(deliveries);
            }

            Volatile.Write(ref _lastCheckpoint, path);
            Interlocked.Exchange(ref _lastCheckpointAt, _time.GetUtcNow().UtcTicks);
            _instruments.Checkpoint("written");
            var watermark = Time(Interlocked.Read(ref _watermark));
            var milliseconds = _time.GetElapsedTime(started).TotalMilliseconds;
            LogCheckpointWritten(_logger, path, watermark, milliseconds);
            foreach (var (old, _) in Checkpoints(directory).Skip(_options.CheckpointsToKeep))
            {
                File.Delete(old);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            _instruments.Checkpoint("failed");
            LogCheckpointFailed(_logger, ex, path);
        }
    }

    private void OnStepClosed(object? sender, StepClosedEventArgs e)
    {
        var step = e.Verdicts;
        Interlocked.Increment(ref _stepsClosed);
        Interlocked.Exchange(ref _lastStepEnd, step.End.UtcTicks);
        _instruments.StepClosed(step, e.ScoringTime);
        if (step.Scored)
        {
            var end = _time.GetUtcNow();
            using var activity = HostingInstruments.Source.StartActivity("mstgad.score_step", ActivityKind.Internal, default(ActivityContext), startTime: end - e.ScoringTime);
            if (activity is not null)
            {
                activity.SetTag("mstgad.step.end", step.End.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                activity.SetTag("mstgad.step.instances", step.Verdicts.Count);
                activity.SetTag("mstgad.step.abnormal", step.Verdicts.Count(v => v.IsAbnormal));
                activity.SetEndTime(end.UtcDateTime);
            }
        }

        _verdictReaders.Publish(step);
        IReadOnlyList<IncidentEvent> changes;
        lock (_incidents)
        {
            changes = _incidents.Observe(step);
            Volatile.Write(ref _openIncidents, _incidents.Open.Count);
        }

        foreach (var change in changes)
        {
            var incident = change.Incident;
            if (change.Change == IncidentChange.Opened)
            {
                _instruments.IncidentOpened();
                LogIncidentOpened(_logger, incident.Id, incident.Instance, incident.Start, incident.PeakScore, incident.Group);
            }
            else
            {
                LogIncidentClosed(_logger, incident.Id, incident.Instance, incident.Start, incident.End, incident.FlaggedSteps);
            }

            _incidentReaders.Publish(change);
            if (_sinks.Length > 0)
            {
                _sinkQueue.Writer.TryWrite(change);
            }
        }
    }

    private async Task DeliverAsync()
    {
        await foreach (var change in _sinkQueue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            foreach (var sink in _sinks)
            {
                try
                {
                    await sink.OnIncidentAsync(change, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    _instruments.SinkFailed();
                    LogSinkFailed(_logger, ex, sink.GetType().Name, change.Incident.Id);
                }
            }
        }
    }

    private void CountDuplicate(TelemetryBatch batch)
    {
        Interlocked.Increment(ref _duplicateDeliveries);
        _instruments.DuplicateDelivery(batch);
    }

    private void Refuse(TelemetryBatch batch, string reason)
    {
        Interlocked.Add(ref _rejected, batch.Count);
        _instruments.Rejected(batch, reason);
    }

    private void TryRename(string path, string target)
    {
        try
        {
            File.Move(path, target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCheckpointFailed(_logger, ex, target);
        }
    }

    /// <summary>A span's event time as the online detector takes it (its end; its start when the end is not representable).</summary>
    private static long EventTicks(Span span) =>
        span.Duration < TimeSpan.Zero || span.Duration.Ticks > DateTimeOffset.MaxValue.UtcTicks - span.Start.UtcTicks ? span.Start.UtcTicks : span.End.UtcTicks;

    private static DateTimeOffset? Time(long ticks) => ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "MstGad started: model {Model}, step {Interval}, restored from {Checkpoint}, watermark {Watermark}")]
    private static partial void LogStarted(ILogger logger, string model, TimeSpan interval, string checkpoint, DateTimeOffset? watermark);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Critical, Message = "MstGad could not start with the model {Model}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(EventId = 5203, Level = LogLevel.Warning, Message = "Checkpoint {Path} skipped and renamed to *.rejected: {Reason}")]
    private static partial void LogCheckpointRejected(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 5204, Level = LogLevel.Information, Message = "Checkpoint {Path} written at watermark {Watermark} in {Milliseconds} ms")]
    private static partial void LogCheckpointWritten(ILogger logger, string path, DateTimeOffset? watermark, double milliseconds);

    [LoggerMessage(EventId = 5205, Level = LogLevel.Error, Message = "Checkpoint {Path} could not be written or renamed")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 5206, Level = LogLevel.Warning, Message = "Incident {Id} opened: {Instance} since {Start}, score {Score}, group {Group}")]
    private static partial void LogIncidentOpened(ILogger logger, long id, string instance, DateTimeOffset start, double score, long group);

    [LoggerMessage(EventId = 5207, Level = LogLevel.Information, Message = "Incident {Id} closed: {Instance} from {Start} to {End}, {Steps} flagged steps")]
    private static partial void LogIncidentClosed(ILogger logger, long id, string instance, DateTimeOffset start, DateTimeOffset? end, int steps);

    [LoggerMessage(EventId = 5208, Level = LogLevel.Error, Message = "Incident sink {Sink} failed on incident {Id}")]
    private static partial void LogSinkFailed(ILogger logger, Exception exception, string sink, long id);

    [LoggerMessage(EventId = 5209, Level = LogLevel.Warning, Message = "The record queue is full ({Capacity} records): refusing batches until the scorer catches up")]
    private static partial void LogQueueFull(ILogger logger, int capacity);

    [LoggerMessage(EventId = 5210, Level = LogLevel.Critical, Message = "The MstGad scorer stopped on an error")]
    private static partial void LogScorerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5211, Level = LogLevel.Information, Message = "MstGad stopped at watermark {Watermark}: {Received} records received, {Rejected} refused")]
    private static partial void LogStopped(ILogger logger, DateTimeOffset? watermark, long received, long rejected);

    /// <summary>The clock's time now.</summary>
    internal DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The settings.</summary>
    internal MstGadHostOptions Options => _options;

    /// <summary>Record kinds, as the rows of push counts.</summary>
    internal static readonly string[] Kinds = ["metric", "log", "span"];
}
