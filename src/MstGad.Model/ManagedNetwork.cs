using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MstGad.Model;

/// <summary>
/// The trained network's inference on one window in plain managed code: the same computation as
/// <see cref="MstgadNetwork.Forward"/> in evaluation mode (no dropout), over copies of its weights, without a libtorch
/// call per operation. Scoring a window is a few million multiply-adds; libtorch spends most of its time dispatching
/// some 800 small operations, this spends it on the arithmetic. Results equal the network's to float rounding
/// (summation order), and are deterministic: the same weights and window give the same bits on any thread.
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
    private readonly int _fm;
    private readonly int _fl;
    private readonly int _fs;
    private readonly Dictionary<(int Steps, int Width), float[]> _encodings = [];

    internal ManagedNetwork(
        Dense? embedMetrics, Dense? embedLogs, Dense? embedTraces, ManagedBlocks[] encoder, ManagedBlocks[] decoder,
        Dense? reconstructMetrics, Dense? reconstructLogs, Dense? reconstructTraces, Dense? traceToNodes,
        Dense classifierIn, Dense classifierOut, int fm, int fl, int fs)
    {
        (_embedMetrics, _embedLogs, _embedTraces) = (embedMetrics, embedLogs, embedTraces);
        (_encoder, _decoder) = (encoder, decoder);
        (_reconstructMetrics, _reconstructLogs, _reconstructTraces, _traceToNodes) = (reconstructMetrics, reconstructLogs, reconstructTraces, traceToNodes);
        (_classifierIn, _classifierOut) = (classifierIn, classifierOut);
        (_fm, _fl, _fs) = (fm, fl, fs);
    }

    /// <summary>Width of <see cref="ManagedOutput.Errors"/>.</summary>
    public int ErrorWidth => _fm + _fl + _fs;

    /// <summary>Scores the single window in <paramref name="a"/>.</summary>
    public ManagedOutput Forward(WindowArrays a)
    {
        if (a.WindowCount != 1)
        {
            throw new ArgumentException("The managed network scores one window at a time.", nameof(a));
        }

        var k = a.Steps;
        var g = new WindowGraph(a);
        var metrics = _fm > 0 ? a.Metrics : null;
        var logs = _fl > 0 ? a.Logs : null;
        var traces = _fs > 0 ? a.Traces : null;

        // The embedding is a row-wise linear map, so the decoder's input (the window shifted right by a zero step) embeds
        // to the encoder's embedding shifted right, with the bias in the first step: one projection serves both.
        var pm = Project(_embedMetrics, metrics, g.Nodes, k);
        var pl = Project(_embedLogs, logs, g.Nodes, k);
        var ps = Project(_embedTraces, traces, g.Edges, k);
        var memory = Streams(Encode(pm, g.Nodes, k, _embedMetrics, copy: true), Encode(pl, g.Nodes, k, _embedLogs, copy: true), Encode(ps, g.Edges, k, _embedTraces, copy: true), k);
        foreach (var layer in _encoder)
        {
            memory = layer.Encode(memory, g);
        }

        var x = Streams(
            Encode(ShiftRight(pm, _embedMetrics, g.Nodes, k), g.Nodes, k, _embedMetrics, copy: false),
            Encode(ShiftRight(pl, _embedLogs, g.Nodes, k), g.Nodes, k, _embedLogs, copy: false),
            Encode(ShiftRight(ps, _embedTraces, g.Edges, k), g.Edges, k, _embedTraces, copy: false),
            k);
        for (var i = 0; i < _decoder.Length; i++)
        {
            x = _decoder[i].Decode(x, memory, g, lastStepOnly: i == _decoder.Length - 1);
        }

        var v = g.Nodes;
        var width = ErrorWidth;
        var r = new float[v * width];
        var offset = 0;
        float[]? sHat = null;
        var mHat = NodeResiduals(_reconstructMetrics, metrics, x.Metrics, x.Steps, x.MetricWidth, _fm, a.MetricPresent, v, k, r, width, ref offset);
        var lHat = NodeResiduals(_reconstructLogs, logs, x.Logs, x.Steps, x.LogWidth, _fl, a.LogPresent, v, k, r, width, ref offset);

        var edgeErrors = Array.Empty<float>();
        if (traces is not null)
        {
            var e = g.Edges;
            sHat = _reconstructTraces!.Apply(LastStep(x.Traces!, e, x.Steps, x.TraceWidth), e);
            var last = LastStep(traces, e, k, _fs);
            var diff = new float[e * _fs];
            edgeErrors = new float[e * _fs];
            for (var i = 0; i < diff.Length; i++)
            {
                diff[i] = last[i] - sHat[i];
                edgeErrors[i] = diff[i] * diff[i];
            }

            // Spread to both end nodes: every edge's difference added at its source, then at its target.
            var spread = new float[v * _fs];
            for (var edge = 0; edge < e; edge++)
            {
                var at = spread.AsSpan((int)a.Sources[edge] * _fs, _fs);
                TensorPrimitives.Add(at, diff.AsSpan(edge * _fs, _fs), at);
            }

            for (var edge = 0; edge < e; edge++)
            {
                var at = spread.AsSpan((int)a.Targets[edge] * _fs, _fs);
                TensorPrimitives.Add(at, diff.AsSpan(edge * _fs, _fs), at);
            }

            var nodes = _traceToNodes!.Apply(spread, v);
            for (var node = 0; node < v; node++)
            {
                nodes.AsSpan(node * _fs, _fs).CopyTo(r.AsSpan((node * width) + offset, _fs));
            }
        }

        var errors = new float[r.Length];
        var re = new float[v];
        for (var node = 0; node < v; node++)
        {
            float sum = 0;
            for (var f = 0; f < width; f++)
            {
                var value = r[(node * width) + f];
                errors[(node * width) + f] = value * value;
                sum += value * value;
            }

            re[node] = sum;
        }

        var hidden = _classifierIn.Apply(errors, v);
        LeakyRelu(hidden, Slopes.FeedForward);
        var logits = _classifierOut.Apply(hidden, v);
        var probability = new float[v];
        for (var node = 0; node < v; node++)
        {
            float l0 = logits[node * 2], l1 = logits[(node * 2) + 1];
            var max = MathF.Max(l0, l1);
            float e0 = MathF.Exp(l0 - max), e1 = MathF.Exp(l1 - max);
            probability[node] = e1 / (e0 + e1);
        }

        return new ManagedOutput(errors, re, probability, edgeErrors, mHat, lHat, sHat);
    }

    /// <summary>
    /// Writes one node modality's residuals (last step minus its reconstruction, zero where the node had none of that
    /// modality) into <paramref name="r"/> (rows of <paramref name="rowWidth"/>) at <paramref name="offset"/>, moves the offset past them, and returns the
    /// reconstruction (null when the modality is not used).
    /// </summary>
    private static float[]? NodeResiduals(Dense? head, float[]? raw, float[]? decoded, int decodedSteps, int decodedWidth, int width, float[] present, int v, int k, float[] r, int rowWidth, ref int offset)
    {
        if (raw is null)
        {
            return null;
        }

        var hat = head!.Apply(LastStep(decoded!, v, decodedSteps, decodedWidth), v);
        var last = LastStep(raw, v, k, width);
        for (var node = 0; node < v; node++)
        {
            for (var f = 0; f < width; f++)
            {
                r[(node * rowWidth) + offset + f] = (last[(node * width) + f] - hat[(node * width) + f]) * present[node];
            }
        }

        offset += width;
        return hat;
    }

    internal static float[] LastStep(float[] x, int entities, int steps, int width)
    {
        var last = new float[entities * width];
        for (var i = 0; i < entities; i++)
        {
            x.AsSpan((((i * steps) + steps - 1) * width), width).CopyTo(last.AsSpan(i * width, width));
        }

        return last;
    }

    internal static void LeakyRelu(Span<float> x, float slope)
    {
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] < 0)
            {
                x[i] *= slope;
            }
        }
    }

    /// <summary>The embedding's linear map of every row, without the positional encoding.</summary>
    private static float[]? Project(Dense? embedding, float[]? x, int entities, int k) =>
        embedding is null || x is null ? null : embedding.Apply(x, entities * k);

    /// <summary>Rows moved one step later; the first step is what the embedding makes of a zero row (its bias).</summary>
    private static float[]? ShiftRight(float[]? projected, Dense? embedding, int entities, int steps)
    {
        if (projected is null || embedding is null)
        {
            return null;
        }

        var d = embedding.Out;
        var shifted = new float[projected.Length];
        for (var i = 0; i < entities; i++)
        {
            embedding.Bias.CopyTo(shifted.AsSpan(i * steps * d, d));
            projected.AsSpan(i * steps * d, (steps - 1) * d).CopyTo(shifted.AsSpan(((i * steps) + 1) * d));
        }

        return shifted;
    }

    private ManagedStreams Streams(float[]? metrics, float[]? logs, float[]? traces, int k) =>
        new(metrics, logs, traces, k, _embedMetrics?.Out ?? 0, _embedLogs?.Out ?? 0, _embedTraces?.Out ?? 0);

    /// <summary>Adds the positional encoding to every entity's steps (to a copy when <paramref name="copy"/>).</summary>
    private float[]? Encode(float[]? projected, int entities, int k, Dense? embedding, bool copy)
    {
        if (projected is null || embedding is null)
        {
            return null;
        }

        var e = copy ? (float[])projected.Clone() : projected;
        var d = embedding.Out;
        var encoding = Encoding(k, d);
        for (var i = 0; i < entities; i++)
        {
            var rows = e.AsSpan(i * k * d, k * d);
            TensorPrimitives.Add(rows, encoding, rows);
        }

        return e;
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

/// <summary>What <see cref="ManagedNetwork.Forward"/> computes for the window's last step (the layout of <see cref="NetworkOutput"/>).</summary>
internal sealed record ManagedOutput(float[] Errors, float[] ReconstructionError, float[] Probability, float[] EdgeErrors, float[]? MetricReconstruction, float[]? LogReconstruction, float[]? TraceReconstruction);

/// <summary>The network's constants as floats (their one definition is in <see cref="Scalars"/>).</summary>
internal static class Slopes
{
    public const float Attention = (float)Scalars.AttentionSlopeValue;
    public const float FeedForward = (float)Scalars.FeedForwardSlopeValue;
    public const float MaxShift = Scalars.MaxShiftValue;
}

/// <summary>The three streams: <c>[entity, step, width]</c> each; <see cref="Steps"/> may be 1 (the last step only).</summary>
internal readonly record struct ManagedStreams(float[]? Metrics, float[]? Logs, float[]? Traces, int Steps, int MetricWidth, int LogWidth, int TraceWidth);

/// <summary>One window's graph for the attention (<see cref="WindowArrays"/>'s edges with self-loops and line graph as int indices).</summary>
internal sealed class WindowGraph
{
    public WindowGraph(WindowArrays a)
    {
        Nodes = a.NodeCount;
        Edges = a.EdgeCount;
        SourcesWithLoops = Array.ConvertAll(a.SourcesWithLoops, i => (int)i);
        TargetsWithLoops = Array.ConvertAll(a.TargetsWithLoops, i => (int)i);
        LineSourcesWithLoops = Array.ConvertAll(a.LineSourcesWithLoops, i => (int)i);
        LineTargetsWithLoops = Array.ConvertAll(a.LineTargetsWithLoops, i => (int)i);
        LineNodes = Array.ConvertAll(a.LineNodes, i => (int)i);
    }

    public int Nodes { get; }

    public int Edges { get; }

    public int[] SourcesWithLoops { get; }

    public int[] TargetsWithLoops { get; }

    public int[] LineSourcesWithLoops { get; }

    public int[] LineTargetsWithLoops { get; }

    public int[] LineNodes { get; }
}

/// <summary>A linear layer <c>y = x·Wᵀ + b</c> over rows, the weight kept transposed for a vectorised row update.</summary>
internal sealed class Dense
{
    private readonly float[] _transposed; // [in, out]
    private readonly float[]? _bias;

    public Dense(float[] weight, float[]? bias, int inputs, int outputs)
    {
        In = inputs;
        Out = outputs;
        _bias = bias;
        _transposed = new float[inputs * outputs];
        for (var o = 0; o < outputs; o++)
        {
            for (var i = 0; i < inputs; i++)
            {
                _transposed[(i * outputs) + o] = weight[(o * inputs) + i];
            }
        }
    }

    public int In { get; }

    public int Out { get; }

    /// <summary>The bias (zeros when the layer has none).</summary>
    public ReadOnlySpan<float> Bias => _bias ?? new float[Out];

    public static Dense Of(Linear linear)
    {
        var weight = linear.weight!;
        var outputs = (int)weight.shape[0];
        var inputs = (int)weight.shape[1];
        return new Dense(weight.detach().cpu().data<float>().ToArray(), linear.bias is null ? null : linear.bias.detach().cpu().data<float>().ToArray(), inputs, outputs);
    }

    public float[] Apply(ReadOnlySpan<float> x, int rows)
    {
        var y = new float[rows * Out];
        Apply(x, rows, y);
        return y;
    }

    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        var w = Vector<float>.Count;
        var wt = _transposed.AsSpan();
        var r = 0;
        var vectorWidth = Out - (Out % w);
        // Four rows at a time share every weight load (the same sums, in the same order, as one row at a time).
        for (; r + 4 <= rows; r += 4)
        {
            var x0 = x.Slice(r * In, In);
            var x1 = x.Slice((r + 1) * In, In);
            var x2 = x.Slice((r + 2) * In, In);
            var x3 = x.Slice((r + 3) * In, In);
            for (var o = 0; o < vectorWidth; o += w)
            {
                var start = _bias is null ? Vector<float>.Zero : new Vector<float>(_bias, o);
                Vector<float> a0 = start, a1 = start, a2 = start, a3 = start;
                for (var i = 0; i < In; i++)
                {
                    var weights = new Vector<float>(wt.Slice((i * Out) + o, w));
                    a0 += new Vector<float>(x0[i]) * weights;
                    a1 += new Vector<float>(x1[i]) * weights;
                    a2 += new Vector<float>(x2[i]) * weights;
                    a3 += new Vector<float>(x3[i]) * weights;
                }

                a0.CopyTo(y.Slice((r * Out) + o, w));
                a1.CopyTo(y.Slice(((r + 1) * Out) + o, w));
                a2.CopyTo(y.Slice(((r + 2) * Out) + o, w));
                a3.CopyTo(y.Slice(((r + 3) * Out) + o, w));
            }

            for (var row = r; row < r + 4; row++)
            {
                Tail(x.Slice(row * In, In), y.Slice(row * Out, Out), vectorWidth, wt);
            }
        }

        for (; r < rows; r++)
        {
            var xr = x.Slice(r * In, In);
            var yr = y.Slice(r * Out, Out);
            var o = 0;
            for (; o + w <= Out; o += w)
            {
                var acc = _bias is null ? Vector<float>.Zero : new Vector<float>(_bias, o);
                for (var i = 0; i < In; i++)
                {
                    var xi = xr[i];
                    if (xi != 0)
                    {
                        acc += new Vector<float>(xi) * new Vector<float>(wt.Slice((i * Out) + o, w));
                    }
                }

                acc.CopyTo(yr.Slice(o, w));
            }

            Tail(xr, yr, o, wt);
        }
    }

    /// <summary>The outputs from <paramref name="from"/> on, one at a time (those that fill no whole vector).</summary>
    private void Tail(ReadOnlySpan<float> xr, Span<float> yr, int from, ReadOnlySpan<float> wt)
    {
        for (var o = from; o < Out; o++)
        {
            var sum = _bias is null ? 0f : _bias[o];
            for (var i = 0; i < In; i++)
            {
                sum += xr[i] * wt[(i * Out) + o];
            }

            yr[o] = sum;
        }
    }
}

/// <summary>A layer norm over the last dimension (ε = 10⁻⁵, as <c>nn.LayerNorm</c>'s default).</summary>
internal sealed class Norm(float[] weight, float[] bias)
{
    public static Norm Of(LayerNorm norm) => new(norm.weight!.detach().cpu().data<float>().ToArray(), norm.bias!.detach().cpu().data<float>().ToArray());

    /// <summary>x ← Norm(x + update), row by row.</summary>
    public void AddAndNormalise(float[] x, float[] update)
    {
        var d = weight.Length;
        TensorPrimitives.Add(x, update, x);
        for (var row = 0; row < x.Length / d; row++)
        {
            var xr = x.AsSpan(row * d, d);
            var mean = TensorPrimitives.Sum(xr) / d;
            TensorPrimitives.Subtract(xr, mean, xr);
            var variance = TensorPrimitives.SumOfSquares(xr) / d;
            var inverse = 1f / MathF.Sqrt(variance + 1e-5f);
            TensorPrimitives.Multiply(xr, inverse, xr);
            TensorPrimitives.MultiplyAdd(xr, weight, bias, xr);
        }
    }
}

/// <summary>The feed-forward block: <c>W₂·LeakyReLU(W₁·x)</c>.</summary>
internal sealed class ManagedFeedForward(Dense input, Dense output)
{
    public float[] Apply(float[] x, int rows)
    {
        var length = rows * input.Out;
        var rented = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var hidden = rented.AsSpan(0, length);
            input.Apply(x, rows, hidden);
            ManagedNetwork.LeakyRelu(hidden, Slopes.FeedForward);
            var y = new float[rows * output.Out];
            output.Apply(hidden, rows, y);
            return y;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}

/// <summary>The edge-aware graph attention of <see cref="EdgeAwareAttention"/> (GATv2 with edge attributes).</summary>
internal sealed class ManagedEdgeAttention(Dense leftRight, Dense? edge, Dense output, float[] attention, int heads, int headWidth)
{
    /// <summary>Attends over <paramref name="n"/> entities <c>[n, k, in]</c>; the first rows of the edge lists carry
    /// <paramref name="e"/>'s attributes, the last <paramref name="n"/> are the self-loops.</summary>
    public float[] Forward(float[] x, int n, int k, float[]? e, int attributed, int[] sources, int[] targets)
    {
        var width = heads * headWidth;
        var count = sources.Length;
        var pool = ArrayPool<float>.Shared;
        var bothRented = pool.Rent(n * k * 2 * width);
        var zRented = pool.Rent(count * k * width);
        var activatedRented = pool.Rent(count * k * width);
        try
        {
            var both = bothRented.AsSpan(0, n * k * 2 * width); // [n, k, 2W]
            leftRight.Apply(x, n * k, both);
            var z = zRented.AsSpan(0, count * k * width);
            for (var edgeIndex = 0; edgeIndex < count; edgeIndex++)
            {
                for (var t = 0; t < k; t++)
                {
                    TensorPrimitives.Add(
                        both.Slice(((sources[edgeIndex] * k) + t) * 2 * width, width),
                        both.Slice((((targets[edgeIndex] * k) + t) * 2 * width) + width, width),
                        z.Slice(((edgeIndex * k) + t) * width, width));
                }
            }

            if (edge is not null && e is not null && attributed > 0)
            {
                var projected = edge.Apply(e, attributed * k);
                TensorPrimitives.Add(z[..projected.Length], projected, z[..projected.Length]);
            }

            // aᵀ·LeakyReLU(z) per head: LeakyReLU(z) = max(z, 0.2·z).
            var activated = activatedRented.AsSpan(0, z.Length);
            TensorPrimitives.Multiply(z, Slopes.Attention, activated);
            TensorPrimitives.Max(z, activated, activated);
            var score = new float[count * k * heads];
            for (var row = 0; row < count * k; row++)
            {
                for (var h = 0; h < heads; h++)
                {
                    score[(row * heads) + h] = TensorPrimitives.Dot(activated.Slice((row * width) + (h * headWidth), headWidth), attention.AsSpan(h * headWidth, headWidth));
                }
            }

            // Softmax per destination, shifted by the destination's own self-loop score (the last n entries).
            var selfStart = count - n;
            var denominator = new float[n * k * heads];
            var numerator = new float[n * k * width];
            for (var edgeIndex = 0; edgeIndex < count; edgeIndex++)
            {
                var destination = targets[edgeIndex];
                for (var t = 0; t < k; t++)
                {
                    var leftRow = ((sources[edgeIndex] * k) + t) * 2 * width;
                    var at = (((edgeIndex * k) + t) * heads);
                    var self = (((selfStart + destination) * k) + t) * heads;
                    var to = ((destination * k) + t) * heads;
                    for (var h = 0; h < heads; h++)
                    {
                        var weight = MathF.Exp(MathF.Min(score[at + h] - score[self + h], Slopes.MaxShift));
                        denominator[to + h] += weight;
                        var nr = numerator.AsSpan((((destination * k) + t) * width) + (h * headWidth), headWidth);
                        TensorPrimitives.MultiplyAdd(both.Slice(leftRow + (h * headWidth), headWidth), weight, nr, nr);
                    }
                }
            }

            for (var row = 0; row < n * k; row++)
            {
                for (var h = 0; h < heads; h++)
                {
                    var nr = numerator.AsSpan((row * width) + (h * headWidth), headWidth);
                    TensorPrimitives.Divide(nr, denominator[(row * heads) + h], nr);
                }
            }

            return output.Apply(numerator, n * k);
        }
        finally
        {
            pool.Return(bothRented);
            pool.Return(zRented);
            pool.Return(activatedRented);
        }
    }
}

/// <summary>The multi-head temporal attention of <see cref="TemporalHeads"/> (TAM and CAM).</summary>
internal sealed class ManagedTemporal(Dense query, Dense keyValue, Dense output, int heads, int headWidth)
{
    /// <summary>Queries <c>[n, kq, w]</c> over memory <c>[n, km, w]</c>; <paramref name="bias"/> <c>[kq, km]</c> is
    /// added to every entity's scores; with <paramref name="causal"/> a query step sees no later step.</summary>
    public float[] Forward(float[] queries, float[] memory, int n, int kq, int km, float[]? bias, bool causal)
    {
        var width = heads * headWidth;
        var q = query.Apply(queries, n * kq);
        var kv = keyValue.Apply(memory, n * km);
        var scale = (float)(1.0 / Math.Sqrt(headWidth));
        // Entities innermost ([step, column, entity]), so that every operation below is a vector operation over the
        // entities (as the network's inference kernel lays it out).
        var qt = Transpose(q, n, kq, width, 0, width);
        var kt = Transpose(kv, n, km, 2 * width, 0, width);
        var vt = Transpose(kv, n, km, 2 * width, width, width);
        var scores = new float[km * n];
        var result = new float[kq * width * n];
        var max = new float[n];
        var sum = new float[n];
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < kq; i++)
            {
                var visible = causal ? Math.Min(i + 1, km) : km;
                for (var j = 0; j < visible; j++)
                {
                    var s = scores.AsSpan(j * n, n);
                    s.Clear();
                    for (var c = 0; c < headWidth; c++)
                    {
                        var column = (h * headWidth) + c;
                        TensorPrimitives.MultiplyAdd(qt.AsSpan(((i * width) + column) * n, n), kt.AsSpan(((j * width) + column) * n, n), s, s);
                    }

                    TensorPrimitives.Multiply(s, scale, s);
                    if (bias is not null)
                    {
                        TensorPrimitives.Add(s, bias[(i * km) + j], s);
                    }

                    if (j == 0)
                    {
                        s.CopyTo(max);
                    }
                    else
                    {
                        TensorPrimitives.Max(max, s, max);
                    }
                }

                sum.AsSpan().Clear();
                for (var j = 0; j < visible; j++)
                {
                    var s = scores.AsSpan(j * n, n);
                    TensorPrimitives.Subtract(s, max, s);
                    TensorPrimitives.Exp(s, s);
                    TensorPrimitives.Add(sum, s, sum);
                }

                for (var j = 0; j < visible; j++)
                {
                    var s = scores.AsSpan(j * n, n);
                    TensorPrimitives.Divide(s, sum, s);
                    for (var c = 0; c < headWidth; c++)
                    {
                        var column = (h * headWidth) + c;
                        var r = result.AsSpan(((i * width) + column) * n, n);
                        TensorPrimitives.MultiplyAdd(s, vt.AsSpan(((j * width) + column) * n, n), r, r);
                    }
                }
            }
        }

        // Back to [entity, step, column] for the output projection.
        var back = new float[n * kq * width];
        for (var i = 0; i < kq; i++)
        {
            for (var column = 0; column < width; column++)
            {
                var from = result.AsSpan(((i * width) + column) * n, n);
                for (var entity = 0; entity < n; entity++)
                {
                    back[(((entity * kq) + i) * width) + column] = from[entity];
                }
            }
        }

        return output.Apply(back, n * kq);
    }

    /// <summary><c>[entity, step, stride]</c> columns <c>[offset, offset + width)</c> → <c>[step, column, entity]</c>.</summary>
    private static float[] Transpose(float[] x, int n, int steps, int stride, int offset, int width)
    {
        var t = new float[steps * width * n];
        for (var entity = 0; entity < n; entity++)
        {
            for (var step = 0; step < steps; step++)
            {
                var row = x.AsSpan((((entity * steps) + step) * stride) + offset, width);
                for (var column = 0; column < width; column++)
                {
                    t[(((step * width) + column) * n) + entity] = row[column];
                }
            }
        }

        return t;
    }
}

/// <summary>The spatial attention of <see cref="SpatialAttention"/>: nodes attend over the call graph, edges over its line graph.</summary>
internal sealed class ManagedSpatial(ManagedEdgeAttention nodes, ManagedEdgeAttention? edges)
{
    public (float[] Nodes, float[]? Edges) Forward(float[] nodeValues, int nodeWidth, float[]? edgeValues, WindowGraph g, int k)
    {
        var newNodes = nodes.Forward(nodeValues, g.Nodes, k, edgeValues, g.Edges, g.SourcesWithLoops, g.TargetsWithLoops);
        float[]? newEdges = null;
        if (edges is not null && edgeValues is not null)
        {
            var lines = g.LineNodes.Length;
            var attributes = new float[lines * k * nodeWidth];
            for (var l = 0; l < lines; l++)
            {
                newNodes.AsSpan(g.LineNodes[l] * k * nodeWidth, k * nodeWidth).CopyTo(attributes.AsSpan(l * k * nodeWidth));
            }

            newEdges = edges.Forward(edgeValues, g.Edges, k, attributes, lines, g.LineSourcesWithLoops, g.LineTargetsWithLoops);
        }

        return (newNodes, newEdges);
    }
}

/// <summary>An encoder or decoder layer of <see cref="StreamBlocks"/> in managed code.</summary>
internal sealed class ManagedBlocks(
    ManagedSpatial? sam,
    ManagedTemporal?[] tam,
    ManagedTemporal?[] cam,
    ManagedFeedForward?[] ffn,
    Norm[][] norms,
    int[] normIndex,
    bool commonBias)
{
    /// <summary><c>Norm(x+SAM)</c>, <c>Norm(x+TAM)</c>, <c>Norm(x+FFN)</c>.</summary>
    public ManagedStreams Encode(ManagedStreams x, WindowGraph g)
    {
        x = Spatial(x, g, 0);
        x = Temporal(x, x, g, causal: false, 1);
        return Feed(x, g, 2);
    }

    /// <summary><c>Norm(x+SAM)</c>, <c>Norm(x+masked TAM)</c>, <c>Norm(x+CAM(x, Z))</c>, <c>Norm(x+FFN)</c>; the last
    /// layer computes TAM, CAM and FFN for the last step only.</summary>
    public ManagedStreams Decode(ManagedStreams x, ManagedStreams memory, WindowGraph g, bool lastStepOnly)
    {
        x = Spatial(x, g, 0);
        var q = lastStepOnly ? LastStep(x, g) : x;
        q = Temporal(q, x, g, causal: !lastStepOnly, 1);
        q = Cross(q, memory, g, 2);
        return Feed(q, g, 3);
    }

    private static ManagedStreams LastStep(ManagedStreams x, WindowGraph g) => x with
    {
        Metrics = x.Metrics is null ? null : ManagedNetwork.LastStep(x.Metrics, g.Nodes, x.Steps, x.MetricWidth),
        Logs = x.Logs is null ? null : ManagedNetwork.LastStep(x.Logs, g.Nodes, x.Steps, x.LogWidth),
        Traces = x.Traces is null ? null : ManagedNetwork.LastStep(x.Traces, g.Edges, x.Steps, x.TraceWidth),
        Steps = 1,
    };

    private ManagedStreams Spatial(ManagedStreams x, WindowGraph g, int block)
    {
        if (sam is null)
        {
            return x;
        }

        var k = x.Steps;
        var nodeWidth = x.MetricWidth + x.LogWidth;
        var nodes = new float[g.Nodes * k * nodeWidth];
        for (var row = 0; row < g.Nodes * k; row++)
        {
            x.Metrics?.AsSpan(row * x.MetricWidth, x.MetricWidth).CopyTo(nodes.AsSpan(row * nodeWidth));
            x.Logs?.AsSpan(row * x.LogWidth, x.LogWidth).CopyTo(nodes.AsSpan((row * nodeWidth) + x.MetricWidth));
        }

        var (newNodes, newEdges) = sam.Forward(nodes, nodeWidth, x.Traces, g, k);
        float[]? m = null, l = null;
        if (x.Metrics is not null)
        {
            m = new float[g.Nodes * k * x.MetricWidth];
            for (var row = 0; row < g.Nodes * k; row++)
            {
                newNodes.AsSpan(row * nodeWidth, x.MetricWidth).CopyTo(m.AsSpan(row * x.MetricWidth));
            }
        }

        if (x.Logs is not null)
        {
            l = new float[g.Nodes * k * x.LogWidth];
            var from = x.Metrics is null ? 0 : x.MetricWidth;
            for (var row = 0; row < g.Nodes * k; row++)
            {
                newNodes.AsSpan((row * nodeWidth) + from, x.LogWidth).CopyTo(l.AsSpan(row * x.LogWidth));
            }
        }

        return Residual(x, m, l, newEdges, block);
    }

    private ManagedStreams Temporal(ManagedStreams q, ManagedStreams x, WindowGraph g, bool causal, int block)
    {
        if (tam[0] is null && tam[1] is null && tam[2] is null)
        {
            return q;
        }

        float[]? bias = null;
        if (commonBias)
        {
            // C (Eq. 13): the mean over modalities of x·xᵀ/√d averaged over the window's entities.
            var k = x.Steps;
            var common = new float[k * k];
            var terms = 0;
            if (x.Metrics is not null)
            {
                AddMeanSelfScores(x.Metrics, g.Nodes, k, x.MetricWidth, common);
                terms++;
            }

            if (x.Logs is not null)
            {
                AddMeanSelfScores(x.Logs, g.Nodes, k, x.LogWidth, common);
                terms++;
            }

            if (x.Traces is not null && g.Edges > 0)
            {
                AddMeanSelfScores(x.Traces, g.Edges, k, x.TraceWidth, common);
                terms++;
            }

            for (var i = 0; i < common.Length; i++)
            {
                common[i] /= terms;
            }

            bias = q.Steps < k ? common.AsSpan((k - q.Steps) * k).ToArray() : common;
        }

        return Residual(
            q,
            q.Metrics is null ? null : tam[0]!.Forward(q.Metrics, x.Metrics!, g.Nodes, q.Steps, x.Steps, bias, causal),
            q.Logs is null ? null : tam[1]!.Forward(q.Logs, x.Logs!, g.Nodes, q.Steps, x.Steps, bias, causal),
            q.Traces is null ? null : tam[2]!.Forward(q.Traces, x.Traces!, g.Edges, q.Steps, x.Steps, bias, causal),
            block);
    }

    /// <summary>Adds <c>(1/n)·Σ x·xᵀ / √d</c> over the <paramref name="n"/> entities to <paramref name="common"/> <c>[k, k]</c>.</summary>
    private static void AddMeanSelfScores(float[] x, int n, int k, int d, float[] common)
    {
        var mean = new float[k * k];
        var share = 1f / n;
        for (var entity = 0; entity < n; entity++)
        {
            for (var i = 0; i < k; i++)
            {
                var xi = x.AsSpan(((entity * k) + i) * d, d);
                for (var j = i; j < k; j++)
                {
                    // x·xᵀ is symmetric: each pair once.
                    var dot = share * TensorPrimitives.Dot(xi, x.AsSpan(((entity * k) + j) * d, d));
                    mean[(i * k) + j] += dot;
                    if (j != i)
                    {
                        mean[(j * k) + i] += dot;
                    }
                }
            }
        }

        var scale = (float)(1.0 / Math.Sqrt(d));
        for (var i = 0; i < mean.Length; i++)
        {
            common[i] += mean[i] * scale;
        }
    }

    private ManagedStreams Cross(ManagedStreams q, ManagedStreams memory, WindowGraph g, int block) => Residual(
        q,
        q.Metrics is null ? null : cam[0]!.Forward(q.Metrics, memory.Metrics!, g.Nodes, q.Steps, memory.Steps, null, causal: false),
        q.Logs is null ? null : cam[1]!.Forward(q.Logs, memory.Logs!, g.Nodes, q.Steps, memory.Steps, null, causal: false),
        q.Traces is null ? null : cam[2]!.Forward(q.Traces, memory.Traces!, g.Edges, q.Steps, memory.Steps, null, causal: false),
        block);

    private ManagedStreams Feed(ManagedStreams x, WindowGraph g, int block) => Residual(
        x,
        x.Metrics is null ? null : ffn[0]!.Apply(x.Metrics, g.Nodes * x.Steps),
        x.Logs is null ? null : ffn[1]!.Apply(x.Logs, g.Nodes * x.Steps),
        x.Traces is null ? null : ffn[2]!.Apply(x.Traces, g.Edges * x.Steps),
        block);

    private ManagedStreams Residual(ManagedStreams x, float[]? metrics, float[]? logs, float[]? traces, int block) => x with
    {
        Metrics = Normalise(0, x.Metrics, metrics, block),
        Logs = Normalise(1, x.Logs, logs, block),
        Traces = Normalise(2, x.Traces, traces, block),
    };

    private float[]? Normalise(int modality, float[]? x, float[]? update, int block)
    {
        if (x is null || update is null)
        {
            return x;
        }

        var result = (float[])x.Clone();
        norms[modality][normIndex[block]].AddAndNormalise(result, update);
        return result;
    }
}
