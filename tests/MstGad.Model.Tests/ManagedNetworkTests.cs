using System.Globalization;
using MstGad.Graph;
using MstGad.Model.Tests.Support;

namespace MstGad.Model.Tests;

/// <summary>The managed inference gives the libtorch network's outputs, window by window, within float rounding.</summary>
public sealed class ManagedNetworkTests
{
    /// <summary>What the verdicts read: the probability and the reconstruction error (a sum over features).</summary>
    private const double Tolerance = 1e-5;

    /// <summary>A single feature's squared residual: the residual is the difference of two nearly equal numbers, so
    /// float rounding (libtorch's and ours, in another summation order) weighs more in it.</summary>
    private const double FeatureTolerance = 1e-4;

    private static IEnumerable<TestCaseData> Layouts()
    {
        yield return new TestCaseData("full", (Action<ModelOptions>)(_ => { }));
        yield return new TestCaseData("two layers, 4 heads", (Action<ModelOptions>)(o => { o.EncoderLayers = 2; o.DecoderLayers = 2; o.Heads = 4; o.MetricDimension = 16; o.LogDimension = 16; o.TraceDimension = 8; }));
        yield return new TestCaseData("no SAM", (Action<ModelOptions>)(o => o.UseSpatialAttention = false));
        yield return new TestCaseData("no TAM", (Action<ModelOptions>)(o => o.UseTemporalAttention = false));
        yield return new TestCaseData("no C", (Action<ModelOptions>)(o => o.UseCommonBias = false));
        yield return new TestCaseData("no traces", (Action<ModelOptions>)(o => o.UseTraces = false));
        yield return new TestCaseData("no logs", (Action<ModelOptions>)(o => o.UseLogs = false));
        yield return new TestCaseData("no metrics", (Action<ModelOptions>)(o => o.UseMetrics = false));
        yield return new TestCaseData("head width 3, edge heads 3", (Action<ModelOptions>)(o => { o.MetricDimension = 6; o.LogDimension = 6; o.TraceDimension = 6; o.Heads = 2; o.EdgeHeads = 3; }));
    }

    [TestCaseSource(nameof(Layouts))]
    public void Forward_RandomWeights_EqualsTheNetwork(string layout, Action<ModelOptions> configure)
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(configure), Synthetic.Shape, seed: 7);
        var windows = Synthetic.Windows(4, seed: 3, k: 5);
        AssertEqual(model, windows, layout);
    }

    [Test]
    public async Task Forward_TrainedOnTheTrainTicketDay_EqualsTheNetwork()
    {
        var from = new DateTimeOffset(2023, 1, 29, 8, 43, 20, TimeSpan.Zero);
        var slice = await NezhaSlice.LoadAsync(from, from.AddSeconds(120), TimeSpan.FromSeconds(10), k: 5);
        using var model = new MstgadModel(new ModelOptions { Dropout = 0 }, slice.Shape, seed: 42);
        model.Train(slice.Windows, [], new TrainingOptions { MaxEpochs = 3, BatchSize = 8 });
        AssertEqual(model, slice.Windows, "TrainTicket");
    }

    [Test]
    public void Forward_AfterLargerAndSmallerWindows_GivesTheSameBits()
    {
        // The working memory is reused without clearing: what an earlier window left in it must not reach a result.
        using var model = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape, seed: 7);
        var small = Synthetic.Windows(1, seed: 3, k: 5, nodes: 4)[0];
        var large = Synthetic.Windows(1, seed: 5, k: 5, nodes: 5)[0];
        var first = model.Freeze().Forward(small);
        var managed = model.Freeze();
        managed.Forward(large);
        var again = managed.Forward(small);
        managed.Forward(large);
        managed.Forward(small);
        var third = managed.Forward(small);
        foreach (var result in new[] { again, third })
        {
            Assert.That(result.Errors, Is.EqualTo(first.Errors));
            Assert.That(result.Probability, Is.EqualTo(first.Probability));
            Assert.That(result.ReconstructionError, Is.EqualTo(first.ReconstructionError));
            Assert.That(result.EdgeErrors, Is.EqualTo(first.EdgeErrors));
            Assert.That(result.Edges, Is.EqualTo(first.Edges));
        }
    }

    [Test]
    public void Forward_FromManyThreadsAtOnce_GivesTheBitsOfOneThread()
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape, seed: 7);
        var windows = Synthetic.Windows(6, seed: 3, k: 5);
        var managed = model.Freeze();
        var expected = windows.Select(w => managed.Forward(w)).ToArray();
        var results = new ManagedOutput[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            results[i] = [.. Enumerable.Range(0, 40).Select(j => managed.Forward(windows[(i + j) % windows.Count]))];
        });

        for (var i = 0; i < results.Length; i++)
        {
            for (var j = 0; j < results[i].Length; j++)
            {
                var want = expected[(i + j) % windows.Count];
                Assert.That(results[i][j].Errors, Is.EqualTo(want.Errors));
                Assert.That(results[i][j].Probability, Is.EqualTo(want.Probability));
            }
        }
    }

    [Test]
    public void Forward_InSteadyState_AllocatesOnlyItsResults()
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape, seed: 7);
        var window = Synthetic.Windows(1, seed: 3, k: 5)[0];
        var managed = model.Freeze();
        var output = managed.Forward(window);
        managed.Forward(window);
        var before = GC.GetAllocatedBytesForCurrentThread();
        const int Calls = 20;
        for (var i = 0; i < Calls; i++)
        {
            managed.Forward(window);
        }

        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;

        // The results (four float arrays, the edge pairs, the presence flags, the record) and, at most 1 KB, the few
        // small objects that describe the window's graph; every intermediate array comes from the reused scratch.
        var results = (4L * (output.Errors.Length + output.ReconstructionError.Length + output.Probability.Length + output.EdgeErrors.Length))
            + (8L * output.Edges.Length) + output.NodePresent.Length;
        Assert.That(perCall, Is.LessThanOrEqualTo(results + 1024), $"{perCall} bytes per window; its results take {results}");
    }

    private static void AssertEqual(MstgadModel model, IReadOnlyList<GraphWindow> windows, string layout)
    {
        var managed = model.Freeze();
        double worst = 0, worstFeature = 0;
        foreach (var window in windows)
        {
            var expected = model.ScoreWithNetwork([window])[0];
            var actual = managed.Forward(window);
            worst = Math.Max(worst, Compare(expected.Probability, actual.Probability, "P", Tolerance));
            worst = Math.Max(worst, Compare(expected.ReconstructionError, actual.ReconstructionError, "RE", Tolerance));
            worstFeature = Math.Max(worstFeature, Compare(expected.Errors, actual.Errors, "errors", FeatureTolerance));
            worstFeature = Math.Max(worstFeature, Compare(expected.EdgeFeatureErrors, actual.EdgeErrors, "edge errors", FeatureTolerance));
        }

        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{layout}: largest relative difference {worst:E2} (P, RE), {worstFeature:E2} (single features)"));
    }

    /// <summary>Asserts |a − e| ≤ tolerance · max(1, |e|) everywhere; returns the largest relative difference.</summary>
    private static double Compare(float[] expected, float[] actual, string what, double tolerance)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs((double)actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            Assert.That(difference, Is.LessThanOrEqualTo(tolerance), $"{what}[{i}]: {actual[i]} against the network's {expected[i]}");
            worst = Math.Max(worst, difference);
        }

        return worst;
    }
}
