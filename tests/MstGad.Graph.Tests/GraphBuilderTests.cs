using MstGad.Features;
using static MstGad.Graph.Tests.Support.Telemetry;

namespace MstGad.Graph.Tests;

[TestFixture]
public sealed class GraphBuilderTests
{
    private const double Eps = 1e-6;
    private const double Tolerance = 1e-5;

    /// <summary>
    /// Instances a and b (in that order), cpu a 2 → 6 and b 10 → 20 over 08:00:00 and 08:00:10, and one call
    /// a → b (get, client 1000 ms, server 50 ms) in 08:00:10. Fitted and transformed on both steps. Node features: cpu, log:unseen,
    /// 7 levels (F = 9); edge features: calls, client, server, gap and errors of get and of other, then calls,
    /// latency:mean, latency:p95, server:mean, gap:mean, gap:median, error-rate (F_s = 17).
    /// </summary>
    private static FeatureFrame TwoInstances() => Frame(
        "08:00:00",
        "08:00:20",
        Metric("a", "08:00:00", "cpu", 2),
        Metric("b", "08:00:00", "cpu", 10),
        Metric("a", "08:00:10", "cpu", 6),
        Metric("b", "08:00:10", "cpu", 20),
        Span("t", "r", null, "a", "home", "08:00:11", 1000),
        Span("t", "c", "r", "b", "get", "08:00:12", 50));

    [Test]
    public void Build_AnEmptyRegistry_RegistersTheFrameInstancesInOrder()
    {
        var registry = new InstanceRegistry();

        var graphs = GraphBuilder.Build(TwoInstances(), registry);

        Assert.Multiple(() =>
        {
            Assert.That(registry.Keys, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(graphs, Has.Count.EqualTo(2));
            Assert.That(graphs.Select(g => g.Step), Is.EqualTo(new[] { Step("08:00:00"), Step("08:00:10") }));
            Assert.That(graphs.Select(g => g.NodeCount), Is.All.EqualTo(2));
            Assert.That(graphs.Select(g => g.NodeFeatureCount), Is.All.EqualTo(9));
            Assert.That(graphs[1].Start, Is.EqualTo(At("08:00:10")));
        });
    }

    [Test]
    public void Build_ARegisteredInstanceAbsentFromTheFrame_KeepsItsIndexWithZeroFeaturesAndAnEmptyMask()
    {
        // The registry knows 'gone' (0) and 'a' (1); the frame has a and b → a stays at 1, b is appended at 2.
        var registry = new InstanceRegistry(["gone", "a"]);

        var graphs = GraphBuilder.Build(TwoInstances(), registry);
        var last = graphs[1];

        Assert.Multiple(() =>
        {
            Assert.That(registry.Keys, Is.EqualTo(new[] { "gone", "a", "b" }));
            Assert.That(last.NodeCount, Is.EqualTo(3));
            Assert.That(last.NodeFeatures, Has.Length.EqualTo(3 * 9));
            // Row 0 (gone): zero features, mask 0 — in both steps.
            Assert.That(last.NodeFeatures.Take(9), Is.All.Zero);
            Assert.That(graphs[0].NodeFeatures.Take(9), Is.All.Zero);
            Assert.That(last.Mask[0], Is.Zero);
            Assert.That(graphs[0].Mask[0], Is.Zero);
            // Row 1 (a): cpu (6 − 2) / (4 + ε); row 2 (b): (20 − 10) / (10 + ε). Both observed metrics and traces at 08:00:10.
            Assert.That(last.NodeFeatures[1 * 9], Is.EqualTo(4 / (4 + Eps)).Within(Tolerance));
            Assert.That(last.NodeFeatures[2 * 9], Is.EqualTo(10 / (10 + Eps)).Within(Tolerance));
            Assert.That(last.Mask, Is.EqualTo(new byte[] { 0, (byte)(ModalityMask.Metrics | ModalityMask.Traces), (byte)(ModalityMask.Metrics | ModalityMask.Traces) }));
            Assert.That(graphs[0].Mask, Is.EqualTo(new byte[] { 0, (byte)ModalityMask.Metrics, (byte)ModalityMask.Metrics }));
            // The edge a → b uses the registry's indices: 1 → 2. Its features, each divided by its only training value:
            // get calls 1 / 1, client 1000 / 1000, server 50 / 50, gap 950 / 950, errors 0; other 0; calls 1 / 1,
            // mean 1000 / 1000, p95 1000 / 1000, server:mean 50 / 50, gap:mean 950 / 950, gap:median 950 / 950, error-rate 0.
            Assert.That(last.Sources, Is.EqualTo(new[] { 1 }));
            Assert.That(last.Targets, Is.EqualTo(new[] { 2 }));
            Assert.That(last.EdgeFeatureCount, Is.EqualTo(17));
            Assert.That(last.EdgeFeatures, Is.EqualTo(new float[] { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0 }).Within(Tolerance));
            Assert.That(graphs[0].EdgeCount, Is.Zero);
        });
    }

    [Test]
    public void Build_TheNodeRowsOfTheFrame_AreCopiedToTheRegistryIndices()
    {
        var frame = TwoInstances();
        var registry = new InstanceRegistry(["b", "x"]);

        var graphs = GraphBuilder.Build(frame, registry);

        Assert.Multiple(() =>
        {
            // Frame a (0) → node 2; frame b (1) → node 0; x (1) is absent.
            for (var t = 0; t < 2; t++)
            {
                Assert.That(graphs[t].NodeFeatures.Skip(2 * 9).Take(9), Is.EqualTo(frame.Node(t, 0).ToArray()));
                Assert.That(graphs[t].NodeFeatures.Take(9), Is.EqualTo(frame.Node(t, 1).ToArray()));
                Assert.That(graphs[t].NodeFeatures.Skip(9).Take(9), Is.All.Zero);
            }

            Assert.That(graphs[1].Sources, Is.EqualTo(new[] { 2 }));
            Assert.That(graphs[1].Targets, Is.EqualTo(new[] { 0 }));
        });
    }

    [Test]
    public void Build_ALaterFrameWithoutAnInstance_KeepsEveryIndex()
    {
        var registry = new InstanceRegistry();
        GraphBuilder.Build(TwoInstances(), registry);
        var onlyB = Frame("09:00:00", "09:00:20", Metric("b", "09:00:00", "cpu", 1), Metric("b", "09:00:10", "cpu", 3));

        var graphs = GraphBuilder.Build(onlyB, registry);

        Assert.Multiple(() =>
        {
            Assert.That(registry.Keys, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(graphs[1].NodeCount, Is.EqualTo(2));
            Assert.That(graphs[1].Mask, Is.EqualTo(new byte[] { 0, (byte)ModalityMask.Metrics }));
            Assert.That(graphs[1].NodeFeatures[9], Is.EqualTo(2 / (2 + Eps)).Within(Tolerance));
        });
    }

    [Test]
    public void Build_NullArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => GraphBuilder.Build(null!, new InstanceRegistry()), Throws.ArgumentNullException);
            Assert.That(() => GraphBuilder.Build(TwoInstances(), null!), Throws.ArgumentNullException);
        });
    }
}
