using BenchmarkDotNet.Attributes;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Benchmarks;

/// <summary>
/// The MSTGAD network on synthetic windows of realistic shape: inference of one window and of a batch
/// of 50 at N = 46 (TrainTicket), one training step (forward, backward, AdaBelief) of a batch of 50,
/// and sparse inference at N = 1,000 with ~5,000 edges. One intra-op thread (the target is per core).
/// Edge features: 13 (the layout before edges carried both sides of a call: 8 request-type durations,
/// other, 4 summary features) and 49 (the default layout now: calls, client, server, client − server
/// and errors of 8 request types and other, then the 4 summary features).
/// </summary>
[MemoryDiagnoser]
public class MstgadModelBenchmarks
{
    private MstgadModel _model = null!;
    private List<GraphWindow> _windows = [];
    private WindowBatch _batch = null!;
    private AdaBelief _optimizer = null!;

    /// <summary>Nodes per graph.</summary>
    [Params(46, 1000)]
    public int Nodes { get; set; }

    /// <summary>Features per edge and step.</summary>
    [Params(13, 49)]
    public int EdgeFeatures { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoadable();
        torch.set_num_threads(1);
        const int k = 10, fm = 20, fl = 40;
        var fs = EdgeFeatures;
        var edges = Nodes <= 46 ? 120 : 5000;
        var windows = Nodes <= 46 ? 50 : 1;
        _windows = SyntheticWindows.Create(Nodes, edges, k, windows, fm, fl, fs, seed: 7);
        _model = new MstgadModel(new ModelOptions(), new InputShape(fm, fl, fs));
        _batch = WindowBatch.Create(_windows, _model.Shape, _model.Device);
        _optimizer = new AdaBelief(_model.Network.parameters());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _batch.Dispose();
        _model.Dispose();
    }

    /// <summary>Scores one window (batch of one): on the CPU, the managed inference.</summary>
    [Benchmark]
    public float ScoreOneWindow() => _model.Score([_windows[0]])[0].Probability[0];

    /// <summary>Scores one window with the libtorch network (what <see cref="ScoreOneWindow"/> measured before the managed inference).</summary>
    [Benchmark]
    public float ScoreOneWindowWithNetwork() => _model.ScoreWithNetwork([_windows[0]])[0].Probability[0];

    /// <summary>Scores every window (50 at N = 46, one at N = 1,000) in one batch.</summary>
    [Benchmark]
    public float ScoreBatch() => _model.Score(_windows, batchSize: 50)[^1].Probability[0];

    /// <summary>One training step on the batch: forward, loss, backward, clipping, AdaBelief.</summary>
    [Benchmark]
    public float TrainingStep()
    {
        _model.Network.train();
        using var scope = NewDisposeScope();
        using var output = _model.Network.Forward(_batch);
        var (loss, _, _) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, _batch.Labels, _batch.NodePresent, 0.5, 0.01, 1e-6, 10);
        _optimizer.ZeroGrad();
        loss.backward();
        nn.utils.clip_grad_norm_(_model.Network.parameters(), 10);
        _optimizer.Step();
        return loss.item<float>();
    }
}

/// <summary>Random windows of a given shape.</summary>
public static class SyntheticWindows
{
    /// <summary>
    /// Creates <paramref name="count"/> windows of k graphs with N nodes over a fixed call graph of E
    /// edges (as in a real system), each edge present in a step with probability 0.9.
    /// </summary>
    public static List<GraphWindow> Create(int nodes, int edges, int k, int count, int fm, int fl, int fs, int seed)
    {
        var random = new Random(seed);
        var clock = new StepClock(TimeSpan.FromSeconds(10));
        var steps = count + k - 1;
        var callGraph = new HashSet<(int, int)>();
        while (callGraph.Count < edges)
        {
            callGraph.Add((random.Next(nodes), random.Next(nodes)));
        }

        var allEdges = callGraph.ToArray();
        var graphs = new List<MstGraph>(steps);
        for (var t = 0; t < steps; t++)
        {
            var node = new float[nodes * (fm + fl)];
            for (var i = 0; i < node.Length; i++)
            {
                node[i] = (float)random.NextDouble();
            }

            var present = allEdges.Where(_ => random.NextDouble() < 0.9).ToArray();
            var features = new float[present.Length * fs];
            for (var i = 0; i < features.Length; i++)
            {
                features[i] = (float)random.NextDouble();
            }

            graphs.Add(new MstGraph(t, clock, nodes, fm + fl, node, Enumerable.Repeat((byte)7, nodes).ToArray(),
                [.. present.Select(e => e.Item1)], [.. present.Select(e => e.Item2)], fs, features));
        }

        var labels = new sbyte[steps * nodes];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = (sbyte)(random.NextDouble() < 0.5 ? -1 : random.NextDouble() < 0.05 ? 1 : 0);
        }

        return [.. GraphWindow.Slide(graphs, k, 1, labels)];
    }
}
