using MstGad.Features;

namespace MstGad.Graph;

/// <summary>Builds per-step MST graphs from a <see cref="FeatureFrame"/> with node indices from an <see cref="InstanceRegistry"/>.</summary>
public static class GraphBuilder
{
    /// <summary>
    /// Builds one graph per step of the frame. Instances of the frame are registered (new ones get new
    /// indices); every graph has N = the registry's size after that, and registered instances absent from
    /// the frame get zero features and an empty mask.
    /// </summary>
    /// <param name="frame">The features.</param>
    /// <param name="registry">The registry (grown as needed).</param>
    /// <returns>The graphs, in step order.</returns>
    public static IReadOnlyList<MstGraph> Build(FeatureFrame frame, InstanceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(registry);
        var map = frame.Instances.Select(registry.GetOrAdd).ToArray();
        var n = registry.Count;
        var f = frame.NodeFeatureCount;
        var graphs = new MstGraph[frame.StepCount];
        var length = frame.Templates is null ? 0 : frame.TemplateSequenceLength;
        for (var t = 0; t < frame.StepCount; t++)
        {
            var node = new float[n * f];
            var mask = new byte[n];
            int[]? templates = null;
            if (length > 0)
            {
                templates = new int[n * length];
                Array.Fill(templates, -1);
            }

            for (var i = 0; i < frame.Instances.Count; i++)
            {
                frame.Node(t, i).CopyTo(node.AsSpan(map[i] * f, f));
                mask[map[i]] = frame.Mask[(t * frame.Instances.Count) + i];
                frame.Templates?.AsSpan(((t * frame.Instances.Count) + i) * length, length).CopyTo(templates.AsSpan(map[i] * length, length));
            }

            var edges = frame.Edges[t];
            graphs[t] = new MstGraph(
                frame.FirstStep + t,
                frame.Clock,
                n,
                f,
                node,
                mask,
                [.. edges.Sources.Select(s => map[s])],
                [.. edges.Targets.Select(s => map[s])],
                frame.EdgeFeatureCount,
                edges.Features)
            {
                Templates = templates,
            };
        }

        return graphs;
    }
}
