using MstGad.Features;
using MstGad.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model;

/// <summary>
/// A batch of B windows as tensors. Nodes of all windows are numbered together (window b, node n →
/// <c>b·N + n</c>); each window's edge set is the union of its k graphs' edges (an edge absent in a step
/// has zero features there), so every step of a window shares one edge list.
/// </summary>
/// <remarks>
/// Shapes: <see cref="Metrics"/> <c>[V, k, F_m]</c> and <see cref="Logs"/> <c>[V, k, F_l]</c> with V = B·N;
/// <see cref="Traces"/> <c>[E, k, F_s]</c>; <see cref="Sources"/>, <see cref="Targets"/>, <see cref="EdgeWindow"/>
/// <c>[E]</c>; the line graph (edge u→v followed by edge v→w) <see cref="LineSources"/>, <see cref="LineTargets"/>,
/// <see cref="LineNodes"/> <c>[P]</c>; <see cref="Labels"/> <c>[V]</c> (1, 0, −1 of the last step);
/// <see cref="MetricPresent"/>, <see cref="LogPresent"/>, <see cref="NodePresent"/> <c>[V]</c> (last step).
/// </remarks>
internal sealed class WindowBatch : IDisposable
{
    private WindowBatch()
    {
    }

    public int WindowCount { get; private init; }

    public int Steps { get; private init; }

    public int NodesPerWindow { get; private init; }

    public int NodeCount => WindowCount * NodesPerWindow;

    public int EdgeCount { get; private init; }

    public required Tensor Metrics { get; init; }

    public required Tensor Logs { get; init; }

    public required Tensor Traces { get; init; }

    public required Tensor Sources { get; init; }

    public required Tensor Targets { get; init; }

    public required Tensor EdgeWindow { get; init; }

    public required Tensor NodeWindow { get; init; }

    public required Tensor LineSources { get; init; }

    public required Tensor LineTargets { get; init; }

    public required Tensor LineNodes { get; init; }

    /// <summary><see cref="Sources"/> followed by a self-loop for every node <c>[E + V]</c>.</summary>
    public required Tensor SourcesWithLoops { get; init; }

    /// <summary><see cref="Targets"/> followed by a self-loop for every node <c>[E + V]</c>.</summary>
    public required Tensor TargetsWithLoops { get; init; }

    /// <summary><see cref="LineSources"/> followed by a self-loop for every edge <c>[P + E]</c>.</summary>
    public required Tensor LineSourcesWithLoops { get; init; }

    /// <summary><see cref="LineTargets"/> followed by a self-loop for every edge <c>[P + E]</c>.</summary>
    public required Tensor LineTargetsWithLoops { get; init; }

    /// <summary>Averaging matrix over each window's nodes <c>[B, V]</c>.</summary>
    public required Tensor NodeMean { get; init; }

    /// <summary>Averaging matrix over each window's edges <c>[B, E]</c>.</summary>
    public required Tensor EdgeMean { get; init; }

    public required Tensor Labels { get; init; }

    public required Tensor MetricPresent { get; init; }

    public required Tensor LogPresent { get; init; }

    public required Tensor NodePresent { get; init; }

    /// <summary>Caller and callee node (within its window) of every edge, for evidence.</summary>
    public required (int Window, int Source, int Target)[] EdgeList { get; init; }

    /// <summary>Builds a batch; all windows must have the same k and N.</summary>
    public static WindowBatch Create(IReadOnlyList<GraphWindow> windows, InputShape shape, Device device)
    {
        var a = WindowArrays.Create(windows, shape);
        int b = a.WindowCount, k = a.Steps, v = a.NodeCount, edgeCount = a.EdgeCount;
        int fm = shape.MetricFeatures, fl = shape.LogFeatures, fs = shape.EdgeFeatures;
        var (metrics, logs, traces, sources, targets, edges) = (a.Metrics, a.Logs, a.Traces, a.Sources, a.Targets, a.Edges);
        var (lineSources, lineTargets, lineNodes) = (a.LineSources, a.LineTargets, a.LineNodes);
        var (labels, metricPresent, logPresent, nodePresent) = (a.Labels, a.MetricPresent, a.LogPresent, a.NodePresent);
        var n = a.NodesPerWindow;
        var nodeMean = new float[b * v];
        for (var i = 0; i < v; i++)
        {
            nodeMean[((i / n) * v) + i] = 1f / n;
        }

        var edgesPerWindow = new int[b];
        foreach (var e in edges)
        {
            edgesPerWindow[e.Window]++;
        }

        var edgeMean = new float[b * edgeCount];
        for (var e = 0; e < edgeCount; e++)
        {
            edgeMean[(edges[e].Window * edgeCount) + e] = 1f / edgesPerWindow[edges[e].Window];
        }

        using var scope = NewDisposeScope();
        var batch = new WindowBatch
        {
            WindowCount = b,
            Steps = k,
            NodesPerWindow = n,
            EdgeCount = edgeCount,
            Metrics = tensor(metrics, [v, k, fm], device: device),
            Logs = tensor(logs, [v, k, fl], device: device),
            Traces = tensor(traces, [edgeCount, k, fs], device: device),
            Sources = tensor(sources, [edgeCount], device: device),
            Targets = tensor(targets, [edgeCount], device: device),
            EdgeWindow = tensor(edges.Select(e => (long)e.Window).ToArray(), [edgeCount], device: device),
            NodeWindow = tensor(Enumerable.Range(0, v).Select(i => (long)(i / n)).ToArray(), [v], device: device),
            LineSources = tensor(lineSources, [lineSources.Length], device: device),
            LineTargets = tensor(lineTargets, [lineTargets.Length], device: device),
            LineNodes = tensor(lineNodes, [lineNodes.Length], device: device),
            SourcesWithLoops = tensor(a.SourcesWithLoops, [a.SourcesWithLoops.Length], device: device),
            TargetsWithLoops = tensor(a.TargetsWithLoops, [a.TargetsWithLoops.Length], device: device),
            LineSourcesWithLoops = tensor(a.LineSourcesWithLoops, [a.LineSourcesWithLoops.Length], device: device),
            LineTargetsWithLoops = tensor(a.LineTargetsWithLoops, [a.LineTargetsWithLoops.Length], device: device),
            NodeMean = tensor(nodeMean, [b, v], device: device),
            EdgeMean = tensor(edgeMean, [b, edgeCount], device: device),
            Labels = tensor(labels, [v], device: device),
            MetricPresent = tensor(metricPresent, [v], device: device),
            LogPresent = tensor(logPresent, [v], device: device),
            NodePresent = tensor(nodePresent, [v], device: device),
            EdgeList = edges,
        };
        foreach (var t in batch.All())
        {
            t.MoveToOuterDisposeScope();
        }

        return batch;
    }

    public void Dispose()
    {
        foreach (var t in All())
        {
            t.Dispose();
        }
    }

    private IEnumerable<Tensor> All() =>
    [
        Metrics, Logs, Traces, Sources, Targets, EdgeWindow, NodeWindow, LineSources, LineTargets, LineNodes,
        SourcesWithLoops, TargetsWithLoops, LineSourcesWithLoops, LineTargetsWithLoops, NodeMean, EdgeMean,
        Labels, MetricPresent, LogPresent, NodePresent,
    ];
}

/// <summary>
/// The windows of a batch as plain arrays, the layout of <see cref="WindowBatch"/>: nodes of all windows one after
/// another (<c>window · N + node</c>), each window's edges the union of its steps' edges (absent steps are zero),
/// and the line graph (edge u → v precedes v → w; attributes from v).
/// </summary>
internal sealed class WindowArrays
{
    private WindowArrays()
    {
    }

    public int WindowCount { get; private init; }

    public int Steps { get; private init; }

    public int NodesPerWindow { get; private init; }

    public int NodeCount => WindowCount * NodesPerWindow;

    public int EdgeCount => Edges.Length;

    /// <summary><c>[V, k, F_m]</c>.</summary>
    public required float[] Metrics { get; init; }

    /// <summary><c>[V, k, F_l]</c>.</summary>
    public required float[] Logs { get; init; }

    /// <summary><c>[E, k, F_s]</c>.</summary>
    public required float[] Traces { get; init; }

    public required long[] Sources { get; init; }

    public required long[] Targets { get; init; }

    public required long[] LineSources { get; init; }

    public required long[] LineTargets { get; init; }

    public required long[] LineNodes { get; init; }

    /// <summary><see cref="Sources"/>, then every node once (its self-loop, last).</summary>
    public required long[] SourcesWithLoops { get; init; }

    /// <summary><see cref="Targets"/>, then every node once (its self-loop, last).</summary>
    public required long[] TargetsWithLoops { get; init; }

    /// <summary><see cref="LineSources"/>, then every edge once (its self-loop, last).</summary>
    public required long[] LineSourcesWithLoops { get; init; }

    /// <summary><see cref="LineTargets"/>, then every edge once (its self-loop, last).</summary>
    public required long[] LineTargetsWithLoops { get; init; }

    public required long[] Labels { get; init; }

    public required float[] MetricPresent { get; init; }

    public required float[] LogPresent { get; init; }

    public required bool[] NodePresent { get; init; }

    public required (int Window, int Source, int Target)[] Edges { get; init; }

    public static WindowArrays Create(IReadOnlyList<GraphWindow> windows, InputShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfZero(windows.Count);
        var k = windows[0].Length;
        var n = windows[0].NodeCount;
        int fm = shape.MetricFeatures, fl = shape.LogFeatures, fs = shape.EdgeFeatures, f = shape.NodeFeatures;
        var b = windows.Count;
        var v = b * n;
        var metrics = new float[v * k * fm];
        var logs = new float[v * k * fl];
        var labels = new long[v];
        var metricPresent = new float[v];
        var logPresent = new float[v];
        var nodePresent = new bool[v];
        var edges = new List<(int Window, int Source, int Target)>();
        var edgeIndex = new Dictionary<(int, int), int>();
        var traceRows = new List<float[]>();

        for (var w = 0; w < b; w++)
        {
            var window = windows[w];
            if (window.Length != k || window.NodeCount != n)
            {
                throw new ArgumentException($"All windows of a batch need the same length and node count; window {w} has k = {window.Length}, N = {window.NodeCount}, expected {k} and {n}.", nameof(windows));
            }

            edgeIndex.Clear();
            for (var t = 0; t < k; t++)
            {
                var g = window.Graphs[t];
                if (g.NodeFeatureCount != f || g.EdgeFeatureCount != fs)
                {
                    throw new ArgumentException($"Graph of step {g.Step} has F = {g.NodeFeatureCount}, F_s = {g.EdgeFeatureCount}; the model expects {f} and {fs}.", nameof(windows));
                }

                for (var node = 0; node < n; node++)
                {
                    var row = ((((w * n) + node) * k) + t);
                    g.NodeFeatures.AsSpan(node * f, fm).CopyTo(metrics.AsSpan(row * fm, fm));
                    g.NodeFeatures.AsSpan((node * f) + fm, fl).CopyTo(logs.AsSpan(row * fl, fl));
                }

                for (var e = 0; e < g.EdgeCount; e++)
                {
                    var key = (g.Sources[e], g.Targets[e]);
                    if (!edgeIndex.TryGetValue(key, out var index))
                    {
                        index = edges.Count;
                        edgeIndex.Add(key, index);
                        edges.Add((w, key.Item1, key.Item2));
                        traceRows.Add(new float[k * fs]);
                    }

                    g.EdgeFeatures.AsSpan(e * fs, fs).CopyTo(traceRows[index].AsSpan(t * fs, fs));
                }
            }

            var last = window.Last;
            for (var node = 0; node < n; node++)
            {
                var i = (w * n) + node;
                labels[i] = window.LastLabel(node);
                var mask = (ModalityMask)last.Mask[node];
                metricPresent[i] = mask.HasFlag(ModalityMask.Metrics) ? 1 : 0;
                logPresent[i] = mask.HasFlag(ModalityMask.Logs) ? 1 : 0;
                nodePresent[i] = mask != ModalityMask.None;
            }
        }

        var edgeCount = edges.Count;
        var traces = new float[edgeCount * k * fs];
        for (var e = 0; e < edgeCount; e++)
        {
            traceRows[e].CopyTo(traces, e * k * fs);
        }

        var sourceNodes = edges.Select(e => (e.Window * n) + e.Source).ToArray();
        var targetNodes = edges.Select(e => (e.Window * n) + e.Target).ToArray();
        var sources = Array.ConvertAll(sourceNodes, i => (long)i);
        var targets = Array.ConvertAll(targetNodes, i => (long)i);
        var lines = new List<(int From, int To, int Node)>();
        LineGraph.Build(sourceNodes, targetNodes, v, new int[LineGraph.WorkLength(v, edgeCount)], lines);
        var lineSources = lines.Select(l => (long)l.From).ToList();
        var lineTargets = lines.Select(l => (long)l.To).ToList();
        var lineNodes = lines.Select(l => (long)l.Node).ToList();

        return new WindowArrays
        {
            WindowCount = b,
            Steps = k,
            NodesPerWindow = n,
            Metrics = metrics,
            Logs = logs,
            Traces = traces,
            Sources = sources,
            Targets = targets,
            LineSources = [.. lineSources],
            LineTargets = [.. lineTargets],
            LineNodes = [.. lineNodes],
            SourcesWithLoops = [.. sources, .. Loops(v)],
            TargetsWithLoops = [.. targets, .. Loops(v)],
            LineSourcesWithLoops = [.. lineSources, .. Loops(edgeCount)],
            LineTargetsWithLoops = [.. lineTargets, .. Loops(edgeCount)],
            Labels = labels,
            MetricPresent = metricPresent,
            LogPresent = logPresent,
            NodePresent = nodePresent,
            Edges = [.. edges],
        };
    }

    private static IEnumerable<long> Loops(int count) => Enumerable.Range(0, count).Select(i => (long)i);
}
