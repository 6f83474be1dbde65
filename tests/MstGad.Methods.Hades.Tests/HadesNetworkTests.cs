using MstGad.Methods.Hades;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Methods.Hades.Tests;

[TestFixture]
public sealed class HadesNetworkTests
{
    private static HadesShape Shape => new([[0, 1], [2], [3, 4, 5]], WordDimension: 8, Width: 16, Heads: 2, Steps: 6, Dropout: 0, TemplateLength: 5);

    [Test]
    public void CausalConvolution_NoStepSeesALaterOne()
    {
        manual_seed(1);
        using var convolution = new CausalConvolution("c", 2, 3, kernel: 3, dilation: 2);
        using var input = randn(1, 2, 12);
        using var changed = input.clone();
        changed[0, .., 7] = tensor(new float[] { 5, -5 });

        using var before = convolution.forward(input);
        using var after = convolution.forward(changed);

        Assert.Multiple(() =>
        {
            Assert.That(before.shape, Is.EqualTo(new long[] { 1, 3, 12 }), "as many steps out as in");
            Assert.That(after[.., .., ..7].data<float>().ToArray(), Is.EqualTo(before[.., .., ..7].data<float>().ToArray()), "steps before 7 do not see step 7");
            Assert.That(after[.., .., 7].data<float>().ToArray(), Is.Not.EqualTo(before[.., .., 7].data<float>().ToArray()), "step 7 sees itself");
            Assert.That(after[.., .., 9].data<float>().ToArray(), Is.Not.EqualTo(before[.., .., 9].data<float>().ToArray()), "step 9 sees 9 − 2");
            Assert.That(after[.., .., 8].data<float>().ToArray(), Is.EqualTo(before[.., .., 8].data<float>().ToArray()), "step 8 sees 8, 6, 4 only (dilation 2)");
        });
    }

    [Test]
    public void Forward_Batch_GivesTwoLogitsPerWindowAndTheSameBitsForASeed()
    {
        var (metrics, templates, padding) = Inputs(seed: 3);
        float[] Run()
        {
            manual_seed(11);
            using var network = new HadesNetwork(Shape);
            network.eval();
            using var _ = no_grad();
            using var logits = network.forward(metrics, templates, padding);
            Assert.That(logits.shape, Is.EqualTo(new long[] { 4, 2 }));
            return logits.data<float>().ToArray();
        }

        var first = Run();
        var second = Run();

        Assert.Multiple(() =>
        {
            Assert.That(first.All(float.IsFinite), Is.True);
            Assert.That(second, Is.EqualTo(first));
        });
        Dispose(metrics, templates, padding);
    }

    [Test]
    public void EncodeLogs_PaddedTemplatesAndStepsWithoutLogs_ChangeNothingAndStayFinite()
    {
        var (metrics, templates, padding) = Inputs(seed: 4);
        manual_seed(12);
        using var network = new HadesNetwork(Shape);
        network.eval();
        using var _ = no_grad();
        using var changed = templates.clone();
        changed.masked_fill_(padding.unsqueeze(3), 100f); // only where there is no template

        using var before = network.EncodeLogs(templates, padding);
        using var after = network.EncodeLogs(changed, padding);

        Assert.Multiple(() =>
        {
            Assert.That(padding[0, 0].all().item<bool>(), Is.True, "the first window's first step has no log at all");
            Assert.That(before.data<float>().ToArray().All(float.IsFinite), Is.True);
            Assert.That(after.data<float>().ToArray(), Is.EqualTo(before.data<float>().ToArray()).Within(1e-5f));
        });
        Dispose(metrics, templates, padding);
    }

    [Test]
    public void Fuse_MetricStream_AttendsToTheLogs()
    {
        var (metrics, templates, padding) = Inputs(seed: 5);
        manual_seed(13);
        using var network = new HadesNetwork(Shape);
        network.eval();
        using var _ = no_grad();
        using var m = network.EncodeMetrics(metrics);
        using var l = network.EncodeLogs(templates, padding);
        using var otherLogs = l.flip(0); // the same logs of other windows

        using var fused = network.Fuse(m, l);
        using var fusedOther = network.Fuse(m, otherLogs);
        using var again = network.Fuse(m, l);

        Assert.Multiple(() =>
        {
            Assert.That(fused.shape, Is.EqualTo(new long[] { 4, 6, 16 }));
            Assert.That(fusedOther.data<float>().ToArray(), Is.Not.EqualTo(fused.data<float>().ToArray()), "the logs move the fused stream");
            Assert.That(again.data<float>().ToArray(), Is.EqualTo(fused.data<float>().ToArray()));
        });
        Dispose(metrics, templates, padding);
    }

    [Test]
    public void PositionalAttention_WeighsEachPositionByItsOwnWeightsAndIgnoresPadding()
    {
        using var pool = new PositionalAttention("p", length: 3, width: 2);
        using (no_grad())
        {
            pool.parameters().First(p => p.shape.Length == 2).copy_(tensor(new float[] { 1, 0, 0, 1, 1, 1 }).reshape(3, 2)); // w₀ = (1, 0), w₁ = (0, 1), w₂ = (1, 1)
            pool.parameters().First(p => p.shape.Length == 1).copy_(tensor(new float[] { 0, 0.5f, 0 })); // b₁ = 0.5
        }

        using var input = tensor(new float[] { 1, 2, 3, -1, 4, 4 }).reshape(1, 3, 2);
        using var padding = tensor(new[] { false, false, true }).reshape(1, 3);

        var (pooled, weights) = pool.forward(input, padding);
        using (pooled)
        using (weights)
        {
            var a0 = MathF.Tanh(1); // x₀·w₀ = 1
            var a1 = MathF.Tanh(-1 + 0.5f); // x₁·w₁ + b₁ = −0.5
            Assert.Multiple(() =>
            {
                Assert.That(weights.data<float>().ToArray(), Is.EqualTo(new[] { a0, a1, 0f }).Within(1e-6f), "tanh(xₗ·wₗ + bₗ), no softmax; 0 where padded");
                Assert.That(pooled.data<float>().ToArray(), Is.EqualTo(new[] { (a0 * 1) + (a1 * 3), (a0 * 2) + (a1 * -1) }).Within(1e-6f), "Σ aₗ xₗ");
            });
        }
    }

    [Test]
    public void Explain_GivesTheLogitsOfForwardAspectSharesSummingToOneAndNoWeightOnPadding()
    {
        var (metrics, templates, padding) = Inputs(seed: 7);
        manual_seed(15);
        using var network = new HadesNetwork(Shape);
        network.eval();
        using var _ = no_grad();

        using var logits = network.forward(metrics, templates, padding);
        var (explained, shares, weights) = network.Explain(metrics, templates, padding);
        using (explained)
        using (shares)
        using (weights)
        using (var lastPadding = padding[.., -1])
        {
            Assert.Multiple(() =>
            {
                Assert.That(explained.data<float>().ToArray(), Is.EqualTo(logits.data<float>().ToArray()));
                Assert.That(shares.shape, Is.EqualTo(new long[] { 4, 3 }));
                Assert.That(shares.sum(1).data<float>().ToArray(), Is.All.EqualTo(1f).Within(1e-6f));
                Assert.That(weights.shape, Is.EqualTo(new long[] { 4, 5 }), "the last step's templates");
                Assert.That(weights.masked_select(lastPadding).data<float>().ToArray(), Is.All.EqualTo(0f));
            });
        }

        Dispose(metrics, templates, padding);
    }

    [Test]
    public void Forward_Repeatedly_LeaksNoTensors()
    {
        var (metrics, templates, padding) = Inputs(seed: 6);
        manual_seed(14);
        using var network = new HadesNetwork(Shape);
        network.eval();
        using (no_grad())
        {
            network.forward(metrics, templates, padding).Dispose(); // warm-up
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = (torch.Tensor.TotalCount, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        for (var i = 0; i < 5; i++)
        {
            using var _ = no_grad();
            network.forward(metrics, templates, padding).Dispose();
        }

        var after = (torch.Tensor.TotalCount, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.That(after, Is.EqualTo(before));
        Dispose(metrics, templates, padding);
    }

    /// <summary>Four windows of 6 steps, 6 metrics, up to 5 templates of width 8 per step; the first window's first step has none.</summary>
    private static (Tensor Metrics, Tensor Templates, Tensor Padding) Inputs(int seed)
    {
        var generator = new Random(seed);
        var metrics = randn(4, 6, 6, generator: new torch.Generator((ulong)seed));
        var templates = randn(4, 6, 5, 8, generator: new torch.Generator((ulong)seed + 100));
        var pad = new bool[4 * 6 * 5];
        for (var i = 0; i < pad.Length; i++)
        {
            pad[i] = i % 5 >= 1 + generator.Next(5);
        }

        for (var i = 0; i < 5; i++)
        {
            pad[i] = true;
        }

        var padding = tensor(pad).reshape(4, 6, 5);
        templates.masked_fill_(padding.unsqueeze(3), 0f);
        return (metrics, templates, padding);
    }

    private static void Dispose(params Tensor[] tensors)
    {
        foreach (var t in tensors)
        {
            t.Dispose();
        }
    }
}
