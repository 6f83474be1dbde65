namespace MstGad.Evaluation;

/// <summary>
/// Event-level detection metrics: how many labelled faults were caught, how fast, and how many alarms an
/// operator would have chased for nothing.
/// </summary>
/// <param name="EventRecall"><see cref="DetectedEvents"/> / <see cref="Events"/>; 0 when there are no events.</param>
/// <param name="DetectedEvents">The events with at least one flagged step of their instance whose end lies
/// inside [start − tolerance, end + tolerance].</param>
/// <param name="Events">The labelled fault events.</param>
/// <param name="MeanTimeToDetect">The mean over detected events of max(0, time to detect): a flag up to
/// the tolerance before the start counts as detection at the start. Null when no event was detected.</param>
/// <param name="MeanRawTimeToDetect">The mean over detected events of the signed time to detect (first
/// flag − start), negative when flags tend to come before the labelled start. Null when no event was detected.</param>
/// <param name="FalseAlarms">The incidents with no flagged step inside a fault window of their instance.</param>
/// <param name="FalseAlarmsPerHour"><see cref="FalseAlarms"/> per hour of evaluated time.</param>
/// <param name="Incidents">Every maximal run of consecutive flagged steps of one instance, ordered by
/// instance (names compared ordinally) and time; false alarms are marked.</param>
/// <param name="Outcomes">One outcome per event, in the order of the events given.</param>
public sealed record EventMetrics(
    double EventRecall,
    int DetectedEvents,
    int Events,
    TimeSpan? MeanTimeToDetect,
    TimeSpan? MeanRawTimeToDetect,
    int FalseAlarms,
    double FalseAlarmsPerHour,
    IReadOnlyList<AlarmIncident> Incidents,
    IReadOnlyList<EventOutcome> Outcomes)
{
    /// <summary>Evaluates the steps a detector flagged against labelled fault events.</summary>
    /// <param name="events">The labelled faults. Events of one instance may overlap.</param>
    /// <param name="flags">The flagged (instance, step end) points, in any order; duplicates count once.</param>
    /// <param name="tolerance">How far before the start and after the end of a fault a flag still belongs to it.</param>
    /// <param name="evaluatedDuration">The length of the evaluated period, the denominator of
    /// <see cref="FalseAlarmsPerHour"/>. Events and flags are expected to lie inside it; nothing is clipped.</param>
    /// <param name="stepLength">The step length: two flags of one instance are consecutive when their step
    /// ends are exactly this far apart.</param>
    /// <returns>The metrics. O((e + f) log (e + f)) time for e events and f flags.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> or <paramref name="flags"/> is null.</exception>
    /// <exception cref="ArgumentException">An event is null, has no instance or ends before it starts, or a
    /// flag has no instance.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is negative, or
    /// <paramref name="evaluatedDuration"/> or <paramref name="stepLength"/> is not positive.</exception>
    public static EventMetrics Evaluate(IReadOnlyList<FaultEvent> events, IReadOnlyList<FlaggedStep> flags, TimeSpan tolerance, TimeSpan evaluatedDuration, TimeSpan stepLength)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(flags);
        if (tolerance < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, EvaluationMessages.ToleranceNegative);
        }

        if (evaluatedDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(evaluatedDuration), evaluatedDuration, EvaluationMessages.EvaluatedDurationNotPositive);
        }

        if (stepLength <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(stepLength), stepLength, EvaluationMessages.StepLengthNotPositive);
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] ?? throw new ArgumentException(EvaluationMessages.NullElement("event", i), nameof(events));
            if (e.Instance is null)
            {
                throw new ArgumentException(EvaluationMessages.NullInstance("event", i), nameof(events));
            }

            if (e.End < e.Start)
            {
                throw new ArgumentException(EvaluationMessages.EventEndsBeforeStart(i, e.Start, e.End), nameof(events));
            }
        }

        // Instances numbered in ordinal name order; flags sorted by (instance, time) without duplicates.
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < flags.Count; i++)
        {
            var instance = flags[i].Instance ?? throw new ArgumentException(EvaluationMessages.NullInstance("flag", i), nameof(flags));
            ordinals.TryAdd(instance, 0);
        }

        var names = new string[ordinals.Count];
        ordinals.Keys.CopyTo(names, 0);
        Array.Sort(names, StringComparer.Ordinal);
        for (var o = 0; o < names.Length; o++)
        {
            ordinals[names[o]] = o;
        }

        var sorted = new FlagKey[flags.Count];
        for (var i = 0; i < flags.Count; i++)
        {
            sorted[i] = new FlagKey(ordinals[flags[i].Instance], flags[i].StepEnd.UtcTicks, i);
        }

        sorted.AsSpan().Sort(default(FlagKeyComparer));
        var flagCount = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            if (flagCount == 0 || sorted[i].Instance != sorted[flagCount - 1].Instance || sorted[i].Ticks != sorted[flagCount - 1].Ticks)
            {
                sorted[flagCount++] = sorted[i];
            }
        }

        // Where each instance's flags begin: [starts[o], starts[o + 1]).
        var starts = new int[ordinals.Count + 1];
        for (var i = 0; i < flagCount; i++)
        {
            starts[sorted[i].Instance + 1]++;
        }

        for (var o = 0; o < ordinals.Count; o++)
        {
            starts[o + 1] += starts[o];
        }

        // Detection per event; fault windows of flagged instances for the false-alarm sweep.
        var outcomes = new EventOutcome[events.Count];
        var windows = new List<Window>(events.Count);
        var detected = 0;
        long clippedTicks = 0;
        long rawTicks = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var lo = e.Start.UtcTicks - tolerance.Ticks;
            var hi = SaturatingAdd(e.End.UtcTicks, tolerance.Ticks);
            DateTimeOffset? firstFlag = null;
            TimeSpan? timeToDetect = null;
            if (ordinals.TryGetValue(e.Instance, out var ordinal))
            {
                windows.Add(new Window(ordinal, lo, hi));
                var first = LowerBound(sorted, starts[ordinal], starts[ordinal + 1], lo);
                if (first < starts[ordinal + 1] && sorted[first].Ticks <= hi)
                {
                    firstFlag = flags[sorted[first].Index].StepEnd;
                    var ticks = sorted[first].Ticks - e.Start.UtcTicks;
                    timeToDetect = TimeSpan.FromTicks(ticks);
                    detected++;
                    rawTicks += ticks;
                    clippedTicks += Math.Max(0, ticks);
                }
            }

            outcomes[i] = new EventOutcome(e, firstFlag, timeToDetect);
        }

        var windowSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(windows);
        windowSpan.Sort(default(WindowComparer));

        // Runs of consecutive flags per instance; a run is a false alarm when none of its flags lies in a
        // window of its instance. Windows are sorted by (instance, lo): skip those ending before the flag.
        var incidents = new List<AlarmIncident>();
        var falseAlarms = 0;
        var w = 0;
        var runStart = 0;
        var runInWindow = false;
        for (var i = 0; i < flagCount; i++)
        {
            var flag = sorted[i];
            if (i > 0 && (flag.Instance != sorted[i - 1].Instance || flag.Ticks - sorted[i - 1].Ticks != stepLength.Ticks))
            {
                falseAlarms += CloseRun(incidents, names, flags, sorted, runStart, i, runInWindow);
                runStart = i;
                runInWindow = false;
            }

            while (w < windowSpan.Length && (windowSpan[w].Instance < flag.Instance || (windowSpan[w].Instance == flag.Instance && windowSpan[w].Hi < flag.Ticks)))
            {
                w++;
            }

            runInWindow |= w < windowSpan.Length && windowSpan[w].Instance == flag.Instance && windowSpan[w].Lo <= flag.Ticks;
        }

        if (flagCount > 0)
        {
            falseAlarms += CloseRun(incidents, names, flags, sorted, runStart, flagCount, runInWindow);
        }

        return new EventMetrics(
            events.Count == 0 ? 0.0 : (double)detected / events.Count,
            detected,
            events.Count,
            detected == 0 ? null : MeanOf(clippedTicks, detected),
            detected == 0 ? null : MeanOf(rawTicks, detected),
            falseAlarms,
            falseAlarms / evaluatedDuration.TotalHours,
            incidents.AsReadOnly(),
            Array.AsReadOnly(outcomes));
    }

    private static int CloseRun(List<AlarmIncident> incidents, string[] names, IReadOnlyList<FlaggedStep> flags, FlagKey[] sorted, int from, int to, bool inWindow)
    {
        incidents.Add(new AlarmIncident(
            names[sorted[from].Instance],
            flags[sorted[from].Index].StepEnd,
            flags[sorted[to - 1].Index].StepEnd,
            to - from,
            !inWindow));
        return inWindow ? 0 : 1;
    }

    private static TimeSpan MeanOf(long ticks, int count) =>
        TimeSpan.FromTicks((long)Math.Round((double)ticks / count, MidpointRounding.AwayFromZero));

    private static long SaturatingAdd(long ticks, long tolerance) => ticks + tolerance < ticks ? long.MaxValue : ticks + tolerance;

    /// <summary>The first index in [from, to) whose time is at least <paramref name="ticks"/>.</summary>
    private static int LowerBound(FlagKey[] sorted, int from, int to, long ticks)
    {
        while (from < to)
        {
            var middle = from + ((to - from) >> 1);
            if (sorted[middle].Ticks < ticks)
            {
                from = middle + 1;
            }
            else
            {
                to = middle;
            }
        }

        return from;
    }

    private readonly record struct FlagKey(int Instance, long Ticks, int Index);

    private readonly record struct Window(int Instance, long Lo, long Hi);

    private readonly struct FlagKeyComparer : IComparer<FlagKey>
    {
        public int Compare(FlagKey x, FlagKey y)
        {
            var c = x.Instance.CompareTo(y.Instance);
            if (c != 0)
            {
                return c;
            }

            c = x.Ticks.CompareTo(y.Ticks);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        }
    }

    private readonly struct WindowComparer : IComparer<Window>
    {
        public int Compare(Window x, Window y)
        {
            var c = x.Instance.CompareTo(y.Instance);
            return c != 0 ? c : x.Lo.CompareTo(y.Lo);
        }
    }
}
