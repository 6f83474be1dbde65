using System.Runtime.InteropServices;
using MstGad.Parsing;

namespace MstGad.Features;

public sealed partial class TelemetryAggregator
{
    /// <summary>The version of <see cref="WriteState"/>'s format.</summary>
    internal const int StateVersion = 3;

    /// <summary>
    /// Writes everything needed to continue exactly where the aggregator stands (open steps, remembered span ids,
    /// children waiting for parents, instances, carried metric values, counters) except the log parser, which
    /// the caller saves with its own snapshot.
    /// </summary>
    /// <param name="w">The writer.</param>
    /// <exception cref="InvalidOperationException">After <see cref="Complete"/>.</exception>
    public void WriteState(BinaryWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        ThrowIfCompleted();
        w.Write(StateVersion);
        foreach (var value in (long[])[_nextInstanceId, _maxMetricTicks, _maxLogTicks, _maxSpanTicks, _minStep, _maxStep, _nextToSeal, _lastDataStep, _spansEvictedBefore])
        {
            w.Write(value);
        }

        var counters = ReportCounters(_report);
        w.Write(counters.Length);
        foreach (var counter in counters)
        {
            w.Write(counter);
        }

        WriteStrings(w, _metrics);
        WriteStrings(w, _operations);
        w.Write(_instancesById.Count);
        foreach (var state in _instancesById.Values.OrderBy(s => s.Id))
        {
            w.Write(state.Id);
            w.Write(state.Key);
            w.Write(state.LastTouched);
            w.Write(state.LastSeen);
            w.Write(state.RawNames is null ? -1 : state.RawNames.Count);
            foreach (var raw in state.RawNames ?? [])
            {
                w.Write(raw);
            }

            var (values, steps) = state.CarryState;
            w.Write(values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                w.Write(values[i]);
                w.Write(steps[i]);
            }
        }

        w.Write(_steps.Count);
        foreach (var (step, acc) in _steps.OrderBy(p => p.Key))
        {
            w.Write(step);
            WriteAccumulator(w, acc);
        }

        w.Write(_spans.Count);
        foreach (var (key, entry) in _spans)
        {
            WriteKey(w, key);
            w.Write(entry.Instance);
            w.Write(entry.Step);
            w.Write(entry.Ticks);
            w.Write(entry.Operation);
            w.Write((int)entry.Kind);
            w.Write(entry.Error);
            w.Write((byte)entry.Link);
            w.Write(entry.HasChild);
            w.Write(entry.HasCallChild);
            w.Write(entry.Peer is not null);
            if (entry.Peer is not null)
            {
                w.Write(entry.Peer);
            }
        }

        w.Write(_waiting.Count);
        foreach (var (parent, children) in _waiting)
        {
            WriteKey(w, parent);
            w.Write(children.Count);
            foreach (var c in children)
            {
                w.Write(c.SpanId);
                w.Write(c.Step);
            }
        }

        w.Write(_examples.Count);
        foreach (var (id, message) in _examples)
        {
            w.Write(id);
            w.Write(message);
        }
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote into a new aggregator with the given settings and parser.</summary>
    /// <param name="r">The reader.</param>
    /// <param name="options">The settings the state was written with.</param>
    /// <param name="parser">The log parser as it was when the state was written.</param>
    /// <param name="limits">What to keep from now on.</param>
    /// <returns>The aggregator, where the written one stood.</returns>
    /// <exception cref="InvalidDataException">Another format version, or inconsistent data.</exception>
    public static TelemetryAggregator ReadState(BinaryReader r, FeatureOptions options, DrainParser parser, AggregatorLimits limits)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(limits);
        var version = r.ReadInt32();
        if (version != StateVersion)
        {
            throw new InvalidDataException($"Aggregator state version {version} is not supported; this build reads version {StateVersion}.");
        }

        var a = new TelemetryAggregator(options, parser, limits);
        a._nextInstanceId = checked((int)r.ReadInt64());
        a._maxMetricTicks = r.ReadInt64();
        a._maxLogTicks = r.ReadInt64();
        a._maxSpanTicks = r.ReadInt64();
        a._minStep = r.ReadInt64();
        a._maxStep = r.ReadInt64();
        a._nextToSeal = r.ReadInt64();
        a._lastDataStep = r.ReadInt64();
        a._spansEvictedBefore = r.ReadInt64();
        var counters = new long[Count(r, 64)];
        for (var i = 0; i < counters.Length; i++)
        {
            counters[i] = r.ReadInt64();
        }

        SetReportCounters(a._report, counters);
        foreach (var name in ReadStrings(r))
        {
            a._metricIndex.Add(name, a._metrics.Count);
            a._metrics.Add(name);
        }

        foreach (var name in ReadStrings(r))
        {
            a._operationIndex.Add(name, a._operations.Count);
            a._operations.Add(name);
        }

        for (var count = Count(r); count > 0; count--)
        {
            var state = new InstanceState(r.ReadInt32(), r.ReadString(), limits.KeepRawNames)
            {
                LastTouched = r.ReadInt64(),
                LastSeen = r.ReadInt64(),
            };
            var raws = r.ReadInt32();
            for (var i = 0; i < raws; i++)
            {
                state.RawNames?.Add(r.ReadString());
            }

            var carried = Count(r);
            var values = new double[carried];
            var steps = new long[carried];
            for (var i = 0; i < carried; i++)
            {
                values[i] = r.ReadDouble();
                steps[i] = r.ReadInt64();
            }

            state.CarryState = (values, steps);
            a._instancesById.Add(state.Id, state);
            a._instancesByKey.Add(state.Key, state);
        }

        for (var count = Count(r); count > 0; count--)
        {
            var step = r.ReadInt64();
            a._steps.Add(step, ReadAccumulator(r));
        }

        for (var count = Count(r); count > 0; count--)
        {
            var key = ReadKey(r);
            var entry = new SpanEntry
            {
                Instance = r.ReadInt32(),
                Step = r.ReadInt64(),
                Ticks = r.ReadInt64(),
                Operation = r.ReadInt32(),
                Kind = (SpanKind)r.ReadInt32(),
                Error = r.ReadBoolean(),
                Link = (LinkKind)r.ReadByte(),
                HasChild = r.ReadBoolean(),
                HasCallChild = r.ReadBoolean(),
                Peer = r.ReadBoolean() ? a.InternPeer(r.ReadString()) : null,
            };
            a._spans.Add(key, entry);
            if (limits.SpanRetentionSteps != long.MaxValue)
            {
                ref var keys = ref CollectionsMarshal.GetValueRefOrAddDefault(a._spansByStep, entry.Step, out _);
                (keys ??= []).Add(key);
            }
        }

        for (var count = Count(r); count > 0; count--)
        {
            var parent = ReadKey(r);
            var children = new List<PendingChild>();
            for (var c = Count(r); c > 0; c--)
            {
                children.Add(new PendingChild(r.ReadString(), r.ReadInt64()));
            }

            a._waiting.Add(parent, children);
        }

        for (var count = Count(r); count > 0; count--)
        {
            a._examples.Add(r.ReadInt32(), r.ReadString());
        }

        return a;
    }

    private static long[] ReportCounters(AggregationReport x) =>
    [
        x.MetricsUsed, x.MetricsNotFinite, x.MetricsLate, x.MetricsOutOfRange, x.LogsUsed, x.LogsLate, x.LogsOutOfRange, x.SpansUsed,
        x.SpansDuplicate, x.SpansNegativeDuration, x.SpansLate, x.SpansOutOfRange, x.SpansRoot, x.SpansOrphan, x.Edges,
        x.CallPairs, x.SpansToPeers, x.NegativeGaps,
    ];

    private static void SetReportCounters(AggregationReport x, long[] c)
    {
        if (c.Length != 18)
        {
            throw new InvalidDataException($"Aggregator state has {c.Length} counters; expected 18.");
        }

        (x.MetricsUsed, x.MetricsNotFinite, x.MetricsLate, x.MetricsOutOfRange, x.LogsUsed, x.LogsLate, x.LogsOutOfRange, x.SpansUsed) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]);
        (x.SpansDuplicate, x.SpansNegativeDuration, x.SpansLate, x.SpansOutOfRange, x.SpansRoot, x.SpansOrphan, x.Edges) = (c[8], c[9], c[10], c[11], c[12], c[13], c[14]);
        (x.CallPairs, x.SpansToPeers, x.NegativeGaps) = (c[15], c[16], c[17]);
    }

    private static void WriteAccumulator(BinaryWriter w, StepAccumulator acc)
    {
        w.Write(acc.Metrics.Count);
        foreach (var (instance, cells) in acc.Metrics)
        {
            w.Write(instance);
            w.Write(cells.Length);
            foreach (var cell in cells)
            {
                w.Write(cell.Count);
                foreach (var value in cell.Values())
                {
                    w.Write(value);
                }

                if (cell.Count > 0)
                {
                    w.Write(cell.Last);
                    w.Write(cell.LastTicks);
                }
            }
        }

        w.Write(acc.LogTemplates.Count);
        foreach (var (instance, counts) in acc.LogTemplates)
        {
            w.Write(instance);
            w.Write(counts.Count);
            foreach (var (template, count) in counts)
            {
                w.Write(template);
                w.Write(count);
            }

            foreach (var level in acc.LogLevelCounts[instance])
            {
                w.Write(level);
            }
        }

        w.Write(acc.Edges.Count);
        foreach (var ((caller, callee), cell) in acc.Edges)
        {
            w.Write(caller);
            w.Write(callee);
            w.Write(cell.Operations.Count);
            foreach (var (op, totals) in cell.Operations)
            {
                w.Write(op);
                w.Write(totals.Calls);
                w.Write(totals.ClientTicks);
                w.Write(totals.ServerTicks);
                w.Write(totals.GapTicks);
                w.Write(totals.Errors);
            }

            w.Write(cell.ClientDurations.Count);
            foreach (var ticks in cell.ClientDurations)
            {
                w.Write(ticks);
            }

            w.Write(cell.GapDurations.Count);
            foreach (var ticks in cell.GapDurations)
            {
                w.Write(ticks);
            }

            w.Write(cell.Errors);
            w.Write(cell.ClientTicks);
        }

        w.Write(acc.PendingLogs.Count);
        foreach (var log in acc.PendingLogs)
        {
            w.Write(log.Instance);
            w.Write(log.Ticks);
            w.Write(log.Level);
            w.Write(log.Message);
        }

        w.Write(acc.Seen.Count);
        foreach (var id in acc.Seen)
        {
            w.Write(id);
        }

        w.Write(acc.WaitingParents.Count);
        foreach (var key in acc.WaitingParents)
        {
            WriteKey(w, key);
        }

        w.Write(acc.SealCandidates.Count);
        foreach (var key in acc.SealCandidates)
        {
            WriteKey(w, key);
        }

        w.Write(acc.HasSpans);
    }

    private static StepAccumulator ReadAccumulator(BinaryReader r)
    {
        var acc = new StepAccumulator();
        for (var count = Count(r); count > 0; count--)
        {
            var instance = r.ReadInt32();
            var cells = new MetricCell[Count(r)];
            for (var m = 0; m < cells.Length; m++)
            {
                var n = Count(r);
                var values = new double[n];
                for (var i = 0; i < n; i++)
                {
                    values[i] = r.ReadDouble();
                }

                if (n > 0)
                {
                    // Replaying the values rebuilds min, max and sum (order-independent); the latest value is restored as saved.
                    foreach (var v in values)
                    {
                        cells[m].Add(v, long.MinValue);
                    }

                    cells[m].Last = r.ReadDouble();
                    cells[m].LastTicks = r.ReadInt64();
                }
            }

            acc.Metrics.Add(instance, cells);
        }

        for (var count = Count(r); count > 0; count--)
        {
            var instance = r.ReadInt32();
            var counts = new Dictionary<int, int>();
            for (var c = Count(r); c > 0; c--)
            {
                counts.Add(r.ReadInt32(), r.ReadInt32());
            }

            var levels = new int[LogLevels.Names.Count];
            for (var l = 0; l < levels.Length; l++)
            {
                levels[l] = r.ReadInt32();
            }

            acc.LogTemplates.Add(instance, counts);
            acc.LogLevelCounts.Add(instance, levels);
        }

        for (var count = Count(r); count > 0; count--)
        {
            var cell = new EdgeCell();
            var key = (r.ReadInt32(), r.ReadInt32());
            for (var c = Count(r); c > 0; c--)
            {
                cell.Operations.Add(r.ReadInt32(), new CallTotals
                {
                    Calls = r.ReadInt32(),
                    ClientTicks = r.ReadInt64(),
                    ServerTicks = r.ReadInt64(),
                    GapTicks = r.ReadInt64(),
                    Errors = r.ReadInt32(),
                });
            }

            for (var c = Count(r); c > 0; c--)
            {
                cell.ClientDurations.Add(r.ReadInt64());
            }

            for (var c = Count(r); c > 0; c--)
            {
                cell.GapDurations.Add(r.ReadInt64());
            }

            cell.Errors = r.ReadInt32();
            cell.ClientTicks = r.ReadInt64();
            acc.Edges.Add(key, cell);
        }

        for (var count = Count(r); count > 0; count--)
        {
            acc.PendingLogs.Add(new PendingLog(r.ReadInt32(), r.ReadInt64(), r.ReadInt32(), r.ReadString()));
        }

        for (var count = Count(r); count > 0; count--)
        {
            acc.Seen.Add(r.ReadInt32());
        }

        for (var count = Count(r); count > 0; count--)
        {
            acc.WaitingParents.Add(ReadKey(r));
        }

        for (var count = Count(r); count > 0; count--)
        {
            acc.SealCandidates.Add(ReadKey(r));
        }

        acc.HasSpans = r.ReadBoolean();
        return acc;
    }

    private static void WriteKey(BinaryWriter w, SpanKey key)
    {
        w.Write(key.TraceId);
        w.Write(key.SpanId);
    }

    private static SpanKey ReadKey(BinaryReader r) => new(r.ReadString(), r.ReadString());

    private static void WriteStrings(BinaryWriter w, List<string> values)
    {
        w.Write(values.Count);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static List<string> ReadStrings(BinaryReader r)
    {
        var values = new List<string>();
        for (var count = Count(r); count > 0; count--)
        {
            values.Add(r.ReadString());
        }

        return values;
    }

    /// <summary>Reads a count and checks that it is plausible.</summary>
    private static int Count(BinaryReader r, int max = 1 << 28)
    {
        var count = r.ReadInt32();
        if (count < 0 || count > max)
        {
            throw new InvalidDataException($"Aggregator state is corrupt: a count of {count}.");
        }

        return count;
    }
}
