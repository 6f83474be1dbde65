using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class ThresholdsTests
{
    [Test]
    public void BestF1_EightPoints_PicksTheHandMaximum()
    {
        // 3 abnormal points; F1 at threshold τ = 2·TP / (predicted + 3):
        //   τ 0.9: TP 1, pred 1 → 2/4 = 0.5      τ 0.4: TP 3, pred 6 → 6/9
        //   τ 0.8: TP 1, pred 2 → 2/5 = 0.4      τ 0.3: TP 3, pred 7 → 6/10
        //   τ 0.7: TP 2, pred 4 → 4/7            τ 0.1: TP 3, pred 8 → 6/11
        //   τ 0.6: TP 3, pred 5 → 6/8 = 0.75  ← best: P = 3/5, R = 1.
        double[] scores = [0.9, 0.8, 0.7, 0.7, 0.6, 0.4, 0.3, 0.1, 0.95];
        int[] labels = [1, 0, 1, 0, 1, 0, 0, 0, -1];

        var best = Thresholds.BestF1(scores, labels);

        Assert.That(best, Is.EqualTo(new ThresholdChoice(0.6, 0.75, 0.6, 1.0)));
    }

    [Test]
    public void BestF1_TiedF1_KeepsTheHigherThreshold()
    {
        // 2 abnormal points: τ 0.9 → 2·1/(1 + 2) = 2/3; τ 0.5 → 2/4; τ 0.4 → 2/5; τ 0.3 → 2·2/(4 + 2) = 2/3.
        // 0.9 and 0.3 tie at 2/3; the higher, 0.9, wins (P 1, R ½).
        double[] scores = [0.9, 0.5, 0.4, 0.3];
        int[] labels = [1, 0, 0, 1];

        var best = Thresholds.BestF1(scores, labels);

        Assert.Multiple(() =>
        {
            Assert.That(best.Threshold, Is.EqualTo(0.9));
            Assert.That(best.F1, Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(best.Precision, Is.EqualTo(1.0));
            Assert.That(best.Recall, Is.EqualTo(0.5));
        });
    }

    [Test]
    public void BestF1_OnlyAbnormalPoints_PicksTheLowestScore()
    {
        // Precision is 1 everywhere; recall reaches 1 only at the lowest score.
        var best = Thresholds.BestF1([0.2, 0.8, 0.5], [1, 1, 1]);

        Assert.That(best, Is.EqualTo(new ThresholdChoice(0.2, 1.0, 1.0, 1.0)));
    }

    [TestCase(3)]
    [TestCase(11)]
    public void BestF1_RandomScores_MatchesAScanOfEvaluate(int seed)
    {
        var random = new Random(seed);
        var scores = new double[200];
        var labels = new int[200];
        for (var i = 0; i < scores.Length; i++)
        {
            labels[i] = random.Next(5) switch { 0 => 1, 1 => -1, _ => 0 };
            scores[i] = Math.Round((labels[i] == 1 ? 0.3 : 0) + random.NextDouble(), 2);
        }

        // Independent scan: Evaluate at every distinct score, highest first, strict improvements only.
        var expected = scores.Distinct().OrderByDescending(s => s)
            .Select(s => PointMetrics.Evaluate(scores, labels, s))
            .Aggregate((best, next) => next.F1 > best.F1 ? next : best);

        var actual = Thresholds.BestF1(scores, labels);

        Assert.Multiple(() =>
        {
            Assert.That(actual.Threshold, Is.EqualTo(expected.Threshold));
            Assert.That(actual.F1, Is.EqualTo(expected.F1));
            Assert.That(actual.Precision, Is.EqualTo(expected.Precision));
            Assert.That(actual.Recall, Is.EqualTo(expected.Recall));
        });
    }

    [Test]
    public void BestF1_SignedByteLabels_EqualTheIntegerOverload()
    {
        double[] scores = [0.9, 0.5, 0.4, 0.3];

        Assert.That(Thresholds.BestF1(scores, new sbyte[] { 1, 0, 0, 1 }), Is.EqualTo(Thresholds.BestF1(scores, new[] { 1, 0, 0, 1 })));
    }

    [Test]
    public void BestF1_NoAbnormalPoint_Throws()
    {
        Assert.That(() => Thresholds.BestF1([0.9, 0.5], [0, -1]), Throws.ArgumentException.With.Message.EqualTo(
            "The labels contain no abnormal point (label 1); the F1-optimal threshold is undefined. (Parameter 'labels')"));
    }

    [Test]
    public void BestF1_NaNScore_ThrowsWithItsIndex()
    {
        Assert.That(() => Thresholds.BestF1([double.NaN, 0.5], [1, 0]), Throws.ArgumentException.With.Message.EqualTo(
            "The score at index 0 is NaN; scores must be numbers. (Parameter 'scores')"));
    }
}
