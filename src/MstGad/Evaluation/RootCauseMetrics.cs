namespace MstGad.Evaluation;

/// <summary>Where one fault's root-cause ranking put the faulty instance.</summary>
/// <param name="Event">The fault.</param>
/// <param name="Trigger">The end of the first step within the fault window (± tolerance) in which the detector flagged
/// anything, or <see langword="null"/> when it flagged nothing there.</param>
/// <param name="Rank">The faulty instance's rank among the candidates at the trigger (1 = top), or <see langword="null"/>
/// when there was no trigger or it was not a candidate.</param>
/// <param name="Top">The top candidate at the trigger.</param>
public sealed record RootCauseOutcome(FaultEvent Event, DateTimeOffset? Trigger, int? Rank, string? Top);

/// <summary>
/// Root-cause accuracy with the detector's own trigger: for every fault, the first step within its window
/// (± tolerance) in which anything was flagged is the alarm — no oracle says when the fault happened — and the
/// <see cref="RootCauseRanker"/> ranking at that step is scored. AC@k is the share of all faults whose instance
/// is among the top k candidates (a fault without a trigger counts as a miss).
/// </summary>
/// <param name="Faults">The faults evaluated.</param>
/// <param name="Triggered">Faults with a trigger.</param>
/// <param name="AccuracyAt1">AC@1 over all faults.</param>
/// <param name="AccuracyAt3">AC@3 over all faults.</param>
/// <param name="Outcomes">One outcome per fault, in the order given.</param>
public sealed record RootCauseMetrics(int Faults, int Triggered, double AccuracyAt1, double AccuracyAt3, IReadOnlyList<RootCauseOutcome> Outcomes)
{
    /// <summary>Evaluates the rankings of the steps of a detection run against labelled faults.</summary>
    /// <param name="steps">The scored steps, in time order (see <see cref="Detector.DetectSteps"/>).</param>
    /// <param name="events">The faults.</param>
    /// <param name="tolerance">How far before the start and after the end of a fault a flag still belongs to it.</param>
    /// <returns>The metrics.</returns>
    public static RootCauseMetrics Evaluate(IReadOnlyList<StepVerdicts> steps, IReadOnlyList<FaultEvent> events, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(events);
        var flaggedSteps = steps.Where(s => s.Verdicts.Any(v => v.IsAbnormal)).OrderBy(s => s.End).ToList();
        var ends = flaggedSteps.Select(s => s.End).ToList();
        var outcomes = new List<RootCauseOutcome>(events.Count);
        foreach (var e in events)
        {
            var from = e.Start - tolerance;
            var index = ends.BinarySearch(from);
            index = index < 0 ? ~index : index;
            if (index >= flaggedSteps.Count || flaggedSteps[index].End > e.End + tolerance)
            {
                outcomes.Add(new RootCauseOutcome(e, null, null, null));
                continue;
            }

            var step = flaggedSteps[index];
            var ranking = RootCauseRanker.Rank(step);
            var position = ranking.Select((c, i) => (c.Instance, i)).FirstOrDefault(c => string.Equals(c.Instance, e.Instance, StringComparison.Ordinal));
            int? rank = position.Instance is null ? null : position.i + 1;
            outcomes.Add(new RootCauseOutcome(e, step.End, rank, ranking[0].Instance));
        }

        var n = Math.Max(1, outcomes.Count);
        return new RootCauseMetrics(
            outcomes.Count,
            outcomes.Count(o => o.Trigger is not null),
            (double)outcomes.Count(o => o.Rank == 1) / n,
            (double)outcomes.Count(o => o.Rank is <= 3) / n,
            outcomes);
    }
}
