using MstGad.Methods;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;
using MstGad.Scoring;

namespace MstGad.Tests.Scoring;

[TestFixture]
public sealed class ErrorProfileTests
{
    private static readonly StepClock Clock = new(TimeSpan.FromMinutes(1));

    [Test]
    public void Fit_OneFeature_MedianTailStartAndMeanExcess()
    {
        // Residuals 0.0, 0.1, …, 2.9 (30 samples): median 1.45; the 95 % quantile 2.755 (h = 27.55); the excesses
        // over it are 2.8 and 2.9 → mean 0.095.
        var residuals = Enumerable.Range(0, 30).Select(i => i * 0.1f).ToArray();
        var (scores, windows) = Windows(residuals.Select(r => new[] { r }).ToArray(), nodes: 1, metrics: 1, logs: 0, mask: ModalityMask.Metrics);

        var profile = ErrorProfile.Fit(scores, windows, 1, (1, 0, 0), new UnsupervisedOptions());

        Assert.That(profile.Fitted.ToArray(), Is.EqualTo(new[] { 1.45f, 2.755f, 0.095f }).Within(1e-5));
    }

    [Test]
    public void Fit_ConstantFeature_TailScaleIsTheFloor()
    {
        var (scores, windows) = Windows(Enumerable.Repeat(new[] { 0.5f }, 30).ToArray(), nodes: 1, metrics: 1, logs: 0, mask: ModalityMask.Metrics);

        var profile = ErrorProfile.Fit(scores, windows, 1, (1, 0, 0), new UnsupervisedOptions());

        Assert.That(profile.Fitted.ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f, 0.05f }));
    }

    [TestCase(0.5f, 0f)]
    [TestCase(1f, 0f)]
    [TestCase(2f, 0.5f / 1.2f)] // level 0.5 + 0.45 · (1 / 2.5) = 0.68 → −log10(0.32)
    [TestCase(3.5f, 1.30103f)] // the tail start: −log10(0.05)
    [TestCase(5.8025851f, 2.30103f)] // ln 10 = 2.3026 scales beyond it: one decade rarer
    public void Surprise_MedianOneTailStartThreeAndAHalfScaleOne(float residual, float expected)
    {
        var surprise = ErrorProfile.Surprise(residual, median: 1, tail: 3.5f, scale: 1);
        var exact = residual == 2f ? (float)-Math.Log10(0.32) : expected;

        Assert.That(surprise, Is.EqualTo(exact).Within(1e-3));
    }

    [Test]
    public void Surprise_SpikyFeature_NormalSpikeIsLessSurprisingThanTheSameDeviationOfAQuietFeature()
    {
        // Quiet: residuals 1 except 2 of 40 at 1.1; spiky: 2 of 40 at 50. The same residual of 30 is rare for the quiet feature.
        var quiet = Enumerable.Repeat(1f, 38).Concat([1.1f, 1.1f]).Select(r => new[] { r }).ToArray();
        var spiky = Enumerable.Repeat(1f, 38).Concat([50f, 50f]).Select(r => new[] { r }).ToArray();
        var q = ErrorProfile.Fit(Windows(quiet, 1, 1, 0, ModalityMask.Metrics).Scores, Windows(quiet, 1, 1, 0, ModalityMask.Metrics).Windows, 1, (1, 0, 0), new UnsupervisedOptions());
        var s = ErrorProfile.Fit(Windows(spiky, 1, 1, 0, ModalityMask.Metrics).Scores, Windows(spiky, 1, 1, 0, ModalityMask.Metrics).Windows, 1, (1, 0, 0), new UnsupervisedOptions());

        var quietSurprise = ErrorProfile.Surprise(30, q.Fitted[0], q.Fitted[1], q.Fitted[2]);
        var spikySurprise = ErrorProfile.Surprise(30, s.Fitted[0], s.Fitted[1], s.Fitted[2]);

        Assert.Multiple(() =>
        {
            Assert.That(quietSurprise, Is.GreaterThan(100));
            Assert.That(spikySurprise, Is.LessThan(2));
        });
    }

    [Test]
    public void Fit_LogFeature_UsesOnlyStepsWithLogs()
    {
        // Feature 1 is a log feature: 30 steps with logs (residual 2) and 30 without (residual 0, masked).
        var rows = new List<float[]>();
        var masks = new List<ModalityMask>();
        for (var i = 0; i < 60; i++)
        {
            var withLogs = i % 2 == 0;
            rows.Add([0.1f, withLogs ? 2f : 0f]);
            masks.Add(withLogs ? ModalityMask.Metrics | ModalityMask.Logs : ModalityMask.Metrics);
        }

        var (scores, windows) = Windows([.. rows], nodes: 1, metrics: 1, logs: 1, masks: [.. masks]);

        var profile = ErrorProfile.Fit(scores, windows, 1, (1, 1, 0), new UnsupervisedOptions());

        Assert.Multiple(() =>
        {
            Assert.That(profile.Fitted[3], Is.EqualTo(2f));
            Assert.That(profile.Fitted[0], Is.EqualTo(0.1f).Within(1e-6));
        });
    }

    [Test]
    public void Fit_PointsLabelledAbnormal_AreLeftOut()
    {
        // 30 normal residuals of 1, 30 abnormal of 50: the centre stays 1.
        var rows = Enumerable.Repeat(new[] { 1f }, 30).Concat(Enumerable.Repeat(new[] { 50f }, 30)).ToArray();
        var labels = Enumerable.Repeat(Labels.Normal, 30).Concat(Enumerable.Repeat(Labels.Abnormal, 30)).ToArray();
        var (scores, windows) = Windows(rows, nodes: 1, metrics: 1, logs: 0, mask: ModalityMask.Metrics, labels: labels);

        var profile = ErrorProfile.Fit(scores, windows, 1, (1, 0, 0), new UnsupervisedOptions());

        Assert.That(profile.Fitted[0], Is.EqualTo(1f));
    }

    [Test]
    public void Fit_InstanceWithTooFewSamples_UsesTheMedianOfTheOtherInstances()
    {
        // Nodes 0, 1, 2 present throughout with constant residuals 1, 2, 4; node 3 present in 5 steps only (residual 100).
        var rows = new List<float[]>();
        var present = new List<bool[]>();
        for (var i = 0; i < 30; i++)
        {
            rows.Add([1f, 2f, 4f, 100f]);
            present.Add([true, true, true, i < 5]);
        }

        var (scores, windows) = Windows([.. rows], nodes: 4, metrics: 1, logs: 0, mask: ModalityMask.Metrics, present: [.. present]);

        var profile = ErrorProfile.Fit(scores, windows, 4, (1, 0, 0), new UnsupervisedOptions());

        Assert.Multiple(() =>
        {
            Assert.That(profile.Fitted.Slice(3 * ErrorProfile.Parameters, 3).ToArray(), Is.EqualTo(new[] { 2f, 2f, 0.05f }));
            Assert.That(profile.Pooled.ToArray(), Is.EqualTo(new[] { 2f, 2f, 0.05f }));
        });
    }

    [TestCase(20.0)]
    [TestCase(0.0)]
    public void Fit_TraceTailScale_IsPulledTowardThePooledScaleByItsExcesses(double prior)
    {
        // Three nodes, one metric and one trace feature, 40 steps. Node n's residuals are i·s_n (i = 0…39) for both
        // features, s = 0.1, 1, 0.5: the 95 % quantile is 37.05·s (h = 0.95 · 39), the two excesses 38·s and 39·s, so
        // β = 1.45·s from k = 2 excesses: 0.145, 1.45, 0.725, pooled (their median) 0.725. With a prior of 20 excesses
        // each trace β becomes (2·β + 20·0.725) / 22; the metric keeps its own.
        float[] steps = [0.1f, 1f, 0.5f];
        var rows = Enumerable.Range(0, 40).Select(i => steps.SelectMany(s => new[] { i * s, i * s }).ToArray()).ToArray();
        var (scores, windows) = Windows(rows, nodes: 3, metrics: 1, logs: 0, mask: ModalityMask.Metrics | ModalityMask.Traces);

        var profile = ErrorProfile.Fit(scores, windows, 3, (1, 0, 1), new UnsupervisedOptions { TracePriorExcesses = prior });

        var own = steps.Select(s => 1.45 * s).ToArray();
        var traces = own.Select(b => prior == 0 ? b : ((2 * b) + (prior * 0.725)) / (2 + prior)).ToArray();
        var fitted = profile.Fitted.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 3).Select(n => (double)fitted[(n * 2 * 3) + 2]), Is.EqualTo(own).Within(1e-4), "metric β");
            Assert.That(Enumerable.Range(0, 3).Select(n => (double)fitted[(((n * 2) + 1) * 3) + 2]), Is.EqualTo(traces).Within(1e-4), "trace β");
            Assert.That(Enumerable.Range(0, 3).Select(n => (double)fitted[(((n * 2) + 1) * 3) + 1]), Is.EqualTo(steps.Select(s => 37.05 * s)).Within(1e-3), "trace tail start");
        });
    }

    [Test]
    public void ScoreNodes_TopTwoMeanPerModalityThenTheLargestModality()
    {
        // Median 0, tail start 0, scale 1 / ln 10: surprise = 1.30103 + r for r > 0, 0 for r = 0. Residuals: metrics
        // 3, 1, 2 → top-2 mean 1.301 + 2.5; logs 4, 0 → (5.301 + 0) / 2. With logs absent their surprises are 0.
        var scale = 1 / MathF.Log(10);
        var profile = new ErrorProfile(1, 3, 2, 0, [.. Enumerable.Range(0, 5).SelectMany(_ => new[] { 0f, 0f, scale })], [.. Enumerable.Range(0, 5).SelectMany(_ => new[] { 0f, 0f, scale })], topFeatures: 2, relativeToStep: false);
        var (scores, windows) = Windows([[3f, 1f, 2f, 4f, 0f]], nodes: 1, metrics: 3, logs: 2, mask: ModalityMask.Metrics | ModalityMask.Logs);
        var z = new float[5];

        var score = profile.ScoreNodes(scores[0], windows[0], z);
        var (_, noLogs) = Windows([[3f, 1f, 2f, 9f, 9f]], nodes: 1, metrics: 3, logs: 2, mask: ModalityMask.Metrics);
        var z2 = new float[5];
        var withoutLogs = profile.ScoreNodes(Windows([[3f, 1f, 2f, 9f, 9f]], nodes: 1, metrics: 3, logs: 2, mask: ModalityMask.Metrics).Scores[0], noLogs[0], z2);

        Assert.Multiple(() =>
        {
            Assert.That(score[0], Is.EqualTo(1.30103 + 2.5).Within(1e-4));
            Assert.That(z, Is.EqualTo(new[] { 4.30103f, 2.30103f, 3.30103f, 5.30103f, 0f }).Within(1e-4));
            Assert.That(withoutLogs[0], Is.EqualTo(1.30103 + 2.5).Within(1e-4));
            Assert.That(z2[3..], Is.EqualTo(new[] { 0f, 0f }));
        });
    }

    [Test]
    public void ScoreNodes_InstanceUnknownAtTraining_UsesThePooledStatistics()
    {
        // Node 0 is known (median 100: nothing is surprising); node 1 is not and uses the pooled median 0.
        var profile = new ErrorProfile(1, 1, 0, 0, [100f, 100f, 1f], [0f, 0f, 1f], topFeatures: 1, relativeToStep: false);
        var (scores, windows) = Windows([[14f, 14f]], nodes: 2, metrics: 1, logs: 0, mask: ModalityMask.Metrics);

        var score = profile.ScoreNodes(scores[0], windows[0], new float[2]);

        Assert.That(score, Is.EqualTo(new[] { 0.0, 1.30103 + (14 / Math.Log(10)) }).Within(1e-4));
    }

    [Test]
    public void RelativeModalities_Enabled_SubtractsEachModalitysMedianOverTheNodesThatHaveIt()
    {
        var on = new ErrorProfile(1, 1, 0, 0, [0f, 0f, 1f], [0f, 0f, 1f], topFeatures: 1, relativeToStep: true);
        var off = new ErrorProfile(1, 1, 0, 0, [0f, 0f, 1f], [0f, 0f, 1f], topFeatures: 1, relativeToStep: false);

        // Three nodes × (metrics, logs, traces); the logs only on nodes 0 and 2.
        double[] a = [1, 4, 10, 5, double.NaN, 20, 3, 8, 30];
        double[] b = [.. a];
        on.RelativeModalities(a);
        off.RelativeModalities(b);

        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(new[] { -2, -2, -10, 2, double.NaN, 0, 0, 2, 10 }));
            Assert.That(b, Is.EqualTo(new[] { 1, 4, 10, 5, double.NaN, 20, 3, 8, 30 }));
        });
    }

    [Test]
    public void Normalise_IsTheLargestModalityScoreOverItsThreshold()
    {
        var profile = new ErrorProfile(1, 1, 0, 0, [0f, 0f, 1f], [0f, 0f, 1f], 1, false);
        var calibration = new Calibration(profile, 1, 1, false, 1, 1e-4, 100, true) { ModalityThresholds = [10, 2, double.PositiveInfinity] };

        Assert.Multiple(() =>
        {
            Assert.That(calibration.Normalise(5, 3, 1000), Is.EqualTo(1.5));
            Assert.That(calibration.Normalise(30, double.NaN, 1000), Is.EqualTo(3.0));
            Assert.That(calibration.Normalise(double.NaN, double.NaN, double.NaN), Is.Zero);
        });
    }

    [Test]
    public void CombinedScore_IsTheLargerPartAsAMultipleOfItsThreshold()
    {
        var profile = new ErrorProfile(1, 1, 0, 0, [0f, 0f, 1f], [0f, 0f, 1f], 1, false);
        var trained = new Calibration(profile, Threshold: 4, ClassWeight: 99, ClassifierTrained: true, 1, 1e-4, 100, true) { ClassifierThreshold = 0.8 };
        var untrained = trained with { ClassifierTrained = false };

        Assert.Multiple(() =>
        {
            Assert.That(trained.CombinedScore(2, 0.8), Is.EqualTo(1.0).Within(1e-9));
            Assert.That(trained.CombinedScore(8, 0.5), Is.EqualTo(2.0).Within(1e-9));
            Assert.That(untrained.CombinedScore(2, 0.999), Is.EqualTo(0.5).Within(1e-9));
            Assert.That(trained.CombinedScore(double.NaN, 0.4), Is.EqualTo(0.5).Within(1e-9));
        });
    }

    [Test]
    public void Residuals_RecentChange_CapsMetricsByTheirChangeFromTheWindowsEarlierSteps()
    {
        // Node features: one metric and one log. Over four steps the metric drifts 1, 2, 3, 4 and the log goes 0, 0, 0, 9.
        // The model's residuals are 10 for both: the metric's is capped at |4 − median(1, 2, 3)| = 2, the log's is not.
        var graphs = new[] { (1f, 0f), (2f, 0f), (3f, 0f), (4f, 9f) }
            .Select((v, t) => new MstGraph(t, Clock, 1, 2, [v.Item1, v.Item2], [(byte)(ModalityMask.Metrics | ModalityMask.Logs)], [], [], 0, []))
            .ToArray();
        var window = new GraphWindow(graphs, null);
        var score = new WindowScores(3, [0f], [0f], [100f, 100f], 2, [], [true]);
        var capped = new float[2];
        var uncapped = new float[2];

        ErrorProfile.Residuals(score, window, 0, metricWidth: 1, recentChange: true, edgeResiduals: false, capped);
        ErrorProfile.Residuals(score, window, 0, metricWidth: 1, recentChange: false, edgeResiduals: false, uncapped);

        Assert.Multiple(() =>
        {
            Assert.That(capped, Is.EqualTo(new[] { 2f, 10f }));
            Assert.That(uncapped, Is.EqualTo(new[] { 10f, 10f }));
        });
    }

    [Test]
    public void EdgeResiduals_AreTheMedianOverTheCallsFromOtherInstances_PerEdgeFeature()
    {
        // Four nodes, two edge features. Node 3 is called by 0, 1 and 2 (squared errors per feature: (400, 1), (1, 4),
        // (9, 9)) and calls itself (900, 900: its own work, left out). Median per feature over its three callers:
        // feature 0 of {400, 1, 9} → 9 → residual 3; feature 1 of {1, 4, 9} → 4 → 2. Node 0 is called by nobody: zeros.
        // The metric residual (the first of the three) stays the network's √16 = 4.
        IReadOnlyList<(int, int, float)> edges = [(0, 3, 401f), (1, 3, 5f), (2, 3, 18f), (3, 3, 1800f)];
        var score = new WindowScores(0, new float[4], new float[4], [.. Enumerable.Repeat(16f, 12)], 3, edges, [true, true, true, true])
        {
            EdgeFeatureErrors = [400f, 1f, 1f, 4f, 9f, 9f, 900f, 900f],
        };
        var callee = new float[3];
        var nobodysCallee = new float[3];

        ErrorProfile.EdgeResiduals(score, 3, callee);
        ErrorProfile.EdgeResiduals(score, 0, nobodysCallee);

        Assert.Multiple(() =>
        {
            Assert.That(callee, Is.EqualTo(new[] { 0f, 3f, 2f }).Within(1e-6));
            Assert.That(nobodysCallee, Is.EqualTo(new[] { 0f, 0f, 0f }));
        });
    }

    [Test]
    public void EdgeResiduals_AnEvenNumberOfCallers_AverageTheMiddleTwo_AndScoresWithoutEdgeErrorsAreLeftAlone()
    {
        IReadOnlyList<(int, int, float)> edges = [(0, 2, 1f), (1, 2, 9f)];
        var score = new WindowScores(0, new float[3], new float[3], new float[3], 1, edges, [true, true, true]) { EdgeFeatureErrors = [1f, 9f] };
        var withoutEdgeErrors = score with { EdgeFeatureErrors = [] };
        var residuals = new float[1];
        var untouched = new[] { 7f };

        ErrorProfile.EdgeResiduals(score, 2, residuals);
        ErrorProfile.EdgeResiduals(withoutEdgeErrors, 2, untouched);

        Assert.Multiple(() =>
        {
            Assert.That(residuals[0], Is.EqualTo(MathF.Sqrt(5f)).Within(1e-6));
            Assert.That(untouched[0], Is.EqualTo(7f));
        });
    }

    [TestCase(true)]
    [TestCase(false)]
    public void CalibrationFile_RoundTripsWhetherTheTracesAreScoredOnTheEdges(bool edges)
    {
        var profile = new ErrorProfile(1, 1, 0, 1, [0f, 1f, 0.5f, 0f, 2f, 1f], [0f, 1f, 0.5f, 0f, 2f, 1f], 2, true) { RecentChange = true, EdgeTraceResiduals = edges };
        var calibration = new Calibration(profile, 1, 99, true, 0.25, 1e-5, 1000, true) { ModalityThresholds = [3, 4, 5] };
        using var stream = new MemoryStream();
        CalibrationFile.Write(stream, calibration);

        // An artifact written before the field existed ends right after the modality thresholds: its traces were scored on
        // the network's node-level errors.
        var older = stream.ToArray()[..^1];
        stream.Position = 0;
        var read = CalibrationFile.Read(stream, (1, 0, 1));
        var readOlder = CalibrationFile.Read(new MemoryStream(older), (1, 0, 1));

        Assert.Multiple(() =>
        {
            Assert.That(read.Profile.EdgeTraceResiduals, Is.EqualTo(edges));
            Assert.That(read.Profile.RecentChange, Is.True);
            Assert.That(read.ModalityThresholds, Is.EqualTo(new double[] { 3, 4, 5 }));
            Assert.That(readOlder.Profile.EdgeTraceResiduals, Is.False);
            Assert.That(readOlder.ModalityThresholds, Is.EqualTo(new double[] { 3, 4, 5 }));
        });
    }

    /// <summary>One window per row: node errors are the squared residuals of the row (node-major, width features per node).</summary>
    private static (List<WindowScores> Scores, List<GraphWindow> Windows) Windows(
        float[][] rows, int nodes, int metrics, int logs, ModalityMask mask = ModalityMask.None, ModalityMask[]? masks = null, sbyte[]? labels = null, bool[][]? present = null)
    {
        var width = rows[0].Length / nodes;
        var scores = new List<WindowScores>();
        var windows = new List<GraphWindow>();
        for (var i = 0; i < rows.Length; i++)
        {
            var errors = rows[i].Select(r => r * r).ToArray();
            var here = present?[i] ?? [.. Enumerable.Repeat(true, nodes)];
            var m = masks?[i] ?? mask;
            var graph = new MstGraph(i, Clock, nodes, metrics + logs, new float[nodes * (metrics + logs)], [.. here.Select(p => p ? (byte)m : (byte)0)], [], [], 0, []);
            scores.Add(new WindowScores(i, new float[nodes], new float[nodes], errors, width, [], here));
            var label = labels?[i] ?? Labels.Unknown;
            windows.Add(new GraphWindow([graph], [.. Enumerable.Repeat(label, nodes)]));
        }

        return (scores, windows);
    }
}
