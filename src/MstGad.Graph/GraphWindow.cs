namespace MstGad.Graph;

/// <summary>
/// A sliding window <c>D_t = {G_(t−k+1) … G_t}</c> of k consecutive graphs with the labels of its
/// steps; the window's label is that of its last step.
/// </summary>
/// <param name="Graphs">The k graphs, oldest first, all with the same N.</param>
/// <param name="Labels">Labels <c>[k × N]</c> (1, 0, −1), or <see langword="null"/> when unlabelled.</param>
public sealed record GraphWindow(IReadOnlyList<MstGraph> Graphs, sbyte[]? Labels)
{
    /// <summary>k, the window length.</summary>
    public int Length => Graphs.Count;

    /// <summary>N, the number of nodes.</summary>
    public int NodeCount => Graphs[^1].NodeCount;

    /// <summary>The last (scored) graph.</summary>
    public MstGraph Last => Graphs[^1];

    /// <summary>The label of a node at the last step (−1 when unlabelled).</summary>
    /// <param name="node">The node index.</param>
    /// <returns>1, 0 or −1.</returns>
    public sbyte LastLabel(int node) => Labels is null ? Graph.Labels.Unknown : Labels[((Length - 1) * NodeCount) + node];

    /// <summary>Whether any step of the window is labelled abnormal for a node (false when unlabelled).</summary>
    /// <param name="node">The node index.</param>
    /// <returns>Whether a step's label is 1.</returns>
    public bool AnyLabelAbnormal(int node)
    {
        if (Labels is null)
        {
            return false;
        }

        for (var s = 0; s < Length; s++)
        {
            if (Labels[(s * NodeCount) + node] == Graph.Labels.Abnormal)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Slides a window of <paramref name="length"/> steps over consecutive graphs with a stride.
    /// </summary>
    /// <param name="graphs">The graphs in step order (consecutive steps, same N).</param>
    /// <param name="length">k, at least 1.</param>
    /// <param name="stride">Steps between window ends, at least 1.</param>
    /// <param name="labels">Labels <c>[T × N]</c> aligned with <paramref name="graphs"/>, or <see langword="null"/>.</param>
    /// <returns>The windows, ending at graphs k−1, k−1+stride, …</returns>
    /// <exception cref="ArgumentException">Graphs are not consecutive or differ in N, or the labels do not match.</exception>
    public static IEnumerable<GraphWindow> Slide(IReadOnlyList<MstGraph> graphs, int length, int stride = 1, sbyte[]? labels = null)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (graphs.Count == 0)
        {
            return [];
        }

        var n = graphs[0].NodeCount;
        for (var t = 1; t < graphs.Count; t++)
        {
            if (graphs[t].Step != graphs[t - 1].Step + 1 || graphs[t].NodeCount != n)
            {
                throw new ArgumentException($"Graphs must be consecutive steps with the same node count; graph {t} (step {graphs[t].Step}, N = {graphs[t].NodeCount}) follows step {graphs[t - 1].Step} (N = {n}).", nameof(graphs));
            }
        }

        if (labels is not null && labels.Length != (long)graphs.Count * n)
        {
            throw new ArgumentException($"Labels have {labels.Length} entries; expected T × N = {graphs.Count} × {n}.", nameof(labels));
        }

        return Iterate(graphs, length, stride, labels, n);
    }

    private static IEnumerable<GraphWindow> Iterate(IReadOnlyList<MstGraph> graphs, int length, int stride, sbyte[]? labels, int n)
    {
        for (var end = length - 1; end < graphs.Count; end += stride)
        {
            var start = end - length + 1;
            var slice = new MstGraph[length];
            for (var i = 0; i < length; i++)
            {
                slice[i] = graphs[start + i];
            }

            yield return new GraphWindow(slice, labels?.AsSpan(start * n, length * n).ToArray());
        }
    }
}
