using MstGad.Features;
using MstGad.Graph;
using MstGad.Model.Tests.Support;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class WindowBatchTests
{
    private static readonly StepClock Clock = Synthetic.Clock;

    private static MstGraph Graph(long step, float[] nodes, byte[] mask, (int, int)[] edges, float[] edgeFeatures) =>
        new(step, Clock, 3, 2, nodes, mask, [.. edges.Select(e => e.Item1)], [.. edges.Select(e => e.Item2)], 1, edgeFeatures);

    /// <summary>
    /// Two windows of k = 2 steps, N = 3, F_m = 1, F_l = 1, F_s = 1. Window 0: step 0 has 0→1 (feature 5),
    /// step 1 has 1→2 (7) and 0→1 (6). Window 1: step 0 has 2→0 (8), step 1 nothing.
    /// </summary>
    private static List<GraphWindow> TwoWindows()
    {
        const byte all = 7;
        var w0 = new GraphWindow(
            [
                Graph(10, [1, 2, 3, 4, 5, 6], [all, all, all], [(0, 1)], [5]),
                Graph(11, [11, 12, 13, 14, 15, 16], [all, (byte)ModalityMask.Logs, 0], [(1, 2), (0, 1)], [7, 6]),
            ],
            [0, 0, 0, 1, -1, 0]);
        var w1 = new GraphWindow(
            [
                Graph(20, [21, 22, 23, 24, 25, 26], [all, all, all], [(2, 0)], [8]),
                Graph(21, [31, 32, 33, 34, 35, 36], [all, all, (byte)ModalityMask.Metrics], [], []),
            ],
            null);
        return [w0, w1];
    }

    [Test]
    public void Create_TwoWindows_NumbersNodesTogetherAndSplitsModalities()
    {
        using var batch = WindowBatch.Create(TwoWindows(), new InputShape(1, 1, 1), CPU);

        Assert.Multiple(() =>
        {
            Assert.That(batch.WindowCount, Is.EqualTo(2));
            Assert.That(batch.Steps, Is.EqualTo(2));
            Assert.That(batch.NodeCount, Is.EqualTo(6));
            Assert.That(batch.Metrics.shape, Is.EqualTo(new long[] { 6, 2, 1 }));
            // Row b·N + n holds node n of window b over time: metric = first feature, log = second.
            Assert.That(Tensors.Values(batch.Metrics), Is.EqualTo(new float[] { 1, 11, 3, 13, 5, 15, 21, 31, 23, 33, 25, 35 }));
            Assert.That(Tensors.Values(batch.Logs), Is.EqualTo(new float[] { 2, 12, 4, 14, 6, 16, 22, 32, 24, 34, 26, 36 }));
            Assert.That(batch.NodeWindow.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 0, 0, 1, 1, 1 }));
        });
    }

    [Test]
    public void Create_EdgesOfAWindow_AreTheUnionOverItsStepsWithZeroFeaturesWhereAbsent()
    {
        using var batch = WindowBatch.Create(TwoWindows(), new InputShape(1, 1, 1), CPU);

        Assert.Multiple(() =>
        {
            // Window 0: 0→1 (first seen at step 0), 1→2 (step 1); window 1: 2→0, numbered 3 + 2 → 3 + 0.
            Assert.That(batch.EdgeList, Is.EqualTo(new[] { (0, 0, 1), (0, 1, 2), (1, 2, 0) }));
            Assert.That(batch.Sources.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 1, 5 }));
            Assert.That(batch.Targets.data<long>().ToArray(), Is.EqualTo(new long[] { 1, 2, 3 }));
            Assert.That(batch.EdgeWindow.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 0, 1 }));
            Assert.That(Tensors.Values(batch.Traces), Is.EqualTo(new float[] { 5, 6, 0, 7, 8, 0 }));
            Assert.That(batch.SourcesWithLoops.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 1, 5, 0, 1, 2, 3, 4, 5 }));
            Assert.That(batch.TargetsWithLoops.data<long>().ToArray(), Is.EqualTo(new long[] { 1, 2, 3, 0, 1, 2, 3, 4, 5 }));
        });
    }

    [Test]
    public void Create_LineGraph_LinksEachEdgeToTheEdgesLeavingItsTarget()
    {
        using var batch = WindowBatch.Create(TwoWindows(), new InputShape(1, 1, 1), CPU);

        Assert.Multiple(() =>
        {
            // Only 0→1 (edge 0) is followed by 1→2 (edge 1), through node 1.
            Assert.That(batch.LineSources.data<long>().ToArray(), Is.EqualTo(new long[] { 0 }));
            Assert.That(batch.LineTargets.data<long>().ToArray(), Is.EqualTo(new long[] { 1 }));
            Assert.That(batch.LineNodes.data<long>().ToArray(), Is.EqualTo(new long[] { 1 }));
            Assert.That(batch.LineSourcesWithLoops.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 0, 1, 2 }));
            Assert.That(batch.LineTargetsWithLoops.data<long>().ToArray(), Is.EqualTo(new long[] { 1, 0, 1, 2 }));
        });
    }

    [Test]
    public void Create_LabelsAndPresence_ComeFromTheLastStep()
    {
        using var batch = WindowBatch.Create(TwoWindows(), new InputShape(1, 1, 1), CPU);

        Assert.Multiple(() =>
        {
            // Window 0 last step labels (1, −1, 0); window 1 is unlabelled.
            Assert.That(batch.Labels.data<long>().ToArray(), Is.EqualTo(new long[] { 1, -1, 0, -1, -1, -1 }));
            Assert.That(Tensors.Values(batch.MetricPresent), Is.EqualTo(new float[] { 1, 0, 0, 1, 1, 1 }));
            Assert.That(Tensors.Values(batch.LogPresent), Is.EqualTo(new float[] { 1, 1, 0, 1, 1, 0 }));
            Assert.That(batch.NodePresent.data<bool>().ToArray(), Is.EqualTo(new[] { true, true, false, true, true, true }));
        });
    }

    [Test]
    public void Create_AveragingMatrices_AverageEachWindowsNodesAndEdges()
    {
        using var batch = WindowBatch.Create(TwoWindows(), new InputShape(1, 1, 1), CPU);
        const float third = 1f / 3;

        Assert.Multiple(() =>
        {
            Assert.That(Tensors.Values(batch.NodeMean), Is.EqualTo(new[] { third, third, third, 0, 0, 0, 0, 0, 0, third, third, third }));
            Assert.That(Tensors.Values(batch.EdgeMean), Is.EqualTo(new[] { 0.5f, 0.5f, 0, 0, 0, 1 }));
        });
    }

    [Test]
    public void Create_WindowsOfDifferentLength_Throws()
    {
        var windows = Synthetic.Windows(1, seed: 1, k: 3).Concat(Synthetic.Windows(1, seed: 1, k: 4)).ToList();

        var e = Assert.Throws<ArgumentException>(() => WindowBatch.Create(windows, Synthetic.Shape, CPU).Dispose());

        Assert.That(e!.Message, Is.EqualTo("All windows of a batch need the same length and node count; window 1 has k = 4, N = 5, expected 3 and 5. (Parameter 'windows')"));
    }

    [Test]
    public void Create_GraphOfAnotherFeatureWidth_Throws()
    {
        var windows = Synthetic.Windows(1, seed: 1, k: 3);

        var e = Assert.Throws<ArgumentException>(() => WindowBatch.Create(windows, new InputShape(3, 3, 2), CPU).Dispose());

        Assert.That(e!.Message, Is.EqualTo("Graph of step 1000 has F = 5, F_s = 2; the model expects 6 and 2. (Parameter 'windows')"));
    }
}
