using MstGad.Model.Tests.Support;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class TrainingOptionsTests
{
    [Test]
    public void Defaults_ArePinned()
    {
        var options = new TrainingOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.MaxEpochs, Is.EqualTo(300));
            Assert.That(options.BatchSize, Is.EqualTo(50));
            Assert.That(options.LearningRate, Is.EqualTo(1e-3));
            Assert.That(options.WeightDecay, Is.EqualTo(5e-4));
            Assert.That(options.LearningRateStep, Is.EqualTo(100));
            Assert.That(options.LearningRateDecay, Is.EqualTo(0.9));
            Assert.That(options.GradientClipNorm, Is.EqualTo(10));
            Assert.That(options.Patience, Is.EqualTo(7));
            Assert.That(options.Seed, Is.EqualTo(42));
            Assert.That(options.TimeBudget, Is.Null);
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    private static IEnumerable<TestCaseData> InvalidSettings()
    {
        yield return Case(o => o.MaxEpochs = 0, "MaxEpochs must be at least 1; it is 0.");
        yield return Case(o => o.BatchSize = -5, "BatchSize must be at least 1; it is -5.");
        yield return Case(o => o.LearningRate = 0, "LearningRate must be greater than zero; it is 0.");
        yield return Case(o => o.LearningRate = double.NaN, "LearningRate must be greater than zero; it is NaN.");
        yield return Case(o => o.WeightDecay = -0.001, "WeightDecay must be zero or more; it is -0.001.");
        yield return Case(o => o.WeightDecay = double.NaN, "WeightDecay must be zero or more; it is NaN.");
        yield return Case(o => o.LearningRateStep = 0, "LearningRateStep must be at least 1; it is 0.");
        yield return Case(o => o.LearningRateDecay = 0, "LearningRateDecay must be in (0, 1]; it is 0.");
        yield return Case(o => o.LearningRateDecay = 1.5, "LearningRateDecay must be in (0, 1]; it is 1.5.");
        yield return Case(o => o.LearningRateDecay = double.NaN, "LearningRateDecay must be in (0, 1]; it is NaN.");
        yield return Case(o => o.GradientClipNorm = 0, "GradientClipNorm must be greater than zero; it is 0.");
        yield return Case(o => o.GradientClipNorm = double.PositiveInfinity * 0, "GradientClipNorm must be greater than zero; it is NaN.");
        yield return Case(o => o.Patience = 0, "Patience must be at least 1; it is 0.");
        yield return Case(o => o.TimeBudget = TimeSpan.Zero, "TimeBudget must be greater than zero when set; it is 00:00:00.");

        static TestCaseData Case(Action<TrainingOptions> change, string message) => new TestCaseData(change, message).SetArgDisplayNames(message);
    }

    [TestCaseSource(nameof(InvalidSettings))]
    public void Validate_OneBadSetting_GivesExactlyItsMessage(Action<TrainingOptions> change, string message)
    {
        var options = new TrainingOptions();
        change(options);

        Assert.That(options.Validate(), Is.EqualTo(new[] { message }));
    }

    [Test]
    public void Validate_BoundaryValues_AreValid()
    {
        var options = new TrainingOptions { MaxEpochs = 1, BatchSize = 1, LearningRate = double.Epsilon, WeightDecay = 0, LearningRateStep = 1, LearningRateDecay = 1, GradientClipNorm = 1e-9, Patience = 1, Seed = -7 };

        Assert.That(options.Validate(), Is.Empty);
    }

    [Test]
    public void Train_InvalidOptions_ThrowsOneExceptionListingEveryProblem()
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape);
        var windows = Synthetic.Windows(2, seed: 1);

        var e = Assert.Throws<ArgumentException>(() => model.Train(windows, [], new TrainingOptions { MaxEpochs = 0, Patience = 0 }));

        Assert.That(e!.Message, Is.EqualTo(
            "Invalid training options:" + Environment.NewLine +
            "- MaxEpochs must be at least 1; it is 0." + Environment.NewLine +
            "- Patience must be at least 1; it is 0. (Parameter 'options')"));
    }

    [Test]
    public void Train_TimeBudgetSpentByTheFirstEpoch_StopsAfterIt()
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape);
        var windows = Synthetic.Windows(4, seed: 1);

        var report = model.Train(windows, windows, new TrainingOptions { MaxEpochs = 50, BatchSize = 2, TimeBudget = TimeSpan.FromTicks(1) });

        Assert.Multiple(() =>
        {
            Assert.That(report.Epochs, Has.Count.EqualTo(1));
            Assert.That(report.StoppedByTimeBudget, Is.True);
            Assert.That(report.StoppedEarly, Is.False);
        });
    }

    [Test]
    public void Train_AmpleTimeBudget_RunsEveryEpoch()
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape);
        var windows = Synthetic.Windows(4, seed: 1);

        var report = model.Train(windows, [], new TrainingOptions { MaxEpochs = 3, BatchSize = 2, TimeBudget = TimeSpan.FromHours(1) });

        Assert.Multiple(() =>
        {
            Assert.That(report.Epochs, Has.Count.EqualTo(3));
            Assert.That(report.StoppedByTimeBudget, Is.False);
        });
    }
}
