namespace MstGad.Model;

/// <summary>
/// The line graph of a call graph, as the spatial attention reads it: edge e₁ = u → v precedes edge e₂ = v → w
/// (e₂ ≠ e₁), its attribute from node v. One definition for the libtorch batch (<see cref="WindowArrays"/>) and the
/// managed inference (<see cref="WindowGraph"/>), so both see the same line-graph edges in the same order.
/// </summary>
internal static class LineGraph
{
    /// <summary>
    /// Appends to <paramref name="lines"/> every line-graph edge (e₁, e₂, v), ordered by e₁ and then e₂.
    /// <paramref name="work"/> holds at least <c>2 · nodes + 1 + edges</c> ints; its content is overwritten.
    /// </summary>
    public static void Build(ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, int nodes, Span<int> work, List<(int From, int To, int Node)> lines)
    {
        var edges = sources.Length;

        // The edges leaving each node, in index order (compressed rows).
        var start = work[..(nodes + 1)];
        var cursor = work.Slice(nodes + 1, nodes);
        var leaving = work.Slice((2 * nodes) + 1, edges);
        start.Clear();
        for (var edge = 0; edge < edges; edge++)
        {
            start[sources[edge] + 1]++;
        }

        for (var node = 0; node < nodes; node++)
        {
            start[node + 1] += start[node];
        }

        start[..nodes].CopyTo(cursor);
        for (var edge = 0; edge < edges; edge++)
        {
            leaving[cursor[sources[edge]]++] = edge;
        }

        for (var first = 0; first < edges; first++)
        {
            var through = targets[first];
            for (var p = start[through]; p < start[through + 1]; p++)
            {
                if (leaving[p] != first)
                {
                    lines.Add((first, leaving[p], through));
                }
            }
        }
    }

    /// <summary>Ints <see cref="Build"/> needs as work space.</summary>
    public static int WorkLength(int nodes, int edges) => (2 * nodes) + 1 + edges;
}
