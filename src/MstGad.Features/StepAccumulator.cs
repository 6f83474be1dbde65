using System.Runtime.InteropServices;

namespace MstGad.Features;

/// <summary>
/// Statistics of the samples of one metric of one instance in one step. Every statistic is independent of
/// the order in which the samples arrive (the sum adds the values in ascending order), so batch reading and
/// online streaming of the same records give bit-identical features.
/// </summary>
internal struct MetricCell
{
    public int Count;
    public double Min;
    public double Max;
    public double Last;
    public long LastTicks;
    public double First;
    public double Second;
    public double[]? More;

    public void Add(double value, long ticks)
    {
        if (Count == 0)
        {
            Min = Max = value;
            Last = value;
            LastTicks = ticks;
            First = value;
        }
        else
        {
            Min = Math.Min(Min, value);
            Max = Math.Max(Max, value);

            // The latest sample wins; of samples at the same time the larger value (not the later arrival).
            if (ticks > LastTicks || (ticks == LastTicks && value > Last))
            {
                Last = value;
                LastTicks = ticks;
            }

            if (Count == 1)
            {
                Second = value;
            }
            else
            {
                More ??= new double[4];
                if (Count - 2 == More.Length)
                {
                    Array.Resize(ref More, More.Length * 2);
                }

                More[Count - 2] = value;
            }
        }

        Count++;
    }

    /// <summary>The sum of the values, added in ascending order (a + b is exact to commute; three or more are sorted).</summary>
    public readonly double Sum()
    {
        switch (Count)
        {
            case 0:
                return 0;
            case 1:
                return First;
            case 2:
                return First + Second;
        }

        var values = new double[Count];
        values[0] = First;
        values[1] = Second;
        Array.Copy(More!, 0, values, 2, Count - 2);
        Array.Sort(values);
        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    public readonly double Value(MetricAggregation aggregation) => aggregation switch
    {
        MetricAggregation.Mean => Sum() / Count,
        MetricAggregation.Min => Min,
        MetricAggregation.Max => Max,
        MetricAggregation.Last => Last,
        _ => Sum(),
    };

    /// <summary>The values in arrival order (for checkpoints).</summary>
    public readonly IEnumerable<double> Values()
    {
        if (Count > 0)
        {
            yield return First;
        }

        if (Count > 1)
        {
            yield return Second;
        }

        for (var i = 0; i < Count - 2; i++)
        {
            yield return More![i];
        }
    }
}

/// <summary>
/// The calls of one request type on one edge in one step: how many, the time the caller measured (client),
/// the time the callee measured (server), their difference (client − server, negative ones clamped to 0)
/// and how many failed on either side. Durations in ticks (100 ns), summed as integers.
/// </summary>
internal struct CallTotals
{
    public int Calls;
    public long ClientTicks;
    public long ServerTicks;
    public long GapTicks;
    public int Errors;
}

/// <summary>
/// Calls of one edge in one step. Durations are kept in ticks (100 ns) and summed as integers, so the
/// totals do not depend on the order in which spans arrive.
/// </summary>
internal sealed class EdgeCell
{
    /// <summary>The operation index of calls whose operation is not tracked (online: not a request type of the model).</summary>
    public const int OtherOperation = -1;

    /// <summary>The totals per operation index (the callee's operation); <see cref="OtherOperation"/> collects operations not tracked.</summary>
    public Dictionary<int, CallTotals> Operations { get; } = [];

    /// <summary>The client-observed duration of every call, in ticks (for the latency percentile).</summary>
    public List<long> ClientDurations { get; } = [];

    /// <summary>The client minus server duration of every call, in ticks (for the median gap).</summary>
    public List<long> GapDurations { get; } = [];

    /// <summary>The calls that failed on either side.</summary>
    public int Errors { get; set; }

    /// <summary>The total client-observed duration, in ticks.</summary>
    public long ClientTicks { get; set; }

    /// <summary>The number of calls.</summary>
    public int Calls => ClientDurations.Count;

    /// <summary>Adds one call.</summary>
    /// <param name="operation">The operation index.</param>
    /// <param name="clientTicks">The duration the caller measured.</param>
    /// <param name="serverTicks">The duration the callee measured (0 when it measured nothing).</param>
    /// <param name="gapTicks">Client minus server, not negative.</param>
    /// <param name="error">Whether either side failed.</param>
    public void Add(int operation, long clientTicks, long serverTicks, long gapTicks, bool error)
    {
        ref var totals = ref CollectionsMarshal.GetValueRefOrAddDefault(Operations, operation, out _);
        totals.Calls++;
        totals.ClientTicks += clientTicks;
        totals.ServerTicks += serverTicks;
        totals.GapTicks += gapTicks;
        ClientDurations.Add(clientTicks);
        GapDurations.Add(gapTicks);
        ClientTicks += clientTicks;
        if (error)
        {
            totals.Errors++;
            Errors++;
        }
    }
}

/// <summary>A log line waiting to be parsed when its step is sealed.</summary>
internal readonly record struct PendingLog(int Instance, long Ticks, int Level, string Message);

/// <summary>The trace and span id of a span, with its hash computed once: a span's key is looked up in several
/// dictionaries and sets, and hashing two long ids each time was a tenth of the aggregation's time.</summary>
internal readonly struct SpanKey : IEquatable<SpanKey>
{
    private readonly int _hash;

    public SpanKey(string traceId, string spanId)
        : this(traceId, traceId.GetHashCode(StringComparison.Ordinal), spanId)
    {
    }

    /// <summary>A key in a trace whose id's hash (<see cref="string.GetHashCode(StringComparison)"/>, ordinal) is known.</summary>
    public SpanKey(string traceId, int traceHash, string spanId)
    {
        TraceId = traceId;
        SpanId = spanId;
        _hash = HashCode.Combine(traceHash, spanId.GetHashCode(StringComparison.Ordinal));
    }

    public string TraceId { get; }

    public string SpanId { get; }

    public static bool operator ==(SpanKey left, SpanKey right) => left.Equals(right);

    public static bool operator !=(SpanKey left, SpanKey right) => !left.Equals(right);

    public bool Equals(SpanKey other) => _hash == other._hash && string.Equals(SpanId, other.SpanId, StringComparison.Ordinal) && string.Equals(TraceId, other.TraceId, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is SpanKey other && Equals(other);

    public override int GetHashCode() => _hash;

    public override string ToString() => $"{TraceId}/{SpanId}";
}

/// <summary>Everything aggregated for one step.</summary>
internal sealed class StepAccumulator
{
    private static readonly MetricCell[] NoCells = [];

    public Dictionary<int, MetricCell[]> Metrics { get; } = [];

    public Dictionary<int, Dictionary<int, int>> LogTemplates { get; } = [];

    public Dictionary<int, int[]> LogLevelCounts { get; } = [];

    /// <summary>Each instance's first templates of the step in the order they were logged (kept only when asked for).</summary>
    public Dictionary<int, List<int>>? TemplateSequences { get; private set; }

    public Dictionary<(int Caller, int Callee), EdgeCell> Edges { get; } = [];

    /// <summary>Log lines not parsed yet (parsed in time order when the step is sealed).</summary>
    public List<PendingLog> PendingLogs { get; } = [];

    /// <summary>The instances that sent anything that counts in this step.</summary>
    public HashSet<int> Seen { get; } = [];

    /// <summary>Parents that children ending in this step still wait for.</summary>
    public HashSet<SpanKey> WaitingParents { get; } = [];

    /// <summary>
    /// Spans ending in this step whose own contribution is decided when the step is sealed: those with a parent
    /// (the self-edge, unless they are the client side of a call) and client spans (a peer edge, unless a callee span arrived).
    /// </summary>
    public List<SpanKey> SealCandidates { get; } = [];

    public bool HasSpans { get; set; }

    public bool HasLogs => LogTemplates.Count > 0 || PendingLogs.Count > 0;

    public ref MetricCell MetricCell(int instance, int metric)
    {
        if (!Metrics.TryGetValue(instance, out var cells) || cells.Length <= metric)
        {
            var grown = new MetricCell[Math.Max(metric + 1, (cells ?? NoCells).Length * 2)];
            (cells ?? NoCells).CopyTo(grown, 0);
            Metrics[instance] = cells = grown;
        }

        return ref cells[metric];
    }

    public void AddLog(int instance, int template, int level, int sequenceLength = 0)
    {
        if (sequenceLength > 0)
        {
            TemplateSequences ??= [];
            if (!TemplateSequences.TryGetValue(instance, out var sequence))
            {
                TemplateSequences.Add(instance, sequence = []);
            }

            if (sequence.Count < sequenceLength)
            {
                sequence.Add(template);
            }
        }

        if (!LogTemplates.TryGetValue(instance, out var counts))
        {
            counts = [];
            LogTemplates.Add(instance, counts);
            LogLevelCounts.Add(instance, new int[LogLevels.Names.Count]);
        }

        counts[template] = counts.GetValueOrDefault(template) + 1;
        LogLevelCounts[instance][level]++;
    }

    public void AddCall(int caller, int callee, int operation, long clientTicks, long serverTicks, long gapTicks, bool error)
    {
        ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(Edges, (caller, callee), out _);
        cell ??= new EdgeCell();
        cell.Add(operation, clientTicks, serverTicks, gapTicks, error);
        HasSpans = true;
    }
}

/// <summary>
/// A step after sealing: its aggregates (none for a step without data), the instances active in it
/// (those heard from within <see cref="FeatureOptions.MaxCarryForwardSteps"/> steps), and their metric
/// values after carrying forward. Nothing can be added to a sealed step.
/// </summary>
public sealed class SealedStep
{
    internal SealedStep(long step, StepAccumulator? accumulator, int[] activeIds, string[] activeKeys, double[] metricValues, int metricCount)
    {
        Step = step;
        Accumulator = accumulator;
        ActiveIds = activeIds;
        ActiveKeys = activeKeys;
        MetricValues = metricValues;
        MetricCount = metricCount;
    }

    /// <summary>The step.</summary>
    public long Step { get; }

    internal StepAccumulator? Accumulator { get; }

    /// <summary>The ids of the active instances, ascending.</summary>
    internal int[] ActiveIds { get; }

    /// <summary>The keys of the active instances (the order of their ids in the aggregator).</summary>
    public IReadOnlyList<string> Instances => ActiveKeys;

    /// <summary>The keys of the active instances, in the order of <see cref="ActiveIds"/>.</summary>
    internal string[] ActiveKeys { get; }

    /// <summary>Metric values <c>[active · MetricCount + metric]</c>, NaN where missing.</summary>
    internal double[] MetricValues { get; }

    /// <summary>The number of metric names known when the step was sealed.</summary>
    internal int MetricCount { get; }

    /// <summary>The position of an instance id in <see cref="ActiveIds"/>, or a negative number.</summary>
    internal int PositionOf(int id) => Array.BinarySearch(ActiveIds, id);
}
