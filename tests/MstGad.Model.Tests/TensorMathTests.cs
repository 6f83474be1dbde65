using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class TensorMathTests
{
    [Test]
    public void CausalMask_IsZeroOnAndBelowTheDiagonalAndMinusInfinityAbove()
    {
        using var scope = NewDisposeScope();

        var mask = Tensors.Values(TensorMath.CausalMask(4, CPU));

        float z = 0, x = float.NegativeInfinity;
        Assert.That(mask, Is.EqualTo(new[]
        {
            z, x, x, x,
            z, z, x, x,
            z, z, z, x,
            z, z, z, z,
        }));
    }

    [Test]
    public void SoftmaxLastDim_EqualsSoftmaxOverTheLastDimension()
    {
        using var scope = NewDisposeScope();
        var x = Tensors.Random([3, 2, 5, 7], seed: 1) * 4;
        x[0, 1, 2, 3] = tensor(float.NegativeInfinity);

        var fast = TensorMath.SoftmaxLastDim(x);
        var reference = nn.functional.softmax(x, -1);

        Assert.Multiple(() =>
        {
            Assert.That(fast.shape, Is.EqualTo(x.shape));
            Assert.That(Tensors.MaxDifference(Tensors.Values(fast), Tensors.Values(reference)), Is.LessThan(1e-6));
            Assert.That(Tensors.Values(fast.sum(-1)), Is.All.EqualTo(1f).Within(1e-6));
            Assert.That(fast[0, 1, 2, 3].item<float>(), Is.Zero);
        });
    }

    [TestCase(6, 4)]
    [TestCase(3, 5)] // odd width: the last column is a sine
    public void PositionalEncoding_FollowsTheSinusoidalFormula(int steps, int width)
    {
        using var scope = NewDisposeScope();

        var pe = Tensors.Values(TensorMath.PositionalEncoding(steps, width, CPU));

        // PE(t, 2i) = sin(t / 10000^(2i/d)), PE(t, 2i+1) = cos(t / 10000^(2i/d)).
        var expected = new float[steps * width];
        for (var t = 0; t < steps; t++)
        {
            for (var c = 0; c < width; c++)
            {
                var angle = t / Math.Pow(10000, (c - (c % 2)) / (double)width);
                expected[(t * width) + c] = (float)(c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }

        Assert.That(pe, Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void MeanSelfScores_AveragesScaledDotProductsOverEachWindowsEntities()
    {
        using var scope = NewDisposeScope();

        // Three entities with k = 2 steps and d = 4; window 0 holds entities 0 and 1, window 1 entity 2.
        var x = tensor(new float[]
        {
            1, 0, 0, 0,  0, 1, 0, 0,
            1, 1, 0, 0,  1, 1, 1, 1,
            2, 0, 0, 0,  0, 0, 0, 3,
        }, [3, 2, 4]);
        var averaging = tensor(new float[] { 0.5f, 0.5f, 0, 0, 0, 1 }, [2, 3]);

        var c = Tensors.Values(TensorMath.MeanSelfScores(x, averaging));

        // Entity 0: [[1, 0], [0, 1]]; entity 1: [[2, 2], [2, 4]]; entity 2: [[4, 0], [0, 9]]; √d = 2.
        // Window 0: mean([[1, 0], [0, 1]], [[2, 2], [2, 4]]) / 2 = [[1.5, 1], [1, 2.5]] / 2.
        // Window 1: [[4, 0], [0, 9]] / 2.
        Assert.That(c, Is.EqualTo(new[] { 0.75f, 0.5f, 0.5f, 1.25f, 2f, 0f, 0f, 4.5f }).Within(1e-6));
    }
}
