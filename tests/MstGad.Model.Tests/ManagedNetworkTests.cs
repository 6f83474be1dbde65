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

    private static void AssertEqual(MstgadModel model, IReadOnlyList<GraphWindow> windows, string layout)
    {
        var managed = model.Freeze();
        double worst = 0, worstFeature = 0;
        foreach (var window in windows)
        {
            var expected = model.ScoreWithNetwork([window])[0];
            var actual = managed.Forward(WindowArrays.Create([window], model.Shape));
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
