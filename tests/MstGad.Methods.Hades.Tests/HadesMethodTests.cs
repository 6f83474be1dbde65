using MstGad.Features;
using MstGad.Methods.Hades;
using MstGad.Tests.Detection;

namespace MstGad.Methods.Hades.Tests;

/// <summary>Hades behind the facade: fitted, deciding with its classifier, saved and loaded in the one artifact.</summary>
[TestFixture]
public sealed class HadesMethodTests
{
    private static HadesOptions Small => new()
    {
        Width = 8,
        Heads = 2,
        TemplateSequenceLength = 2,
        WordVectors = new WordVectorOptions { Dimension = 4, Epochs = 5 },
        Phase1Epochs = 40,
        Phase2Epochs = 5,
        BatchSize = 16,
        LearningRate = 5e-3,
        Patience = 10,
    };

    private static DetectorBuilder Builder(HadesOptions options) => TinySystem.Builder()
        .UseMethod(new HadesMethod(options))
        .WithDecisionRule(DecisionRule.CalibratedClassifier)
        .ConfigureSplit(o =>
        {
            o.TrainFraction = 0.8;
            o.ValidationFraction = 0.2;
            o.HiddenLabelFraction = 0;
        });

    [Test]
    public void Fit_TinySystem_LearnsTheLabelledFaultAndRoundTripsThroughTheArtifact()
    {
        using var detector = Builder(Small).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(detector.FeatureOptions));

        var report = detector.Fit(data, faults);
        var verdicts = TinySystem.DetectLive(detector);
        using var loaded = TinySystem.SaveAndLoad(detector);
        var again = TinySystem.DetectLive(loaded);

        var inFault = verdicts.Where(v => v.Instance == "b" && v.Time > TinySystem.Fault.Start.AddSeconds(10) && v.Time <= TinySystem.Fault.End).ToList();
        var elsewhere = verdicts.Except(verdicts.Where(v => v.Instance == "b" && v.Time > TinySystem.Fault.Start && v.Time <= TinySystem.Fault.End + TimeSpan.FromSeconds(30))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(detector.Method, Is.EqualTo("hades"));
            Assert.That(loaded.Method, Is.EqualTo("hades"));
            Assert.That(detector.Features.Options.TemplateSequenceLength, Is.EqualTo(2), "Hades asked for template sequences");
            Assert.That(report.Training.Epochs, Is.Not.Empty);
            Assert.That(report.Training.Epochs.All(e => double.IsFinite(e.TrainingLoss)), Is.True, string.Join(" ", report.Training.Epochs.Select(e => $"{e.TrainingLoss:G3}/{e.ValidationLoss:G3}")));
            Assert.That(inFault.Min(v => v.Probability), Is.GreaterThan(elsewhere.Max(v => v.Probability)), "the fault's P above every other point's");
            Assert.That(verdicts.Where(v => v.IsAbnormal).Select(v => v.Instance).Distinct(), Is.EqualTo(new[] { "b" }));
            Assert.That(verdicts.All(v => float.IsFinite((float)v.Probability) && double.IsNaN(v.Error)), Is.True, "P, and no reconstruction error: Hades has none");
            Assert.That(again.Select(v => (v.Instance, v.Time, v.Score, v.IsAbnormal)), Is.EqualTo(verdicts.Select(v => (v.Instance, v.Time, v.Score, v.IsAbnormal))), "loaded: the same verdicts");
            Assert.That(again.Select(v => v.Evidence.Attributions), Is.EqualTo(verdicts.Select(v => v.Evidence.Attributions)), "loaded: the same evidence");
        });
    }

    [Test]
    public void Detect_Evidence_NamesTheMetricAspectAndTheLastStepsTemplateWithTheLargestWeight()
    {
        using var detector = Builder(Small).UseHades(o => Copy(Small, o)).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(detector.FeatureOptions));
        detector.Fit(data, faults);

        var verdicts = TinySystem.DetectLive(detector);
        var vocabulary = detector.Features.Vocabulary.Select(t => t.Text).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(detector.Method, Is.EqualTo("hades"), "UseHades chooses Hades");
            Assert.That(verdicts.All(v => v.Evidence.Attributions.Count is 1 or 2), Is.True);
            var aspects = verdicts.Select(v => v.Evidence.Attributions[0]).ToList();
            Assert.That(aspects.All(a => a.Kind == AttributionKind.MetricAspect && a.Weight is > 0 and <= 1), Is.True, "an aspect's share of the pooled channels");
            Assert.That(aspects.Select(a => a.Name).Distinct(), Is.SubsetOf(new[] { "cpu", "memory", "disk-io", "network", "other" }));
            var templates = verdicts.Where(v => v.Evidence.Attributions.Count == 2).Select(v => v.Evidence.Attributions[1]).ToList();
            Assert.That(templates, Is.Not.Empty, "the tiny system logs");
            Assert.That(templates.All(t => t.Kind == AttributionKind.LogTemplate && t.TemplateId is not null && vocabulary.Contains(t.Name)), Is.True);
        });
    }

    [Test]
    public void Fit_TimeBudgetSpentByTheFirstEpoch_StopsAndSaysSo()
    {
        var options = Small;
        options.TimeBudget = TimeSpan.FromTicks(1);
        using var detector = Builder(options).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(detector.FeatureOptions));

        var report = detector.Fit(data, faults);

        Assert.Multiple(() =>
        {
            Assert.That(report.Training.Epochs, Has.Count.EqualTo(1), "the first epoch runs: nothing is known of an epoch's time before it");
            Assert.That(report.Training.StoppedByTimeBudget, Is.True);
            Assert.That(report.Training.StoppedEarly, Is.False);
        });
    }

    private static void Copy(HadesOptions from, HadesOptions to)
    {
        (to.Width, to.Heads, to.TemplateSequenceLength, to.WordVectors) = (from.Width, from.Heads, from.TemplateSequenceLength, from.WordVectors);
        (to.Phase1Epochs, to.Phase2Epochs, to.BatchSize, to.LearningRate, to.Patience) = (from.Phase1Epochs, from.Phase2Epochs, from.BatchSize, from.LearningRate, from.Patience);
    }

    [Test]
    public void Fit_WithoutLabelledFaults_SaysHadesNeedsThem()
    {
        using var detector = Builder(Small).Build();
        var (data, _) = TinySystem.Create(new TelemetryAggregator(detector.FeatureOptions));

        Assert.That(() => detector.Fit(data, []), Throws.InvalidOperationException.With.Message.EqualTo(
            "Hades learns from labelled faults, and the training part has none labelled: label faults, or use the mstgad or statistical method."));
    }

    [Test]
    public void Build_InvalidOptions_ListsThem() =>
        Assert.That(() => Builder(new HadesOptions { Width = 10, Heads = 4, PseudoLabelConfidence = 0.4 }).Build(), Throws.InstanceOf<DetectorConfigurationException>()
            .With.Message.Contains("Method hades: Heads must divide Width (10); it is 4.")
            .And.Message.Contains("Method hades: PseudoLabelConfidence must be in (0.5, 1]; it is 0.4."));

    [Test]
    public void Find_ByName_LoadsTheAssemblysMethod() =>
        Assert.That(DetectionMethods.Find("hades"), Is.InstanceOf<HadesMethod>());
}
