using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class PointAdjustedTests
{
    // Two instances A and B over six steps, index = step · 2 + instance; threshold 0.5 (flag = score ≥ 0.5).
    //   step:      0    1    2    3    4     5
    //   A label:   0    1    1    1    0     0       A score: 0.1  0.2  0.9  0.3  0.8  0.1
    //   B label:   1    1    0    1   −1     1       B score: 0.2  0.3  0.1  0.4  0.9  0.2
    // A: segment steps 1–3 is flagged at step 2 → 3 TP; step 4 normal flagged → 1 FP; steps 0, 5 → 2 TN.
    // B: segment steps 0–1 unflagged → 2 FN; step 2 → 1 TN; steps 3 and 5 form one segment across the
    //    unknown step 4, whose flag detects nothing → 2 FN; the unknown point is ignored.
    // Adjusted: TP 3, FP 1, FN 4, TN 3 (11 points, 1 ignored), 3 segments, 1 detected.
    //   P = 3/4, R = 3/7, F1 = 2·3 / (2·3 + 1 + 4) = 6/11.
    // Point-wise: only A step 2 is a TP: TP 1, FP 1, FN 6 → F1 = 2 / (2 + 1 + 6) = 2/9.
    private static readonly double[] Scores = [0.1, 0.2, 0.2, 0.3, 0.9, 0.1, 0.3, 0.4, 0.8, 0.9, 0.1, 0.2];
    private static readonly int[] Labels = [0, 1, 1, 1, 1, 0, 1, 1, 0, -1, 0, 1];

    [Test]
    public void Evaluate_TwoInstances_MatchesTheHandCount()
    {
        var metrics = PointAdjusted.Evaluate(Scores, Labels, 2, 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.TruePositives, Is.EqualTo(3));
            Assert.That(metrics.FalsePositives, Is.EqualTo(1));
            Assert.That(metrics.FalseNegatives, Is.EqualTo(4));
            Assert.That(metrics.TrueNegatives, Is.EqualTo(3));
            Assert.That(metrics.Count, Is.EqualTo(11));
            Assert.That(metrics.Ignored, Is.EqualTo(1));
            Assert.That(metrics.Segments, Is.EqualTo(3));
            Assert.That(metrics.DetectedSegments, Is.EqualTo(1));
            Assert.That(metrics.Precision, Is.EqualTo(0.75));
            Assert.That(metrics.Recall, Is.EqualTo(3.0 / 7).Within(1e-15));
            Assert.That(metrics.F1, Is.EqualTo(6.0 / 11).Within(1e-15));
            Assert.That(PointAdjusted.F1(Scores, Labels, 2, 0.5), Is.EqualTo(metrics.F1));
        });
    }

    [Test]
    public void Evaluate_TwoInstances_InflatesThePointwiseF1()
    {
        var pointwise = PointMetrics.Evaluate(Scores, Labels, 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(pointwise.F1, Is.EqualTo(2.0 / 9).Within(1e-15));
            Assert.That(PointAdjusted.F1(Scores, Labels, 2, 0.5), Is.GreaterThan(pointwise.F1));
        });
    }

    [Test]
    public void Evaluate_UnknownPointInsideASegment_DoesNotSplitIt()
    {
        // One instance: labels 1, −1, 1, 0; the flag at step 2 detects the segment {0, 2} → TP 2, TN 1.
        var metrics = PointAdjusted.Evaluate([0.1, 0.9, 0.7, 0.1], [1, -1, 1, 0], 1, 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Segments, Is.EqualTo(1));
            Assert.That(metrics.TruePositives, Is.EqualTo(2));
            Assert.That(metrics.FalseNegatives, Is.Zero);
            Assert.That(metrics.TrueNegatives, Is.EqualTo(1));
            Assert.That(metrics.F1, Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Evaluate_ANormalPointBetween_SplitsTheSegments()
    {
        // Labels 1, 1, 0, 1, 1 with a flag at step 0 only: the first segment (2 points) is detected, the
        // second (2 points) is not → TP 2, FN 2, TN 1; R = 1/2, P = 1, F1 = 4 / (4 + 0 + 2) = 2/3.
        var metrics = PointAdjusted.Evaluate([0.9, 0.1, 0.1, 0.1, 0.1], [1, 1, 0, 1, 1], 1, 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Segments, Is.EqualTo(2));
            Assert.That(metrics.DetectedSegments, Is.EqualTo(1));
            Assert.That(metrics.F1, Is.EqualTo(2.0 / 3).Within(1e-15));
        });
    }

    [Test]
    public void Evaluate_SignedByteLabels_EqualTheIntegerOverload()
    {
        var bytes = Array.ConvertAll(Labels, l => (sbyte)l);

        Assert.That(PointAdjusted.Evaluate(Scores, bytes, 2, 0.5), Is.EqualTo(PointAdjusted.Evaluate(Scores, Labels, 2, 0.5)));
    }

    [Test]
    public void Evaluate_CountNotAMultipleOfTheInstances_Throws()
    {
        Assert.That(() => PointAdjusted.Evaluate(Scores, Labels, 5, 0.5), Throws.ArgumentException.With.Message.EqualTo(
            "The number of points (12) must be a multiple of the number of instances (5); points are laid out as [step · instances + instance]. (Parameter 'scores')"));
    }

    [Test]
    public void Evaluate_NoInstance_ThrowsWithTheValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PointAdjusted.Evaluate(Scores, Labels, 0, 0.5));

        Assert.That(ex.Message, Is.EqualTo(
            "The number of instances must be at least 1. (Parameter 'instances')" + Environment.NewLine + "Actual value was 0."));
    }

    [Test]
    public void Evaluate_NaNThreshold_Throws()
    {
        Assert.That(() => PointAdjusted.Evaluate(Scores, Labels, 2, double.NaN), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("threshold"));
    }
}
