using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class EdgeAwareAttentionTests
{
    /// <summary>One head of width 2: W_l = W_r = I, W_e = [1, 0]ᵀ, a = (1, 1), output = I, no biases.</summary>
    private static EdgeAwareAttention HandSet()
    {
        var layer = new EdgeAwareAttention("sam", inputWidth: 2, edgeWidth: 1, outputWidth: 2, heads: 1, dropout: 0);
        var values = new Dictionary<string, float[]>
        {
            ["_leftRight.weight"] = [1, 0, 0, 1, 1, 0, 0, 1],
            ["_leftRight.bias"] = [0, 0, 0, 0],
            ["_edge.weight"] = [1, 0],
            ["_output.weight"] = [1, 0, 0, 1],
            ["_output.bias"] = [0, 0],
            ["_attention"] = [1, 1],
        };
        using var noGrad = no_grad();
        foreach (var (name, p) in layer.named_parameters())
        {
            p.copy_(tensor(values[name]).view(p.shape));
        }

        layer.eval();
        return layer;
    }

    private static Tensor Loops(long[] edges, int nodes) => tensor([.. edges, .. Enumerable.Range(0, nodes).Select(i => (long)i)]);

    [Test]
    public void Forward_ThreeNodes_EqualsTheHandCalculation()
    {
        using var scope = NewDisposeScope();
        using var layer = HandSet();
        using var noGrad = no_grad();
        // x0 = (1, 0), x1 = (0, 1), x2 = (1, 1); edges 0 → 2 (attribute 2) and 1 → 2 (attribute −3); k = 1.
        var x = tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 1, 2]);
        var e = tensor(new float[] { 2, -3 }, [2, 1, 1]);

        var y = Tensors.Values(layer.Forward(x, e, Loops([0, 1], 3), Loops([2, 2], 3)));

        // Into node 2, z_j = W_l x_j + W_r x_2 + W_e e_j2 and score = aᵀ LeakyReLU_0.2(z):
        //   from 0: (1, 0) + (1, 1) + (2, 0) = (4, 1)                          → 5
        //   from 1: (0, 1) + (1, 1) + (−3, 0) = (−2, 2) → (−0.4, 2)             → 1.6
        //   self:   (1, 1) + (1, 1) = (2, 2)                                   → 4
        // α = softmax(5, 1.6, 4); y_2 = α_0·(1, 0) + α_1·(0, 1) + α_2·(1, 1).
        double s0 = Math.Exp(5), s1 = Math.Exp(1.6), s2 = Math.Exp(4), sum = s0 + s1 + s2;
        var y2 = new[] { (float)((s0 + s2) / sum), (float)((s1 + s2) / sum) };
        // Nodes 0 and 1 have only their self-loop: α = 1 and y_i = W_l x_i = x_i.
        Assert.That(y, Is.EqualTo(new[] { 1f, 0f, 0f, 1f, y2[0], y2[1] }).Within(1e-6));
    }

    [Test]
    public void Forward_ScoresFarApartAcrossNodesAndSteps_StillNormaliseEachDestination()
    {
        // Node 3 at step 1 is a million times larger than anything else: the attention of nodes 0–2 at
        // both steps, and its own at step 0, must be what it is without it.
        using var scope = NewDisposeScope();
        using var layer = HandSet();
        using var noGrad = no_grad();
        var x = tensor(new float[] { 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0.5f, 0.5f, 1e6f, -1e6f }, [4, 2, 2]);
        var e = tensor(new float[] { 2, 2, -3, -3, 1, 1 }, [3, 2, 1]);
        var sources = Loops([0, 1, 3], 4);
        var targets = Loops([2, 2, 3], 4);
        var calm = x.clone();
        calm[3, 1] = tensor(new[] { 0.5f, 0.5f });

        var wild = Tensors.Values(layer.Forward(x, e, sources, targets));
        var reference = Tensors.Values(layer.Forward(calm, e, sources, targets));

        Assert.Multiple(() =>
        {
            Assert.That(wild.Take(14), Is.EqualTo(reference.Take(14)).Within(1e-6));
            Assert.That(wild.Skip(14).All(float.IsFinite), Is.True);
        });
    }

    [Test]
    public void Forward_NoEdgesAtAll_ReturnsEachEntitysOwnMessage()
    {
        using var scope = NewDisposeScope();
        using var layer = HandSet();
        using var noGrad = no_grad();
        var x = Tensors.Random([3, 4, 2], seed: 1);

        var y = layer.Forward(x, zeros(0, 4, 1), Loops([], 3), Loops([], 3));

        Assert.That(Tensors.Values(y), Is.EqualTo(Tensors.Values(x)).Within(1e-6));
    }

    [Test]
    public void Forward_NoEntities_GivesAnEmptyResult()
    {
        using var scope = NewDisposeScope();
        using var layer = HandSet();
        using var noGrad = no_grad();

        var y = layer.Forward(zeros(0, 4, 2), zeros(0, 4, 1), Loops([], 0), Loops([], 0));

        Assert.That(y.shape, Is.EqualTo(new long[] { 0, 4, 2 }));
    }
}
