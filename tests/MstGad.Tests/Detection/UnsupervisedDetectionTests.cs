using MstGad.Features;

namespace MstGad.Tests.Detection;

/// <summary>The unsupervised anomaly score, its alarm budget, the statistical method and recalibration, end to end on the tiny system.</summary>
[TestFixture]
public sealed class UnsupervisedDetectionTests
{
    private static FeatureOptions Options => new() { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity };

    [TestCase("mstgad")]
    [TestCase("statistical")]
    public void Fit_Unsupervised_FlagsTheFaultyInstanceAndNothingElse(string method)
    {
        var builder = method == "statistical" ? TinySystem.Builder().UseStatistical() : TinySystem.Builder().UseMstgad();
        using var detector = builder.WithDecisionRule(DecisionRule.Unsupervised).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(Options));
        detector.Fit(data, []);
        var (live, _) = TinySystem.Create(detector.CreateAggregator());

        var verdicts = detector.Detect(live);
        var flagged = verdicts.Where(v => v.IsAbnormal).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(detector.AnomalyThresholds![0], Is.GreaterThan(0));
            Assert.That(detector.Threshold, Is.EqualTo(1));
            Assert.That(verdicts.All(v => double.IsFinite(v.AnomalyScore) && double.IsFinite(v.Score)), Is.True);
            Assert.That(flagged.Select(v => v.Instance).Distinct(), Is.EqualTo(new[] { "b" }), "only the faulty instance");
            Assert.That(flagged.All(v => v.Time > faults[0].Start && v.Time <= faults[0].End + TimeSpan.FromSeconds(30)), Is.True, "only in its fault window");
        });
    }

    [Test]
    public void Fit_Statistical_NeedsNoTorchAndSavesAndLoadsToIdenticalVerdicts()
    {
        using var detector = TinySystem.Builder().UseStatistical().Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(Options));
        var report = detector.Fit(data, faults);
        var before = TinySystem.DetectLive(detector);

        using var loaded = TinySystem.SaveAndLoad(detector);
        var after = TinySystem.DetectLive(loaded);

        Assert.Multiple(() =>
        {
            Assert.That(report.Training.Epochs, Is.Empty);
            Assert.That(loaded.Method, Is.EqualTo("statistical"));
            Assert.That(loaded.DecisionRule, Is.EqualTo(DecisionRule.Unsupervised));
            Assert.That(after.Select(v => (v.Instance, v.Time, v.Score, v.AnomalyScore, v.IsAbnormal)), Is.EqualTo(before.Select(v => (v.Instance, v.Time, v.Score, v.AnomalyScore, v.IsAbnormal))));
            Assert.That(before.Where(v => v.IsAbnormal).Select(v => v.Instance).Distinct(), Is.EqualTo(new[] { "b" }));
        });
    }

    [Test]
    public void WithAlarmBudget_Larger_GivesALowerThreshold()
    {
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(Options));
        using var strict = TinySystem.Builder().UseStatistical().WithAlarmBudget(0.5).Build();
        using var loose = TinySystem.Builder().UseStatistical().WithAlarmBudget(60).Build();
        strict.Fit(data, faults);
        loose.Fit(data, faults);

        Assert.Multiple(() =>
        {
            Assert.That(loose.AnomalyThresholds![0], Is.LessThan(strict.AnomalyThresholds![0]));
            Assert.That(strict.AlarmBudgetPerHour, Is.EqualTo(0.5));
            Assert.That(loose.AlarmBudgetPerHour, Is.EqualTo(60));
        });
    }

    [Test]
    public void Recalibrate_SameOptions_GivesTheSameThresholdAndANewBudgetAnother()
    {
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(Options));
        using var detector = TinySystem.Builder().UseStatistical().Build();
        detector.Fit(data, faults);
        var fitted = detector.AnomalyThresholds![0];
        var (again, _) = TinySystem.Create(detector.CreateAggregator());

        var same = detector.Recalibrate(again, faults)[0];
        var (more, _) = TinySystem.Create(detector.CreateAggregator());
        var looser = detector.Recalibrate(more, faults, new UnsupervisedOptions { AlarmBudgetPerHour = 60 }, DecisionRule.Unsupervised)[0];

        Assert.Multiple(() =>
        {
            Assert.That(same, Is.EqualTo(fitted));
            Assert.That(looser, Is.LessThan(same));
            Assert.That(detector.DecisionRule, Is.EqualTo(DecisionRule.Unsupervised));
            Assert.That(detector.Threshold, Is.EqualTo(1));
            Assert.That(detector.AnomalyThresholds![0], Is.EqualTo(looser));
            Assert.That(detector.AlarmBudgetPerHour, Is.EqualTo(60));
        });
    }

    [Test]
    public void Recalibrate_ToAClassifierRule_SetsThatRulesThreshold()
    {
        // The fault (steps 40–44 of 60) inside the training part, so that the classifier's class weight w exceeds 1.
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(Options));
        using var detector = TinySystem.Builder().ConfigureSplit(o => (o.TrainFraction, o.ValidationFraction) = (0.8, 0.1)).Build();
        detector.Fit(data, faults);
        var (again, _) = TinySystem.Create(detector.CreateAggregator());
        var (more, _) = TinySystem.Create(detector.CreateAggregator());

        detector.Recalibrate(again, faults, decision: DecisionRule.Classifier);
        var paper = detector.Threshold;
        detector.Recalibrate(more, faults, decision: DecisionRule.CalibratedClassifier);

        Assert.Multiple(() =>
        {
            Assert.That(paper, Is.EqualTo(0.5));
            Assert.That(detector.DecisionRule, Is.EqualTo(DecisionRule.CalibratedClassifier));
            Assert.That(detector.Threshold, Is.GreaterThan(0.5).And.LessThan(1), "w / (1 + w) with w > 1");
        });
    }

    [Test]
    public void Recalibrate_InvalidOptions_ListsEveryProblem()
    {
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(Options));
        using var detector = TinySystem.Builder().UseStatistical().Build();
        detector.Fit(data, faults);

        var ex = Assert.Throws<DetectorConfigurationException>(() => detector.Recalibrate(data, faults, new UnsupervisedOptions { AlarmBudgetPerHour = -1, TopFeatures = 0 }));

        Assert.That(ex!.Problems, Is.EqualTo(new[]
        {
            "Unsupervised.AlarmBudgetPerHour must be a finite number greater than 0; it is -1.",
            "Unsupervised.TopFeatures must be at least 1; it is 0.",
        }));
    }
}
