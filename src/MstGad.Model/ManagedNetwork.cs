using MstGad.Features;
using MstGad.Graph;
using static TorchSharp.torch;
using Buf = System.ArraySegment<float>;

namespace MstGad.Model;

/// <summary>
/// The trained network's inference on one window in plain managed code: the same computation as
/// <see cref="MstgadNetwork.Forward"/> in evaluation mode (no dropout), over copies of its weights, without a libtorch
/// call per operation. Every intermediate array is a slice of a reused block (<see cref="ManagedScratch"/>), so a
/// window allocates only what it returns. Results equal the network's to float rounding (summation order, fused
/// multiply-adds), and are deterministic: the same weights and window give the same bits on any thread.
/// </summary>
internal sealed class ManagedNetwork
{
    private readonly Dense? _embedMetrics;
    private readonly Dense? _embedLogs;
    private readonly Dense? _embedTraces;
    private readonly ManagedBlocks[] _encoder;
    private readonly ManagedBlocks[] _decoder;
    private readonly Dense? _reconstructMetrics;
    private readonly Dense? _reconstructLogs;
    private readonly Dense? _reconstructTraces;
    private readonly Dense? _traceToNodes;
    private readonly Dense _classifierIn;
    private readonly Dense _classifierOut;
    private readonly InputShape _shape;
    private readonly int _fm;
    private readonly int _fl;
    private readonly int _fs;
    private readonly Dictionary<(int Steps, int Width), float[]> _encodings = [];
    private readonly Stack<ManagedScratch> _idle = new();

    internal ManagedNetwork(
        Dense? embedMetrics, Dense? embedLogs, Dense? embedTraces, ManagedBlocks[] encoder, ManagedBlocks[] decoder,
        Dense? reconstructMetrics, Dense? reconstructLogs, Dense? reconstructTraces, Dense? traceToNodes,
        Dense classifierIn, Dense classifierOut, InputShape shape, int fm, int fl, int fs)
    {
        (_embedMetrics, _embedLogs, _embedTraces) = (embedMetrics, embedLogs, embedTraces);
        (_encoder, _decoder) = (encoder, decoder);
        (_reconstructMetrics, _reconstructLogs, _reconstructTraces, _traceToNodes) = (reconstructMetrics, reconstructLogs, reconstructTraces, traceToNodes);
        (_classifierIn, _classifierOut) = (classifierIn, classifierOut);
        _shape = shape;
        (_fm, _fl, _fs) = (fm, fl, fs);
    }

    /// <summary>Width of <see cref="ManagedOutput.Errors"/>.</summary>
    public int ErrorWidth => _fm + _fl + _fs;

    /// <summary>Scores the last step of <paramref name="window"/>.</summary>
    public ManagedOutput Forward(GraphWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        ManagedScratch scratch;
        lock (_idle)
        {
            scratch = _idle.Count > 0 ? _idle.Pop() : new ManagedScratch();
        }

        try
        {
            return Forward(window, scratch);
        }
        finally
        {
            scratch.Reset();
            lock (_idle)
            {
                _idle.Push(scratch);
            }
        }
    }

    private ManagedOutput Forward(GraphWindow window, ManagedScratch s)
    {
        var k = window.Length;
        var g = WindowGraph.Gather(window, _shape, s, withTraces: _fs > 0, out var traces);
        var v = g.Nodes;
        var e = g.Edges;

        // The embedding is a row-wise linear map, so the decoder's input (the window shifted right by a zero step) embeds
        // to the encoder's embedding shifted right, with the bias in the first step: one projection serves both.
        var pm = _fm > 0 ? ProjectNodes(_embedMetrics!, window, 0, k, s) : (Buf?)null;
        var pl = _fl > 0 ? ProjectNodes(_embedLogs!, window, _shape.MetricFeatures, k, s) : (Buf?)null;
        Buf? ps = null;
        if (traces is { } t)
        {
            ps = s.Take(e * k * _embedTraces!.Out);
            _embedTraces.Apply(t, e * k, ps.Value);
        }

        var memory = Streams(
            Encode(Copy(pm, s), v, k, _embedMetrics),
            Encode(Copy(pl, s), v, k, _embedLogs),
            Encode(Copy(ps, s), e, k, _embedTraces),
            k);
        foreach (var layer in _encoder)
        {
            memory = layer.Encode(memory, g, s);
        }

        var x = Streams(
            Encode(ShiftRight(pm, _embedMetrics, v, k, s), v, k, _embedMetrics),
            Encode(ShiftRight(pl, _embedLogs, v, k, s), v, k, _embedLogs),
            Encode(ShiftRight(ps, _embedTraces, e, k, s), e, k, _embedTraces),
            k);
        // Every decoder layer's cross attention reads the same memory: laid out for it once.
        var memoryT = ManagedBlocks.Transposed(memory, g, s);
        for (var i = 0; i < _decoder.Length; i++)
        {
            x = _decoder[i].Decode(x, memoryT, memory.Steps, g, s, lastStepOnly: i == _decoder.Length - 1);
        }

        var width = ErrorWidth;
        var last = window.Last;
        var f = _shape.NodeFeatures;
        var present = new bool[v];
        var metricPresent = s.Take(v);
        var logPresent = s.Take(v);
        for (var node = 0; node < v; node++)
        {
            var mask = (ModalityMask)last.Mask[node];
            metricPresent[node] = mask.HasFlag(ModalityMask.Metrics) ? 1 : 0;
            logPresent[node] = mask.HasFlag(ModalityMask.Logs) ? 1 : 0;
            present[node] = mask != ModalityMask.None;
        }

        var r = s.Take(v * width);
        var offset = 0;
        NodeResiduals(_reconstructMetrics, x.Metrics, x.Steps, x.MetricWidth, last.NodeFeatures, f, 0, _fm, metricPresent, v, r, width, s, ref offset);
        NodeResiduals(_reconstructLogs, x.Logs, x.Steps, x.LogWidth, last.NodeFeatures, f, _shape.MetricFeatures, _fl, logPresent, v, r, width, s, ref offset);

        var edgeErrors = traces is null ? [] : new float[e * _fs];
        if (traces is { } raw)
        {
            var decoded = x.Traces!.Value;
            var sHat = s.Take(e * _fs);
            _reconstructTraces!.Apply(decoded.AsSpan((x.Steps - 1) * x.TraceWidth), e, x.Steps * x.TraceWidth, sHat, _fs);
            var diff = s.Take(e * _fs);
            for (var edge = 0; edge < e; edge++)
            {
                var observed = raw.AsSpan((((edge * k) + k - 1) * _fs), _fs);
                for (var i = 0; i < _fs; i++)
                {
                    var d = observed[i] - sHat[(edge * _fs) + i];
                    diff[(edge * _fs) + i] = d;
                    edgeErrors[(edge * _fs) + i] = d * d;
                }
            }

            // Spread to both end nodes: every edge's difference added at its source, then at its target.
            var spread = s.Zeroed(v * _fs);
            for (var edge = 0; edge < e; edge++)
            {
                Kernels.Add(spread.AsSpan(g.Sources[edge] * _fs, _fs), diff.AsSpan(edge * _fs, _fs));
            }

            for (var edge = 0; edge < e; edge++)
            {
                Kernels.Add(spread.AsSpan(g.Targets[edge] * _fs, _fs), diff.AsSpan(edge * _fs, _fs));
            }

            _traceToNodes!.Apply(spread, v, _fs, r.AsSpan(offset), width);
        }

        var errors = new float[v * width];
        var re = new float[v];
        for (var node = 0; node < v; node++)
        {
            float sum = 0;
            for (var i = 0; i < width; i++)
            {
                var value = r[(node * width) + i];
                errors[(node * width) + i] = value * value;
                sum += value * value;
            }

            re[node] = sum;
        }

        var hidden = s.Take(v * _classifierIn.Out);
        _classifierIn.Apply(errors, v, hidden);
        Kernels.LeakyRelu(hidden, Slopes.FeedForward);
        var logits = s.Take(v * 2);
        _classifierOut.Apply(hidden, v, logits);
        var probability = new float[v];
        for (var node = 0; node < v; node++)
        {
            float l0 = logits[node * 2], l1 = logits[(node * 2) + 1];
            var max = MathF.Max(l0, l1);
            float e0 = MathF.Exp(l0 - max), e1 = MathF.Exp(l1 - max);
            probability[node] = e1 / (e0 + e1);
        }

        var edges = new (int Source, int Target)[e];
        for (var edge = 0; edge < e; edge++)
        {
            edges[edge] = (g.Sources[edge], g.Targets[edge]);
        }

        return new ManagedOutput(errors, re, probability, edgeErrors, edges, present);
    }

    /// <summary>The embedding's linear map of every node's rows of one modality, read in place from each step's graph
    /// (<c>[node, step, out]</c>), without the positional encoding.</summary>
    private static Buf ProjectNodes(Dense embedding, GraphWindow window, int column, int k, ManagedScratch s)
    {
        var n = window.NodeCount;
        var d = embedding.Out;
        var projected = s.Take(n * k * d);
        for (var t = 0; t < k; t++)
        {
            var graph = window.Graphs[t];
            embedding.Apply(graph.NodeFeatures.AsSpan(column), n, graph.NodeFeatureCount, projected.AsSpan(t * d), k * d);
        }

        return projected;
    }

    /// <summary>
    /// Writes one node modality's residuals (the last step's observation minus its reconstruction, zero where the node
    /// had none of that modality) into <paramref name="r"/> (rows of <paramref name="rowWidth"/>) at
    /// <paramref name="offset"/>, and moves the offset past them.
    /// </summary>
    private static void NodeResiduals(Dense? head, Buf? decoded, int decodedSteps, int decodedWidth, float[] observed, int observedStride, int column, int width, Buf present, int v, Buf r, int rowWidth, ManagedScratch s, ref int offset)
    {
        if (decoded is not { } x)
        {
            return;
        }

        var hat = s.Take(v * width);
        head!.Apply(x.AsSpan((decodedSteps - 1) * decodedWidth), v, decodedSteps * decodedWidth, hat, width);
        for (var node = 0; node < v; node++)
        {
            var row = observed.AsSpan((node * observedStride) + column, width);
            for (var i = 0; i < width; i++)
            {
                r[(node * rowWidth) + offset + i] = (row[i] - hat[(node * width) + i]) * present[node];
            }
        }

        offset += width;
    }

    private static Buf? Copy(Buf? x, ManagedScratch s)
    {
        if (x is not { } source)
        {
            return null;
        }

        var copy = s.Take(source.Count);
        source.AsSpan().CopyTo(copy);
        return copy;
    }

    /// <summary>Rows moved one step later; the first step is what the embedding makes of a zero row (its bias).</summary>
    private static Buf? ShiftRight(Buf? projected, Dense? embedding, int entities, int steps, ManagedScratch s)
    {
        if (projected is not { } p || embedding is null)
        {
            return null;
        }

        var d = embedding.Out;
        var shifted = s.Take(p.Count);
        for (var i = 0; i < entities; i++)
        {
            embedding.Bias.CopyTo(shifted.AsSpan(i * steps * d, d));
            p.AsSpan(i * steps * d, (steps - 1) * d).CopyTo(shifted.AsSpan(((i * steps) + 1) * d));
        }

        return shifted;
    }

    private ManagedStreams Streams(Buf? metrics, Buf? logs, Buf? traces, int k) =>
        new(metrics, logs, traces, k, _embedMetrics?.Out ?? 0, _embedLogs?.Out ?? 0, _embedTraces?.Out ?? 0);

    /// <summary>Adds the positional encoding to every entity's steps, in place.</summary>
    private Buf? Encode(Buf? projected, int entities, int k, Dense? embedding)
    {
        if (projected is not { } p || embedding is null)
        {
            return null;
        }

        var d = embedding.Out;
        var encoding = Encoding(k, d);
        for (var i = 0; i < entities; i++)
        {
            Kernels.Add(p.AsSpan(i * k * d, k * d), encoding);
        }

        return p;
    }

    /// <summary>The positional encoding as libtorch computes it (the same float values as the network's).</summary>
    private float[] Encoding(int steps, int width)
    {
        lock (_encodings)
        {
            if (!_encodings.TryGetValue((steps, width), out var encoding))
            {
                using var scope = NewDisposeScope();
                using var normal = inference_mode(false);
                encoding = TensorMath.PositionalEncoding(steps, width, CPU).data<float>().ToArray();
                _encodings.Add((steps, width), encoding);
            }

            return encoding;
        }
    }
}

/// <summary>What <see cref="ManagedNetwork.Forward(GraphWindow)"/> computes for the window's last step: per node the squared
/// residuals (<c>[N, F_m + F_l + F_s]</c>), their sum, the probability of being abnormal; per edge of the window (in
/// the order they first appear) its squared trace residuals (<c>[E, F_s]</c>) and end nodes; which nodes had data.</summary>
internal sealed record ManagedOutput(float[] Errors, float[] ReconstructionError, float[] Probability, float[] EdgeErrors, (int Source, int Target)[] Edges, bool[] NodePresent);

/// <summary>The network's constants as floats (their one definition is in <see cref="Scalars"/>).</summary>
internal static class Slopes
{
    public const float Attention = (float)Scalars.AttentionSlopeValue;
    public const float FeedForward = (float)Scalars.FeedForwardSlopeValue;
    public const float MaxShift = Scalars.MaxShiftValue;
}

/// <summary>The three streams: <c>[entity, step, width]</c> each; <see cref="Steps"/> may be 1 (the last step only).</summary>
internal readonly record struct ManagedStreams(Buf? Metrics, Buf? Logs, Buf? Traces, int Steps, int MetricWidth, int LogWidth, int TraceWidth);

/// <summary>The streams with their entities innermost, <c>[step, width, padded entities]</c> each.</summary>
internal readonly record struct TransposedStreams(Buf? Metrics, Buf? Logs, Buf? Traces);

/// <summary>
/// One window's graph for the attention: its edges in the order they first appear over the steps (as
/// <see cref="WindowArrays"/> orders them), with self-loops, and its line graph (edge e₁ = u → v precedes e₂ = v → w,
/// through node v).
/// </summary>
internal sealed class WindowGraph
{
    private WindowGraph()
    {
    }

    public int Nodes { get; private init; }

    public int Edges { get; private init; }

    public ArraySegment<int> Sources { get; private init; }

    public ArraySegment<int> Targets { get; private init; }

    /// <summary><see cref="Sources"/>, then every node once (its self-loop, last).</summary>
    public ArraySegment<int> SourcesWithLoops { get; private init; }

    /// <summary><see cref="Targets"/>, then every node once.</summary>
    public ArraySegment<int> TargetsWithLoops { get; private init; }

    /// <summary>The line graph's sources, then every edge once (its self-loop, last).</summary>
    public ArraySegment<int> LineSourcesWithLoops { get; private init; }

    /// <summary>The line graph's targets, then every edge once.</summary>
    public ArraySegment<int> LineTargetsWithLoops { get; private init; }

    /// <summary>The node each line-graph edge passes through.</summary>
    public ArraySegment<int> LineNodes { get; private init; }

    /// <summary>Reads the window's graph into <paramref name="s"/>, and <paramref name="withTraces"/> its edge features
    /// <c>[E, k, F_s]</c> (zero where an edge was absent in a step; null otherwise).</summary>
    public static WindowGraph Gather(GraphWindow window, InputShape shape, ManagedScratch s, bool withTraces, out Buf? traces)
    {
        var k = window.Length;
        var n = window.NodeCount;
        int f = shape.NodeFeatures, fs = shape.EdgeFeatures;
        var perStep = 0;
        for (var t = 0; t < k; t++)
        {
            var g = window.Graphs[t];
            if (g.NodeFeatureCount != f || g.EdgeFeatureCount != fs)
            {
                throw new ArgumentException($"Graph of step {g.Step} has F = {g.NodeFeatureCount}, F_s = {g.EdgeFeatureCount}; the model expects {f} and {fs}.", nameof(window));
            }

            perStep += g.EdgeCount;
        }

        // Each (step, edge) → its index in the window, numbered as edges first appear.
        var indexOf = s.TakeInts(perStep);
        for (int t = 0, at = 0; t < k; t++)
        {
            var g = window.Graphs[t];
            for (var edge = 0; edge < g.EdgeCount; edge++, at++)
            {
                var key = (g.Sources[edge], g.Targets[edge]);
                if (!s.EdgeIndex.TryGetValue(key, out var index))
                {
                    index = s.Edges.Count;
                    s.EdgeIndex.Add(key, index);
                    s.Edges.Add(key);
                }

                indexOf[at] = index;
            }
        }

        var e = s.Edges.Count;
        traces = null;
        if (withTraces && fs > 0)
        {
            var values = s.Zeroed(e * k * fs);
            for (int t = 0, at = 0; t < k; t++)
            {
                var g = window.Graphs[t];
                for (var edge = 0; edge < g.EdgeCount; edge++, at++)
                {
                    g.EdgeFeatures.AsSpan(edge * fs, fs).CopyTo(values.AsSpan(((indexOf[at] * k) + t) * fs, fs));
                }
            }

            traces = values;
        }

        var sources = s.TakeInts(e + n);
        var targets = s.TakeInts(e + n);
        for (var edge = 0; edge < e; edge++)
        {
            (sources[edge], targets[edge]) = s.Edges[edge];
        }

        for (var node = 0; node < n; node++)
        {
            sources[e + node] = targets[e + node] = node;
        }

        LineGraph.Build(sources.AsSpan(0, e), targets.AsSpan(0, e), n, s.TakeInts(LineGraph.WorkLength(n, e)), s.Lines);
        var lines = s.Lines.Count;
        var lineSources = s.TakeInts(lines + e);
        var lineTargets = s.TakeInts(lines + e);
        var lineNodes = s.TakeInts(lines);
        for (var l = 0; l < lines; l++)
        {
            (lineSources[l], lineTargets[l], lineNodes[l]) = s.Lines[l];
        }

        for (var edge = 0; edge < e; edge++)
        {
            lineSources[lines + edge] = lineTargets[lines + edge] = edge;
        }

        return new WindowGraph
        {
            Nodes = n,
            Edges = e,
            Sources = sources.Slice(0, e),
            Targets = targets.Slice(0, e),
            SourcesWithLoops = sources,
            TargetsWithLoops = targets,
            LineSourcesWithLoops = lineSources,
            LineTargetsWithLoops = lineTargets,
            LineNodes = lineNodes,
        };
    }
}
