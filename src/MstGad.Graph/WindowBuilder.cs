using MstGad.Features;

namespace MstGad.Graph;

/// <summary>
/// Turns consecutive <see cref="StepFeatures"/> into the sliding windows the model scores, identically for
/// batch detection (steps of a whole aggregate) and online detection (steps as they close): the nodes of
/// a window are the trained instances in their trained order, then every other instance active in any
/// step of the window in ordinal key order; the edges of each graph are ordered by caller then callee node.
/// </summary>
/// <remarks>
/// Keeps only the last k steps. A step that was never added (skipped because nothing was active) counts as
/// empty. Graphs are cached per step while the window's node set stays the same.
/// </remarks>
public sealed class WindowBuilder
{
    private readonly IReadOnlyList<string> _trained;
    private readonly Dictionary<string, int> _trainedIndex;
    private readonly StepClock _clock;
    private readonly int _length;
    private readonly int _nodeFeatures;
    private readonly int _edgeFeatures;
    private readonly SortedDictionary<long, StepFeatures> _steps = [];
    private readonly Dictionary<long, MstGraph> _graphs = [];
    private readonly int _templateSequenceLength;
    private string[] _keys;

    /// <summary>A builder of windows over the trained instances.</summary>
    /// <param name="trainedKeys">The trained instances' keys, in node order.</param>
    /// <param name="clock">The step clock.</param>
    /// <param name="length">The window length k.</param>
    /// <param name="nodeFeatures">Node features per instance (the feature space's).</param>
    /// <param name="edgeFeatures">Features per edge (the feature space's).</param>
    /// <param name="templateSequenceLength">The length of each node's template sequence (<see cref="FeatureOptions.TemplateSequenceLength"/>; 0: none).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is below 1, or a width is negative.</exception>
    public WindowBuilder(IReadOnlyList<string> trainedKeys, StepClock clock, int length, int nodeFeatures, int edgeFeatures, int templateSequenceLength = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(templateSequenceLength);
        _templateSequenceLength = templateSequenceLength;
        ArgumentNullException.ThrowIfNull(trainedKeys);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(nodeFeatures);
        ArgumentOutOfRangeException.ThrowIfNegative(edgeFeatures);
        _trained = trainedKeys;
        _trainedIndex = trainedKeys.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i, StringComparer.Ordinal);
        _clock = clock;
        _length = length;
        _nodeFeatures = nodeFeatures;
        _edgeFeatures = edgeFeatures;
        _keys = [.. trainedKeys];
    }

    /// <summary>The retained steps, oldest first (for checkpoints).</summary>
    public IEnumerable<StepFeatures> Steps => _steps.Values;

    /// <summary>Adds the next step (later than every step added before).</summary>
    /// <param name="step">The step's features (<see cref="FeatureSpace.TransformStep"/>).</param>
    /// <exception cref="InvalidOperationException">The step is not later than the last one added.</exception>
    public void Add(StepFeatures step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (_steps.Count > 0 && step.Step <= _steps.Keys.Last())
        {
            throw new InvalidOperationException($"Steps must be added in order: step {step.Step} follows step {_steps.Keys.Last()}.");
        }

        _steps.Add(step.Step, step);
        var oldest = step.Step - _length + 1;
        while (_steps.Count > 0 && _steps.Keys.First() < oldest)
        {
            _steps.Remove(_steps.Keys.First());
        }

        foreach (var cached in _graphs.Keys.Where(s => s < oldest).ToList())
        {
            _graphs.Remove(cached);
        }
    }

    /// <summary>
    /// The window that ends at <paramref name="step"/> (the last step added), or <see langword="null"/> when no
    /// instance has any modality in that step (nothing to score).
    /// </summary>
    /// <param name="step">The window's last step.</param>
    /// <param name="keys">The instance key of every node.</param>
    /// <returns>The window, or <see langword="null"/>.</returns>
    public GraphWindow? WindowEndingAt(long step, out IReadOnlyList<string> keys)
    {
        keys = _keys;
        if (!_steps.TryGetValue(step, out var last) || !last.Mask.Any(m => m != 0))
        {
            return null;
        }

        var first = step - _length + 1;
        SortedSet<string>? extra = null;
        foreach (var s in _steps.Values)
        {
            if (s.Step >= first)
            {
                foreach (var key in s.Instances)
                {
                    if (!_trainedIndex.ContainsKey(key))
                    {
                        (extra ??= new SortedSet<string>(StringComparer.Ordinal)).Add(key);
                    }
                }
            }
        }

        var count = _trained.Count + (extra?.Count ?? 0);
        if (count != _keys.Length || (extra is not null && !extra.SequenceEqual(_keys.Skip(_trained.Count), StringComparer.Ordinal)))
        {
            _keys = [.. _trained, .. extra ?? []];
            _graphs.Clear();
        }

        keys = _keys;
        var graphs = new MstGraph[_length];
        for (var t = 0; t < _length; t++)
        {
            var s = first + t;
            if (!_graphs.TryGetValue(s, out var graph))
            {
                graph = Build(_steps.GetValueOrDefault(s) ?? StepFeatures.Empty(s));
                _graphs.Add(s, graph);
            }

            graphs[t] = graph;
        }

        return new GraphWindow(graphs, null);
    }

    private MstGraph Build(StepFeatures step)
    {
        var n = _keys.Length;
        var f = _nodeFeatures;
        var fs = _edgeFeatures;
        var node = new float[n * f];
        var mask = new byte[n];
        var length = _templateSequenceLength;
        int[]? templates = null;
        if (length > 0)
        {
            templates = new int[n * length];
            Array.Fill(templates, -1);
        }

        var nodeOf = new int[step.Instances.Length];
        var extraIndex = _keys.Length == _trained.Count ? null : _keys.Skip(_trained.Count).Select((k, i) => (k, i)).ToDictionary(p => p.k, p => _trained.Count + p.i, StringComparer.Ordinal);
        for (var p = 0; p < step.Instances.Length; p++)
        {
            var key = step.Instances[p];
            nodeOf[p] = _trainedIndex.TryGetValue(key, out var i) ? i : extraIndex![key];
            step.Node.AsSpan(p * f, f).CopyTo(node.AsSpan(nodeOf[p] * f, f));
            mask[nodeOf[p]] = step.Mask[p];
            if (length > 0 && step.Templates is not null)
            {
                step.Templates.AsSpan(p * length, length).CopyTo(templates.AsSpan(nodeOf[p] * length, length));
            }
        }

        var edges = step.Edges;
        var order = Enumerable.Range(0, edges.Count)
            .OrderBy(e => nodeOf[edges.Sources[e]])
            .ThenBy(e => nodeOf[edges.Targets[e]])
            .ToArray();
        var sources = new int[order.Length];
        var targets = new int[order.Length];
        var features = new float[order.Length * fs];
        for (var e = 0; e < order.Length; e++)
        {
            sources[e] = nodeOf[edges.Sources[order[e]]];
            targets[e] = nodeOf[edges.Targets[order[e]]];
            edges.Features.AsSpan(order[e] * fs, fs).CopyTo(features.AsSpan(e * fs, fs));
        }

        return new MstGraph(step.Step, _clock, n, f, node, mask, sources, targets, fs, features) { Templates = templates };
    }
}
