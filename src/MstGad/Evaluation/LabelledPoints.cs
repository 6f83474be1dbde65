using System.Buffers;
using System.Numerics;

namespace MstGad.Evaluation;

/// <summary>Validation and sorting shared by the point-wise metrics.</summary>
internal static class LabelledPoints
{
    /// <summary>The label of a point whose class is unknown; such points are ignored.</summary>
    public const int Unknown = -1;

    /// <summary>Checks the two lists point by point: the same count, no NaN score, labels −1, 0 or 1.</summary>
    public static void Validate<TLabel>(IReadOnlyList<double> scores, IReadOnlyList<TLabel> labels)
        where TLabel : IBinaryInteger<TLabel>
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException(EvaluationMessages.CountMismatch(scores.Count, labels.Count), nameof(labels));
        }

        for (var i = 0; i < scores.Count; i++)
        {
            var label = long.CreateSaturating(labels[i]);
            if (label is < -1 or > 1)
            {
                throw new ArgumentException(EvaluationMessages.LabelOutOfRange(i, label), nameof(labels));
            }

            if (double.IsNaN(scores[i]))
            {
                throw new ArgumentException(EvaluationMessages.ScoreNaNAt(i), nameof(scores));
            }
        }
    }

    /// <summary>The label of point <paramref name="index"/> as −1, 0 or 1 (after <see cref="Validate"/>).</summary>
    public static int LabelAt<TLabel>(IReadOnlyList<TLabel> labels, int index)
        where TLabel : IBinaryInteger<TLabel> => int.CreateTruncating(labels[index]);

    /// <summary>
    /// Copies the labelled points (label 0 or 1) into rented arrays sorted by ascending score, the
    /// abnormal flag beside each score. The caller returns both arrays with <see cref="Return"/>.
    /// </summary>
    public static int RentSorted<TLabel>(IReadOnlyList<double> scores, IReadOnlyList<TLabel> labels, out double[] sortedScores, out bool[] sortedAbnormal)
        where TLabel : IBinaryInteger<TLabel>
    {
        sortedScores = ArrayPool<double>.Shared.Rent(Math.Max(scores.Count, 1));
        sortedAbnormal = ArrayPool<bool>.Shared.Rent(Math.Max(scores.Count, 1));
        var count = 0;
        for (var i = 0; i < scores.Count; i++)
        {
            var label = LabelAt(labels, i);
            if (label == Unknown)
            {
                continue;
            }

            sortedScores[count] = scores[i];
            sortedAbnormal[count] = label == 1;
            count++;
        }

        sortedScores.AsSpan(0, count).Sort(sortedAbnormal.AsSpan(0, count));
        return count;
    }

    /// <summary>Returns the arrays of <see cref="RentSorted"/>.</summary>
    public static void Return(double[] sortedScores, bool[] sortedAbnormal)
    {
        ArrayPool<double>.Shared.Return(sortedScores);
        ArrayPool<bool>.Shared.Return(sortedAbnormal);
    }

    /// <summary>
    /// ROC-AUC of the abnormal class by the Mann–Whitney statistic with average ranks for ties:
    /// the probability that an abnormal point outscores a normal one, ties counting one half.
    /// NaN when either class is empty.
    /// </summary>
    public static double RocAuc(ReadOnlySpan<double> ascendingScores, ReadOnlySpan<bool> abnormal)
    {
        long positives = 0;
        long negatives = 0;
        long twiceU = 0;
        var i = 0;
        while (i < ascendingScores.Length)
        {
            var value = ascendingScores[i];
            long groupPositives = 0;
            long groupNegatives = 0;
            for (; i < ascendingScores.Length && ascendingScores[i] == value; i++)
            {
                if (abnormal[i])
                {
                    groupPositives++;
                }
                else
                {
                    groupNegatives++;
                }
            }

            // Each abnormal point of the group beats every normal point below it and ties (½) with
            // the normal points of its own group: the average-rank Mann–Whitney U, doubled.
            twiceU += groupPositives * ((2 * negatives) + groupNegatives);
            positives += groupPositives;
            negatives += groupNegatives;
        }

        return positives == 0 || negatives == 0 ? double.NaN : twiceU / (2.0 * positives * negatives);
    }

    /// <summary>
    /// Average precision of the abnormal class as scikit-learn's <c>average_precision_score</c>:
    /// Σₙ (Rₙ − Rₙ₋₁)·Pₙ over the distinct scores taken as thresholds from the highest down
    /// (tied scores form one threshold). NaN without abnormal points; 1 without normal points.
    /// </summary>
    public static double AveragePrecision(ReadOnlySpan<double> ascendingScores, ReadOnlySpan<bool> abnormal)
    {
        long positives = 0;
        foreach (var a in abnormal)
        {
            if (a)
            {
                positives++;
            }
        }

        if (positives == 0)
        {
            return double.NaN;
        }

        long truePositives = 0;
        long predicted = 0;
        var sum = 0.0;
        var i = ascendingScores.Length - 1;
        while (i >= 0)
        {
            var value = ascendingScores[i];
            long groupPositives = 0;
            for (; i >= 0 && ascendingScores[i] == value; i--)
            {
                predicted++;
                if (abnormal[i])
                {
                    groupPositives++;
                }
            }

            if (groupPositives > 0)
            {
                truePositives += groupPositives;

                // (Rₙ − Rₙ₋₁) = groupPositives / positives; Pₙ = truePositives / predicted.
                sum += (double)groupPositives / positives * ((double)truePositives / predicted);
            }
        }

        return sum;
    }

    /// <summary>tp / (tp + fp), 0 when nothing is predicted positive.</summary>
    public static double Precision(long truePositives, long falsePositives) =>
        truePositives + falsePositives == 0 ? 0.0 : (double)truePositives / (truePositives + falsePositives);

    /// <summary>tp / (tp + fn), 0 when there is no positive.</summary>
    public static double Recall(long truePositives, long falseNegatives) =>
        truePositives + falseNegatives == 0 ? 0.0 : (double)truePositives / (truePositives + falseNegatives);

    /// <summary>2·tp / (2·tp + fp + fn) = 2PR / (P + R), 0 when tp = 0.</summary>
    public static double F1(long truePositives, long falsePositives, long falseNegatives) =>
        truePositives == 0 ? 0.0 : 2.0 * truePositives / ((2.0 * truePositives) + falsePositives + falseNegatives);
}
