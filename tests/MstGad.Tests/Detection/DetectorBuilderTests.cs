namespace MstGad.Tests.Detection;

public sealed class DetectorBuilderTests
{
    [Test]
    public void Build_ManyInvalidSettings_ListsEveryProblem()
    {
        var builder = new DetectorBuilder()
            .WithInterval(TimeSpan.Zero)
            .WithWindow(1)
            .ConfigureModel(o => o.Heads = 3)
            .ConfigureTraining(o => o.BatchSize = 0)
            .ConfigureSplit(o => o.TrainFraction = 0.95)
            .UseDevice("cpu", 0);

        var ex = Assert.Throws<DetectorConfigurationException>(() => builder.Build());

        Assert.That(ex!.Problems, Is.EqualTo(new[]
        {
            "Features: Interval must be at least 1 ms; it is 00:00:00.",
            "Model: MetricDimension must be a positive multiple of Heads (3); it is 16.",
            "Model: LogDimension must be a positive multiple of Heads (3); it is 16.",
            "Model: TraceDimension must be a positive multiple of Heads (3); it is 8.",
            "Training: BatchSize must be at least 1; it is 0.",
            "Split.TrainFraction + Split.ValidationFraction must not exceed 1; it is 1.05.",
            "Window must be at least 2 steps; it is 1.",
            "Threads must be at least 1; it is 0.",
        }));
        Assert.That(ex.Message, Does.StartWith("The detector configuration is not valid:"));
    }

    [Test]
    public void Build_InvalidUnsupervisedSettings_ListsEveryProblem()
    {
        var builder = new DetectorBuilder()
            .WithAlarmBudget(0)
            .ConfigureUnsupervised(o =>
            {
                o.TopFeatures = 0;
                o.PersistenceSteps = 0;
                o.EventPersistenceSteps = 0;
                o.MinimumTailScale = double.NaN;
                o.TracePriorExcesses = -1;
                o.Contamination = 0.2;
                o.CalibrationFolds = 0;
            })
            .ConfigureFeatures(o => o.Compression = (MstGad.Features.FeatureCompression)7)
            .UseStatistical()
            .WithDecisionRule(DecisionRule.ExtremeValue);

        var ex = Assert.Throws<DetectorConfigurationException>(() => builder.Build());

        Assert.That(ex!.Problems, Is.EqualTo(new[]
        {
            "Features: Compression 7 is not defined.",
            "Unsupervised.AlarmBudgetPerHour must be a finite number greater than 0; it is 0.",
            "Unsupervised.MinimumTailScale must be a finite number greater than 0; it is NaN.",
            "Unsupervised.TracePriorExcesses must be a finite number of 0 or more; it is -1.",
            "Unsupervised.Contamination must be in [0, 0.2); it is 0.2.",
            "Unsupervised.CalibrationFolds must be at least 1; it is 0.",
            "Unsupervised.PersistenceSteps must be at least 1; it is 0.",
            "Unsupervised.EventPersistenceSteps must be at least 1; it is 0.",
            "Unsupervised.TopFeatures must be at least 1; it is 0.",
            "The statistical method has no classifier or reconstruction error to decide with ExtremeValue: use DecisionRule.Unsupervised or DecisionRule.Combined.",
        }));
    }

    [Test]
    public void Build_ChangingTheBuilderAfterwards_DoesNotChangeTheDetector()
    {
        var builder = new DetectorBuilder().WithInterval(TimeSpan.FromMinutes(1)).WithWindow(5);
        using var detector = builder.Build();

        builder.WithInterval(TimeSpan.FromSeconds(5)).WithWindow(7);

        Assert.Multiple(() =>
        {
            Assert.That(detector.Interval, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(detector.Window, Is.EqualTo(5));
            Assert.That(detector.IsTrained, Is.False);
        });
    }

    [Test]
    public void Detect_Untrained_ThrowsWithAClearMessage()
    {
        using var detector = new DetectorBuilder().Build();

        var ex = Assert.Throws<InvalidOperationException>(() => _ = detector.Threshold);

        Assert.That(ex!.Message, Is.EqualTo("The detector is not trained: call FitAsync or Load first."));
    }
}
