using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Tests.Detection;

public sealed class DetectorTests
{
    [Test]
    public void Fit_TinySystem_SplitsChronologically()
    {
        using var detector = TinySystem.Builder().Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));

        var report = detector.Fit(data, faults);

        // 60 steps: training = steps 0..35 (36 = ⌊0.6·60⌋), validation = 36..47 (12 = ⌊0.2·60⌋).
        // Windows of 3 end at steps 2..47: 34 end in training (2..35), 12 in validation.
        Assert.Multiple(() =>
        {
            Assert.That(report.TrainingWindows, Is.EqualTo(34));
            Assert.That(report.ValidationWindows, Is.EqualTo(12));
            Assert.That(report.TrainingEnd, Is.EqualTo(TinySystem.Start.AddSeconds(360)));
            Assert.That(detector.TrainedUntil, Is.EqualTo(TinySystem.Start.AddSeconds(480)));
            Assert.That(detector.Instances, Is.EqualTo(new[] { "a", "b", "c" }));
            Assert.That(report.Training.Epochs, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void HideLabels_SameSeed_HidesTheSameHalfOfTheTrainingLabels()
    {
        var split = new SplitOptions { HiddenLabelFraction = 0.5, Seed = 7 };
        var first = new sbyte[3000];
        var second = new sbyte[3000];

        Detector.HideLabels(first, nodes: 3, trainSteps: 800, split);
        Detector.HideLabels(second, nodes: 3, trainSteps: 800, split);

        var hidden = first.Count(l => l == Labels.Unknown);
        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(hidden, Is.InRange(1100, 1300), "about half of the 2,400 training labels");
            Assert.That(first.Skip(2400), Is.All.EqualTo((sbyte)0), "labels after the training part are never hidden");
        });
    }

    [Test]
    public void SaveLoad_TrainedDetector_GivesIdenticalVerdicts()
    {
        using var detector = TinySystem.Builder().Build();
        var options = new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity };
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(options));
        detector.Fit(data, faults);
        var before = TinySystem.DetectLive(detector);

        using var loaded = TinySystem.SaveAndLoad(detector);
        var after = TinySystem.DetectLive(loaded);

        Assert.Multiple(() =>
        {
            Assert.That(before, Has.Count.EqualTo(58 * 3), "steps 2..59 × 3 instances");
            Assert.That(after.Select(v => (v.Instance, v.Time, v.Score, v.IsAbnormal)), Is.EqualTo(before.Select(v => (v.Instance, v.Time, v.Score, v.IsAbnormal))));
            Assert.That(loaded.Threshold, Is.EqualTo(detector.Threshold));
            Assert.That(loaded.TrainedUntil, Is.EqualTo(detector.TrainedUntil));
        });
    }

    [Test]
    public void Load_CorruptArtifacts_ThrowClearErrors()
    {
        using var detector = TinySystem.Builder().Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));
        detector.Fit(data, faults);
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        var bytes = buffer.ToArray();

        string Error(byte[] b) => Assert.Throws<InvalidDataException>(() => Detector.Load(new MemoryStream(b)).Dispose())!.Message;
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        var version = (byte[])bytes.Clone();
        version[16] = 9;

        Assert.Multiple(() =>
        {
            Assert.That(Error([.. "not an artifact at all"u8]), Is.EqualTo("Not a MstGad detector artifact: it does not start with 'MSTGAD-DETECTOR1'."));
            Assert.That(Error(version), Is.EqualTo("MstGad artifact version 9 is not supported; this build reads version 1."));
            Assert.That(Error(bytes[..(bytes.Length - 3)]), Does.StartWith("MstGad artifact is truncated: it ends inside"));
            Assert.That(Error(flipped), Does.Match("^MstGad artifact is corrupt: the checksum of section '\\w+' does not match\\.$"));
            Assert.That(Error(bytes[..20]), Does.StartWith("MstGad artifact is truncated"));
        });
    }

    [Test]
    public void Detect_ReconstructionThreshold_DecidesOnTheReconstructionError()
    {
        using var detector = TinySystem.Builder().WithDecisionRule(DecisionRule.ReconstructionThreshold).Build();
        var options = new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity };
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(options));
        detector.Fit(data, faults);
        var (live, _) = TinySystem.Create(detector.CreateAggregator());

        var verdicts = detector.Detect(live);

        Assert.Multiple(() =>
        {
            Assert.That(verdicts.Select(v => v.Score), Is.EqualTo(verdicts.Select(v => v.Error)));
            Assert.That(verdicts.Select(v => v.IsAbnormal), Is.EqualTo(verdicts.Select(v => v.Error >= detector.Threshold)));
            Assert.That(detector.Threshold, Is.GreaterThan(0));
        });
    }

    [Test]
    public void Build_Default_DecidesWithTheUnsupervisedRuleOfTheMstgadNetwork()
    {
        using var detector = TinySystem.Builder().Build();

        Assert.Multiple(() =>
        {
            Assert.That(detector.DecisionRule, Is.EqualTo(DecisionRule.Unsupervised));
            Assert.That(detector.Method, Is.EqualTo("mstgad"));
        });
    }

    [Test]
    public void Fit_CalibratedClassifier_ThresholdUndoesTheClassWeightOfTheLoss()
    {
        using var detector = TinySystem.Builder().WithDecisionRule(DecisionRule.CalibratedClassifier).Build();
        var options = new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity };
        var (data, _) = TinySystem.Create(new TelemetryAggregator(options));

        // A fault in the training part (steps 10..14) gives the loss a class weight w > 1.
        var report = detector.Fit(data, [TrainingFault, TinySystem.Fault]);
        var w = report.Training.ClassWeight;
        var (live, _) = TinySystem.Create(detector.CreateAggregator());
        var verdicts = detector.Detect(live);

        Assert.Multiple(() =>
        {
            Assert.That(w, Is.GreaterThan(1));
            Assert.That(detector.Threshold, Is.EqualTo(w / (1 + w)).Within(1e-12));
            Assert.That(report.Threshold, Is.EqualTo(detector.Threshold));
            Assert.That(verdicts.Select(v => v.Score), Is.EqualTo(verdicts.Select(v => v.Probability)));
            Assert.That(verdicts.Select(v => v.IsAbnormal), Is.EqualTo(verdicts.Select(v => v.Probability >= detector.Threshold)));
        });
    }

    [Test]
    public void Fit_CalibratedClassifierWithoutTrainingLabels_ThresholdIsOneHalf()
    {
        // TinySystem's own fault lies in the validation part: no abnormal training label, w = 1.
        using var detector = TinySystem.Builder().WithDecisionRule(DecisionRule.CalibratedClassifier).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));

        var report = detector.Fit(data, faults);

        Assert.Multiple(() =>
        {
            Assert.That(report.Training.ClassWeight, Is.EqualTo(1.0));
            Assert.That(detector.Threshold, Is.EqualTo(0.5));
        });
    }

    [Test]
    public void Fit_ValidationThresholdWithoutAbnormalValidationPoints_FallsBackToTheCalibratedThreshold()
    {
        using var detector = TinySystem.Builder().WithDecisionRule(DecisionRule.ValidationThreshold).Build();
        var (data, _) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));

        var report = detector.Fit(data, [TrainingFault]);
        var w = report.Training.ClassWeight;

        Assert.Multiple(() =>
        {
            Assert.That(w, Is.GreaterThan(1));
            Assert.That(detector.Threshold, Is.EqualTo(w / (1 + w)).Within(1e-12));
        });
    }

    /// <summary>The raw value of an edge feature of the tiny system in step <paramref name="t"/>: a → b (client 30, server 20;
    /// 410 and 400 while b is faulty) and b → c (client 15, server 10, b's own client span), one call each.</summary>
    private static double TinyEdgeValue(string caller, string callee, EdgeFeatureInfo feature, long t)
    {
        var faulty = t is >= 40 and < 45;
        var (type, client, server) = (caller, callee) switch
        {
            ("a", "b") => ("GET /b", faulty ? 410.0 : 30, faulty ? 400.0 : 20),
            ("b", "c") => ("GET /c", 15.0, 10.0),
            _ => throw new ArgumentException($"No edge {caller} → {callee} in the tiny system."),
        };
        if (feature.RequestType is not null && feature.RequestType != type)
        {
            return 0;
        }

        return feature.Measure switch
        {
            EdgeMeasure.Calls => 1,
            EdgeMeasure.ClientDuration or EdgeMeasure.MeanLatency or EdgeMeasure.P95Latency => client,
            EdgeMeasure.ServerDuration or EdgeMeasure.MeanServerLatency => server,
            EdgeMeasure.ClientMinusServer or EdgeMeasure.MeanClientMinusServer or EdgeMeasure.MedianClientMinusServer => client - server,
            _ => 0,
        };
    }

    [Test]
    public void Detect_EdgeEvidence_GivesTheFeaturesRawValueAndItsTypicalTrainingValue()
    {
        using var detector = TinySystem.Builder().Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));
        detector.Fit(data, faults);
        var (live, _) = TinySystem.Create(detector.CreateAggregator());
        var space = detector.Features;

        var edges = detector.Detect(live).SelectMany(v => v.Evidence.Edges.Select(e => (v.Time, Edge: e))).ToList();
        var wrong = edges.Where(x =>
        {
            var e = x.Edge;
            var index = space.EdgeFeatureNames.ToList().IndexOf(e.Feature);
            var info = space.EdgeFeatures[index];
            var t = ((x.Time - TinySystem.Start).Ticks / TimeSpan.TicksPerSecond / 10) - 1;
            var expected = TinyEdgeValue(e.Caller, e.Callee, info, t);
            return info.Measure != e.Measure || info.RequestType != e.RequestType ||
                Math.Abs(e.Value - expected) > 1e-4 * Math.Max(1, expected) || e.Typical != space.TypicalEdgeValue(e.Caller, e.Callee, index);
        }).Select(x => $"{x.Time:O} {x.Edge}").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(edges, Has.Count.EqualTo(58 * 4), "steps 2..59: a and c have one edge, b two");
            Assert.That(wrong, Is.Empty);
        });
    }

    [Test]
    public void Detect_AModelWithoutTraces_ExplainsAnEdgeByTheFeatureFurthestFromItsTypicalValue()
    {
        // Without per-feature edge errors from the model, the feature with the largest |value − typical| / typical is named.
        // In step 41 b is faulty: a → b server 400 ms against 20 (19 times more, the most); b → c does not change (b's client
        // span for it stays 15 ms, c's 10 ms), so its first feature that it had in training is named, unchanged — not a request
        // type it never carried (whose typical value would be another edge's).
        using var detector = TinySystem.Builder().ConfigureModel(o => o.UseTraces = false).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));
        detector.Fit(data, faults);
        var (live, _) = TinySystem.Create(detector.CreateAggregator());

        var b = detector.Detect(live).Single(v => v.Instance == "b" && v.Time == TinySystem.Start.AddSeconds(420));

        Assert.That(b.Evidence.Edges.OrderBy(e => e.Caller, StringComparer.Ordinal).Select(e => e.Describe()), Is.EqualTo(new[]
        {
            "server time on a → b rose from 20 ms to 400 ms (request type GET /b)",
            "calls on b → c stayed at 1 (request type GET /c)",
        }));
    }

    private static readonly FaultLabel TrainingFault = new("b", TinySystem.Start.AddSeconds(100), TimeSpan.FromSeconds(50), "cpu");
}
