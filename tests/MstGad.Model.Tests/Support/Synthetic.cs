using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Model.Tests.Support;

/// <summary>Small hand-made windows and model settings for the model tests.</summary>
internal static class Synthetic
{
    public static readonly StepClock Clock = new(TimeSpan.FromSeconds(10));

    /// <summary>Metric, log and edge widths of the synthetic windows.</summary>
    public static readonly InputShape Shape = new(3, 2, 2);

    /// <summary>A fixed call graph on 5 nodes: a chain with a fork and a self-call (0→1, 1→2, 1→3, 3→4, 2→2).</summary>
    public static readonly (int Source, int Target)[] CallGraph = [(0, 1), (1, 2), (1, 3), (3, 4), (2, 2)];

    /// <summary>Small network settings: fast, every module present, dropout off.</summary>
    public static ModelOptions SmallOptions(Action<ModelOptions>? configure = null)
    {
        var options = new ModelOptions
        {
            MetricDimension = 8,
            LogDimension = 8,
            TraceDimension = 4,
            Heads = 2,
            EdgeHeads = 2,
            EncoderLayers = 1,
            DecoderLayers = 1,
            FeedForwardMultiplier = 2,
            Dropout = 0,
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>
    /// Consecutive graphs of <paramref name="nodes"/> nodes over <see cref="CallGraph"/> (edges whose
    /// ends are out of range left out), random features in [0, 1), every node present; edge e is left
    /// out of step t when <c>(t + e) % 4 == 3</c>, so the windows' edge sets vary.
    /// </summary>
    public static List<MstGraph> Graphs(int steps, int seed, int nodes = 5, InputShape? shape = null, long firstStep = 1000)
    {
        var s = shape ?? Shape;
        var random = new Random(seed);
        var graphs = new List<MstGraph>(steps);
        var edges = CallGraph.Where(e => e.Source < nodes && e.Target < nodes).ToArray();
        for (var t = 0; t < steps; t++)
        {
            var features = new float[nodes * s.NodeFeatures];
            for (var i = 0; i < features.Length; i++)
            {
                features[i] = (float)random.NextDouble();
            }

            var present = s.EdgeFeatures == 0 ? [] : edges.Where((_, e) => (t + e) % 4 != 3).ToArray();
            var edgeFeatures = new float[present.Length * s.EdgeFeatures];
            for (var i = 0; i < edgeFeatures.Length; i++)
            {
                edgeFeatures[i] = (float)random.NextDouble();
            }

            graphs.Add(new MstGraph(
                firstStep + t, Clock, nodes, s.NodeFeatures, features, Enumerable.Repeat((byte)(ModalityMask.Metrics | ModalityMask.Logs | ModalityMask.Traces), nodes).ToArray(),
                [.. present.Select(e => e.Source)], [.. present.Select(e => e.Target)], s.EdgeFeatures, edgeFeatures));
        }

        return graphs;
    }

    /// <summary>
    /// Windows of length <paramref name="k"/> over <see cref="Graphs"/>; the last step's labels cycle
    /// through unknown, normal, normal, abnormal, unknown… by node and step.
    /// </summary>
    public static List<GraphWindow> Windows(int count, int seed, int k = 4, int nodes = 5, InputShape? shape = null)
    {
        var graphs = Graphs(count + k - 1, seed, nodes, shape);
        var labels = new sbyte[graphs.Count * nodes];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = (i % 4) switch
            {
                0 => Labels.Unknown,
                3 => Labels.Abnormal,
                _ => Labels.Normal,
            };
        }

        return [.. GraphWindow.Slide(graphs, k, 1, labels)];
    }

    /// <summary>A copy of a graph with node features (and optionally edge features) transformed.</summary>
    public static MstGraph With(MstGraph g, Func<float, float> node, Func<float, float>? edge = null) => new(
        g.Step, Clock, g.NodeCount, g.NodeFeatureCount, [.. g.NodeFeatures.Select(node)], [.. g.Mask],
        [.. g.Sources], [.. g.Targets], g.EdgeFeatureCount, [.. g.EdgeFeatures.Select(edge ?? (x => x))]);
}
