using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class TemporalHeadsTests
{
    private const int Entities = 3;
    private const int Steps = 6;
    private const int Width = 8;

    private static TemporalHeads Create()
    {
        manual_seed(5);
        var heads = new TemporalHeads("tam", Width, heads: 2, dropout: 0.5);
        heads.eval();
        return heads;
    }

    // Inference computes narrow heads (c ≤ 2) and single query steps with the entities innermost;
    // training (here without dropout, so the two are the same function) with per-entity products.
    [TestCase(4, Steps, true)]
    [TestCase(4, Steps, false)]
    [TestCase(2, 1, false)]
    [TestCase(8, 1, true)]
    public void Forward_InferenceKernel_EqualsTheTrainingKernel(int headCount, int queries, bool causal)
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        using var heads = new TemporalHeads("tam", Width, headCount, dropout: 0);
        using var noGrad = no_grad();
        var x = Tensors.Random([Entities, Steps, Width], seed: 3);
        var q = x.narrow(1, Steps - queries, queries);
        var bias = Tensors.Random([Entities, queries, Steps], seed: 4);
        var mask = causal && queries == Steps ? TensorMath.CausalMask(Steps, CPU) : null;

        heads.train();
        var training = heads.Forward(q, x, bias, mask);
        heads.eval();
        var inference = heads.Forward(q, x, bias, mask);

        Assert.That((training - inference).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void Forward_GivesOneVectorPerEntityAndStep()
    {
        using var scope = NewDisposeScope();
        using var heads = Create();
        using var noGrad = no_grad();
        var x = Tensors.Random([Entities, Steps, Width], seed: 1);

        var y = heads.Forward(x, x, null, null);

        Assert.That(y.shape, Is.EqualTo(new long[] { Entities, Steps, Width }));
    }

    [TestCase(0)]
    [TestCase(2)]
    [TestCase(4)]
    public void Forward_WithCausalMask_OutputsUpToStepTIgnoreLaterInputs(int t)
    {
        using var scope = NewDisposeScope();
        using var heads = Create();
        using var noGrad = no_grad();
        var x = Tensors.Random([Entities, Steps, Width], seed: 1);
        var bias = Tensors.Random([Entities, Steps, Steps], seed: 2);
        var mask = TensorMath.CausalMask(Steps, CPU);
        var changed = Tensors.ChangeAfter(x, t, seed: 3, scale: 50);

        var before = heads.Forward(x, x, bias, mask);
        var after = heads.Forward(changed, changed, bias, mask);

        Assert.Multiple(() =>
        {
            Assert.That(Tensors.Prefix(after, t + 1), Is.EqualTo(Tensors.Prefix(before, t + 1)), "steps ≤ t are bit-identical");
            Assert.That(Tensors.Suffix(after, t + 1), Is.Not.EqualTo(Tensors.Suffix(before, t + 1)), "steps > t do see the change");
        });
    }

    [Test]
    public void Forward_WithoutMask_EarlierOutputsSeeLaterInputs()
    {
        // The control for the causality test: the same change does reach step 0 when nothing masks it.
        using var scope = NewDisposeScope();
        using var heads = Create();
        using var noGrad = no_grad();
        var x = Tensors.Random([Entities, Steps, Width], seed: 1);
        var changed = Tensors.ChangeAfter(x, 2, seed: 3);

        var before = heads.Forward(x, x, null, null);
        var after = heads.Forward(changed, changed, null, null);

        Assert.That(Tensors.MaxDifference(Tensors.Prefix(after, 1), Tensors.Prefix(before, 1)), Is.GreaterThan(1e-4));
    }

    [Test]
    public void Forward_BiasOfMinusInfinityButOneStep_AttendsOnlyToThatStep()
    {
        // C is added to the scores before the softmax: a bias that is 0 at step j and −∞ elsewhere makes
        // every query return the value of step j, exactly as if the memory held step j everywhere.
        using var scope = NewDisposeScope();
        using var heads = Create();
        using var noGrad = no_grad();
        const int j = 3;
        var query = Tensors.Random([Entities, Steps, Width], seed: 1);
        var memory = Tensors.Random([Entities, Steps, Width], seed: 2);
        var bias = full(Entities, Steps, Steps, float.NegativeInfinity);
        bias[TensorIndex.Colon, TensorIndex.Colon, j] = tensor(0f);
        var onlyJ = memory.narrow(1, j, 1).expand(Entities, Steps, Width).contiguous();

        var biased = heads.Forward(query, memory, bias, null);
        var reference = heads.Forward(query, onlyJ, null, null);

        Assert.That(Tensors.MaxDifference(Tensors.Values(biased), Tensors.Values(reference)), Is.LessThan(1e-5));
    }

    [Test]
    public void Forward_InTrainingMode_AppliesDropoutToTheAttention()
    {
        using var scope = NewDisposeScope();
        using var heads = Create();
        using var noGrad = no_grad();
        var x = Tensors.Random([Entities, Steps, Width], seed: 1);
        var evaluation = Tensors.Values(heads.Forward(x, x, null, null));

        heads.train();
        var training = Tensors.Values(heads.Forward(x, x, null, null));

        Assert.That(Tensors.MaxDifference(training, evaluation), Is.GreaterThan(1e-3));
    }
}
