using MstGad.Features;

namespace MstGad.Graph;

/// <summary>
/// The MST graph of one step, <c>G_t = (V_t, A_t, E_t)</c>: node features and modality masks of every
/// registered instance, and the call edges as a sparse list with their features.
/// </summary>
/// <remarks>
/// Shapes: <see cref="NodeFeatures"/> is <c>[N × F]</c> row-major; <see cref="Mask"/> is <c>[N]</c>
/// (<see cref="ModalityMask"/> bits); <see cref="Sources"/>/<see cref="Targets"/> are <c>[E]</c>;
/// <see cref="EdgeFeatures"/> is <c>[E × F_s]</c>. Instances absent in the step have zero features and an
/// empty mask. For small N, <see cref="DenseAdjacency"/> and <see cref="DenseEdgeFeatures"/> give
/// <c>[N × N]</c> and <c>[N × N × F_s]</c> arrays (index <c>source · N + target</c>).
/// </remarks>
public sealed class MstGraph
{
    /// <summary>Creates a graph (arrays are taken, not copied).</summary>
    /// <param name="step">The step index.</param>
    /// <param name="clock">The step clock.</param>
    /// <param name="nodeCount">N.</param>
    /// <param name="nodeFeatureCount">F.</param>
    /// <param name="nodeFeatures">[N × F].</param>
    /// <param name="mask">[N].</param>
    /// <param name="sources">[E] caller indices.</param>
    /// <param name="targets">[E] callee indices.</param>
    /// <param name="edgeFeatureCount">F_s.</param>
    /// <param name="edgeFeatures">[E × F_s].</param>
    /// <exception cref="ArgumentException">The array lengths do not match the counts.</exception>
    public MstGraph(long step, StepClock clock, int nodeCount, int nodeFeatureCount, float[] nodeFeatures, byte[] mask, int[] sources, int[] targets, int edgeFeatureCount, float[] edgeFeatures)
    {
        ArgumentNullException.ThrowIfNull(nodeFeatures);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(edgeFeatures);
        if (nodeFeatures.Length != (long)nodeCount * nodeFeatureCount || mask.Length != nodeCount ||
            sources.Length != targets.Length || edgeFeatures.Length != (long)sources.Length * edgeFeatureCount)
        {
            throw new ArgumentException($"Graph arrays do not match N = {nodeCount}, F = {nodeFeatureCount}, E = {sources.Length}, F_s = {edgeFeatureCount}.");
        }

        if (sources.Any(s => (uint)s >= (uint)nodeCount) || targets.Any(t => (uint)t >= (uint)nodeCount))
        {
            throw new ArgumentException($"An edge refers to a node outside 0..{nodeCount - 1}.");
        }

        Step = step;
        Start = clock.StartOf(step);
        End = clock.EndOf(step);
        NodeCount = nodeCount;
        NodeFeatureCount = nodeFeatureCount;
        NodeFeatures = nodeFeatures;
        Mask = mask;
        Sources = sources;
        Targets = targets;
        EdgeFeatureCount = edgeFeatureCount;
        EdgeFeatures = edgeFeatures;
    }

    /// <summary>The step index.</summary>
    public long Step { get; }

    /// <summary>The start of the step.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The end of the step.</summary>
    public DateTimeOffset End { get; }

    /// <summary>N, the number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>F, the number of node features.</summary>
    public int NodeFeatureCount { get; }

    /// <summary>Node features, <c>[N × F]</c>.</summary>
    public float[] NodeFeatures { get; }

    /// <summary>Observed modalities per node, <c>[N]</c>.</summary>
    public byte[] Mask { get; }

    /// <summary>E, the number of edges.</summary>
    public int EdgeCount => Sources.Length;

    /// <summary>Caller node per edge, <c>[E]</c>.</summary>
    public int[] Sources { get; }

    /// <summary>Callee node per edge, <c>[E]</c>.</summary>
    public int[] Targets { get; }

    /// <summary>F_s, the number of edge features.</summary>
    public int EdgeFeatureCount { get; }

    /// <summary>Edge features, <c>[E × F_s]</c>.</summary>
    public float[] EdgeFeatures { get; }

    /// <summary>
    /// Each node's template sequence of the step as vocabulary positions, −1 after the last (<c>[node · L + position]</c>),
    /// when the features keep them (<see cref="FeatureOptions.TemplateSequenceLength"/>); otherwise <see langword="null"/>.
    /// </summary>
    public int[]? Templates { get; init; }

    /// <summary>The length L of a node's row of <see cref="Templates"/> (0 without them).</summary>
    public int TemplateSequenceLength => Templates is null || NodeCount == 0 ? 0 : Templates.Length / NodeCount;

    /// <summary>The adjacency matrix <c>[N × N]</c>: 1 where an edge source → target exists.</summary>
    /// <returns>A new array.</returns>
    public float[] DenseAdjacency()
    {
        var a = new float[NodeCount * NodeCount];
        for (var e = 0; e < EdgeCount; e++)
        {
            a[(Sources[e] * NodeCount) + Targets[e]] = 1;
        }

        return a;
    }

    /// <summary>The edge features as a dense tensor <c>[N × N × F_s]</c> (zero where no edge).</summary>
    /// <returns>A new array.</returns>
    public float[] DenseEdgeFeatures()
    {
        var dense = new float[NodeCount * NodeCount * EdgeFeatureCount];
        for (var e = 0; e < EdgeCount; e++)
        {
            EdgeFeatures.AsSpan(e * EdgeFeatureCount, EdgeFeatureCount)
                .CopyTo(dense.AsSpan(((Sources[e] * NodeCount) + Targets[e]) * EdgeFeatureCount));
        }

        return dense;
    }
}
