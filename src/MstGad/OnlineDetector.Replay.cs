using MstGad.Datasets;
using MstGad.Features;

namespace MstGad;

public sealed partial class OnlineDetector
{
    /// <summary>
    /// Replays recorded telemetry as if it arrived live: reads every record of the source, merges metrics, logs
    /// and spans in event-time order (a metric sample's time, a log line's time, a span's end; ties keep the
    /// source's order, metrics before logs before spans), pushes them one by one, then calls <see cref="Complete"/>.
    /// </summary>
    /// <param name="source">The telemetry (its records are held in memory to be sorted).</param>
    /// <param name="cancellationToken">Cancels reading or pushing.</param>
    /// <returns>How many records were pushed and how long pushing took (reading and sorting excluded).</returns>
    public async Task<ReplayResult> ReplayAsync(ITelemetrySource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var all = await TelemetryDirectory.ReadAllAsync(source, cancellationToken).ConfigureAwait(false);
        var (metrics, logs, spans, faults) = (all.Metrics, all.Logs, all.Spans, all.Faults);

        // Stable sorts: records with the same time keep the source's order.
        var m = metrics.OrderBy(x => x.Time.UtcTicks).ToArray();
        var l = logs.OrderBy(x => x.Time.UtcTicks).ToArray();
        var s = spans.OrderBy(EventTicks).ToArray();
        var results = new long[Enum.GetValues<PushResult>().Length];
        var started = _options.TimeProvider.GetTimestamp();
        int i = 0, j = 0, k = 0;
        while (i < m.Length || j < l.Length || k < s.Length)
        {
            if ((i & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var mt = i < m.Length ? m[i].Time.UtcTicks : long.MaxValue;
            var lt = j < l.Length ? l[j].Time.UtcTicks : long.MaxValue;
            var st = k < s.Length ? EventTicks(s[k]) : long.MaxValue;
            PushResult result;
            if (mt <= lt && mt <= st && i < m.Length)
            {
                result = Push(m[i++]);
            }
            else if (lt <= st && j < l.Length)
            {
                result = Push(l[j++]);
            }
            else
            {
                result = Push(s[k++]);
            }

            results[(int)result]++;
        }

        Complete();
        var elapsed = _options.TimeProvider.GetElapsedTime(started);
        return new ReplayResult(m.Length, l.Length, s.Length, results[(int)PushResult.Used], faults, elapsed);
    }

    /// <summary>A span's event time (its end), or its start when the end is not representable.</summary>
    private static long EventTicks(Span span) =>
        span.Duration < TimeSpan.Zero || span.Duration.Ticks > DateTimeOffset.MaxValue.UtcTicks - span.Start.UtcTicks ? span.Start.UtcTicks : span.End.UtcTicks;
}

/// <summary>What <see cref="OnlineDetector.ReplayAsync"/> pushed.</summary>
/// <param name="Metrics">Metric samples pushed.</param>
/// <param name="Logs">Log records pushed.</param>
/// <param name="Spans">Spans pushed.</param>
/// <param name="Used">Records used (the others are counted by reason in <see cref="OnlineDetector.Report"/>).</param>
/// <param name="Faults">The source's fault labels (not pushed).</param>
/// <param name="PushTime">How long pushing, scoring and completing took.</param>
public sealed record ReplayResult(long Metrics, long Logs, long Spans, long Used, IReadOnlyList<FaultLabel> Faults, TimeSpan PushTime)
{
    /// <summary>All records pushed.</summary>
    public long Records => Metrics + Logs + Spans;

    /// <summary>Records pushed per second of <see cref="PushTime"/>.</summary>
    public double RecordsPerSecond => PushTime > TimeSpan.Zero ? Records / PushTime.TotalSeconds : double.PositiveInfinity;
}
