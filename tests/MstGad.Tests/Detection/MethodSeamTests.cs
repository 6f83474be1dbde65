using System.Text;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Methods;
using MstGad.Tests.Online;

namespace MstGad.Tests.Detection;

/// <summary>
/// A method from outside the facade plugs in through the public seam alone (<see cref="IDetectionMethod"/>,
/// <see cref="ITrainedMethod"/>): it is fitted, decides through the facade's anomaly score, saves into and loads from
/// the one artifact, and streams; an artifact of a method or format this program lacks is refused with a clear error.
/// </summary>
[TestFixture]
public sealed class MethodSeamTests
{
    [Test]
    public void Fit_MethodFromOutside_FlagsTheFaultyInstanceAndRoundTripsThroughTheArtifact()
    {
        var method = new DistanceFromMean("seam-mean", formatVersion: 1);
        DetectionMethods.Register(method);
        using var detector = TinySystem.Builder().UseMethod(method).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));

        var report = detector.Fit(data, faults);
        var verdicts = TinySystem.DetectLive(detector);
        using var loaded = TinySystem.SaveAndLoad(detector);
        var again = TinySystem.DetectLive(loaded);

        var flagged = verdicts.Where(v => v.IsAbnormal).Select(v => v.Instance).Distinct();
        Assert.Multiple(() =>
        {
            Assert.That(detector.Method, Is.EqualTo("seam-mean"));
            Assert.That(loaded.Method, Is.EqualTo("seam-mean"));
            Assert.That(report.Training.Epochs, Is.Empty);
            Assert.That(method.Fits, Is.EqualTo(1));
            Assert.That(flagged, Is.EqualTo(new[] { "b" }), "the faulty instance, through the facade's anomaly score");
            Assert.That(again.Select(v => (v.Instance, v.Time, v.Score, v.AnomalyScore, v.IsAbnormal)), Is.EqualTo(verdicts.Select(v => (v.Instance, v.Time, v.Score, v.AnomalyScore, v.IsAbnormal))));
        });
    }

    [Test]
    public void Fit_MethodFromOutside_StreamsTheVerdictsOfBatchDetection()
    {
        var method = new DistanceFromMean("seam-online", formatVersion: 1);
        using var detector = TinySystem.Builder().UseMethod(method).Build();
        detector.Fit(TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity })).Data, [TinySystem.Fault]);
        var records = TinySystem.Records(60);

        var (rows, _, _) = OnlineTesting.RunOnline(detector, records, OnlineTesting.Options());

        Assert.That(rows, Is.EqualTo(OnlineTesting.Batch(detector, records)));
    }

    [Test]
    public void Fit_MethodReadingTemplateSequences_GetsThemInBatchOnlineAndAcrossACheckpoint()
    {
        var method = new DistanceFromMean("seam-sequences", formatVersion: 1, sequenceLength: 2);
        DetectionMethods.Register(method);
        using var detector = TinySystem.Builder().UseMethod(method).Build();
        Assert.That(
            () => detector.Fit(TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity })).Data, []),
            Throws.InvalidOperationException.With.Message.EqualTo("The method seam-sequences reads sequences of 2 log templates, which the aggregate was made without: aggregate with new TelemetryAggregator(detector.FeatureOptions)."));
        detector.Fit(TinySystem.Create(new TelemetryAggregator(detector.FeatureOptions)).Data, [TinySystem.Fault]);
        using var loaded = TinySystem.SaveAndLoad(detector);
        var records = TinySystem.Records(60);
        var batch = OnlineTesting.Batch(detector, records);

        var rows = new List<string>();
        using var checkpoint = new MemoryStream();
        using (var first = new OnlineDetector(loaded, OnlineTesting.Options()))
        {
            first.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(OnlineTesting.Row));
            foreach (var record in records.Take(records.Count / 2))
            {
                OnlineTesting.Push(first, record);
            }

            first.SaveCheckpoint(checkpoint);
        }

        checkpoint.Position = 0;
        using var second = OnlineDetector.Restore(loaded, checkpoint);
        second.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(OnlineTesting.Row));
        foreach (var record in records.Skip(records.Count / 2))
        {
            OnlineTesting.Push(second, record);
        }

        second.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(method.SequenceLengthSeen, Is.EqualTo(2), "the training graphs carry each node's two first templates");
            Assert.That(detector.Features.Options.TemplateSequenceLength, Is.EqualTo(2), "as the method asked");
            Assert.That(loaded.Features.Options.TemplateSequenceLength, Is.EqualTo(2), "saved with the feature space");
            Assert.That(rows, Is.EqualTo(batch), "online across a checkpoint, as batch detection (the templates move the method's error)");
        });
    }

    [Test]
    public void Load_ArtifactOfAMethodNotHere_SaysWhichMethodAndPackage()
    {
        using var detector = TinySystem.Builder().UseMethod(new DistanceFromMean("seam-absent", formatVersion: 1)).Build();
        detector.Fit(TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity })).Data, []);
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        buffer.Position = 0;

        Assert.That(() => Detector.Load(buffer), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo(
            "MstGad artifact was made by the detection method 'seam-absent' (format 1), which this program does not have. No detection method 'seam-absent' is known here: reference its package (for example MstGad.Methods.SeamAbsent) or register it with DetectionMethods.Register; known: "
            + string.Join(", ", Known())
            + "."));
    }

    [Test]
    public void Load_ArtifactOfANewerFormatOfTheMethod_IsRefused()
    {
        using var detector = TinySystem.Builder().UseMethod(new DistanceFromMean("seam-versioned", formatVersion: 3)).Build();
        detector.Fit(TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity })).Data, []);
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        DetectionMethods.Register(new DistanceFromMean("seam-versioned", formatVersion: 2));
        buffer.Position = 0;

        Assert.That(() => Detector.Load(buffer), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo(
            "MstGad artifact was made by the detection method 'seam-versioned' in its format 3; this build of it reads formats 1 to 2: use the version of MstGad that made it, or train again."));
    }

    [Test]
    public void Build_MethodWithInvalidOptions_ListsItsProblems()
    {
        var builder = TinySystem.Builder().UseMethod(new DistanceFromMean("seam-invalid", formatVersion: 1) { Problem = "Spread must be positive; it is -1." });

        Assert.That(() => builder.Build(), Throws.InstanceOf<DetectorConfigurationException>().With.Message.Contains("Method seam-invalid: Spread must be positive; it is -1."));
    }

    [TestCase("Seam")]
    [TestCase("seam method")]
    [TestCase("")]
    public void Register_NameNotLowerCaseWords_IsRefused(string name) =>
        Assert.That(() => DetectionMethods.Register(new DistanceFromMean(name, 1)), Throws.ArgumentException);

    [Test]
    public void Get_BuiltInMethods_AreAlwaysKnown() => Assert.Multiple(() =>
    {
        Assert.That(DetectionMethods.Get("mstgad").Name, Is.EqualTo("mstgad"));
        Assert.That(DetectionMethods.Get("statistical").Name, Is.EqualTo("statistical"));
        Assert.That(DetectionMethods.Find("no-such-method"), Is.Null);
    });

    [Test]
    public void Fit_RobustZScore_ScoresEachInstanceByItsLargestZScoreAndDecidesOnValidation()
    {
        using var detector = TinySystem.Builder().UseMethod(new RobustZScoreMethod()).WithDecisionRule(DecisionRule.ReconstructionThreshold).Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));

        detector.Fit(data, faults);
        var verdicts = TinySystem.DetectLive(detector);
        using var loaded = TinySystem.SaveAndLoad(detector);
        var again = TinySystem.DetectLive(loaded);

        var inFault = verdicts.Where(v => v.Instance == "b" && v.Time > TinySystem.Fault.Start && v.Time <= TinySystem.Fault.End).ToList();
        var before = verdicts.Where(v => v.Instance == "b" && v.Time <= TinySystem.Fault.Start).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Method, Is.EqualTo("robust-z"));
            Assert.That(verdicts.Select(v => v.Score), Is.EqualTo(verdicts.Select(v => v.Error)), "the decision score is the method's error, its largest z-score");
            Assert.That(verdicts.All(v => double.IsNaN(v.Probability)), Is.True, "no classifier");
            Assert.That(inFault.Min(v => v.Error), Is.GreaterThan(before.Max(v => v.Error)), "the fault's z-scores above every earlier one of b");
            Assert.That(verdicts.Where(v => v.IsAbnormal).Select(v => v.Instance).Distinct(), Is.EqualTo(new[] { "b" }));
            Assert.That(again.Select(v => (v.Instance, v.Time, v.Score, v.IsAbnormal)), Is.EqualTo(verdicts.Select(v => (v.Instance, v.Time, v.Score, v.IsAbnormal))));
        });
    }

    private static string[] Known()
    {
        // Other tests of this fixture register methods too: the message lists whatever is registered when it is made.
        var message = Assert.Throws<InvalidOperationException>(() => DetectionMethods.Get("seam-none"))!.Message;
        var known = message[(message.IndexOf("known: ", StringComparison.Ordinal) + 7)..].TrimEnd('.');
        return known.Split(", ");
    }

    /// <summary>
    /// A method written against the public seam only: each feature's error is its squared distance from the instance's
    /// mean over the normal training points (no classifier); saved as the means.
    /// </summary>
    private sealed class DistanceFromMean(string name, int formatVersion, int sequenceLength = 0) : IDetectionMethod
    {
        public int? SequenceLengthSeen { get; private set; }

        public void ConfigureFeatures(FeatureOptions features) => features.TemplateSequenceLength = sequenceLength;

        public string Name => name;

        public int FormatVersion => formatVersion;

        public int MaxEpochs => 0;

        public string? Problem { get; init; }

        public int Fits { get; private set; }

        public IReadOnlyList<string> Validate() => Problem is null ? [] : [Problem];

        public FittedMethod Fit(MethodFitContext context)
        {
            Fits++;
            var graph = context.Training[0].Last;
            SequenceLengthSeen = graph.TemplateSequenceLength;
            var width = graph.NodeFeatureCount;
            var sums = new double[context.Instances * width];
            var counts = new int[context.Instances];
            foreach (var window in context.Training)
            {
                for (var node = 0; node < window.Last.NodeCount; node++)
                {
                    if (window.Last.Mask[node] == 0 || window.LastLabel(node) == Labels.Abnormal)
                    {
                        continue;
                    }

                    counts[node]++;
                    for (var f = 0; f < width; f++)
                    {
                        sums[(node * width) + f] += window.Last.NodeFeatures[(node * width) + f];
                    }
                }
            }

            var means = new float[sums.Length];
            for (var i = 0; i < means.Length; i++)
            {
                means[i] = counts[i / width] == 0 ? 0 : (float)(sums[i] / counts[i / width]);
            }

            return new FittedMethod(new Trained(means, width, context.Space.MetricFeatureCount), new TrainingReport([], 0, false, 1));
        }

        public ITrainedMethod Load(Stream stream, int formatVersion, MethodRunContext context)
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            var width = reader.ReadInt32();
            var metrics = reader.ReadInt32();
            var means = new float[reader.ReadInt32()];
            for (var i = 0; i < means.Length; i++)
            {
                means[i] = reader.ReadSingle();
            }

            return new Trained(means, width, metrics);
        }
    }

    private sealed class Trained(float[] means, int width, int metrics) : ITrainedMethod
    {
        public (int Metrics, int Logs, int Traces) ErrorLayout => (metrics, width - metrics, 0);

        public bool HasClassifier => false;

        public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows)
        {
            var results = new List<WindowScores>(windows.Count);
            foreach (var window in windows)
            {
                var graph = window.Last;
                var n = graph.NodeCount;
                var errors = new float[n * width];
                var total = new float[n];
                var present = new bool[n];
                for (var node = 0; node < n; node++)
                {
                    present[node] = graph.Mask[node] != 0;
                    for (var f = 0; f < width && present[node]; f++)
                    {
                        var d = graph.NodeFeatures[(node * width) + f] - (node * width < means.Length ? means[(node * width) + f] : 0);
                        errors[(node * width) + f] = d * d;
                        total[node] += d * d;
                    }

                    // A method that reads template sequences: each template of the node in the window adds to its error.
                    for (var t = 0; t < window.Graphs.Count && present[node]; t++)
                    {
                        var g = window.Graphs[t];
                        for (var p = 0; p < g.TemplateSequenceLength; p++)
                        {
                            total[node] += g.Templates![(node * g.TemplateSequenceLength) + p] >= 0 ? 0.5f * (p + 1) * (t + 1) : 0;
                        }
                    }
                }

                results.Add(new WindowScores(graph.Step, new float[n], total, errors, width, [], present));
            }

            return results;
        }

        public void Save(Stream stream)
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(width);
            writer.Write(metrics);
            writer.Write(means.Length);
            foreach (var m in means)
            {
                writer.Write(m);
            }
        }

        public void Dispose()
        {
        }
    }
}
