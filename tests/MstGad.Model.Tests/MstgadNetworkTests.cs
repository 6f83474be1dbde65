using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class MstgadNetworkTests
{
    private static MstgadNetwork Create(ModelOptions options, InputShape? shape = null)
    {
        manual_seed(7);
        return new MstgadNetwork(options, shape ?? Synthetic.Shape);
    }

    [Test]
    public void Forward_SmallBatch_GivesTheDocumentedShapes()
    {
        using var scope = NewDisposeScope();
        using var network = Create(Synthetic.SmallOptions());
        network.eval();
        using var batch = WindowBatch.Create(Synthetic.Windows(3, seed: 1), Synthetic.Shape, CPU);
        using var noGrad = no_grad();

        using var output = network.Forward(batch);

        long v = 15, e = batch.EdgeCount;
        Assert.Multiple(() =>
        {
            Assert.That(e, Is.EqualTo(15), "each window has all 5 call edges over its 4 steps");
            Assert.That(network.ErrorWidth, Is.EqualTo(7));
            Assert.That(output.Errors.shape, Is.EqualTo(new[] { v, 7 }));
            Assert.That(output.ReconstructionError.shape, Is.EqualTo(new[] { v }));
            Assert.That(output.Logits.shape, Is.EqualTo(new[] { v, 2 }));
            Assert.That(output.EdgeErrors.shape, Is.EqualTo(new[] { e, 2 }));
            Assert.That(output.Reconstruction.Metrics!.shape, Is.EqualTo(new[] { v, 3 }));
            Assert.That(output.Reconstruction.Logs!.shape, Is.EqualTo(new[] { v, 2 }));
            Assert.That(output.Reconstruction.Traces!.shape, Is.EqualTo(new[] { e, 2 }));
            Assert.That(Tensors.Values(output.Errors), Is.All.GreaterThanOrEqualTo(0f));
        });
    }

    [Test]
    public void Forward_Errors_AreTheSquaredLastStepResidualsWithEdgeResidualsSpreadToBothEnds()
    {
        using var scope = NewDisposeScope();
        using var network = Create(Synthetic.SmallOptions());
        network.eval();
        var windows = Synthetic.Windows(2, seed: 2);
        // Node 4 of window 1 has no logs in its last step: its log residual must be masked out.
        windows[1].Last.Mask[4] = (byte)MstGad.Features.ModalityMask.Metrics;
        using var batch = WindowBatch.Create(windows, Synthetic.Shape, CPU);
        using var noGrad = no_grad();

        using var output = network.Forward(batch);

        var w = Tensors.Values(network.named_parameters().Single(p => p.name == "_traceToNodes.weight").parameter); // [2, 2]
        var errors = Tensors.Values(output.Errors);
        var m = Tensors.Values(output.Reconstruction.Metrics!);
        var l = Tensors.Values(output.Reconstruction.Logs!);
        var s = Tensors.Values(output.Reconstruction.Traces!);
        var re = Tensors.Values(output.ReconstructionError);
        var edgeErrors = Tensors.Values(output.EdgeErrors);
        var expected = new float[10 * 7];
        var spread = new double[10 * 2];
        for (var e = 0; e < batch.EdgeCount; e++)
        {
            var (window, source, target) = batch.EdgeList[e];
            var graph = windows[window].Last;
            var index = Enumerable.Range(0, graph.EdgeCount).FirstOrDefault(i => graph.Sources[i] == source && graph.Targets[i] == target, -1);
            for (var f = 0; f < 2; f++)
            {
                var actual = index < 0 ? 0 : graph.EdgeFeatures[(index * 2) + f];
                var diff = actual - s[(e * 2) + f];
                Assert.That(edgeErrors[(e * 2) + f], Is.EqualTo(diff * diff).Within(1e-5));
                spread[(((window * 5) + source) * 2) + f] += diff;
                spread[(((window * 5) + target) * 2) + f] += diff; // a self-call counts at its node twice
            }
        }

        for (var node = 0; node < 10; node++)
        {
            var graph = windows[node / 5].Last;
            var features = graph.NodeFeatures.AsSpan((node % 5) * 5, 5);
            var logsPresent = node != 9;
            for (var f = 0; f < 3; f++)
            {
                expected[(node * 7) + f] = (float)Math.Pow(features[f] - m[(node * 3) + f], 2);
            }

            for (var f = 0; f < 2; f++)
            {
                expected[(node * 7) + 3 + f] = logsPresent ? (float)Math.Pow(features[3 + f] - l[(node * 2) + f], 2) : 0;
                var mapped = (w[f * 2] * spread[node * 2]) + (w[(f * 2) + 1] * spread[(node * 2) + 1]); // W·(S − S')
                expected[(node * 7) + 5 + f] = (float)(mapped * mapped);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(errors, Is.EqualTo(expected).Within(1e-5));
            Assert.That(re, Is.EqualTo(Enumerable.Range(0, 10).Select(i => errors.Skip(i * 7).Take(7).Sum())).Within(1e-5));
        });
    }

    [Test]
    public void Backward_SemiSupervisedLoss_GivesEveryParameterANonZeroGradient(
        [Values] bool defaults)
    {
        using var scope = NewDisposeScope();
        var options = defaults ? new ModelOptions() : Synthetic.SmallOptions();
        using var network = Create(options);
        network.train();
        using var batch = WindowBatch.Create(Synthetic.Windows(3, seed: 3), Synthetic.Shape, CPU);

        using var output = network.Forward(batch);
        var (loss, _, _) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, batch.Labels, batch.NodePresent, 0.5, 0.01, 1e-6, 2);
        loss.backward();

        var missing = network.named_parameters()
            .Where(p => p.parameter.grad is null || p.parameter.grad.abs().max().item<float>() == 0)
            .Select(p => p.name)
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(missing, Is.Empty, "parameters without gradient");
            Assert.That(network.named_parameters().Count(), Is.GreaterThan(50));
        });
    }

    [TestCaseSource(nameof(Ablations))]
    public void Backward_AblatedNetwork_StillGivesEveryParameterAGradient(Action<ModelOptions> switchOff, int direction)
    {
        _ = direction;
        using var scope = NewDisposeScope();
        using var network = Create(Synthetic.SmallOptions(switchOff));
        using var batch = WindowBatch.Create(Synthetic.Windows(3, seed: 3), Synthetic.Shape, CPU);

        using var output = network.Forward(batch);
        var (loss, _, _) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, batch.Labels, batch.NodePresent, 0.5, 0.01, 1e-6, 2);
        loss.backward();

        Assert.That(network.named_parameters().Where(p => p.parameter.grad is null || p.parameter.grad.abs().max().item<float>() == 0).Select(p => p.name), Is.Empty);
    }

    [Test]
    public void Parameters_SmallOptions_MatchTheHandCount()
    {
        using var network = Create(Synthetic.SmallOptions());

        // Shape (F_m 3, F_l 2, F_s 2); d_m = d_l = 8, d_s = 4; 2 heads; FFN ×2; one encoder and one decoder layer.
        // Embeddings: (3·8+8) + (2·8+8) + (2·4+4) = 32 + 24 + 12 = 68.
        // SAM nodes (16 → 16, edge 4, 2 heads of 8): W_l|W_r 16·32+32 = 544, W_e 4·16 = 64, out 16·16+16 = 272, a 2·8 = 16 → 896.
        // SAM edges (4 → 4, attribute 16, 2 heads of 2): 4·8+8 = 40, 16·4 = 64, 4·4+4 = 20, a 2·2 = 4 → 128. SAM = 1024.
        // TAM or CAM per width d: Q (d²+d) + K|V (2d²+2d) + out (d²+d) = 4d²+4d: 288 + 288 + 80 = 656.
        // FFN per width d: (2d²+2d) + (2d²+d) = 4d²+3d: 280 + 280 + 76 = 636.
        // LayerNorms: 2d per block: encoder 3 blocks (48 + 48 + 24 = 120), decoder 4 blocks (64 + 64 + 32 = 160).
        // Encoder layer 1024 + 656 + 636 + 120 = 2436; decoder layer 1024 + 2·656 + 636 + 160 = 3132.
        // Heads: (8·3+3) + (8·2+2) + (4·2+2) = 55; W 2·2 = 4; classifier (7·3+3) + (3·2+2) = 32.
        // Total 68 + 2436 + 3132 + 55 + 4 + 32 = 5727.
        Assert.That(network.parameters().Sum(p => p.numel()), Is.EqualTo(5727));
    }

    private static IEnumerable<TestCaseData> Ablations()
    {
        yield return new TestCaseData((Action<ModelOptions>)(o => o.UseMetrics = false), -1).SetArgDisplayNames("UseMetrics");
        yield return new TestCaseData((Action<ModelOptions>)(o => o.UseLogs = false), -1).SetArgDisplayNames("UseLogs");
        yield return new TestCaseData((Action<ModelOptions>)(o => o.UseTraces = false), -1).SetArgDisplayNames("UseTraces");
        yield return new TestCaseData((Action<ModelOptions>)(o => o.UseSpatialAttention = false), -1).SetArgDisplayNames("UseSpatialAttention");
        yield return new TestCaseData((Action<ModelOptions>)(o => o.UseTemporalAttention = false), -1).SetArgDisplayNames("UseTemporalAttention");
        yield return new TestCaseData((Action<ModelOptions>)(o => o.UseCommonBias = false), 0).SetArgDisplayNames("UseCommonBias");
    }

    [TestCaseSource(nameof(Ablations))]
    public void Ablation_SwitchedOff_BuildsRunsAndChangesTheParameterCountAsExpected(Action<ModelOptions> switchOff, int direction)
    {
        var windows = Synthetic.Windows(3, seed: 4);
        using var full = new MstgadModel(Synthetic.SmallOptions(), Synthetic.Shape, seed: 9);
        using var ablated = new MstgadModel(Synthetic.SmallOptions(switchOff), Synthetic.Shape, seed: 9);

        var fullScores = full.Score(windows);
        var scores = ablated.Score(windows);

        Assert.Multiple(() =>
        {
            Assert.That(Math.Sign(ablated.ParameterCount - full.ParameterCount), Is.EqualTo(direction), $"{ablated.ParameterCount} vs {full.ParameterCount}");
            Assert.That(scores, Has.Count.EqualTo(3));
            Assert.That(scores.SelectMany(s => s.Probability), Is.All.InRange(0f, 1f));
            Assert.That(scores.SelectMany(s => s.ReconstructionError).All(float.IsFinite), Is.True);
            Assert.That(scores[0].Errors, Has.Length.EqualTo(5 * ablated.ErrorWidth));
            Assert.That(scores.SelectMany(s => s.Probability), Is.Not.EqualTo(fullScores.SelectMany(s => s.Probability)), "the switch changes the model");
        });
    }

    [TestCase(false, true, true, 4)]   // no metrics: logs (2) + edges (2)
    [TestCase(true, false, true, 5)]   // no logs: metrics (3) + edges (2)
    [TestCase(true, true, false, 5)]   // no traces: metrics (3) + logs (2)
    public void ErrorLayout_ModalitiesSwitchedOff_DropTheirColumns(bool metrics, bool logs, bool traces, int width)
    {
        using var model = new MstgadModel(Synthetic.SmallOptions(o => { o.UseMetrics = metrics; o.UseLogs = logs; o.UseTraces = traces; }), Synthetic.Shape);

        Assert.Multiple(() =>
        {
            Assert.That(model.ErrorWidth, Is.EqualTo(width));
            Assert.That(model.ErrorLayout, Is.EqualTo((metrics ? 3 : 0, logs ? 2 : 0, traces ? 2 : 0)));
        });
    }
}
