using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MstGad.Parsing;

namespace MstGad.Features;

/// <summary>
/// Accumulates telemetry records into per-step, per-instance aggregates in one streaming pass:
/// metric statistics, log-template and level counts, and call edges (caller instance → callee
/// instance, from span parent links) with both sides of every call per operation: calls, the duration
/// the caller measured, the duration the callee measured, their difference and errors. Records may arrive in any order;
/// with <see cref="FeatureOptions.Lateness"/> set, records older than the newest event time minus the
/// lateness are counted as late and not used.
/// </summary>
/// <remarks>
/// <para>
/// Not thread-safe: feed it from one thread (or lock around it). Every record is either used or
/// counted in <see cref="Report"/> under a reason.
/// </para>
/// <para>
/// The result does not depend on the order in which records arrive: log lines are parsed into
/// templates step by step in time order when the aggregation completes (the same order an online
/// detector parses them in), metric sums and span durations are accumulated order-independently.
/// An instance counts as active in a step when it sent anything within
/// <see cref="FeatureOptions.MaxCarryForwardSteps"/> steps before it (inclusive); only active instances
/// get features.
/// </para>
/// </remarks>
public sealed partial class TelemetryAggregator
{
    /// <summary>The most steps a metric sample's coverage may span; longer ones are counted out of range.</summary>
    internal const int MaxCoverageSteps = 10_000;

    private readonly FeatureOptions _options;
    private readonly StepClock _clock;
    private readonly long _latenessTicks;
    private readonly DrainParser _parser;
    private readonly AggregatorLimits _limits;
    private readonly Dictionary<string, InstanceState> _instancesByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InstanceState> _instancesByRaw = new(StringComparer.Ordinal);
    private readonly Dictionary<int, InstanceState> _instancesById = [];
    private readonly Dictionary<string, int> _metricIndex = new(StringComparer.Ordinal);
    private readonly List<string> _metrics = [];
    private readonly Dictionary<string, int> _operationIndex = new(StringComparer.Ordinal);
    private readonly List<string> _operations = [];
    private readonly Dictionary<long, StepAccumulator> _steps = [];
    private readonly Dictionary<SpanKey, SpanEntry> _spans = [];
    private readonly Dictionary<long, List<SpanKey>> _spansByStep = [];
    private readonly Dictionary<SpanKey, List<PendingChild>> _waiting = [];
    private readonly Dictionary<string, string> _peerNames = new(StringComparer.Ordinal);
    private readonly AggregationReport _report = new();
    private readonly Dictionary<int, string> _examples = [];
    private readonly Dictionary<long, SealedStep> _sealed = [];
    private int _nextInstanceId;
    private long _maxMetricTicks = long.MinValue;
    private long _maxLogTicks = long.MinValue;
    private long _maxSpanTicks = long.MinValue;
    private long _minStep = long.MaxValue;
    private long _maxStep = long.MinValue;
    private long _nextToSeal = long.MinValue;
    private long _lastDataStep = long.MinValue;
    private long _spansEvictedBefore = long.MinValue;
    private bool _completed;

    /// <summary>Creates an aggregator.</summary>
    /// <param name="options">Feature settings (validated and copied); <see langword="null"/> for the defaults.</param>
    /// <param name="logParser">A log parser to continue from (for example a trained one); by default a
    /// new one with <see cref="FeatureOptions.LogParsing"/>.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public TelemetryAggregator(FeatureOptions? options = null, DrainParser? logParser = null)
        : this(options, logParser, AggregatorLimits.Batch)
    {
    }

    /// <summary>Creates an aggregator whose state is bounded (for streaming: an online detector's aggregator).</summary>
    /// <param name="options">Feature settings (validated and copied); <see langword="null"/> for the defaults.</param>
    /// <param name="logParser">A log parser to continue from; <see langword="null"/> for a new one.</param>
    /// <param name="limits">What to keep and for how long (<see cref="AggregatorLimits.Batch"/>: everything).</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public TelemetryAggregator(FeatureOptions? options, DrainParser? logParser, AggregatorLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        options ??= new FeatureOptions();
        options.ThrowIfInvalid();
        _options = options.Clone();
        _clock = new StepClock(_options.Interval);
        _latenessTicks = _options.Lateness?.Ticks ?? long.MaxValue;
        _parser = logParser ?? new DrainParser(_options.LogParsing);
        _limits = limits;
    }

    /// <summary>The step clock.</summary>
    public StepClock Clock => _clock;

    /// <summary>What was used, and what was not and why.</summary>
    public AggregationReport Report => _report;

    /// <summary>The log parser (its template ids are the log features' ids).</summary>
    public DrainParser LogParser => _parser;

    /// <summary>The settings (the aggregator's own copy).</summary>
    internal FeatureOptions Options => _options;

    /// <summary>The metric names, in order of first appearance (online: only the tracked ones).</summary>
    public IReadOnlyList<string> MetricNames => _metrics;

    /// <summary>The operation names, in order of first appearance (online: only the tracked ones).</summary>
    public IReadOnlyList<string> OperationNames => _operations;

    /// <summary>The first step not sealed yet, or <see cref="long.MinValue"/> before the first seal.</summary>
    public long NextToSeal => _nextToSeal;

    /// <summary>The last step that holds data, or <see cref="long.MinValue"/> when there is none.</summary>
    public long LastStepWithData => _maxStep;

    /// <summary>Instances currently tracked (online: bounded by forgetting those long silent).</summary>
    public int LiveInstances => _instancesById.Count;

    /// <summary>Steps currently open.</summary>
    public int OpenSteps => _steps.Count;

    /// <summary>Span ids currently remembered (for duplicates and parents).</summary>
    public int RememberedSpans => _spans.Count;

    /// <summary>Children currently waiting for their parent span.</summary>
    public int WaitingChildren => _waiting.Values.Sum(l => l.Count);

    /// <summary>Adds a metric sample.</summary>
    /// <param name="sample">The sample.</param>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void Add(in MetricSample sample) => TryAdd(sample);

    /// <summary>Adds a log record; its message is parsed into a template when its step is sealed.</summary>
    /// <param name="record">The record.</param>
    public void Add(LogRecord record) => TryAdd(record);

    /// <summary>Adds a span. Duplicates (same trace and span id) are counted and ignored. A span whose parent
    /// was recorded by another instance is a call: the edge parent's instance → this span's instance gets both
    /// sides (the parent's duration as the client's, this span's as the server's) at the step of this span's end,
    /// as soon as the parent is known. Whether a span is its instance's own work (the self-edge) or a call to a
    /// peer that records no spans is decided when its step is sealed (see docs/architecture.md, "Call edges").</summary>
    /// <param name="span">The span.</param>
    public void Add(Span span) => TryAdd(span);

    /// <summary>Adds a metric sample and says whether it was used (otherwise it is counted under its reason).</summary>
    /// <param name="sample">The sample.</param>
    /// <returns>What became of it.</returns>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public AddOutcome TryAdd(in MetricSample sample)
    {
        ThrowIfCompleted();
        if (!double.IsFinite(sample.Value))
        {
            _report.MetricsNotFinite++;
            return AddOutcome.NotFinite;
        }

        var ticks = sample.Time.UtcTicks;
        long first;
        long last;
        if (sample.Coverage > TimeSpan.Zero)
        {
            if (sample.Coverage.Ticks > ticks || sample.Coverage.Ticks / _clock.Interval.Ticks > MaxCoverageSteps)
            {
                _report.MetricsOutOfRange++;
                return AddOutcome.OutOfRange;
            }

            first = _clock.StepOf(sample.Time - sample.Coverage);
            last = _clock.StepOf(sample.Time.AddTicks(-1));
        }
        else
        {
            first = last = _clock.StepOf(sample.Time);
        }

        if (!InRange(first, last))
        {
            _report.MetricsOutOfRange++;
            return AddOutcome.OutOfRange;
        }

        if (IsLate(ticks, ref _maxMetricTicks) || first < _nextToSeal)
        {
            _report.MetricsLate++;
            return AddOutcome.Late;
        }

        var instance = Touch(sample.Instance, last);
        var metric = MetricOf(sample.Name);
        for (var step = first; step <= last; step++)
        {
            var acc = StepAt(step);
            acc.Seen.Add(instance.Id);
            if (metric >= 0)
            {
                acc.MetricCell(instance.Id, metric).Add(sample.Value, ticks);
            }
        }

        _report.MetricsUsed++;
        return AddOutcome.Used;
    }

    /// <summary>Adds a log record and says whether it was used.</summary>
    /// <param name="record">The record.</param>
    /// <returns>What became of it.</returns>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public AddOutcome TryAdd(LogRecord record)
    {
        ThrowIfCompleted();
        ArgumentNullException.ThrowIfNull(record);
        var ticks = record.Time.UtcTicks;
        var step = _clock.StepOf(record.Time);
        if (!InRange(step, step))
        {
            _report.LogsOutOfRange++;
            return AddOutcome.OutOfRange;
        }

        if (IsLate(ticks, ref _maxLogTicks) || step < _nextToSeal)
        {
            _report.LogsLate++;
            return AddOutcome.Late;
        }

        var instance = Touch(record.Instance, step);
        var acc = StepAt(step);
        acc.Seen.Add(instance.Id);
        acc.PendingLogs.Add(new PendingLog(instance.Id, ticks, LogLevels.IndexOf(record.Level), record.Message));
        _report.LogsUsed++;
        return AddOutcome.Used;
    }

    /// <summary>Adds a span and says whether it was used.</summary>
    /// <param name="span">The span.</param>
    /// <returns>What became of it.</returns>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public AddOutcome TryAdd(Span span)
    {
        ThrowIfCompleted();
        ArgumentNullException.ThrowIfNull(span);
        if (span.Duration < TimeSpan.Zero)
        {
            _report.SpansNegativeDuration++;
            return AddOutcome.NegativeDuration;
        }

        if (span.Duration.Ticks > DateTimeOffset.MaxValue.UtcTicks - span.Start.UtcTicks)
        {
            _report.SpansOutOfRange++;
            return AddOutcome.OutOfRange;
        }

        var traceHash = span.TraceId.GetHashCode(StringComparison.Ordinal);
        var key = new SpanKey(span.TraceId, traceHash, span.SpanId);
        if (_spans.ContainsKey(key))
        {
            _report.SpansDuplicate++;
            return AddOutcome.Duplicate;
        }

        var end = span.End;
        var step = _clock.StepOf(end);
        if (!InRange(step, step))
        {
            _report.SpansOutOfRange++;
            return AddOutcome.OutOfRange;
        }

        if (IsLate(end.UtcTicks, ref _maxSpanTicks) || step < _nextToSeal)
        {
            _report.SpansLate++;
            return AddOutcome.Late;
        }

        var instance = Touch(span.Instance, step);
        var entry = new SpanEntry
        {
            Instance = instance.Id,
            Step = step,
            Ticks = span.Duration.Ticks,
            Operation = OperationOf(span.Operation),
            Kind = span.Kind,
            Error = span.Status == SpanStatus.Error,
            Peer = IsClientKind(span.Kind) ? PeerNameOf(span) : null,
        };
        _spans.Add(key, entry);
        if (_limits.SpanRetentionSteps != long.MaxValue)
        {
            ref var keys = ref CollectionsMarshal.GetValueRefOrAddDefault(_spansByStep, step, out _);
            (keys ??= []).Add(key);
        }

        var acc = StepAt(step);
        acc.Seen.Add(instance.Id);
        acc.HasSpans = true;
        _report.SpansUsed++;
        if (span.ParentSpanId is not null || IsClientKind(span.Kind))
        {
            acc.SealCandidates.Add(key);
        }

        if (span.ParentSpanId is null)
        {
            _report.SpansRoot++;
        }
        else
        {
            var parentKey = new SpanKey(span.TraceId, traceHash, span.ParentSpanId);
            ref var parent = ref CollectionsMarshal.GetValueRefOrNullRef(_spans, parentKey);
            if (!Unsafe.IsNullRef(ref parent))
            {
                Link(ref parent, ref CollectionsMarshal.GetValueRefOrNullRef(_spans, key));
            }
            else
            {
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_waiting, parentKey, out _);
                (list ??= []).Add(new PendingChild(span.SpanId, step));
                acc.WaitingParents.Add(parentKey);
            }
        }

        // Children that arrived before this span (their steps are still open: sealing removes the others).
        if (_waiting.Remove(key, out var children))
        {
            ref var self = ref CollectionsMarshal.GetValueRefOrNullRef(_spans, key);
            foreach (var c in children)
            {
                // A waiting child's step is open, so it is still remembered; the check only guards against a broken invariant.
                ref var child = ref CollectionsMarshal.GetValueRefOrNullRef(_spans, new SpanKey(span.TraceId, traceHash, c.SpanId));
                if (!Unsafe.IsNullRef(ref child))
                {
                    Link(ref self, ref child);
                }
            }
        }

        return AddOutcome.Used;
    }

    /// <summary>
    /// Ends the aggregation and returns the aggregates: every step is sealed in time order (log lines are
    /// parsed then), and spans still waiting for their parent are counted as orphans. The aggregator
    /// accepts no records afterwards.
    /// </summary>
    /// <returns>The aggregates.</returns>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public TelemetryAggregate Complete()
    {
        ThrowIfCompleted();
        SealThrough(_maxStep, s => _sealed.Add(s.Step, s));
        _completed = true;
        _waiting.Clear();
        _spans.Clear();
        _spansByStep.Clear();
        var ids = _instancesById.Keys.Order().ToArray();
        return new TelemetryAggregate(
            _clock,
            _options,
            [.. ids.Select(id => _instancesById[id].Key)],
            [.. ids.Select(id => (IReadOnlyList<string>)[.. _instancesById[id].RawNames ?? []])],
            _metrics,
            _operations,
            _sealed,
            _minStep,
            _maxStep,
            _parser,
            _report,
            _examples);
    }

    /// <summary>
    /// Seals the steps up to <paramref name="lastStep"/> in order (from the first step with data, or the
    /// step after the last sealed one): parses their log lines, counts children still waiting for a
    /// parent as orphans, decides the active instances and carries metric values forward. Runs of steps
    /// without data and without active instances are skipped (no sealed step is produced for them).
    /// Records for sealed steps are counted as late from then on.
    /// </summary>
    /// <param name="lastStep">The last step to seal.</param>
    /// <param name="sealedStep">Receives each sealed step, in order.</param>
    public void SealThrough(long lastStep, Action<SealedStep> sealedStep)
    {
        if (_nextToSeal == long.MinValue)
        {
            // The first seal: from the first step with data, but never before the steps asked for are over
            // (a record for a step before the boundary counts as late, whether or not that step had data).
            _nextToSeal = _steps.Count == 0 ? lastStep + 1 : Math.Min(_minStep, lastStep + 1);
        }

        var horizon = _options.MaxCarryForwardSteps;
        while (_nextToSeal <= lastStep)
        {
            var step = _nextToSeal;
            if (!_steps.ContainsKey(step) && (_lastDataStep == long.MinValue || step - _lastDataStep > horizon))
            {
                // Nothing in this step and nobody active: jump to the next step with data.
                var next = _steps.Count == 0 ? long.MaxValue : _steps.Keys.Min();
                _nextToSeal = Math.Min(next, lastStep + 1);
                Evict();
                continue;
            }

            sealedStep(Seal(step));
        }
    }

    private SealedStep Seal(long step)
    {
        _steps.Remove(step, out var acc);
        if (acc is not null)
        {
            ParseLogs(acc);
            foreach (var parentKey in acc.WaitingParents)
            {
                if (_waiting.TryGetValue(parentKey, out var children))
                {
                    _report.SpansOrphan += children.RemoveAll(c => c.Step == step);
                    if (children.Count == 0)
                    {
                        _waiting.Remove(parentKey);
                    }
                }
            }

            acc.WaitingParents.Clear();
            DecideAtSeal(step, acc);
            foreach (var id in acc.Seen)
            {
                _instancesById[id].LastSeen = step;
            }

            var aggregation = _options.MetricAggregation;
            foreach (var (id, cells) in acc.Metrics)
            {
                var state = _instancesById[id];
                for (var metric = 0; metric < cells.Length; metric++)
                {
                    if (cells[metric].Count > 0)
                    {
                        state.Carry(metric, step, cells[metric].Value(aggregation));
                    }
                }
            }

            _lastDataStep = step;
        }

        var horizon = _options.MaxCarryForwardSteps;
        var active = new List<InstanceState>();
        foreach (var state in _instancesById.Values)
        {
            if (state.LastSeen != long.MinValue && step - state.LastSeen <= horizon)
            {
                active.Add(state);
            }
        }

        active.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        var m = _metrics.Count;
        var values = new double[active.Count * m];
        for (var a = 0; a < active.Count; a++)
        {
            active[a].CarriedValues(step, horizon, values.AsSpan(a * m, m));
        }

        var sealedStep = new SealedStep(step, acc, [.. active.Select(s => s.Id)], [.. active.Select(s => s.Key)], values, m);
        _nextToSeal = step + 1;
        Evict();
        return sealedStep;
    }

    /// <summary>Parses the step's log lines in time order (then by text), so the parser sees the same sequence however they arrived.</summary>
    private void ParseLogs(StepAccumulator acc)
    {
        var pending = acc.PendingLogs;
        if (pending.Count == 0)
        {
            return;
        }

        pending.Sort(static (a, b) =>
        {
            var byTime = a.Ticks.CompareTo(b.Ticks);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Message, b.Message);
        });
        foreach (var log in pending)
        {
            var template = _parser.Parse(log.Message).TemplateId;
            if (_limits.KeepExamples)
            {
                _examples.TryAdd(template, log.Message);
            }

            acc.AddLog(log.Instance, template, log.Level, _options.TemplateSequenceLength);
        }

        pending.Clear();
        pending.TrimExcess();
    }

    /// <summary>Online: forgets span ids and instances that no open or future step can need.</summary>
    private void Evict()
    {
        if (_limits.SpanRetentionSteps != long.MaxValue)
        {
            var bound = _nextToSeal - _limits.SpanRetentionSteps;
            if (bound > _spansEvictedBefore)
            {
                if (bound - _spansEvictedBefore <= _spansByStep.Count)
                {
                    for (var s = Math.Max(_spansEvictedBefore, bound - _spansByStep.Count); s < bound; s++)
                    {
                        EvictSpansOf(s);
                    }
                }
                else
                {
                    foreach (var s in _spansByStep.Keys.Where(s => s < bound).ToList())
                    {
                        EvictSpansOf(s);
                    }
                }

                _spansEvictedBefore = bound;
            }
        }

        if (_limits.InstanceRetentionSteps != long.MaxValue)
        {
            var bound = _nextToSeal - _limits.InstanceRetentionSteps;
            List<InstanceState>? gone = null;
            foreach (var state in _instancesById.Values)
            {
                if (state.LastTouched < bound)
                {
                    (gone ??= []).Add(state);
                }
            }

            if (gone is not null)
            {
                foreach (var state in gone)
                {
                    _instancesById.Remove(state.Id);
                    _instancesByKey.Remove(state.Key);
                }

                // The raw-name cache only speeds up key mapping: drop it rather than track every raw name.
                _instancesByRaw.Clear();
            }
        }
    }

    private void EvictSpansOf(long step)
    {
        if (_spansByStep.Remove(step, out var keys))
        {
            foreach (var key in keys)
            {
                _spans.Remove(key);
            }
        }
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The aggregation is complete: Complete() was called, so no more records can be added.");
        }
    }

    /// <summary>Whether the steps <c>[first, last]</c> start and end within the representable times.</summary>
    private bool InRange(long first, long last)
    {
        var interval = _clock.Interval.Ticks;
        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        return first >= -(epoch / interval) && last < (DateTimeOffset.MaxValue.UtcTicks - epoch) / interval;
    }

    private bool IsLate(long ticks, ref long maxTicks)
    {
        if (ticks > maxTicks)
        {
            maxTicks = ticks;
            return false;
        }

        return _latenessTicks != long.MaxValue && ticks < maxTicks - _latenessTicks;
    }

    private InstanceState Touch(string raw, long step)
    {
        if (!_instancesByRaw.TryGetValue(raw, out var state))
        {
            var key = _options.InstanceKey.Map(raw);
            if (!_instancesByKey.TryGetValue(key, out state))
            {
                state = new InstanceState(_nextInstanceId++, key, _limits.KeepRawNames);
                _instancesByKey.Add(key, state);
                _instancesById.Add(state.Id, state);
            }

            if (_instancesByRaw.Count >= _limits.RawNameCacheSize)
            {
                _instancesByRaw.Clear();
            }

            state.RawNames?.Add(raw);
            _instancesByRaw.Add(raw, state);
        }

        state.LastTouched = Math.Max(state.LastTouched, step);
        return state;
    }

    private int MetricOf(string name)
    {
        if (_metricIndex.TryGetValue(name, out var i))
        {
            return i;
        }

        if (_limits.Metrics is { } kept && !kept.Contains(name))
        {
            return -1;
        }

        i = _metrics.Count;
        _metricIndex.Add(name, i);
        _metrics.Add(name);
        return i;
    }

    private int OperationOf(string name)
    {
        if (_operationIndex.TryGetValue(name, out var i))
        {
            return i;
        }

        if (_limits.Operations is { } kept && !kept.Contains(name))
        {
            return EdgeCell.OtherOperation;
        }

        i = _operations.Count;
        _operationIndex.Add(name, i);
        _operations.Add(name);
        return i;
    }

    private StepAccumulator StepAt(long step)
    {
        ref var acc = ref CollectionsMarshal.GetValueRefOrAddDefault(_steps, step, out var exists);
        if (!exists)
        {
            acc = new StepAccumulator();
            _minStep = Math.Min(_minStep, step);
            _maxStep = Math.Max(_maxStep, step);
        }

        return acc!;
    }

    /// <summary>Whether a span of this kind is the client side of a call by its kind.</summary>
    private static bool IsClientKind(SpanKind kind) => kind is SpanKind.Client or SpanKind.Producer;

    /// <summary>
    /// Links a child span to its parent once both are known (whichever came first). A link is a call when the two
    /// spans are on different instances, or when their kinds say so (client or producer parent, server or consumer
    /// child); a call is recorded at once, at the step of the child's end, on the edge caller → callee.
    /// </summary>
    private void Link(ref SpanEntry parent, ref SpanEntry child)
    {
        var call = parent.Instance != child.Instance ||
            (IsClientKind(parent.Kind) && child.Kind is SpanKind.Server or SpanKind.Consumer);
        parent.HasChild = true;
        parent.HasCallChild |= call;
        child.Link = call ? LinkKind.Call : LinkKind.Internal;
        if (!call)
        {
            return;
        }

        // The caller's measure is its client span; a parent whose kind says it is not the client side (a server or
        // internal span calling out without a client span) measured more than the call, so the server's time stands in.
        var client = parent.Kind is SpanKind.Unspecified or SpanKind.Client or SpanKind.Producer ? parent.Ticks : child.Ticks;
        var gap = client - child.Ticks;
        if (gap < 0)
        {
            _report.NegativeGaps++;
            gap = 0;
        }

        _report.CallPairs++;
        AddEdge(_steps[child.Step], child.Step, parent.Instance, child.Instance, child.Operation, client, child.Ticks, gap, parent.Error || child.Error);
    }

    /// <summary>
    /// Decides, when a step is sealed, what its spans add besides the calls recorded as they were linked: a span
    /// whose parent is on the same instance (an internal link) adds its own work to the instance's self-edge unless it
    /// is the client side of a call — by its kind (client, producer), or, without a kind, because a child of it is on
    /// another instance; a client or producer span without any child (a database, cache, queue or external service
    /// that records no spans) adds a call to a node for that peer.
    /// </summary>
    private void DecideAtSeal(long step, StepAccumulator acc)
    {
        foreach (var key in acc.SealCandidates)
        {
            ref var span = ref CollectionsMarshal.GetValueRefOrNullRef(_spans, key);
            if (Unsafe.IsNullRef(ref span))
            {
                continue;
            }

            var clientSide = IsClientKind(span.Kind) || (span.Kind == SpanKind.Unspecified && span.HasCallChild);
            if (span.Link == LinkKind.Internal && !clientSide)
            {
                AddEdge(acc, step, span.Instance, span.Instance, span.Operation, span.Ticks, span.Ticks, 0, span.Error);
            }
            else if (IsClientKind(span.Kind) && !span.HasChild)
            {
                var peer = TouchPeer(span.Peer!, step);
                AddEdge(acc, step, span.Instance, peer.Id, span.Operation, span.Ticks, 0, 0, span.Error);
                _report.SpansToPeers++;
            }
        }

        acc.SealCandidates.Clear();
        acc.SealCandidates.TrimExcess();
    }

    private void AddEdge(StepAccumulator acc, long step, int caller, int callee, int operation, long clientTicks, long serverTicks, long gapTicks, bool error)
    {
        acc.AddCall(caller, callee, operation, clientTicks, serverTicks, gapTicks, error);
        acc.Seen.Add(caller);
        acc.Seen.Add(callee);
        foreach (var id in (ReadOnlySpan<int>)[caller, callee])
        {
            var state = _instancesById[id];
            state.LastTouched = Math.Max(state.LastTouched, step);
        }

        _report.Edges++;
    }

    /// <summary>The node of a peer that records no spans, keyed by its name as is (not mapped by the instance key).</summary>
    private InstanceState TouchPeer(string name, long step)
    {
        if (!_instancesByKey.TryGetValue(name, out var state))
        {
            state = new InstanceState(_nextInstanceId++, name, _limits.KeepRawNames);
            state.RawNames?.Add(name);
            _instancesByKey.Add(name, state);
            _instancesById.Add(state.Id, state);
        }

        state.LastTouched = Math.Max(state.LastTouched, step);
        return state;
    }

    /// <summary>
    /// The name of the peer a client span calls, from OpenTelemetry attributes, first found: <c>db.system</c> (or
    /// <c>db.system.name</c>) as <c>db:&lt;system&gt;</c>, <c>messaging.system</c> as <c>messaging:&lt;system&gt;</c>,
    /// <c>peer.service</c>, <c>server.address</c>, <c>net.peer.name</c>, the host of <c>url.full</c> or <c>http.url</c>;
    /// otherwise <c>peer:&lt;operation&gt;</c>.
    /// </summary>
    internal static string PeerName(Span span)
    {
        var attributes = span.Attributes;
        if (attributes is not null)
        {
            if ((Value("db.system") ?? Value("db.system.name")) is { } db)
            {
                return "db:" + db;
            }

            if (Value("messaging.system") is { } messaging)
            {
                return "messaging:" + messaging;
            }

            if ((Value("peer.service") ?? Value("server.address") ?? Value("net.peer.name")) is { } name)
            {
                return name;
            }

            foreach (var url in (ReadOnlySpan<string?>)[Value("url.full"), Value("http.url")])
            {
                if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
                {
                    return uri.Host;
                }
            }
        }

        return "peer:" + span.Operation;

        string? Value(string name) => attributes!.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
    }

    /// <summary>The peer name of a client span, one string per distinct name.</summary>
    private string PeerNameOf(Span span) => InternPeer(PeerName(span));

    private string InternPeer(string name)
    {
        if (_peerNames.TryGetValue(name, out var known))
        {
            return known;
        }

        if (_peerNames.Count >= _limits.RawNameCacheSize)
        {
            _peerNames.Clear();
        }

        _peerNames.Add(name, name);
        return name;
    }

    /// <summary>How a span is linked to its parent.</summary>
    private enum LinkKind : byte
    {
        /// <summary>A root, or its parent has not arrived.</summary>
        None = 0,

        /// <summary>Work within one instance (the parent is on the same instance and the kinds do not say it is a call).</summary>
        Internal = 1,

        /// <summary>The server side of a call (recorded on the edge caller → callee when linked).</summary>
        Call = 2,
    }

    /// <summary>What the aggregator remembers of a span: enough to link it to parent and children and to decide its edges when its step is sealed.</summary>
    private struct SpanEntry
    {
        public int Instance;
        public long Step;
        public long Ticks;
        public int Operation;
        public SpanKind Kind;
        public bool Error;
        public LinkKind Link;
        public bool HasChild;
        public bool HasCallChild;

        /// <summary>The peer a client or producer span calls (used when no callee span arrives).</summary>
        public string? Peer;
    }

    /// <summary>A child waiting for its parent: its span id (the trace is the parent's) and the step of its end.</summary>
    private readonly record struct PendingChild(string SpanId, long Step);

    /// <summary>What the aggregator knows about one instance key.</summary>
    private sealed class InstanceState(int id, string key, bool keepRawNames)
    {
        private double[] _carryValues = [];
        private long[] _carrySteps = [];

        public int Id { get; } = id;

        public string Key { get; } = key;

        public SortedSet<string>? RawNames { get; } = keepRawNames ? new SortedSet<string>(StringComparer.Ordinal) : null;

        /// <summary>The latest step any record put the instance in.</summary>
        public long LastTouched { get; set; } = long.MinValue;

        /// <summary>The latest sealed step the instance was seen in.</summary>
        public long LastSeen { get; set; } = long.MinValue;

        /// <summary>The last value and its step per metric (steps <see cref="long.MinValue"/> where none).</summary>
        public (double[] Values, long[] Steps) CarryState
        {
            get => (_carryValues, _carrySteps);
            set => (_carryValues, _carrySteps) = value;
        }

        public void Carry(int metric, long step, double value)
        {
            if (metric >= _carrySteps.Length)
            {
                var size = Math.Max(metric + 1, _carrySteps.Length * 2);
                var old = _carrySteps.Length;
                Array.Resize(ref _carryValues, size);
                Array.Resize(ref _carrySteps, size);
                Array.Fill(_carrySteps, long.MinValue, old, size - old);
            }

            _carryValues[metric] = value;
            _carrySteps[metric] = step;
        }

        public void CarriedValues(long step, int horizon, Span<double> values)
        {
            values.Fill(double.NaN);
            for (var metric = 0; metric < Math.Min(values.Length, _carrySteps.Length); metric++)
            {
                if (_carrySteps[metric] != long.MinValue && step - _carrySteps[metric] <= horizon)
                {
                    values[metric] = _carryValues[metric];
                }
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id}: {Key}");
    }
}

/// <summary>What an aggregator did with a record (<see cref="TelemetryAggregator.TryAdd(in MetricSample)"/>).</summary>
public enum AddOutcome
{
    /// <summary>Aggregated into its step.</summary>
    Used,

    /// <summary>Its step was already sealed: not used (counted as late).</summary>
    Late,

    /// <summary>A span already seen (same trace and span id): not used.</summary>
    Duplicate,

    /// <summary>A value that is NaN or infinite: not used.</summary>
    NotFinite,

    /// <summary>A span with a negative duration: not used.</summary>
    NegativeDuration,

    /// <summary>A time outside the range a step can hold: not used.</summary>
    OutOfRange,
}

/// <summary>How an aggregator bounds its state (an online detector's settings; unbounded for batch reading).</summary>
public sealed class AggregatorLimits
{
    /// <summary>Unbounded: keep everything (batch reading).</summary>
    public static AggregatorLimits Batch { get; } = new();

    /// <summary>The metric names worth keeping values of (others only show that their instance is alive); <see langword="null"/> for all.</summary>
    public IReadOnlySet<string>? Metrics { get; init; }

    /// <summary>The operations worth telling apart (others are counted under one shared operation); <see langword="null"/> for all.</summary>
    public IReadOnlySet<string>? Operations { get; init; }

    /// <summary>Whether to keep an example message per template and every raw name of an instance.</summary>
    public bool KeepExamples { get; init; } = true;

    /// <summary>Whether to keep every raw name of each instance.</summary>
    public bool KeepRawNames { get; init; } = true;

    /// <summary>How many steps behind the first unsealed step span ids are remembered.</summary>
    public long SpanRetentionSteps { get; init; } = long.MaxValue;

    /// <summary>How many steps behind the first unsealed step an instance without records is remembered.</summary>
    public long InstanceRetentionSteps { get; init; } = long.MaxValue;

    /// <summary>The largest raw-name cache before it is cleared.</summary>
    public int RawNameCacheSize { get; init; } = int.MaxValue;
}
