using MstGad.Features;

namespace MstGad.Evaluation;

/// <summary>
/// Scores verdicts against labelled faults as <c>mstgad evaluate</c> does: point-wise (a verdict is abnormal when its
/// step overlaps a fault of its instance), event-level (a fault is found when its instance is flagged within its
/// window ± the tolerance; a false alarm is a run of flagged steps of an instance that touches no fault window of it)
/// and point-adjusted, side by side.
/// </summary>
public static class VerdictEvaluation
{
    /// <summary>Evaluates verdicts (of any method and decision rule) against faults.</summary>
    /// <param name="verdicts">The verdicts, for example of <see cref="Detector.Detect(TelemetryAggregate, long?, long?)"/>.</param>
    /// <param name="faults">The labelled faults.</param>
    /// <param name="instanceKey">Maps a fault's pod target to the instance key the verdicts use (service targets are taken as they are).</param>
    /// <param name="interval">The step length.</param>
    /// <param name="tolerance">How far before a fault's start and after its end a flag still finds it.</param>
    /// <param name="threshold">The threshold the verdicts' scores were decided at (for the point-wise and point-adjusted figures).</param>
    /// <returns>The figures.</returns>
    /// <exception cref="ArgumentException">There are no verdicts.</exception>
    public static EvaluationReport Evaluate(IReadOnlyList<InstanceVerdict> verdicts, IReadOnlyList<FaultLabel> faults, InstanceKey instanceKey, TimeSpan interval, TimeSpan tolerance, double threshold)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(instanceKey);
        if (verdicts.Count == 0)
        {
            throw new ArgumentException("There are no verdicts to evaluate.", nameof(verdicts));
        }

        var first = verdicts.Min(v => v.Time);
        var last = verdicts.Max(v => v.Time);
        var inRange = InRange(FaultEvents(faults, instanceKey), verdicts, interval);

        // Point labels: a (step, instance) is abnormal when its step overlaps a fault of the instance.
        var instances = verdicts.Select(v => v.Instance).Distinct().Order(StringComparer.Ordinal).ToList();
        var column = instances.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        var steps = verdicts.Select(v => v.Time).Distinct().Order().ToList();
        var row = steps.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        var scores = new double[steps.Count * instances.Count];
        var labels = new sbyte[scores.Length];
        Array.Fill(labels, (sbyte)-1);
        var pointScores = new List<double>(verdicts.Count);
        var pointLabels = new List<int>(verdicts.Count);
        var abnormalFlags = AbnormalFlags(verdicts, inRange, interval);
        for (var i = 0; i < verdicts.Count; i++)
        {
            var v = verdicts[i];
            var abnormal = abnormalFlags[i];
            var index = (row[v.Time] * instances.Count) + column[v.Instance];
            scores[index] = v.Score;
            labels[index] = (sbyte)(abnormal ? 1 : 0);
            pointScores.Add(v.Score);
            pointLabels.Add(abnormal ? 1 : 0);
        }

        var point = PointMetrics.Evaluate(pointScores, pointLabels, threshold);
        ScoreRankings? rankings = null;
        if (verdicts.All(v => !double.IsNaN(v.AnomalyScore)))
        {
            var anomaly = PointMetrics.Evaluate([.. verdicts.Select(v => v.AnomalyScore)], pointLabels, double.PositiveInfinity);
            var probability = verdicts.All(v => !double.IsNaN(v.Probability))
                ? PointMetrics.Evaluate([.. verdicts.Select(v => v.Probability)], pointLabels, double.PositiveInfinity)
                : null; // a method without a classifier
            rankings = new ScoreRankings(anomaly.RocAuc, anomaly.AveragePrecision, probability?.RocAuc ?? double.NaN, probability?.AveragePrecision ?? double.NaN);
        }

        var flags = FlaggedSteps(verdicts);
        var duration = last - first + interval;
        var eventMetrics = EventMetrics.Evaluate(inRange, flags, tolerance, duration, interval);
        var adjusted = PointAdjusted.Evaluate(scores, labels, instances.Count, threshold);
        return new EvaluationReport(
            first - interval,
            last,
            steps.Count,
            instances.Count,
            pointLabels.Count(l => l == 1),
            threshold,
            new PointFigures(point.Precision, point.Recall, point.F1, point.RocAuc, point.AveragePrecision),
            new EventFigures(eventMetrics.Events, eventMetrics.DetectedEvents, eventMetrics.EventRecall, eventMetrics.MeanTimeToDetect?.TotalSeconds, eventMetrics.FalseAlarms, eventMetrics.FalseAlarmsPerHour),
            adjusted.F1)
        {
            Scores = rankings,
        };
    }

    /// <summary>The events whose windows overlap the verdicts' period (the step before the first verdict's time to the last).</summary>
    /// <param name="events">The events.</param>
    /// <param name="verdicts">The verdicts.</param>
    /// <param name="interval">The step length.</param>
    /// <returns>The events in range, in order.</returns>
    public static List<FaultEvent> InRange(IReadOnlyList<FaultEvent> events, IReadOnlyList<InstanceVerdict> verdicts, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(verdicts);
        if (verdicts.Count == 0)
        {
            return [];
        }

        var first = verdicts.Min(v => v.Time);
        var last = verdicts.Max(v => v.Time);
        return [.. events.Where(e => e.End > first - interval && e.Start <= last)];
    }

    /// <summary>Point labels: a verdict is abnormal when its step (ending at its time) overlaps a fault of its instance.</summary>
    /// <param name="verdicts">The verdicts.</param>
    /// <param name="events">The faults as events of instances.</param>
    /// <param name="interval">The step length.</param>
    /// <returns>One flag per verdict.</returns>
    public static bool[] AbnormalFlags(IReadOnlyList<InstanceVerdict> verdicts, IReadOnlyList<FaultEvent> events, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(events);
        var byInstance = events.ToLookup(e => e.Instance, StringComparer.Ordinal);
        var flags = new bool[verdicts.Count];
        for (var i = 0; i < verdicts.Count; i++)
        {
            var v = verdicts[i];
            var start = v.Time - interval;
            flags[i] = byInstance[v.Instance].Any(e => e.Start < v.Time && e.End > start);
        }

        return flags;
    }

    /// <summary>The flagged (step, instance) pairs, for the event-level figures.</summary>
    /// <param name="verdicts">The verdicts.</param>
    /// <returns>The flagged steps.</returns>
    public static List<FlaggedStep> FlaggedSteps(IReadOnlyList<InstanceVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        return [.. verdicts.Where(v => v.IsAbnormal).Select(v => new FlaggedStep(v.Instance, v.Time))];
    }

    /// <summary>The labelled faults as events of the instances a detector scores.</summary>
    /// <param name="faults">The faults.</param>
    /// <param name="instanceKey">Maps a pod target to its instance key.</param>
    /// <returns>One event per fault.</returns>
    public static List<FaultEvent> FaultEvents(IReadOnlyList<FaultLabel> faults, InstanceKey instanceKey)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(instanceKey);
        return [.. faults.Select(f => new FaultEvent(f.TargetKind == FaultTarget.Service ? f.Target : instanceKey.Map(f.Target), f.Start, f.End))];
    }
}

/// <summary>Point-wise figures of the abnormal class.</summary>
/// <param name="Precision">Precision at the threshold.</param>
/// <param name="Recall">Recall at the threshold.</param>
/// <param name="F1">F1 at the threshold.</param>
/// <param name="RocAuc">ROC-AUC of the score.</param>
/// <param name="AveragePrecision">Average precision of the score.</param>
public sealed record PointFigures(double Precision, double Recall, double F1, double RocAuc, double AveragePrecision);

/// <summary>Event-level figures.</summary>
/// <param name="Events">Faults in the evaluated period.</param>
/// <param name="Detected">Faults found.</param>
/// <param name="Recall">Detected / Events.</param>
/// <param name="MeanTimeToDetectSeconds">Mean seconds from a found fault's start to its first flag.</param>
/// <param name="FalseAlarms">Runs of flagged steps that touch no fault window of their instance.</param>
/// <param name="FalseAlarmsPerHour">False alarms per hour of the evaluated period.</param>
public sealed record EventFigures(int Events, int Detected, double Recall, double? MeanTimeToDetectSeconds, int FalseAlarms, double FalseAlarmsPerHour);

/// <summary>Everything <see cref="VerdictEvaluation.Evaluate"/> (and <c>mstgad evaluate</c>) reports.</summary>
/// <param name="From">The start of the evaluated period.</param>
/// <param name="To">The end of the evaluated period.</param>
/// <param name="Steps">Steps evaluated.</param>
/// <param name="Instances">Instances evaluated.</param>
/// <param name="AbnormalPoints">Points (step, instance) labelled abnormal.</param>
/// <param name="Threshold">The decision threshold.</param>
/// <param name="Point">Point-wise figures.</param>
/// <param name="Event">Event-level figures.</param>
/// <param name="PointAdjustedF1">F1 after point adjustment (a whole fault counts as found once one point of it is: optimistic, shown beside the others).</param>
public sealed record EvaluationReport(DateTimeOffset From, DateTimeOffset To, int Steps, int Instances, int AbnormalPoints, double Threshold, PointFigures Point, EventFigures Event, double PointAdjustedF1)
{
    /// <summary>How well each part of the score ranks the labelled points, whatever the decision rule.</summary>
    public ScoreRankings? Scores { get; init; }

    /// <summary>Root-cause accuracy with the detector's own trigger.</summary>
    public RootCauseFigures? RootCause { get; init; }
}

/// <summary>ROC-AUC and average precision of the unsupervised anomaly score and of the classifier's P on the same points.</summary>
/// <param name="AnomalyRocAuc">ROC-AUC of the anomaly score.</param>
/// <param name="AnomalyAveragePrecision">Average precision of the anomaly score.</param>
/// <param name="ProbabilityRocAuc">ROC-AUC of P (NaN without a classifier).</param>
/// <param name="ProbabilityAveragePrecision">Average precision of P (NaN without a classifier).</param>
public sealed record ScoreRankings(double AnomalyRocAuc, double AnomalyAveragePrecision, double ProbabilityRocAuc, double ProbabilityAveragePrecision);

/// <summary>Root-cause figures.</summary>
/// <param name="Faults">Faults ranked.</param>
/// <param name="Triggered">Faults whose incident the detector triggered itself.</param>
/// <param name="AccuracyAt1">Share of faults whose instance ranked first.</param>
/// <param name="AccuracyAt3">Share of faults whose instance ranked in the first three.</param>
public sealed record RootCauseFigures(int Faults, int Triggered, double AccuracyAt1, double AccuracyAt3);
