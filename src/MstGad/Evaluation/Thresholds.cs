using System.Numerics;

namespace MstGad.Evaluation;

/// <summary>Chooses decision thresholds from labelled validation scores. Never choose on test data.</summary>
public static class Thresholds
{
    /// <summary>
    /// The threshold that maximises the point-wise F1 of the abnormal class (decision: score ≥ threshold).
    /// Every distinct score is a candidate; among thresholds of equal F1 the higher one wins.
    /// </summary>
    /// <param name="scores">Validation scores, one per point; higher is more abnormal.</param>
    /// <param name="labels">Validation labels: 1 abnormal, 0 normal, −1 unknown (ignored).</param>
    /// <returns>The threshold with its F1, precision and recall. O(n log n) time.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="scores"/> or <paramref name="labels"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts differ, a score is NaN, a label is not −1, 0 or 1, or no
    /// labelled point is abnormal.</exception>
    public static ThresholdChoice BestF1(IReadOnlyList<double> scores, IReadOnlyList<int> labels) => BestF1Core(scores, labels);

    /// <inheritdoc cref="BestF1(IReadOnlyList{double}, IReadOnlyList{int})"/>
    /// <remarks>Takes the labels as <c>MstGad.Graph.Labels</c> produces them.</remarks>
    public static ThresholdChoice BestF1(IReadOnlyList<double> scores, IReadOnlyList<sbyte> labels) => BestF1Core(scores, labels);

    private static ThresholdChoice BestF1Core<TLabel>(IReadOnlyList<double> scores, IReadOnlyList<TLabel> labels)
        where TLabel : IBinaryInteger<TLabel>
    {
        LabelledPoints.Validate(scores, labels);
        var count = LabelledPoints.RentSorted(scores, labels, out var sorted, out var abnormal);
        try
        {
            long positives = 0;
            for (var i = 0; i < count; i++)
            {
                if (abnormal[i])
                {
                    positives++;
                }
            }

            if (positives == 0)
            {
                throw new ArgumentException(EvaluationMessages.NoAbnormalLabel, nameof(labels));
            }

            // Lower the threshold one distinct score at a time, from the highest; keep strict improvements
            // only, so that a tie keeps the higher threshold.
            long tp = 0, predicted = 0, bestTp = 0, bestPredicted = 0;
            var best = -1.0;
            var bestThreshold = double.NaN;
            var index = count - 1;
            while (index >= 0)
            {
                var value = sorted[index];
                for (; index >= 0 && sorted[index] == value; index--)
                {
                    predicted++;
                    if (abnormal[index])
                    {
                        tp++;
                    }
                }

                var f1 = LabelledPoints.F1(tp, predicted - tp, positives - tp);
                if (f1 > best)
                {
                    best = f1;
                    bestThreshold = value;
                    bestTp = tp;
                    bestPredicted = predicted;
                }
            }

            return new ThresholdChoice(
                bestThreshold,
                best,
                LabelledPoints.Precision(bestTp, bestPredicted - bestTp),
                LabelledPoints.Recall(bestTp, positives - bestTp));
        }
        finally
        {
            LabelledPoints.Return(sorted, abnormal);
        }
    }
}
