using MstGad.Scoring;

namespace MstGad.Tests.Scoring;

[TestFixture]
public sealed class AlarmBudgetTests
{
    [Test]
    public void Risk_OneAlarmPerHourOver46InstancesAtOneMinute_IsOnePointIn2760() =>
        Assert.That(AlarmBudget.Risk(1, TimeSpan.FromMinutes(1), 46), Is.EqualTo(1.0 / 2760).Within(1e-12));

    [Test]
    public void Fit_ExponentialScores_ThresholdIsNearTheTrueQuantileFromTheExtremeValueFit()
    {
        // Exp(1): P(X > z) = q at z = −ln q; q = 10⁻⁴ → 9.21, beyond the largest of most samples of 20,000.
        var random = new Random(3);
        var scores = Enumerable.Range(0, 20_000).Select(_ => -Math.Log(1 - random.NextDouble())).ToList();

        var (threshold, extremeValue) = AlarmBudget.Fit(scores, 1e-4);

        Assert.Multiple(() =>
        {
            Assert.That(extremeValue, Is.True);
            Assert.That(threshold, Is.EqualTo(-Math.Log(1e-4)).Within(10).Percent);
        });
    }

    [Test]
    public void Fit_RiskTooHighForTheTail_UsesTheEmpiricalQuantile()
    {
        var scores = Enumerable.Range(0, 101).Select(i => (double)i).ToList();

        var (threshold, extremeValue) = AlarmBudget.Fit(scores, 0.1);

        Assert.Multiple(() =>
        {
            Assert.That(extremeValue, Is.False);
            Assert.That(threshold, Is.EqualTo(90).Within(1e-9));
        });
    }

    [Test]
    public void Fit_FewerThanAHundredExcesses_FixesTheTailExponentialAtTheMeanExcess()
    {
        // 2,000 scores 0, 1, …, 1999 / 1000 and one outlier of 500: the 98 % quantile t0 is at rank 0.98 · 2000 = 1960 of
        // the sorted 2,001 → 1.96; the 40 values above it are 1.961 … 1.999 and 500. Their mean excess σ = (Σ(v − 1.96)) / 40,
        // and the threshold for q = 10⁻⁴ is t0 + σ · ln((40 / 2001) / q). One enormous peak does not bend the tail into a
        // power law that would put the threshold far beyond every normal score.
        var scores = Enumerable.Range(0, 2000).Select(i => i / 1000.0).Append(500).ToList();
        var sorted = scores.Order().ToArray();
        var t0 = sorted[1960];
        var over = sorted.Where(v => v > t0).ToArray();
        var sigma = over.Average(v => v - t0);

        var (threshold, extremeValue) = AlarmBudget.Fit(scores, 1e-4);

        Assert.Multiple(() =>
        {
            Assert.That(t0, Is.EqualTo(1.96).Within(1e-12));
            Assert.That(over, Has.Length.EqualTo(40));
            Assert.That(extremeValue, Is.True);
            Assert.That(threshold, Is.EqualTo(t0 + (sigma * Math.Log(40.0 / 2001 / 1e-4))).Within(1e-9));
            Assert.That(threshold, Is.LessThan(100));
        });
    }

    [Test]
    public void Fit_NoScores_Throws() =>
        Assert.That(() => AlarmBudget.Fit([], 1e-3), Throws.ArgumentException.With.Message.StartsWith("No normal scores to set the alarm threshold from."));
}
