using MstGad.Features;
using static MstGad.Graph.Tests.Support.Telemetry;

namespace MstGad.Graph.Tests;

[TestFixture]
public sealed class MstGraphTests
{
    /// <summary>N = 3, F = 1, edges 0 → 2 [1, 2], 2 → 1 [3, 4], 1 → 1 [5, 6] (F_s = 2).</summary>
    private static MstGraph ThreeNodes() =>
        new(Step("08:42:00"), Clock, 3, 1, [0.5f, 0.25f, 0], [1, 5, 0], [0, 2, 1], [2, 1, 1], 2, [1, 2, 3, 4, 5, 6]);

    [Test]
    public void Constructor_ValidArrays_AreTakenWithTheStepTimes()
    {
        float[] nodes = [0.5f, 0.25f, 0];
        byte[] mask = [1, 5, 0];
        int[] sources = [0];
        int[] targets = [2];
        float[] edges = [1, 2];

        var graph = new MstGraph(Step("08:42:00"), Clock, 3, 1, nodes, mask, sources, targets, 2, edges);

        Assert.Multiple(() =>
        {
            Assert.That(graph.Step, Is.EqualTo(Step("08:42:00")));
            Assert.That(graph.Start, Is.EqualTo(At("08:42:00")));
            Assert.That(graph.End, Is.EqualTo(At("08:42:10")));
            Assert.That(graph.NodeCount, Is.EqualTo(3));
            Assert.That(graph.NodeFeatureCount, Is.EqualTo(1));
            Assert.That(graph.EdgeCount, Is.EqualTo(1));
            Assert.That(graph.EdgeFeatureCount, Is.EqualTo(2));
            Assert.That(graph.NodeFeatures, Is.SameAs(nodes));
            Assert.That(graph.Mask, Is.SameAs(mask));
            Assert.That(graph.Sources, Is.SameAs(sources));
            Assert.That(graph.Targets, Is.SameAs(targets));
            Assert.That(graph.EdgeFeatures, Is.SameAs(edges));
        });
    }

    [Test]
    public void DenseAdjacency_Edges_AreOnesAtSourceTimesNPlusTarget()
    {
        // 0 → 2 at 0·3 + 2 = 2; 2 → 1 at 2·3 + 1 = 7; 1 → 1 (self-edge) at 1·3 + 1 = 4.
        var adjacency = ThreeNodes().DenseAdjacency();

        Assert.That(adjacency, Is.EqualTo(new float[] { 0, 0, 1, 0, 1, 0, 0, 1, 0 }));
    }

    [Test]
    public void DenseEdgeFeatures_Edges_AreAtSourceTimesNPlusTargetTimesFs()
    {
        // [N × N × F_s] = 18 values; 0 → 2 at (0·3 + 2)·2 = 4; 2 → 1 at (2·3 + 1)·2 = 14; 1 → 1 at (1·3 + 1)·2 = 8.
        var dense = ThreeNodes().DenseEdgeFeatures();

        Assert.That(dense, Is.EqualTo(new float[] { 0, 0, 0, 0, 1, 2, 0, 0, 5, 6, 0, 0, 0, 0, 3, 4, 0, 0 }));
    }

    [Test]
    public void DenseAdjacency_NoEdges_IsAllZero()
    {
        var graph = EmptyGraph(0, 2);

        Assert.Multiple(() =>
        {
            Assert.That(graph.DenseAdjacency(), Is.EqualTo(new float[4]));
            Assert.That(graph.DenseEdgeFeatures(), Is.Empty);
        });
    }

    [Test]
    public void DenseAdjacency_CalledTwice_ReturnsIndependentArrays()
    {
        var graph = ThreeNodes();
        var first = graph.DenseAdjacency();
        first[0] = 9;

        var second = graph.DenseAdjacency();

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.Not.SameAs(first));
            Assert.That(second[0], Is.Zero);
        });
    }

    private static readonly object[] MismatchedArrays =
    [
        new object[] { 2, 3, new float[5], new byte[2], new int[1], new int[1], 1, new float[1], "N = 2, F = 3, E = 1, F_s = 1" },
        new object[] { 2, 3, new float[6], new byte[3], new int[1], new int[1], 1, new float[1], "N = 2, F = 3, E = 1, F_s = 1" },
        new object[] { 2, 3, new float[6], new byte[2], new int[2], new int[1], 1, new float[2], "N = 2, F = 3, E = 2, F_s = 1" },
        new object[] { 2, 3, new float[6], new byte[2], new int[1], new int[1], 2, new float[3], "N = 2, F = 3, E = 1, F_s = 2" },
    ];

    [TestCaseSource(nameof(MismatchedArrays))]
    public void Constructor_MismatchedArrays_ThrowsNamingTheCounts(int n, int f, float[] nodes, byte[] mask, int[] sources, int[] targets, int fs, float[] edges, string counts)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new MstGraph(0, Clock, n, f, nodes, mask, sources, targets, fs, edges));

        Assert.That(ex.Message, Is.EqualTo($"Graph arrays do not match {counts}."));
    }

    [TestCase(0, 2)]
    [TestCase(-1, 0)]
    [TestCase(2, 1)]
    public void Constructor_AnEdgeOutsideTheNodes_Throws(int source, int target)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new MstGraph(0, Clock, 2, 1, new float[2], new byte[2], [source], [target], 0, []));

        Assert.That(ex.Message, Is.EqualTo("An edge refers to a node outside 0..1."));
    }

    [Test]
    public void Constructor_NullArrays_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new MstGraph(0, Clock, 1, 1, null!, new byte[1], [], [], 0, []), Throws.ArgumentNullException);
            Assert.That(() => new MstGraph(0, Clock, 1, 1, new float[1], null!, [], [], 0, []), Throws.ArgumentNullException);
            Assert.That(() => new MstGraph(0, Clock, 1, 1, new float[1], new byte[1], null!, [], 0, []), Throws.ArgumentNullException);
            Assert.That(() => new MstGraph(0, Clock, 1, 1, new float[1], new byte[1], [], null!, 0, []), Throws.ArgumentNullException);
            Assert.That(() => new MstGraph(0, Clock, 1, 1, new float[1], new byte[1], [], [], 0, null!), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void Mask_Values_AreModalityMaskBits()
    {
        Assert.That((ModalityMask)ThreeNodes().Mask[1], Is.EqualTo(ModalityMask.Metrics | ModalityMask.Traces));
    }
}
