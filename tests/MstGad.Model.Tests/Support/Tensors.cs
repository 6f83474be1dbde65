using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests.Support;

/// <summary>Tensor helpers for assertions.</summary>
internal static class Tensors
{
    /// <summary>The values of a float tensor, row-major.</summary>
    public static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    /// <summary>The first <paramref name="steps"/> positions of dimension 1 (time) as values.</summary>
    public static float[] Prefix(Tensor t, long steps) => Values(t.narrow(1, 0, steps));

    /// <summary>The positions from <paramref name="start"/> on of dimension 1 (time) as values.</summary>
    public static float[] Suffix(Tensor t, long start) => Values(t.narrow(1, start, t.shape[1] - start));

    /// <summary>Uniform random values in [−1, 1) from a seeded generator.</summary>
    public static Tensor Random(long[] shape, int seed)
    {
        var random = new Random(seed);
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        for (var i = 0; i < n; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return tensor(data, shape);
    }

    /// <summary>A copy of <paramref name="x"/> with the time positions after <paramref name="t"/> replaced by other random values.</summary>
    public static Tensor ChangeAfter(Tensor x, long t, int seed, double scale = 1)
    {
        var changed = x.clone();
        var tail = x.shape[1] - t - 1;
        using var noGrad = no_grad();
        changed.narrow(1, t + 1, tail).copy_(Random([x.shape[0], tail, .. x.shape.Skip(2)], seed) * scale);
        return changed;
    }

    /// <summary>The largest absolute difference between two arrays.</summary>
    public static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max();
}
