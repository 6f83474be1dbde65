using System.Runtime.InteropServices;
using MstGad.Parsing;

namespace MstGad.Features;

/// <summary>
/// Accumulates telemetry records into per-step, per-instance aggregates in one streaming pass:
/// metric statistics, log-template and level counts, and call edges (caller instance → callee
/// instance, from span parent links) with per-operation durations. Records may arrive in any order;
/// with <see cref="FeatureOptions.Lateness"/> set, records older than the newest event time minus the
/// lateness are counted as late and not used.
/// </summary>
/// <remarks>
/// Not thread-safe: feed it from one thread (or lock around it). Every record is either used or
/// counted in <see cref="Report"/> under a reason.
/// </remarks>
public sealed class TelemetryAggregator
{
    private readonly FeatureOptions _options;
    private readonly StepClock _clock;
    private readonly long _latenessTicks;
    private readonly DrainParser _parser;
    private readonly Dictionary<string, int> _instanceIndex = new(StringComparer.Ordinal);
    private readonly List<string> _instances = [];
    private readonly List<SortedSet<string>> _rawNames = [];
    private readonly Dictionary<string, int> _rawToInstance = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _metricIndex = new(StringComparer.Ordinal);
    private readonly List<string> _metrics = [];
    private readonly Dictionary<string, int> _operationIndex = new(StringComparer.Ordinal);
    private readonly List<string> _operations = [];
    private readonly Dictionary<long, StepAccumulator> _steps = [];
    private readonly Dictionary<SpanKey, int> _spanInstance = [];
    private readonly Dictionary<SpanKey, List<PendingChild>> _waiting = [];
    private readonly AggregationReport _report = new();
    private readonly Dictionary<int, string> _examples = [];
    private long _maxMetricTicks = long.MinValue;
    private long _maxLogTicks = long.MinValue;
    private long _maxSpanTicks = long.MinValue;
    private long _minStep = long.MaxValue;
    private long _maxStep = long.MinValue;
    private bool _completed;

    /// <summary>Creates an aggregator.</summary>
    /// <param name="options">Feature settings (validated and copied); <see langword="null"/> for the defaults.</param>
    /// <param name="logParser">A log parser to continue from (for example a trained one); by default a
    /// new one with <see cref="FeatureOptions.LogParsing"/>.</param>
    /// <exception cref="ArgumentException">The options are not valid.</exception>
    public TelemetryAggregator(FeatureOptions? options = null, DrainParser? logParser = null)
    {
        options ??= new FeatureOptions();
        options.ThrowIfInvalid();
        _options = options.Clone();
        _clock = new StepClock(_options.Interval);
        _latenessTicks = _options.Lateness?.Ticks ?? long.MaxValue;
        _parser = logParser ?? new DrainParser(_options.LogParsing);
    }

    /// <summary>The step clock.</summary>
    public StepClock Clock => _clock;

    /// <summary>What was used, and what was not and why.</summary>
    public AggregationReport Report => _report;

    /// <summary>The log parser (its template ids are the log features' ids).</summary>
    public DrainParser LogParser => _parser;

    /// <summary>Adds a metric sample.</summary>
    /// <param name="sample">The sample.</param>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void Add(in MetricSample sample)
    {
        ThrowIfCompleted();
        if (!double.IsFinite(sample.Value))
        {
            _report.MetricsNotFinite++;
            return;
        }

        var ticks = sample.Time.UtcTicks;
        if (IsLate(ticks, ref _maxMetricTicks))
        {
            _report.MetricsLate++;
            return;
        }

        var instance = InstanceOf(sample.Instance);
        var metric = IndexOf(_metricIndex, _metrics, sample.Name);
        long first;
        long last;
        if (sample.Coverage > TimeSpan.Zero)
        {
            first = _clock.StepOf(sample.Time - sample.Coverage);
            last = _clock.StepOf(sample.Time.AddTicks(-1));
        }
        else
        {
            first = last = _clock.StepOf(sample.Time);
        }

        for (var step = first; step <= last; step++)
        {
            ref var cell = ref StepAt(step).MetricCell(instance, metric);
            cell.Add(sample.Value, ticks);
        }

        _report.MetricsUsed++;
    }

    /// <summary>Adds a log record: its message is parsed into a template.</summary>
    /// <param name="record">The record.</param>
    public void Add(LogRecord record)
    {
        ThrowIfCompleted();
        ArgumentNullException.ThrowIfNull(record);
        var ticks = record.Time.UtcTicks;
        if (IsLate(ticks, ref _maxLogTicks))
        {
            _report.LogsLate++;
            return;
        }

        var instance = InstanceOf(record.Instance);
        var template = _parser.Parse(record.Message).TemplateId;
        _examples.TryAdd(template, record.Message);
        var step = StepAt(_clock.StepOf(record.Time));
        step.AddLog(instance, template, LogLevels.IndexOf(record.Level));
        _report.LogsUsed++;
    }

    /// <summary>Adds a span. Duplicates (same trace and span id) are counted and ignored; the call
    /// edge (parent's instance → this span's instance) is recorded at the step of the span's end,
    /// as soon as the parent is known.</summary>
    /// <param name="span">The span.</param>
    public void Add(Span span)
    {
        ThrowIfCompleted();
        ArgumentNullException.ThrowIfNull(span);
        if (span.Duration < TimeSpan.Zero)
        {
            _report.SpansNegativeDuration++;
            return;
        }

        var key = new SpanKey(span.TraceId, span.SpanId);
        if (_spanInstance.ContainsKey(key))
        {
            _report.SpansDuplicate++;
            return;
        }

        var endTicks = span.End.UtcTicks;
        if (IsLate(endTicks, ref _maxSpanTicks))
        {
            _report.SpansLate++;
            return;
        }

        var instance = InstanceOf(span.Instance);
        _spanInstance.Add(key, instance);
        var child = new PendingChild(instance, IndexOf(_operationIndex, _operations, span.Operation), _clock.StepOf(span.End), span.Duration.TotalMilliseconds, span.Status == SpanStatus.Error);
        StepAt(child.Step).HasSpans = true;
        _report.SpansUsed++;

        if (span.ParentSpanId is null)
        {
            _report.SpansRoot++;
        }
        else if (_spanInstance.TryGetValue(new SpanKey(span.TraceId, span.ParentSpanId), out var parent))
        {
            AddEdge(parent, child);
        }
        else
        {
            ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(_waiting, new SpanKey(span.TraceId, span.ParentSpanId), out _);
            (list ??= []).Add(child);
        }

        // Children that arrived before this span.
        if (_waiting.Remove(key, out var children))
        {
            foreach (var c in children)
            {
                AddEdge(instance, c);
            }
        }
    }

    /// <summary>
    /// Ends the aggregation and returns the aggregates. Spans still waiting for their parent are
    /// counted as orphans. The aggregator accepts no records afterwards.
    /// </summary>
    /// <returns>The aggregates.</returns>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public TelemetryAggregate Complete()
    {
        ThrowIfCompleted();
        _completed = true;
        _report.SpansOrphan = _waiting.Values.Sum(l => (long)l.Count);
        _waiting.Clear();
        _spanInstance.Clear();
        return new TelemetryAggregate(
            _clock,
            _options,
            _instances,
            [.. _rawNames.Select(s => (IReadOnlyList<string>)[.. s])],
            _metrics,
            _operations,
            _steps,
            _minStep,
            _maxStep,
            _parser,
            _report,
            _examples);
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            throw new InvalidOperationException("The aggregation is complete: Complete() was called, so no more records can be added.");
        }
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

    private int InstanceOf(string raw)
    {
        if (_rawToInstance.TryGetValue(raw, out var index))
        {
            return index;
        }

        var key = _options.InstanceKey.Map(raw);
        if (!_instanceIndex.TryGetValue(key, out index))
        {
            index = _instances.Count;
            _instanceIndex.Add(key, index);
            _instances.Add(key);
            _rawNames.Add(new SortedSet<string>(StringComparer.Ordinal));
        }

        _rawNames[index].Add(raw);
        _rawToInstance.Add(raw, index);
        return index;
    }

    private static int IndexOf(Dictionary<string, int> index, List<string> names, string name)
    {
        if (!index.TryGetValue(name, out var i))
        {
            i = names.Count;
            index.Add(name, i);
            names.Add(name);
        }

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

    private void AddEdge(int caller, PendingChild child)
    {
        StepAt(child.Step).AddCall(caller, child.Instance, child.Operation, child.DurationMs, child.Error);
        _report.Edges++;
    }

    private readonly record struct SpanKey(string TraceId, string SpanId);

    private readonly record struct PendingChild(int Instance, int Operation, long Step, double DurationMs, bool Error);
}

/// <summary>Log levels counted as node features, in column order.</summary>
public static class LogLevels
{
    /// <summary>The level names; <c>OTHER</c> takes unknown or missing levels.</summary>
    public static IReadOnlyList<string> Names { get; } = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OTHER"];

    /// <summary>The column of a level name (case-insensitive; WARNING = WARN, CRITICAL = FATAL).</summary>
    /// <param name="level">The level, or <see langword="null"/>.</param>
    /// <returns>The index into <see cref="Names"/>.</returns>
    public static int IndexOf(string? level)
    {
        if (level is null)
        {
            return 6;
        }

        var span = level.AsSpan().Trim();
        return span switch
        {
            _ when span.Equals("INFO", StringComparison.OrdinalIgnoreCase) => 2,
            _ when span.Equals("WARN", StringComparison.OrdinalIgnoreCase) || span.Equals("WARNING", StringComparison.OrdinalIgnoreCase) => 3,
            _ when span.Equals("ERROR", StringComparison.OrdinalIgnoreCase) => 4,
            _ when span.Equals("DEBUG", StringComparison.OrdinalIgnoreCase) => 1,
            _ when span.Equals("TRACE", StringComparison.OrdinalIgnoreCase) => 0,
            _ when span.Equals("FATAL", StringComparison.OrdinalIgnoreCase) || span.Equals("CRITICAL", StringComparison.OrdinalIgnoreCase) => 5,
            _ => 6,
        };
    }
}
