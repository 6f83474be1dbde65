using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class SpotTests
{
    private static readonly double Ln1000 = Math.Log(1000);

    [Test]
    public void Constructor_TenThousandExponentialDraws_ThresholdIsNearTheTrueQuantile()
    {
        // Exp(1): P(X > z) = e^(−z) = 10⁻³ at z = ln 1000 ≈ 6.908. The 0.98 quantile is ln 50 ≈ 3.912, the
        // excesses over it are again Exp(1) (γ = 0, σ = 1), and 2 % of 10,000 draws = 200 excesses, so
        // z_q = t − σ·ln(q·n/N_t) = ln 50 − ln(10⁻³ · 10,000 / 200) = ln 50 + ln 20 = ln 1000.
        var spot = new Spot(ExponentialDraws(42, 10_000));

        Assert.Multiple(() =>
        {
            Assert.That(spot.Count, Is.EqualTo(10_000));
            Assert.That(spot.Excesses, Is.EqualTo(200));
            Assert.That(spot.InitialThreshold, Is.EqualTo(Math.Log(50)).Within(5).Percent);
            Assert.That(spot.Threshold, Is.EqualTo(Ln1000).Within(10).Percent);
            Assert.That(spot.Shape, Is.EqualTo(0).Within(0.15));
            Assert.That(spot.Scale, Is.EqualTo(1).Within(0.15));
            Assert.That(spot.Risk, Is.EqualTo(1e-3));
            Assert.That(spot.InitialLevel, Is.EqualTo(0.98));
        });
    }

    [Test]
    public void Constructor_LowerInitialLevel_StillFindsTheSameQuantile()
    {
        // Level 0.9: t ≈ ln 10, N_t = 1,000, z = ln 10 − ln(10⁻³ · 10,000 / 1,000) = ln 10 + ln 100 = ln 1000.
        var spot = new Spot(ExponentialDraws(7, 10_000), new SpotOptions { InitialLevel = 0.9 });

        Assert.Multiple(() =>
        {
            Assert.That(spot.Excesses, Is.EqualTo(1_000));
            Assert.That(spot.Threshold, Is.EqualTo(Ln1000).Within(10).Percent);
        });
    }

    [Test]
    public void Constructor_InitialThreshold_InterpolatesBetweenOrderStatistics()
    {
        // 1..100 shuffled, level 0.98: h = 99 · 0.98 = 97.02 → t = x₍₉₇₎ + 0.02·(x₍₉₈₎ − x₍₉₇₎) = 98 + 0.02 = 98.02
        // (0-based order statistics, numpy's linear rule); excesses 0.98 and 1.98.
        var scores = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToArray();

        var spot = new Spot(scores, new SpotOptions { Risk = 1e-3 });

        Assert.Multiple(() =>
        {
            Assert.That(spot.InitialThreshold, Is.EqualTo(98.02).Within(1e-12));
            Assert.That(spot.Excesses, Is.EqualTo(2));
        });
    }

    [Test]
    public void Update_ClearOutlier_IsAnAnomalyAndChangesNothing()
    {
        var spot = new Spot(ExponentialDraws(42, 10_000));
        var threshold = spot.Threshold;

        var anomaly = spot.Update(50);

        Assert.Multiple(() =>
        {
            Assert.That(anomaly, Is.True);
            Assert.That(spot.Threshold, Is.EqualTo(threshold));
            Assert.That(spot.Count, Is.EqualTo(10_000));
            Assert.That(spot.Excesses, Is.EqualTo(200));
            Assert.That(spot.Update(double.PositiveInfinity), Is.True);
        });
    }

    [Test]
    public void Update_NormalExcess_RefitsAndMovesTheThreshold()
    {
        var spot = new Spot(ExponentialDraws(42, 10_000));
        var before = (spot.Threshold, spot.Shape, spot.Scale);
        var score = (spot.InitialThreshold + spot.Threshold) / 2;

        var anomaly = spot.Update(score);

        // After the refit, z_q = t + (σ/γ)·((q·n/N_t)^(−γ) − 1) with n = 10,001 and N_t = 201.
        var expected = spot.InitialThreshold + (spot.Scale / spot.Shape * (Math.Pow(1e-3 * 10_001 / 201, -spot.Shape) - 1));
        Assert.Multiple(() =>
        {
            Assert.That(anomaly, Is.False);
            Assert.That(spot.Count, Is.EqualTo(10_001));
            Assert.That(spot.Excesses, Is.EqualTo(201));
            Assert.That((spot.Shape, spot.Scale), Is.Not.EqualTo((before.Shape, before.Scale)));
            Assert.That(spot.Threshold, Is.Not.EqualTo(before.Threshold));
            Assert.That(spot.Threshold, Is.EqualTo(expected).Within(1e-9));
        });
    }

    [Test]
    public void Update_ScoreBelowTheInitialThreshold_OnlyCountsIt()
    {
        var spot = new Spot(ExponentialDraws(42, 10_000));
        var threshold = spot.Threshold;

        var anomaly = spot.Update(0.5);

        Assert.Multiple(() =>
        {
            Assert.That(anomaly, Is.False);
            Assert.That(spot.Count, Is.EqualTo(10_001));
            Assert.That(spot.Excesses, Is.EqualTo(200));
            Assert.That(spot.Threshold, Is.EqualTo(threshold));
            Assert.That(spot.Update(double.NegativeInfinity), Is.False);
        });
    }

    [Test]
    public void Update_AStreamOfTheSameDistribution_FlagsAboutTheRisk()
    {
        // 10,000 further Exp(1) draws at risk 10⁻³: about 10 anomalies expected. Anomalies never join the
        // excesses, so z_q drifts down slowly (documented); it stays within 10 % of ln 1000 here.
        var spot = new Spot(ExponentialDraws(42, 10_000));

        var anomalies = ExponentialDraws(43, 10_000).Count(spot.Update);

        Assert.Multiple(() =>
        {
            Assert.That(anomalies, Is.InRange(3, 25));
            Assert.That(spot.Threshold, Is.EqualTo(Ln1000).Within(10).Percent);
            Assert.That(spot.Count, Is.EqualTo(20_000 - anomalies));
        });
    }

    [Test]
    public void Constructor_BoundedScores_GetsAThresholdJustBelowTheCeiling()
    {
        // Scores uniform on [0, 1]: t ≈ 0.98, the excesses are uniform on [0, 0.02] → γ = −1, σ = largest
        // excess; z_q = t + σ·(1 − q·n/N_t) = t + σ·(1 − 0.05) ≈ 0.999: no normal score can be far above it.
        var random = new Random(5);
        var scores = Enumerable.Range(0, 10_000).Select(_ => random.NextDouble()).ToArray();

        var spot = new Spot(scores);

        Assert.Multiple(() =>
        {
            Assert.That(spot.Shape, Is.EqualTo(-1.0).Within(0.2));
            Assert.That(spot.Threshold, Is.EqualTo(0.999).Within(0.001));
            Assert.That(spot.Update(1.5), Is.True);
        });
    }

    [Test]
    public void Update_NaN_ThrowsWithTheValue()
    {
        var spot = new Spot(ExponentialDraws(42, 1_000));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => spot.Update(double.NaN));

        Assert.That(ex.Message, Is.EqualTo(
            "The score must be a number, not NaN. (Parameter 'score')" + Environment.NewLine + "Actual value was NaN."));
    }

    [Test]
    public void ThresholdOf_PositiveShape_MatchesTheHandFormula()
    {
        // t = 1, σ = 2, γ = 0.5, q = 0.01, n = 1,000, N_t = 20: r = 0.01 · 1,000 / 20 = 0.5, r^(−0.5) = √2;
        // z = 1 + (2 / 0.5)·(√2 − 1) = 1 + 4 · 0.41421356… = 2.65685424…
        Assert.That(Spot.ThresholdOf(1, 0.5, 2, 0.01, 1_000, 20), Is.EqualTo(1 + (4 * (Math.Sqrt(2) - 1))).Within(1e-12));
    }

    [Test]
    public void ThresholdOf_ZeroShape_UsesTheExponentialLimit()
    {
        // γ = 0: z = t − σ·ln r = 1 − 2·ln 0.5 = 1 + 1.38629436… = 2.38629436…; a tiny γ gives nearly the same.
        Assert.Multiple(() =>
        {
            Assert.That(Spot.ThresholdOf(1, 0, 2, 0.01, 1_000, 20), Is.EqualTo(2.386294361119891).Within(1e-12));
            Assert.That(Spot.ThresholdOf(1, 1e-9, 2, 0.01, 1_000, 20), Is.EqualTo(2.386294361119891).Within(1e-8));
        });
    }

    [Test]
    public void ExpM1_SmallAndLargeArguments_AreAccurate()
    {
        // eˣ − 1 = x + x²/2 + …: 10⁻¹⁰ + 5·10⁻²¹ for x = 10⁻¹⁰; e¹ − 1 = 1.71828182…; e¹⁰⁰⁰ overflows to ∞.
        Assert.Multiple(() =>
        {
            Assert.That(Spot.ExpM1(1e-10), Is.EqualTo(1e-10 + 5e-21).Within(1e-25));
            Assert.That(Spot.ExpM1(1), Is.EqualTo(Math.E - 1).Within(1e-15));
            Assert.That(Spot.ExpM1(-50), Is.EqualTo(-1.0).Within(1e-15));
            Assert.That(Spot.ExpM1(1000), Is.EqualTo(double.PositiveInfinity));
        });
    }

    [Test]
    public void Constructor_OptionsChangedAfterwards_AreNotSeen()
    {
        var options = new SpotOptions { Risk = 1e-4 };
        var spot = new Spot(ExponentialDraws(42, 10_000), options);

        options.Risk = 0.01;

        Assert.That(spot.Risk, Is.EqualTo(1e-4));
    }

    [Test]
    public void Constructor_EmptyCalibration_Throws()
    {
        Assert.That(() => new Spot([]), Throws.ArgumentException.With.Message.EqualTo(
            "The calibration needs at least one score. (Parameter 'calibration')"));
    }

    [Test]
    public void Constructor_NaNOrInfiniteScore_ThrowsWithItsIndex()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new Spot([1, 2, double.NaN]), Throws.ArgumentException.With.Message.EqualTo(
                "The score at index 2 is NaN; scores must be numbers. (Parameter 'calibration')"));
            Assert.That(() => new Spot([1, double.PositiveInfinity]), Throws.ArgumentException.With.Message.EqualTo(
                "The score at index 1 is Infinity; calibration scores must be finite. (Parameter 'calibration')"));
        });
    }

    [Test]
    public void Constructor_ConstantScores_ThrowsForLackOfExcesses()
    {
        Assert.That(() => new Spot([3, 3, 3, 3]), Throws.ArgumentException.With.Message.EqualTo(
            "None of the 4 calibration scores lies above the initial threshold t = 3; give more or more varied scores, or a lower initial level. (Parameter 'calibration')"));
    }

    [Test]
    public void Constructor_RiskNotBelowTheExcessFraction_Throws()
    {
        // 100 scores, level 0.98 → 2 excesses; q·n = 0.05 · 100 = 5 ≥ 2.
        var scores = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.That(() => new Spot(scores, new SpotOptions { Risk = 0.05 }), Throws.ArgumentException.With.Message.EqualTo(
            "The risk q = 0.05 must be below the fraction of calibration scores above the initial threshold (2 of 100); lower the risk or the initial level, or give more scores. (Parameter 'options')"));
    }

    [Test]
    public void Constructor_NullArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new Spot(null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("calibration"));
            Assert.That(() => new Spot([1, 2], null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("options"));
        });
    }

    private static double[] ExponentialDraws(int seed, int count)
    {
        var random = new Random(seed);
        var draws = new double[count];
        for (var i = 0; i < draws.Length; i++)
        {
            draws[i] = -Math.Log(1 - random.NextDouble());
        }

        return draws;
    }
}
