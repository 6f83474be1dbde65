using System.Numerics;

namespace MstGad.Evaluation;

/// <summary>
/// Point-wise detection metrics of the abnormal class. A point is one (step, instance) pair with a
/// score, where a higher score means more abnormal, and a label: 1 abnormal, 0 normal, −1 unknown.
/// Points labelled −1 are ignored by every figure and counted in <see cref="Ignored"/>.
/// </summary>
/// <param name="Threshold">The decision threshold: a point is predicted abnormal when its score is at least this.</param>
/// <param name="Precision">TP / (TP + FP); 0 when no point is predicted abnormal.</param>
/// <param name="Recall">TP / (TP + FN); 0 when no labelled point is abnormal.</param>
/// <param name="F1">2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall; 0 when TP = 0.</param>
/// <param name="RocAuc">
/// The area under the ROC curve of the abnormal class, threshold-free: the Mann–Whitney probability that
/// an abnormal point scores above a normal one, tied scores counting one half (average ranks).
/// NaN when the labelled points lack either class.
/// </param>
/// <param name="AveragePrecision">
/// The average precision of the abnormal class, threshold-free, as scikit-learn's
/// <c>average_precision_score</c>: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct scores taken as thresholds, tied
/// scores forming one threshold. NaN when no labelled point is abnormal; 1 when every labelled point is
/// abnormal. (The official MSTGAD code averages AP over both classes, which inflates it; this is the
/// abnormal class's AP only.)
/// </param>
/// <param name="TruePositives">Abnormal points predicted abnormal.</param>
/// <param name="FalsePositives">Normal points predicted abnormal.</param>
/// <param name="FalseNegatives">Abnormal points predicted normal.</param>
/// <param name="TrueNegatives">Normal points predicted normal.</param>
/// <param name="Count">The labelled points evaluated: TP + FP + FN + TN.</param>
/// <param name="Ignored">The points labelled −1 (unknown), left out of every figure.</param>
public sealed record PointMetrics(
    double Threshold,
    double Precision,
    double Recall,
    double F1,
    double RocAuc,
    double AveragePrecision,
    long TruePositives,
    long FalsePositives,
    long FalseNegatives,
    long TrueNegatives,
    long Count,
    long Ignored)
{
    /// <summary>Evaluates scores against labels at a threshold.</summary>
    /// <param name="scores">One score per point; higher is more abnormal. Infinities are allowed, NaN is not.</param>
    /// <param name="labels">One label per point: 1 abnormal, 0 normal, −1 unknown (ignored).</param>
    /// <param name="threshold">A point is predicted abnormal when its score is at least this.</param>
    /// <returns>The metrics. O(n log n) time (one sort for the ranking metrics) and two pooled buffers.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is NaN, or a label is not −1, 0 or 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is NaN.</exception>
    public static PointMetrics Evaluate(IReadOnlyList<double> scores, IReadOnlyList<int> labels, double threshold) =>
        EvaluateCore(scores, labels, threshold);

    /// <inheritdoc cref="Evaluate(IReadOnlyList{double}, IReadOnlyList{int}, double)"/>
    /// <remarks>Takes the labels as <c>MstGad.Graph.Labels</c> produces them.</remarks>
    public static PointMetrics Evaluate(IReadOnlyList<double> scores, IReadOnlyList<sbyte> labels, double threshold) =>
        EvaluateCore(scores, labels, threshold);

    /// <summary>The ROC-AUC of the abnormal class alone (see <see cref="RocAuc"/>).</summary>
    /// <param name="scores">One score per point; higher is more abnormal.</param>
    /// <param name="labels">One label per point: 1 abnormal, 0 normal, −1 unknown (ignored).</param>
    /// <returns>The area, or NaN when the labelled points lack either class.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is NaN, or a label is not −1, 0 or 1.</exception>
    public static double RocAucOf(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        LabelledPoints.Validate(scores, labels);
        var count = LabelledPoints.RentSorted(scores, labels, out var sorted, out var abnormal);
        try
        {
            return LabelledPoints.RocAuc(sorted.AsSpan(0, count), abnormal.AsSpan(0, count));
        }
        finally
        {
            LabelledPoints.Return(sorted, abnormal);
        }
    }

    /// <summary>The average precision of the abnormal class alone (see <see cref="AveragePrecision"/>).</summary>
    /// <param name="scores">One score per point; higher is more abnormal.</param>
    /// <param name="labels">One label per point: 1 abnormal, 0 normal, −1 unknown (ignored).</param>
    /// <returns>The average precision; NaN without abnormal points, 1 without normal points.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is NaN, or a label is not −1, 0 or 1.</exception>
    public static double AveragePrecisionOf(IReadOnlyList<double> scores, IReadOnlyList<int> labels)
    {
        LabelledPoints.Validate(scores, labels);
        var count = LabelledPoints.RentSorted(scores, labels, out var sorted, out var abnormal);
        try
        {
            return LabelledPoints.AveragePrecision(sorted.AsSpan(0, count), abnormal.AsSpan(0, count));
        }
        finally
        {
            LabelledPoints.Return(sorted, abnormal);
        }
    }

    private static PointMetrics EvaluateCore<TLabel>(IReadOnlyList<double> scores, IReadOnlyList<TLabel> labels, double threshold)
        where TLabel : IBinaryInteger<TLabel>
    {
        LabelledPoints.Validate(scores, labels);
        if (double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, EvaluationMessages.ThresholdNaN);
        }

        long tp = 0, fp = 0, fn = 0, tn = 0, ignored = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var label = LabelledPoints.LabelAt(labels, i);
            if (label == LabelledPoints.Unknown)
            {
                ignored++;
                continue;
            }

            var flagged = scores[i] >= threshold;
            if (label == 1)
            {
                if (flagged)
                {
                    tp++;
                }
                else
                {
                    fn++;
                }
            }
            else if (flagged)
            {
                fp++;
            }
            else
            {
                tn++;
            }
        }

        var count = LabelledPoints.RentSorted(scores, labels, out var sorted, out var abnormal);
        double auc, ap;
        try
        {
            auc = LabelledPoints.RocAuc(sorted.AsSpan(0, count), abnormal.AsSpan(0, count));
            ap = LabelledPoints.AveragePrecision(sorted.AsSpan(0, count), abnormal.AsSpan(0, count));
        }
        finally
        {
            LabelledPoints.Return(sorted, abnormal);
        }

        return new PointMetrics(
            threshold,
            LabelledPoints.Precision(tp, fp),
            LabelledPoints.Recall(tp, fn),
            LabelledPoints.F1(tp, fp, fn),
            auc,
            ap,
            tp,
            fp,
            fn,
            tn,
            tp + fp + fn + tn,
            ignored);
    }
}
