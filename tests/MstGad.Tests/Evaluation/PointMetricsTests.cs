using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class PointMetricsTests
{
    // Eight labelled points plus one unknown (label −1, score 0.95), which every figure ignores.
    //   score: 0.9  0.8  0.7  0.7  0.6  0.4  0.3  0.1   (0.95)
    //   label:  1    0    1    0    1    0    0    0    (−1)
    private static readonly double[] Scores = [0.9, 0.8, 0.7, 0.7, 0.6, 0.4, 0.3, 0.1, 0.95];
    private static readonly int[] Labels = [1, 0, 1, 0, 1, 0, 0, 0, -1];

    [Test]
    public void Evaluate_EightPoints_MatchesTheHandCount()
    {
        // Threshold 0.65 flags 0.9 (1), 0.8 (0), 0.7 (1), 0.7 (0); passes 0.6 (1), 0.4, 0.3, 0.1 (0).
        // TP = 2, FP = 2, FN = 1, TN = 3. P = 2/4 = 0.5, R = 2/3, F1 = 2·2 / (2·2 + 2 + 1) = 4/7.
        var metrics = PointMetrics.Evaluate(Scores, Labels, 0.65);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Threshold, Is.EqualTo(0.65));
            Assert.That(metrics.TruePositives, Is.EqualTo(2));
            Assert.That(metrics.FalsePositives, Is.EqualTo(2));
            Assert.That(metrics.FalseNegatives, Is.EqualTo(1));
            Assert.That(metrics.TrueNegatives, Is.EqualTo(3));
            Assert.That(metrics.Count, Is.EqualTo(8));
            Assert.That(metrics.Ignored, Is.EqualTo(1));
            Assert.That(metrics.Precision, Is.EqualTo(0.5).Within(1e-15));
            Assert.That(metrics.Recall, Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(metrics.F1, Is.EqualTo(4.0 / 7).Within(1e-15));
        });
    }

    [Test]
    public void Evaluate_EightPointsWithATie_RocAucUsesAverageRanks()
    {
        // Ascending ranks: 0.1→1, 0.3→2, 0.4→3, 0.6→4, 0.7 and 0.7→(5+6)/2 = 5.5 each, 0.8→7, 0.9→8.
        // Abnormal ranks 8 + 5.5 + 4 = 17.5; U = 17.5 − 3·4/2 = 11.5; AUC = 11.5 / (3·5) = 23/30.
        // Pairwise: 0.9 beats 5 normals; 0.7 beats 0.4, 0.3, 0.1 and ties 0.7 (½) = 3.5; 0.6 beats 3 → 11.5.
        var metrics = PointMetrics.Evaluate(Scores, Labels, 0.65);

        Assert.That(metrics.RocAuc, Is.EqualTo(23.0 / 30).Within(1e-15));
    }

    [Test]
    public void Evaluate_EightPointsWithATie_AveragePrecisionGroupsTheTie()
    {
        // Distinct scores from the top, 3 abnormal points in all:
        //   0.9: TP 1 of 1 predicted, R 1/3 (ΔR 1/3) → 1/3 · 1   = 1/3
        //   0.8: TP 1 of 2,            R 1/3 (ΔR 0)   → 0
        //   0.7: TP 2 of 4 (the tie),  R 2/3 (ΔR 1/3) → 1/3 · 1/2 = 1/6
        //   0.6: TP 3 of 5,            R 1   (ΔR 1/3) → 1/3 · 3/5 = 1/5
        //   0.4, 0.3, 0.1: ΔR 0.
        // AP = 1/3 + 1/6 + 1/5 = 21/30 = 0.7.
        var metrics = PointMetrics.Evaluate(Scores, Labels, 0.65);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.AveragePrecision, Is.EqualTo(0.7).Within(1e-15));
            Assert.That(PointMetrics.AveragePrecisionOf(Scores, Labels), Is.EqualTo(metrics.AveragePrecision));
            Assert.That(PointMetrics.RocAucOf(Scores, Labels), Is.EqualTo(metrics.RocAuc));
        });
    }

    [Test]
    public void Evaluate_TheScikitLearnDocstringExample_GivesItsPublishedValues()
    {
        // scikit-learn's docstrings: y_true [0, 0, 1, 1], y_score [0.1, 0.4, 0.35, 0.8] → roc_auc_score 0.75,
        // average_precision_score 0.83…. By hand: AUC = (2 + 1) / 4; AP = ½·1 + ½·(2/3) = 5/6.
        var metrics = PointMetrics.Evaluate([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.RocAuc, Is.EqualTo(0.75).Within(1e-15));
            Assert.That(metrics.AveragePrecision, Is.EqualTo(5.0 / 6).Within(1e-15));
        });
    }

    [Test]
    public void Evaluate_ScoreEqualToTheThreshold_IsFlagged()
    {
        var metrics = PointMetrics.Evaluate(Scores, Labels, 0.6);

        // 0.6 (abnormal) now counts: TP 3, FP 2, FN 0, TN 3.
        Assert.Multiple(() =>
        {
            Assert.That(metrics.TruePositives, Is.EqualTo(3));
            Assert.That(metrics.FalseNegatives, Is.Zero);
            Assert.That(metrics.Recall, Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Evaluate_NothingFlagged_PrecisionAndF1AreZero()
    {
        var metrics = PointMetrics.Evaluate(Scores, Labels, 2.0);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.TruePositives + metrics.FalsePositives, Is.Zero);
            Assert.That(metrics.Precision, Is.Zero);
            Assert.That(metrics.Recall, Is.Zero);
            Assert.That(metrics.F1, Is.Zero);
            Assert.That(metrics.RocAuc, Is.EqualTo(23.0 / 30).Within(1e-15));
        });
    }

    [Test]
    public void Evaluate_NoAbnormalPoint_RankingMetricsAreNaNAndRecallIsZero()
    {
        var metrics = PointMetrics.Evaluate([0.9, 0.1, 0.5], [0, 0, -1], 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.RocAuc, Is.NaN);
            Assert.That(metrics.AveragePrecision, Is.NaN);
            Assert.That(metrics.Recall, Is.Zero);
            Assert.That(metrics.Precision, Is.Zero);
            Assert.That(metrics.FalsePositives, Is.EqualTo(1));
        });
    }

    [Test]
    public void Evaluate_NoNormalPoint_RocAucIsNaNAndAveragePrecisionIsOne()
    {
        // Every threshold has precision 1, so Σ ΔR·P = Σ ΔR = 1 (scikit-learn gives 1.0 too).
        var metrics = PointMetrics.Evaluate([0.9, 0.1, 0.5], [1, 1, 1], 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.RocAuc, Is.NaN);
            Assert.That(metrics.AveragePrecision, Is.EqualTo(1.0).Within(1e-15));
            Assert.That(metrics.Precision, Is.EqualTo(1.0));
            Assert.That(metrics.Recall, Is.EqualTo(2.0 / 3).Within(1e-15));
        });
    }

    [Test]
    public void Evaluate_OnlyUnknownPoints_CountsNothing()
    {
        var metrics = PointMetrics.Evaluate([0.9, 0.1], [-1, -1], 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Count, Is.Zero);
            Assert.That(metrics.Ignored, Is.EqualTo(2));
            Assert.That(metrics.F1, Is.Zero);
            Assert.That(metrics.RocAuc, Is.NaN);
            Assert.That(metrics.AveragePrecision, Is.NaN);
        });
    }

    [Test]
    public void Evaluate_AllScoresTied_RocAucIsOneHalfAndAveragePrecisionIsThePrevalence()
    {
        // One threshold: everything predicted abnormal, P = 2/5, ΔR = 1 → AP 0.4; every pair ties → AUC ½.
        var metrics = PointMetrics.Evaluate([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0, 0], 0.3);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.RocAuc, Is.EqualTo(0.5));
            Assert.That(metrics.AveragePrecision, Is.EqualTo(0.4).Within(1e-15));
        });
    }

    [Test]
    public void Evaluate_InfiniteScores_AreRanked()
    {
        // +∞ (abnormal) beats both normals, −∞ (abnormal) beats none: AUC = 2/4.
        var metrics = PointMetrics.Evaluate([double.PositiveInfinity, 0.5, 0.2, double.NegativeInfinity], [1, 0, 0, 1], 0.4);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.RocAuc, Is.EqualTo(0.5));
            Assert.That(metrics.TruePositives, Is.EqualTo(1));
        });
    }

    [Test]
    public void Evaluate_SignedByteLabels_EqualTheIntegerOverload()
    {
        var bytes = Array.ConvertAll(Labels, l => (sbyte)l);

        Assert.That(PointMetrics.Evaluate(Scores, bytes, 0.65), Is.EqualTo(PointMetrics.Evaluate(Scores, Labels, 0.65)));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(42)]
    public void Evaluate_RandomScoresWithManyTies_MatchBruteForceRankingMetrics(int seed)
    {
        var random = new Random(seed);
        var n = 300;
        var scores = new double[n];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = random.Next(10) switch { 0 => -1, < 4 => 1, _ => 0 };
            var mean = labels[i] == 1 ? 0.6 : 0.4;
            scores[i] = Math.Round(mean + (random.NextDouble() * 0.5), 1); // about 10 distinct values
        }

        var metrics = PointMetrics.Evaluate(scores, labels, 0.7);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.RocAuc, Is.EqualTo(BruteForceAuc(scores, labels)).Within(1e-12));
            Assert.That(metrics.AveragePrecision, Is.EqualTo(BruteForceAveragePrecision(scores, labels)).Within(1e-12));
        });
    }

    [Test]
    public void Evaluate_CountsDiffer_ThrowsWithBothCounts()
    {
        Assert.That(() => PointMetrics.Evaluate([0.1, 0.2], [0], 0.5), Throws.ArgumentException.With.Message.EqualTo(
            "The scores (2) and the labels (1) must have the same count. (Parameter 'labels')"));
    }

    [Test]
    public void Evaluate_LabelTwo_ThrowsWithItsIndex()
    {
        Assert.That(() => PointMetrics.Evaluate([0.1, 0.2], [0, 2], 0.5), Throws.ArgumentException.With.Message.EqualTo(
            "The label at index 1 is 2; labels must be 1 (abnormal), 0 (normal) or -1 (unknown, ignored). (Parameter 'labels')"));
    }

    [Test]
    public void Evaluate_NaNScore_ThrowsWithItsIndex()
    {
        Assert.That(() => PointMetrics.Evaluate([0.1, double.NaN], [0, -1], 0.5), Throws.ArgumentException.With.Message.EqualTo(
            "The score at index 1 is NaN; scores must be numbers. (Parameter 'scores')"));
    }

    [Test]
    public void Evaluate_NaNThreshold_ThrowsWithTheValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PointMetrics.Evaluate([0.1], [0], double.NaN));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("threshold"));
            Assert.That(ex.Message, Is.EqualTo(
                "The threshold must be a number, not NaN. (Parameter 'threshold')" + Environment.NewLine + "Actual value was NaN."));
        });
    }

    [Test]
    public void Evaluate_NullArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => PointMetrics.Evaluate(null!, Labels, 0.5), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("scores"));
            Assert.That(() => PointMetrics.Evaluate(Scores, (int[])null!, 0.5), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("labels"));
        });
    }

    /// <summary>AUC as the share of (abnormal, normal) pairs the abnormal point wins, ties ½: O(P·N).</summary>
    private static double BruteForceAuc(double[] scores, int[] labels)
    {
        double wins = 0;
        long pairs = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            for (var j = 0; j < scores.Length; j++)
            {
                if (labels[i] == 1 && labels[j] == 0)
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        return wins / pairs;
    }

    /// <summary>AP by thresholding at every distinct score from the top and recounting all points: O(n²).</summary>
    private static double BruteForceAveragePrecision(double[] scores, int[] labels)
    {
        var thresholds = scores.Where((_, i) => labels[i] != -1).Distinct().OrderByDescending(s => s).ToArray();
        var positives = labels.Count(l => l == 1);
        double ap = 0, previousRecall = 0;
        foreach (var t in thresholds)
        {
            int tp = 0, predicted = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                if (labels[i] != -1 && scores[i] >= t)
                {
                    predicted++;
                    tp += labels[i];
                }
            }

            var recall = (double)tp / positives;
            ap += (recall - previousRecall) * tp / predicted;
            previousRecall = recall;
        }

        return ap;
    }
}
