using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

/// <summary>
/// Causality of the decoder: with a fixed encoder memory, the decoder's outputs at steps ≤ t do not
/// depend on its inputs at steps &gt; t (SAM works per step, TAM is masked, CAM and FFN are per query).
/// </summary>
[TestFixture]
public sealed class DecoderLayerTests
{
    private const int Steps = 6;

    private static (Streams X, Streams Memory) RandomStreams(WindowBatch batch, int seed)
    {
        var v = batch.NodeCount;
        var e = batch.EdgeCount;
        return (
            new Streams(Tensors.Random([v, Steps, 8], seed), Tensors.Random([v, Steps, 8], seed + 1), Tensors.Random([e, Steps, 4], seed + 2)),
            new Streams(Tensors.Random([v, Steps, 8], seed + 3), Tensors.Random([v, Steps, 8], seed + 4), Tensors.Random([e, Steps, 4], seed + 5)));
    }

    private static Streams ChangeAfter(Streams x, long t, double scale) => new(
        Tensors.ChangeAfter(x.Metrics!, t, 11, scale), Tensors.ChangeAfter(x.Logs!, t, 12, scale), Tensors.ChangeAfter(x.Traces!, t, 13, scale));

    private static Streams Run(IReadOnlyList<DecoderLayer> layers, Streams x, Streams memory, WindowBatch batch)
    {
        var mask = TensorMath.CausalMask(Steps, CPU);
        foreach (var layer in layers)
        {
            x = layer.Forward(x, memory, batch, mask);
        }

        return x;
    }

    private static List<DecoderLayer> Layers(int count, ModelOptions options)
    {
        manual_seed(3);
        var layers = Enumerable.Range(0, count).Select(i => new DecoderLayer($"dec{i}", options, 8, 8, 4)).ToList();
        foreach (var layer in layers)
        {
            layer.eval();
        }

        return layers;
    }

    [TestCase(1, 0, 1.0)]
    [TestCase(1, 3, 1.0)]
    [TestCase(2, 2, 1.0)]
    [TestCase(2, 2, 1000.0)] // wildly larger future inputs must not disturb the past either
    public void Forward_FixedMemory_OutputsUpToStepTIgnoreLaterDecoderInputs(int layerCount, int t, double scale)
    {
        using var scope = NewDisposeScope();
        var options = Synthetic.SmallOptions(o => o.Dropout = 0.3);
        var layers = Layers(layerCount, options);
        using var batch = WindowBatch.Create(Synthetic.Windows(2, seed: 1, k: Steps), Synthetic.Shape, CPU);
        using var noGrad = no_grad();
        var (x, memory) = RandomStreams(batch, seed: 20);

        var before = Run(layers, x, memory, batch);
        var after = Run(layers, ChangeAfter(x, t, scale), memory, batch);

        Assert.Multiple(() =>
        {
            Assert.That(Tensors.Prefix(after.Metrics!, t + 1), Is.EqualTo(Tensors.Prefix(before.Metrics!, t + 1)), "metrics at steps ≤ t");
            Assert.That(Tensors.Prefix(after.Logs!, t + 1), Is.EqualTo(Tensors.Prefix(before.Logs!, t + 1)), "logs at steps ≤ t");
            Assert.That(Tensors.Prefix(after.Traces!, t + 1), Is.EqualTo(Tensors.Prefix(before.Traces!, t + 1)), "traces at steps ≤ t");
            Assert.That(Tensors.Suffix(after.Metrics!, t + 1), Is.Not.EqualTo(Tensors.Suffix(before.Metrics!, t + 1)), "later steps change");
        });

        foreach (var layer in layers)
        {
            layer.Dispose();
        }
    }

    [Test]
    public void Forward_ChangingTheEncoderMemory_ChangesEveryStep()
    {
        // CAM looks at the whole encoder output: the decoder is causal in its own input only.
        using var scope = NewDisposeScope();
        var layers = Layers(1, Synthetic.SmallOptions());
        using var batch = WindowBatch.Create(Synthetic.Windows(2, seed: 1, k: Steps), Synthetic.Shape, CPU);
        using var noGrad = no_grad();
        var (x, memory) = RandomStreams(batch, seed: 20);

        var before = Run(layers, x, memory, batch);
        var after = Run(layers, x, ChangeAfter(memory, Steps - 2, 1), batch);

        Assert.That(Tensors.MaxDifference(Tensors.Prefix(after.Metrics!, 1), Tensors.Prefix(before.Metrics!, 1)), Is.GreaterThan(1e-5));
        layers[0].Dispose();
    }

    [Test]
    public void Forward_LastStepOnly_EqualsTheLastStepOfTheFullLayer()
    {
        // The network runs its last decoder layer for the last step only: TAM, CAM and FFN of that
        // step see every step, so the result must equal the last step of the full computation.
        using var scope = NewDisposeScope();
        var layers = Layers(1, Synthetic.SmallOptions());
        using var batch = WindowBatch.Create(Synthetic.Windows(2, seed: 1, k: Steps), Synthetic.Shape, CPU);
        using var noGrad = no_grad();
        var (x, memory) = RandomStreams(batch, seed: 20);
        var mask = TensorMath.CausalMask(Steps, CPU);

        var full = layers[0].Forward(x, memory, batch, mask);
        var last = layers[0].Forward(x, memory, batch, mask, lastStepOnly: true);

        Assert.Multiple(() =>
        {
            Assert.That(last.Metrics!.shape, Is.EqualTo(new long[] { batch.NodeCount, 1, 8 }));
            Assert.That(Tensors.MaxDifference(Tensors.Values(last.Metrics!), Tensors.Suffix(full.Metrics!, Steps - 1)), Is.LessThan(1e-5));
            Assert.That(Tensors.MaxDifference(Tensors.Values(last.Logs!), Tensors.Suffix(full.Logs!, Steps - 1)), Is.LessThan(1e-5));
            Assert.That(Tensors.MaxDifference(Tensors.Values(last.Traces!), Tensors.Suffix(full.Traces!, Steps - 1)), Is.LessThan(1e-5));
        });
        layers[0].Dispose();
    }
}
