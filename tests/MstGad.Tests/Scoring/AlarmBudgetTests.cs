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
    public void Fit_NoScores_Throws() =>
        Assert.That(() => AlarmBudget.Fit([], 1e-3), Throws.ArgumentException.With.Message.StartsWith("No normal scores to set the alarm threshold from."));
}
