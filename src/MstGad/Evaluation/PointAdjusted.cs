using System.Numerics;

namespace MstGad.Evaluation;

/// <summary>
/// The point-adjust protocol of Xu et al. (WWW 2018, "Donut"), common in time-series anomaly detection
/// papers: per instance, when any point of a contiguous labelled-abnormal segment is flagged, every point
/// of that segment counts as detected; normal points are scored as they are.
/// </summary>
/// <remarks>
/// <para>
/// Point adjustment inflates scores: one lucky flag in a long fault turns the whole fault into true
/// positives, so even random scores can reach a high F1 on data with long faults. Report it, if at all,
/// beside the point-wise figures (<see cref="PointMetrics"/>) and the event-level figures
/// (<see cref="EventMetrics"/>), never alone.
/// </para>
/// <para>
/// Points are laid out step-major, index = step · instances + instance, as <c>MstGad.Graph.Labels</c>
/// produces labels. Points labelled −1 (unknown) are skipped: they are not counted and they do not split
/// a segment, so abnormal points separated only by unknown points form one segment; a flag on an unknown
/// point detects nothing.
/// </para>
/// </remarks>
public static class PointAdjusted
{
    /// <summary>Evaluates scores against labels at a threshold under point adjustment.</summary>
    /// <param name="scores">One score per point, index = step · instances + instance; higher is more abnormal.</param>
    /// <param name="labels">One label per point: 1 abnormal, 0 normal, −1 unknown (skipped).</param>
    /// <param name="instances">The number of instances per step.</param>
    /// <param name="threshold">A point is flagged when its score is at least this.</param>
    /// <returns>The adjusted metrics. O(n) time, no allocation beyond the result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts differ or are not a multiple of <paramref name="instances"/>,
    /// a score is NaN, or a label is not −1, 0 or 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="instances"/> is less than 1, or
    /// <paramref name="threshold"/> is NaN.</exception>
    public static PointAdjustedMetrics Evaluate(IReadOnlyList<double> scores, IReadOnlyList<int> labels, int instances, double threshold) =>
        EvaluateCore(scores, labels, instances, threshold);

    /// <inheritdoc cref="Evaluate(IReadOnlyList{double}, IReadOnlyList{int}, int, double)"/>
    /// <remarks>Takes the labels as <c>MstGad.Graph.Labels</c> produces them.</remarks>
    public static PointAdjustedMetrics Evaluate(IReadOnlyList<double> scores, IReadOnlyList<sbyte> labels, int instances, double threshold) =>
        EvaluateCore(scores, labels, instances, threshold);

    /// <summary>The point-adjusted F1 alone; see <see cref="Evaluate(IReadOnlyList{double}, IReadOnlyList{int}, int, double)"/>
    /// and report it only beside the point-wise and event-level figures.</summary>
    /// <param name="scores">One score per point, index = step · instances + instance; higher is more abnormal.</param>
    /// <param name="labels">One label per point: 1 abnormal, 0 normal, −1 unknown (skipped).</param>
    /// <param name="instances">The number of instances per step.</param>
    /// <param name="threshold">A point is flagged when its score is at least this.</param>
    /// <returns>The point-adjusted F1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts differ or are not a multiple of <paramref name="instances"/>,
    /// a score is NaN, or a label is not −1, 0 or 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="instances"/> is less than 1, or
    /// <paramref name="threshold"/> is NaN.</exception>
    public static double F1(IReadOnlyList<double> scores, IReadOnlyList<int> labels, int instances, double threshold) =>
        EvaluateCore(scores, labels, instances, threshold).F1;

    private static PointAdjustedMetrics EvaluateCore<TLabel>(IReadOnlyList<double> scores, IReadOnlyList<TLabel> labels, int instances, double threshold)
        where TLabel : IBinaryInteger<TLabel>
    {
        LabelledPoints.Validate(scores, labels);
        if (instances < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(instances), instances, EvaluationMessages.InstancesNotPositive);
        }

        if (scores.Count % instances != 0)
        {
            throw new ArgumentException(EvaluationMessages.CountNotMultipleOfInstances(scores.Count, instances), nameof(scores));
        }

        if (double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, EvaluationMessages.ThresholdNaN);
        }

        long tp = 0, fp = 0, fn = 0, tn = 0, ignored = 0, segments = 0, detected = 0;
        for (var instance = 0; instance < instances; instance++)
        {
            long segmentPoints = 0;
            var segmentHit = false;
            for (var index = instance; index < scores.Count; index += instances)
            {
                var label = LabelledPoints.LabelAt(labels, index);
                var flagged = scores[index] >= threshold;
                switch (label)
                {
                    case LabelledPoints.Unknown:
                        ignored++;
                        break;
                    case 1:
                        segmentPoints++;
                        segmentHit |= flagged;
                        break;
                    default:
                        CloseSegment(ref segmentPoints, ref segmentHit, ref tp, ref fn, ref segments, ref detected);
                        if (flagged)
                        {
                            fp++;
                        }
                        else
                        {
                            tn++;
                        }

                        break;
                }
            }

            CloseSegment(ref segmentPoints, ref segmentHit, ref tp, ref fn, ref segments, ref detected);
        }

        return new PointAdjustedMetrics(
            threshold,
            LabelledPoints.Precision(tp, fp),
            LabelledPoints.Recall(tp, fn),
            LabelledPoints.F1(tp, fp, fn),
            tp,
            fp,
            fn,
            tn,
            tp + fp + fn + tn,
            ignored,
            segments,
            detected);
    }

    private static void CloseSegment(ref long segmentPoints, ref bool segmentHit, ref long tp, ref long fn, ref long segments, ref long detected)
    {
        if (segmentPoints == 0)
        {
            return;
        }

        segments++;
        if (segmentHit)
        {
            detected++;
            tp += segmentPoints;
        }
        else
        {
            fn += segmentPoints;
        }

        segmentPoints = 0;
        segmentHit = false;
    }
}
