using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp.Modules;
using Buf = System.ArraySegment<float>;

namespace MstGad.Model;

/// <summary>Small vector loops for the managed inference's short rows (4–64 floats), where a call into
/// <see cref="TensorPrimitives"/> costs more than the arithmetic.</summary>
internal static class Kernels
{

    /// <summary><paramref name="destination"/> += <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(Span<float> destination, ReadOnlySpan<float> source)
    {
        var w = Vector<float>.Count;
        var i = 0;
        for (; i + w <= destination.Length; i += w)
        {
            (new Vector<float>(destination[i..]) + new Vector<float>(source[i..])).CopyTo(destination[i..]);
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += source[i];
        }
    }

    /// <summary>x ← max(x, slope·x) (LeakyReLU for a slope in (0, 1)).</summary>
    public static void LeakyRelu(Span<float> x, float slope)
    {
        var w = Vector<float>.Count;
        var i = 0;
        var s = new Vector<float>(slope);
        for (; i + w <= x.Length; i += w)
        {
            var v = new Vector<float>(x[i..]);
            Vector.Max(v, v * s).CopyTo(x[i..]);
        }

        for (; i < x.Length; i++)
        {
            if (x[i] < 0)
            {
                x[i] *= slope;
            }
        }
    }
}

/// <summary>A linear layer <c>y = x·Wᵀ + b</c> over rows, the weight kept transposed for a vectorised row update.</summary>
internal sealed class Dense
{
    private readonly float[] _transposed; // [in, out]
    private readonly float[] _bias;

    public Dense(float[] weight, float[]? bias, int inputs, int outputs)
    {
        In = inputs;
        Out = outputs;
        _bias = bias ?? new float[outputs];
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
    public ReadOnlySpan<float> Bias => _bias;

    public static Dense Of(Linear linear)
    {
        var weight = linear.weight!;
        var outputs = (int)weight.shape[0];
        var inputs = (int)weight.shape[1];
        return new Dense(weight.detach().cpu().data<float>().ToArray(), linear.bias is null ? null : linear.bias.detach().cpu().data<float>().ToArray(), inputs, outputs);
    }

    /// <summary>Maps <paramref name="rows"/> consecutive rows of <see cref="In"/> floats to rows of <see cref="Out"/>.</summary>
    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y) => Apply(x, rows, In, y, Out);

    /// <summary>Maps <paramref name="rows"/> rows that start every <paramref name="xStride"/> floats of <paramref name="x"/>
    /// to rows that start every <paramref name="yStride"/> floats of <paramref name="y"/>.</summary>
    public void Apply(ReadOnlySpan<float> x, int rows, int xStride, Span<float> y, int yStride)
    {
        if (rows == 0)
        {
            return;
        }

        if (((long)(rows - 1) * xStride) + In > x.Length || ((long)(rows - 1) * yStride) + Out > y.Length)
        {
            throw new ArgumentException($"{rows} rows of {In} → {Out} (strides {xStride}, {yStride}) do not fit spans of {x.Length} and {y.Length}.");
        }

        var w = Vector<float>.Count;
        var vectorWidth = Out - (Out % w);
        ref var wt = ref MemoryMarshal.GetArrayDataReference(_transposed);
        ref var b = ref MemoryMarshal.GetArrayDataReference(_bias);
        ref var x0 = ref MemoryMarshal.GetReference(x);
        ref var y0 = ref MemoryMarshal.GetReference(y);
        var r = 0;

        // Four rows at a time share every weight load; two output vectors at a time share every input load.
        for (; r + 4 <= rows; r += 4)
        {
            ref var xa = ref Unsafe.Add(ref x0, r * xStride);
            ref var xb = ref Unsafe.Add(ref xa, xStride);
            ref var xc = ref Unsafe.Add(ref xb, xStride);
            ref var xd = ref Unsafe.Add(ref xc, xStride);
            ref var ya = ref Unsafe.Add(ref y0, r * yStride);
            ref var yb = ref Unsafe.Add(ref ya, yStride);
            ref var yc = ref Unsafe.Add(ref yb, yStride);
            ref var yd = ref Unsafe.Add(ref yc, yStride);
            var o = 0;
            for (; o + (2 * w) <= vectorWidth; o += 2 * w)
            {
                var b0 = Vector.LoadUnsafe(ref b, (nuint)o);
                var b1 = Vector.LoadUnsafe(ref b, (nuint)(o + w));
                Vector<float> a0 = b0, a1 = b1, c0 = b0, c1 = b1, d0 = b0, d1 = b1, e0 = b0, e1 = b1;
                for (var i = 0; i < In; i++)
                {
                    var w0 = Vector.LoadUnsafe(ref wt, (nuint)((i * Out) + o));
                    var w1 = Vector.LoadUnsafe(ref wt, (nuint)((i * Out) + o + w));
                    var va = new Vector<float>(Unsafe.Add(ref xa, i));
                    var vb = new Vector<float>(Unsafe.Add(ref xb, i));
                    var vc = new Vector<float>(Unsafe.Add(ref xc, i));
                    var vd = new Vector<float>(Unsafe.Add(ref xd, i));
                    a0 = Vector.FusedMultiplyAdd(va, w0, a0);
                    a1 = Vector.FusedMultiplyAdd(va, w1, a1);
                    c0 = Vector.FusedMultiplyAdd(vb, w0, c0);
                    c1 = Vector.FusedMultiplyAdd(vb, w1, c1);
                    d0 = Vector.FusedMultiplyAdd(vc, w0, d0);
                    d1 = Vector.FusedMultiplyAdd(vc, w1, d1);
                    e0 = Vector.FusedMultiplyAdd(vd, w0, e0);
                    e1 = Vector.FusedMultiplyAdd(vd, w1, e1);
                }

                a0.StoreUnsafe(ref ya, (nuint)o);
                a1.StoreUnsafe(ref ya, (nuint)(o + w));
                c0.StoreUnsafe(ref yb, (nuint)o);
                c1.StoreUnsafe(ref yb, (nuint)(o + w));
                d0.StoreUnsafe(ref yc, (nuint)o);
                d1.StoreUnsafe(ref yc, (nuint)(o + w));
                e0.StoreUnsafe(ref yd, (nuint)o);
                e1.StoreUnsafe(ref yd, (nuint)(o + w));
            }

            for (; o < vectorWidth; o += w)
            {
                var b0 = Vector.LoadUnsafe(ref b, (nuint)o);
                Vector<float> a0 = b0, c0 = b0, d0 = b0, e0 = b0;
                for (var i = 0; i < In; i++)
                {
                    var w0 = Vector.LoadUnsafe(ref wt, (nuint)((i * Out) + o));
                    a0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref xa, i)), w0, a0);
                    c0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref xb, i)), w0, c0);
                    d0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref xc, i)), w0, d0);
                    e0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref xd, i)), w0, e0);
                }

                a0.StoreUnsafe(ref ya, (nuint)o);
                c0.StoreUnsafe(ref yb, (nuint)o);
                d0.StoreUnsafe(ref yc, (nuint)o);
                e0.StoreUnsafe(ref yd, (nuint)o);
            }

            for (var row = r; row < r + 4; row++)
            {
                Tail(x.Slice(row * xStride, In), y.Slice(row * yStride, Out), vectorWidth);
            }
        }

        for (; r < rows; r++)
        {
            ref var xa = ref Unsafe.Add(ref x0, r * xStride);
            ref var ya = ref Unsafe.Add(ref y0, r * yStride);
            for (var o = 0; o < vectorWidth; o += w)
            {
                var a0 = Vector.LoadUnsafe(ref b, (nuint)o);
                for (var i = 0; i < In; i++)
                {
                    a0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref xa, i)), Vector.LoadUnsafe(ref wt, (nuint)((i * Out) + o)), a0);
                }

                a0.StoreUnsafe(ref ya, (nuint)o);
            }

            Tail(x.Slice(r * xStride, In), y.Slice(r * yStride, Out), vectorWidth);
        }
    }

    /// <summary>
    /// The same map with entities innermost: <paramref name="xt"/> is <c>[step, In, padded]</c>, <paramref name="yt"/>
    /// becomes <c>[step, Out, padded]</c>; every multiply-add is a vector over entities.
    /// </summary>
    public void ApplyTransposed(ReadOnlySpan<float> xt, int steps, int padded, Span<float> yt)
    {
        var lanes = Vector<float>.Count;
        if ((long)steps * In * padded > xt.Length || (long)steps * Out * padded > yt.Length || padded % lanes != 0)
        {
            throw new ArgumentException($"{steps} steps of {In} → {Out} over {padded} entities do not fit spans of {xt.Length} and {yt.Length}.");
        }

        ref var wt = ref MemoryMarshal.GetArrayDataReference(_transposed);
        ref var x0 = ref MemoryMarshal.GetReference(xt);
        ref var y0 = ref MemoryMarshal.GetReference(yt);
        for (var step = 0; step < steps; step++)
        {
            ref var xs = ref Unsafe.Add(ref x0, step * In * padded);
            ref var ys = ref Unsafe.Add(ref y0, step * Out * padded);
            var o = 0;
            for (; o + 4 <= Out; o += 4)
            {
                for (var c0 = 0; c0 < padded; c0 += lanes)
                {
                    var a0 = new Vector<float>(_bias[o]);
                    var a1 = new Vector<float>(_bias[o + 1]);
                    var a2 = new Vector<float>(_bias[o + 2]);
                    var a3 = new Vector<float>(_bias[o + 3]);
                    for (var i = 0; i < In; i++)
                    {
                        var xv = Vector.LoadUnsafe(ref xs, (nuint)((i * padded) + c0));
                        ref var w = ref Unsafe.Add(ref wt, (i * Out) + o);
                        a0 = Vector.FusedMultiplyAdd(new Vector<float>(w), xv, a0);
                        a1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref w, 1)), xv, a1);
                        a2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref w, 2)), xv, a2);
                        a3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref w, 3)), xv, a3);
                    }

                    a0.StoreUnsafe(ref ys, (nuint)((o * padded) + c0));
                    a1.StoreUnsafe(ref ys, (nuint)(((o + 1) * padded) + c0));
                    a2.StoreUnsafe(ref ys, (nuint)(((o + 2) * padded) + c0));
                    a3.StoreUnsafe(ref ys, (nuint)(((o + 3) * padded) + c0));
                }
            }

            for (; o < Out; o++)
            {
                for (var c0 = 0; c0 < padded; c0 += lanes)
                {
                    var a0 = new Vector<float>(_bias[o]);
                    for (var i = 0; i < In; i++)
                    {
                        a0 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref wt, (i * Out) + o)), Vector.LoadUnsafe(ref xs, (nuint)((i * padded) + c0)), a0);
                    }

                    a0.StoreUnsafe(ref ys, (nuint)((o * padded) + c0));
                }
            }
        }
    }

    /// <summary>The outputs from <paramref name="from"/> on, one at a time (those that fill no whole vector).</summary>
    private void Tail(ReadOnlySpan<float> xr, Span<float> yr, int from)
    {
        for (var o = from; o < Out; o++)
        {
            var sum = _bias[o];
            for (var i = 0; i < In; i++)
            {
                sum = MathF.FusedMultiplyAdd(xr[i], _transposed[(i * Out) + o], sum);
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
    public void AddAndNormalise(Span<float> x, ReadOnlySpan<float> update)
    {
        var d = weight.Length;
        var w = Vector<float>.Count;
        var vectorWidth = d - (d % w);
        for (var row = 0; row < x.Length / d; row++)
        {
            var xr = x.Slice(row * d, d);
            var ur = update.Slice(row * d, d);
            var sum = Vector<float>.Zero;
            float tail = 0;
            var c = 0;
            for (; c < vectorWidth; c += w)
            {
                var v = new Vector<float>(xr[c..]) + new Vector<float>(ur[c..]);
                v.CopyTo(xr[c..]);
                sum += v;
            }

            for (; c < d; c++)
            {
                xr[c] += ur[c];
                tail += xr[c];
            }

            var mean = (Vector.Sum(sum) + tail) / d;
            var squares = Vector<float>.Zero;
            tail = 0;
            var m = new Vector<float>(mean);
            for (c = 0; c < vectorWidth; c += w)
            {
                var v = new Vector<float>(xr[c..]) - m;
                v.CopyTo(xr[c..]);
                squares = Vector.FusedMultiplyAdd(v, v, squares);
            }

            for (; c < d; c++)
            {
                xr[c] -= mean;
                tail += xr[c] * xr[c];
            }

            var inverse = 1f / MathF.Sqrt(((Vector.Sum(squares) + tail) / d) + 1e-5f);
            var scale = new Vector<float>(inverse);
            for (c = 0; c < vectorWidth; c += w)
            {
                Vector.FusedMultiplyAdd(new Vector<float>(xr[c..]) * scale, new Vector<float>(weight, c), new Vector<float>(bias, c)).CopyTo(xr[c..]);
            }

            for (; c < d; c++)
            {
                xr[c] = MathF.FusedMultiplyAdd(xr[c] * inverse, weight[c], bias[c]);
            }
        }
    }
}

/// <summary>The feed-forward block: <c>W₂·LeakyReLU(W₁·x)</c>.</summary>
internal sealed class ManagedFeedForward(Dense input, Dense output)
{
    public Buf Apply(Buf x, int rows, ManagedScratch s)
    {
        var hidden = s.Take(rows * input.Out);
        input.Apply(x, rows, hidden);
        Kernels.LeakyRelu(hidden, Slopes.FeedForward);
        var y = s.Take(rows * output.Out);
        output.Apply(hidden, rows, y);
        return y;
    }
}

/// <summary>The edge-aware graph attention of <see cref="EdgeAwareAttention"/> (GATv2 with edge attributes).</summary>
internal sealed class ManagedEdgeAttention(Dense leftRight, Dense? edge, Dense output, float[] attention, int heads, int headWidth)
{
    /// <summary>
    /// Attends over <paramref name="n"/> entities <c>[n, k, in]</c>. The first <paramref name="attributed"/> rows of the
    /// edge lists carry attributes: the rows of <paramref name="attributes"/> (<c>[rows, k, a]</c>) named by
    /// <paramref name="attributeOf"/> (the edge's own index when null); the last <paramref name="n"/> are the self-loops.
    /// Each attribute row is projected once, however many edges share it.
    /// </summary>
    public Buf Forward(Buf x, int n, int k, Buf? attributes, int attributeRows, ArraySegment<int>? attributeOf, int attributed, ArraySegment<int> sources, ArraySegment<int> targets, ManagedScratch s)
    {
        var width = heads * headWidth;
        var count = sources.Count;
        var both = s.Take(n * k * 2 * width).AsSpan(); // [n, k, 2W]: left (the value too), right
        leftRight.Apply(x, n * k, both);
        var projected = Span<float>.Empty;
        var attributesUsed = edge is not null && attributes is not null && attributed > 0;
        if (attributesUsed)
        {
            projected = s.Take(attributeRows * k * width);
            edge!.Apply(attributes!.Value, attributeRows * k, projected);
        }

        ReadOnlySpan<int> from = sources, to = targets, map = attributeOf is { } m ? m : default;
        ReadOnlySpan<float> a = attention;

        // aᵀ·LeakyReLU(left[source] + right[target] + attribute) per edge, step and head; LeakyReLU(z) = max(z, 0.2·z).
        var score = s.Take(count * k * heads).AsSpan();
        var z = s.Take(width).AsSpan();
        var slope = new Vector<float>(Slopes.Attention);
        var w = Vector<float>.Count;
        var vectorWidth = width - (width % w);
        for (var edgeIndex = 0; edgeIndex < count; edgeIndex++)
        {
            var attribute = !attributesUsed || edgeIndex >= attributed ? -1 : attributeOf is null ? edgeIndex : map[edgeIndex];
            for (var t = 0; t < k; t++)
            {
                var left = both.Slice(((from[edgeIndex] * k) + t) * 2 * width, width);
                var right = both.Slice((((to[edgeIndex] * k) + t) * 2 * width) + width, width);
                var p = attribute < 0 ? default : projected.Slice(((attribute * k) + t) * width, width);
                var c = 0;
                for (; c < vectorWidth; c += w)
                {
                    var v = new Vector<float>(left[c..]) + new Vector<float>(right[c..]);
                    if (attribute >= 0)
                    {
                        v += new Vector<float>(p[c..]);
                    }

                    Vector.Max(v, v * slope).CopyTo(z[c..]);
                }

                for (; c < width; c++)
                {
                    var v = left[c] + right[c];
                    if (attribute >= 0)
                    {
                        v += p[c];
                    }

                    z[c] = MathF.Max(v, v * Slopes.Attention);
                }

                var at = ((edgeIndex * k) + t) * heads;
                for (var h = 0; h < heads; h++)
                {
                    score[at + h] = Dot(z.Slice(h * headWidth, headWidth), a.Slice(h * headWidth, headWidth));
                }
            }
        }

        // Softmax per destination, shifted by the destination's own self-loop score (the last n entries).
        var selfStart = count - n;
        var weight = s.Take(count * k * heads).AsSpan();
        for (var edgeIndex = 0; edgeIndex < count; edgeIndex++)
        {
            var destination = to[edgeIndex];
            for (var t = 0; t < k; t++)
            {
                var at = ((edgeIndex * k) + t) * heads;
                var self = (((selfStart + destination) * k) + t) * heads;
                for (var h = 0; h < heads; h++)
                {
                    weight[at + h] = MathF.Min(score[at + h] - score[self + h], Slopes.MaxShift);
                }
            }
        }

        TensorPrimitives.Exp(weight, weight);
        var denominator = s.Zeroed(n * k * heads).AsSpan();
        var numeratorBuffer = s.Zeroed(n * k * width);
        var numerator = numeratorBuffer.AsSpan();
        for (var edgeIndex = 0; edgeIndex < count; edgeIndex++)
        {
            var destination = to[edgeIndex];
            for (var t = 0; t < k; t++)
            {
                var value = both.Slice(((from[edgeIndex] * k) + t) * 2 * width, width);
                var at = ((edgeIndex * k) + t) * heads;
                var into = ((destination * k) + t) * heads;
                var sum = numerator.Slice(((destination * k) + t) * width, width);
                for (var h = 0; h < heads; h++)
                {
                    var share = weight[at + h];
                    denominator[into + h] += share;
                    MultiplyAdd(value.Slice(h * headWidth, headWidth), share, sum.Slice(h * headWidth, headWidth));
                }
            }
        }

        for (var row = 0; row < n * k; row++)
        {
            for (var h = 0; h < heads; h++)
            {
                var total = denominator[(row * heads) + h];
                var part = numerator.Slice((row * width) + (h * headWidth), headWidth);
                for (var i = 0; i < headWidth; i++)
                {
                    part[i] /= total;
                }
            }
        }

        var y = s.Take(n * k * output.Out);
        output.Apply(numeratorBuffer, n * k, y);
        return y;
    }

    /// <summary>Σ x·y over one head's columns (four at a time where the head's width allows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var i = 0;
        var acc = Vector128<float>.Zero;
        for (; i + 4 <= x.Length; i += 4)
        {
            acc = Vector128.FusedMultiplyAdd(Vector128.Create(x[i..]), Vector128.Create(y[i..]), acc);
        }

        var sum = Vector128.Sum(acc);
        for (; i < x.Length; i++)
        {
            sum = MathF.FusedMultiplyAdd(x[i], y[i], sum);
        }

        return sum;
    }

    /// <summary>y += x·a (four columns at a time where the head's width allows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        var i = 0;
        var share = Vector128.Create(a);
        for (; i + 4 <= x.Length; i += 4)
        {
            Vector128.FusedMultiplyAdd(Vector128.Create(x[i..]), share, Vector128.Create(y[i..])).CopyTo(y[i..]);
        }

        for (; i < x.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(x[i], a, y[i]);
        }
    }
}

/// <summary>The multi-head temporal attention of <see cref="TemporalHeads"/> (TAM and CAM).</summary>
internal sealed class ManagedTemporal(Dense query, Dense keyValue, Dense output, int heads, int headWidth)
{
    /// <summary>Queries over memory, both with entities innermost (<c>[kq, w, padded]</c> and <c>[km, w, padded]</c>,
    /// see <see cref="Transposed"/>); returns <c>[n, kq, out]</c>. <paramref name="bias"/> <c>[kq, km]</c> is added to
    /// every entity's scores; with <paramref name="causal"/> a query step sees no later step.</summary>
    public Buf Forward(Buf queries, Buf memory, int n, int kq, int km, Buf? bias, bool causal, ManagedScratch s)
    {
        var width = heads * headWidth;
        var y = s.Take(n * kq * output.Out);
        if (n == 0)
        {
            return y;
        }

        var lanes = Vector<float>.Count;
        var np = Padded(n);
        var qt = s.Take(kq * width * np);
        query.ApplyTransposed(queries, kq, np, qt);
        var kvt = s.Take(km * 2 * width * np); // [km, 2W, padded]: keys, then values
        keyValue.ApplyTransposed(memory, km, np, kvt);
        var scale = (float)(1.0 / Math.Sqrt(headWidth));
        var kt = kvt;
        var vt = kvt.Slice(width * np);
        var stride = 2 * width; // columns per key step
        var scores = s.Take(km * np);
        var result = s.Take(kq * width * np);
        ref var qr = ref MemoryMarshal.GetReference(qt.AsSpan());
        ref var kr = ref MemoryMarshal.GetReference(kt.AsSpan());
        ref var vr = ref MemoryMarshal.GetReference(vt.AsSpan());
        ref var sr = ref MemoryMarshal.GetReference(scores.AsSpan());
        ref var rr = ref MemoryMarshal.GetReference(result.AsSpan());
        var vscale = new Vector<float>(scale);
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < kq; i++)
            {
                var visible = causal ? Math.Min(i + 1, km) : km;
                var biasRow = bias is { } b ? b.AsSpan(i * km, km) : default;
                var queryRow = ((i * width) + (h * headWidth)) * np;
                for (var c0 = 0; c0 < np; c0 += lanes)
                {
                    // Four key steps at a time: four independent sums (a multiply-add waits for the one before it).
                    var j = 0;
                    for (; j + 4 <= visible; j += 4)
                    {
                        Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                        var key = (((j * stride) + (h * headWidth)) * np) + c0;
                        for (var c = 0; c < headWidth; c++)
                        {
                            var qv = Vector.LoadUnsafe(ref qr, (nuint)(queryRow + (c * np) + c0));
                            var at = key + (c * np);
                            a0 = Vector.FusedMultiplyAdd(qv, Vector.LoadUnsafe(ref kr, (nuint)at), a0);
                            a1 = Vector.FusedMultiplyAdd(qv, Vector.LoadUnsafe(ref kr, (nuint)(at + (stride * np))), a1);
                            a2 = Vector.FusedMultiplyAdd(qv, Vector.LoadUnsafe(ref kr, (nuint)(at + (2 * stride * np))), a2);
                            a3 = Vector.FusedMultiplyAdd(qv, Vector.LoadUnsafe(ref kr, (nuint)(at + (3 * stride * np))), a3);
                        }

                        Score(a0, j, c0, np, vscale, biasRow.IsEmpty ? 0f : biasRow[j], ref sr);
                        Score(a1, j + 1, c0, np, vscale, biasRow.IsEmpty ? 0f : biasRow[j + 1], ref sr);
                        Score(a2, j + 2, c0, np, vscale, biasRow.IsEmpty ? 0f : biasRow[j + 2], ref sr);
                        Score(a3, j + 3, c0, np, vscale, biasRow.IsEmpty ? 0f : biasRow[j + 3], ref sr);
                    }

                    for (; j < visible; j++)
                    {
                        var acc = Vector<float>.Zero;
                        var key = (((j * stride) + (h * headWidth)) * np) + c0;
                        for (var c = 0; c < headWidth; c++)
                        {
                            acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref qr, (nuint)(queryRow + (c * np) + c0)), Vector.LoadUnsafe(ref kr, (nuint)(key + (c * np))), acc);
                        }

                        Score(acc, j, c0, np, vscale, biasRow.IsEmpty ? 0f : biasRow[j], ref sr);
                    }

                    var max = Vector.LoadUnsafe(ref sr, (nuint)c0);
                    for (j = 1; j < visible; j++)
                    {
                        max = Vector.Max(max, Vector.LoadUnsafe(ref sr, (nuint)((j * np) + c0)));
                    }

                    for (j = 0; j < visible; j++)
                    {
                        (Vector.LoadUnsafe(ref sr, (nuint)((j * np) + c0)) - max).StoreUnsafe(ref sr, (nuint)((j * np) + c0));
                    }
                }

                var exponent = scores.AsSpan(0, visible * np);
                TensorPrimitives.Exp(exponent, exponent);
                for (var c0 = 0; c0 < np; c0 += lanes)
                {
                    var sum = Vector<float>.Zero;
                    for (var j = 0; j < visible; j++)
                    {
                        sum += Vector.LoadUnsafe(ref sr, (nuint)((j * np) + c0));
                    }

                    for (var j = 0; j < visible; j++)
                    {
                        (Vector.LoadUnsafe(ref sr, (nuint)((j * np) + c0)) / sum).StoreUnsafe(ref sr, (nuint)((j * np) + c0));
                    }

                    // Four value columns at a time (independent sums over the key steps).
                    var c = 0;
                    for (; c + 4 <= headWidth; c += 4)
                    {
                        Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
                        var column = (h * headWidth) + c;
                        for (var j = 0; j < visible; j++)
                        {
                            var share = Vector.LoadUnsafe(ref sr, (nuint)((j * np) + c0));
                            var at = (((j * stride) + column) * np) + c0;
                            a0 = Vector.FusedMultiplyAdd(share, Vector.LoadUnsafe(ref vr, (nuint)at), a0);
                            a1 = Vector.FusedMultiplyAdd(share, Vector.LoadUnsafe(ref vr, (nuint)(at + np)), a1);
                            a2 = Vector.FusedMultiplyAdd(share, Vector.LoadUnsafe(ref vr, (nuint)(at + (2 * np))), a2);
                            a3 = Vector.FusedMultiplyAdd(share, Vector.LoadUnsafe(ref vr, (nuint)(at + (3 * np))), a3);
                        }

                        var into = (((i * width) + column) * np) + c0;
                        a0.StoreUnsafe(ref rr, (nuint)into);
                        a1.StoreUnsafe(ref rr, (nuint)(into + np));
                        a2.StoreUnsafe(ref rr, (nuint)(into + (2 * np)));
                        a3.StoreUnsafe(ref rr, (nuint)(into + (3 * np)));
                    }

                    for (; c < headWidth; c++)
                    {
                        var column = (h * headWidth) + c;
                        var acc = Vector<float>.Zero;
                        for (var j = 0; j < visible; j++)
                        {
                            acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref sr, (nuint)((j * np) + c0)), Vector.LoadUnsafe(ref vr, (nuint)((((j * stride) + column) * np) + c0)), acc);
                        }

                        acc.StoreUnsafe(ref rr, (nuint)((((i * width) + column) * np) + c0));
                    }
                }
            }
        }

        var backBuffer = s.Take(n * kq * width);
        var back = backBuffer.AsSpan();
        for (var i = 0; i < kq; i++)
        {
            for (var column = 0; column < width; column++)
            {
                var from = result.AsSpan(((i * width) + column) * np, n);
                for (var entity = 0; entity < n; entity++)
                {
                    back[(((entity * kq) + i) * width) + column] = from[entity];
                }
            }
        }

        output.Apply(backBuffer, n * kq, y);
        return y;
    }

    /// <summary>Stores the score of key step <paramref name="j"/>: scaled, plus the common bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Score(Vector<float> dot, int j, int c0, int np, Vector<float> scale, float bias, ref float into) =>
        Vector.FusedMultiplyAdd(dot, scale, new Vector<float>(bias)).StoreUnsafe(ref into, (nuint)((j * np) + c0));

    /// <summary>The entity count rounded up to whole vectors.</summary>
    internal static int Padded(int n) => (n + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    /// <summary><c>[entity, step, stride]</c> columns <c>[offset, offset + width)</c> → <c>[step, column, entity]</c>,
    /// the entities padded with zeros to <paramref name="padded"/>.</summary>
    internal static Buf Transposed(Buf x, int n, int steps, int stride, int offset, int width, int padded, ManagedScratch s)
    {
        var buffer = s.Take(steps * width * padded);
        var t = buffer.AsSpan();
        ReadOnlySpan<float> source = x;
        for (var entity = 0; entity < n; entity++)
        {
            for (var step = 0; step < steps; step++)
            {
                var row = source.Slice((((entity * steps) + step) * stride) + offset, width);
                var column0 = step * width * padded;
                for (var column = 0; column < width; column++)
                {
                    t[column0 + (column * padded) + entity] = row[column];
                }
            }
        }

        if (padded > n)
        {
            for (var line = 0; line < steps * width; line++)
            {
                t.Slice((line * padded) + n, padded - n).Clear();
            }
        }

        return buffer;
    }
}

/// <summary>The spatial attention of <see cref="SpatialAttention"/>: nodes attend over the call graph, edges over its line graph.</summary>
internal sealed class ManagedSpatial(ManagedEdgeAttention nodes, ManagedEdgeAttention? edges)
{
    public (Buf Nodes, Buf? Edges) Forward(Buf nodeValues, Buf? edgeValues, WindowGraph g, int k, ManagedScratch s)
    {
        var newNodes = nodes.Forward(nodeValues, g.Nodes, k, edgeValues, g.Edges, null, g.Edges, g.SourcesWithLoops, g.TargetsWithLoops, s);
        Buf? newEdges = null;
        if (edges is not null && edgeValues is { } e)
        {
            // Each line-graph edge's attribute is the new value of the node it passes through.
            newEdges = edges.Forward(e, g.Edges, k, newNodes, g.Nodes, g.LineNodes, g.LineNodes.Count, g.LineSourcesWithLoops, g.LineTargetsWithLoops, s);
        }

        return (newNodes, newEdges);
    }
}

/// <summary>An encoder or decoder layer of <see cref="StreamBlocks"/> in managed code. The residual blocks normalise
/// their stream in place: each block's update is computed whole before its stream is overwritten.</summary>
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
    public ManagedStreams Encode(ManagedStreams x, WindowGraph g, ManagedScratch s)
    {
        x = Spatial(x, g, s, 0);
        x = Temporal(x, x, g, s, causal: false, 1);
        return Feed(x, g, s, 2);
    }

    /// <summary><c>Norm(x+SAM)</c>, <c>Norm(x+masked TAM)</c>, <c>Norm(x+CAM(x, Z))</c>, <c>Norm(x+FFN)</c>; the last
    /// layer computes TAM, CAM and FFN for the last step only.</summary>
    public ManagedStreams Decode(ManagedStreams x, TransposedStreams memory, int memorySteps, WindowGraph g, ManagedScratch s, bool lastStepOnly)
    {
        x = Spatial(x, g, s, 0);
        var q = lastStepOnly ? LastStep(x, g, s) : x;
        q = Temporal(q, x, g, s, causal: !lastStepOnly, 1);
        q = Cross(q, memory, memorySteps, g, s, 2);
        return Feed(q, g, s, 3);
    }

    private static ManagedStreams LastStep(ManagedStreams x, WindowGraph g, ManagedScratch s) => x with
    {
        Metrics = LastStep(x.Metrics, g.Nodes, x.Steps, x.MetricWidth, s),
        Logs = LastStep(x.Logs, g.Nodes, x.Steps, x.LogWidth, s),
        Traces = LastStep(x.Traces, g.Edges, x.Steps, x.TraceWidth, s),
        Steps = 1,
    };

    private static Buf? LastStep(Buf? x, int entities, int steps, int width, ManagedScratch s)
    {
        if (x is not { } values)
        {
            return null;
        }

        var last = s.Take(entities * width);
        for (var i = 0; i < entities; i++)
        {
            values.AsSpan((((i * steps) + steps - 1) * width), width).CopyTo(last.AsSpan(i * width, width));
        }

        return last;
    }

    private ManagedStreams Spatial(ManagedStreams x, WindowGraph g, ManagedScratch s, int block)
    {
        if (sam is null)
        {
            return x;
        }

        var k = x.Steps;
        var rows = g.Nodes * k;
        var nodeWidth = x.MetricWidth + x.LogWidth;
        var logsFrom = x.Metrics is null ? 0 : x.MetricWidth;
        var nodes = s.Take(rows * nodeWidth);
        for (var row = 0; row < rows; row++)
        {
            x.Metrics?.AsSpan(row * x.MetricWidth, x.MetricWidth).CopyTo(nodes.AsSpan(row * nodeWidth));
            x.Logs?.AsSpan(row * x.LogWidth, x.LogWidth).CopyTo(nodes.AsSpan((row * nodeWidth) + logsFrom));
        }

        var (newNodes, newEdges) = sam.Forward(nodes, x.Traces, g, k, s);
        Normalise(0, x.Metrics, x.MetricWidth, newNodes, 0, nodeWidth, block);
        Normalise(1, x.Logs, x.LogWidth, newNodes, logsFrom, nodeWidth, block);
        if (x.Traces is { } traces && newEdges is { } update)
        {
            norms[2][normIndex[block]].AddAndNormalise(traces, update);
        }

        return x;
    }

    /// <summary>x ← Norm(x + the columns [from, from + width) of <paramref name="update"/>'s rows of <paramref name="stride"/>).</summary>
    private void Normalise(int modality, Buf? x, int width, Buf update, int from, int stride, int block)
    {
        if (x is not { } values)
        {
            return;
        }

        var norm = norms[modality][normIndex[block]];
        for (var row = 0; row < values.Count / width; row++)
        {
            norm.AddAndNormalise(values.AsSpan(row * width, width), update.AsSpan((row * stride) + from, width));
        }
    }

    /// <summary>Every stream with its entities innermost (<see cref="ManagedTemporal.Transposed"/>), as the temporal
    /// attention reads it.</summary>
    public static TransposedStreams Transposed(ManagedStreams x, WindowGraph g, ManagedScratch s)
    {
        var nodes = ManagedTemporal.Padded(g.Nodes);
        var edges = ManagedTemporal.Padded(g.Edges);
        return new(
            x.Metrics is { } m ? ManagedTemporal.Transposed(m, g.Nodes, x.Steps, x.MetricWidth, 0, x.MetricWidth, nodes, s) : (Buf?)null,
            x.Logs is { } l ? ManagedTemporal.Transposed(l, g.Nodes, x.Steps, x.LogWidth, 0, x.LogWidth, nodes, s) : (Buf?)null,
            x.Traces is { } t ? ManagedTemporal.Transposed(t, g.Edges, x.Steps, x.TraceWidth, 0, x.TraceWidth, edges, s) : (Buf?)null);
    }

    private ManagedStreams Temporal(ManagedStreams q, ManagedStreams x, WindowGraph g, ManagedScratch s, bool causal, int block)
    {
        if (tam[0] is null && tam[1] is null && tam[2] is null)
        {
            return q;
        }

        // The queries are the window itself or its last step.
        var xt = Transposed(x, g, s);
        var qt = q.Steps == x.Steps ? xt : Transposed(q, g, s);
        Buf? bias = null;
        if (commonBias)
        {
            // C (Eq. 13): the mean over modalities of x·xᵀ/√d averaged over the window's entities.
            var k = x.Steps;
            var common = s.Zeroed(k * k);
            var terms = 0;
            if (xt.Metrics is { } m)
            {
                AddMeanSelfScores(m, g.Nodes, k, x.MetricWidth, common);
                terms++;
            }

            if (xt.Logs is { } l)
            {
                AddMeanSelfScores(l, g.Nodes, k, x.LogWidth, common);
                terms++;
            }

            if (xt.Traces is { } t && g.Edges > 0)
            {
                AddMeanSelfScores(t, g.Edges, k, x.TraceWidth, common);
                terms++;
            }

            for (var i = 0; i < common.Count; i++)
            {
                common[i] /= terms;
            }

            bias = q.Steps < k ? common.Slice((k - q.Steps) * k) : common;
        }

        var metrics = qt.Metrics is { } qm ? tam[0]!.Forward(qm, xt.Metrics!.Value, g.Nodes, q.Steps, x.Steps, bias, causal, s) : (Buf?)null;
        var logs = qt.Logs is { } ql ? tam[1]!.Forward(ql, xt.Logs!.Value, g.Nodes, q.Steps, x.Steps, bias, causal, s) : (Buf?)null;
        var traces = qt.Traces is { } qs ? tam[2]!.Forward(qs, xt.Traces!.Value, g.Edges, q.Steps, x.Steps, bias, causal, s) : (Buf?)null;
        return Residual(q, metrics, logs, traces, block);
    }

    /// <summary>Adds <c>(1/n)·Σ x·xᵀ / √d</c> over the <paramref name="n"/> entities to <paramref name="common"/>
    /// <c>[k, k]</c>; <paramref name="t"/> is the stream with its entities innermost (zero-padded).</summary>
    private static void AddMeanSelfScores(Buf t, int n, int k, int d, Buf common)
    {
        var lanes = Vector<float>.Count;
        var np = ManagedTemporal.Padded(n);
        ref var tr = ref MemoryMarshal.GetReference(t.AsSpan());
        var scale = (float)(1.0 / Math.Sqrt(d)) / n;
        for (var i = 0; i < k; i++)
        {
            for (var j = i; j < k; j++)
            {
                // x·xᵀ is symmetric: each pair once.
                var acc = Vector<float>.Zero;
                for (var c = 0; c < d; c++)
                {
                    for (var c0 = 0; c0 < np; c0 += lanes)
                    {
                        acc = Vector.FusedMultiplyAdd(
                            Vector.LoadUnsafe(ref tr, (nuint)((((i * d) + c) * np) + c0)),
                            Vector.LoadUnsafe(ref tr, (nuint)((((j * d) + c) * np) + c0)),
                            acc);
                    }
                }

                var mean = Vector.Sum(acc) * scale;
                common[(i * k) + j] += mean;
                if (j != i)
                {
                    common[(j * k) + i] += mean;
                }
            }
        }
    }

    private ManagedStreams Cross(ManagedStreams q, TransposedStreams memory, int memorySteps, WindowGraph g, ManagedScratch s, int block)
    {
        var qt = Transposed(q, g, s);
        var metrics = qt.Metrics is { } qm ? cam[0]!.Forward(qm, memory.Metrics!.Value, g.Nodes, q.Steps, memorySteps, null, causal: false, s) : (Buf?)null;
        var logs = qt.Logs is { } ql ? cam[1]!.Forward(ql, memory.Logs!.Value, g.Nodes, q.Steps, memorySteps, null, causal: false, s) : (Buf?)null;
        var traces = qt.Traces is { } qs ? cam[2]!.Forward(qs, memory.Traces!.Value, g.Edges, q.Steps, memorySteps, null, causal: false, s) : (Buf?)null;
        return Residual(q, metrics, logs, traces, block);
    }

    private ManagedStreams Feed(ManagedStreams x, WindowGraph g, ManagedScratch s, int block)
    {
        var metrics = x.Metrics is { } m ? ffn[0]!.Apply(m, g.Nodes * x.Steps, s) : (Buf?)null;
        var logs = x.Logs is { } l ? ffn[1]!.Apply(l, g.Nodes * x.Steps, s) : (Buf?)null;
        var traces = x.Traces is { } t ? ffn[2]!.Apply(t, g.Edges * x.Steps, s) : (Buf?)null;
        return Residual(x, metrics, logs, traces, block);
    }

    private ManagedStreams Residual(ManagedStreams x, Buf? metrics, Buf? logs, Buf? traces, int block)
    {
        Normalise(0, x.Metrics, metrics, block);
        Normalise(1, x.Logs, logs, block);
        Normalise(2, x.Traces, traces, block);
        return x;
    }

    private void Normalise(int modality, Buf? x, Buf? update, int block)
    {
        if (x is { } values && update is { } u)
        {
            norms[modality][normIndex[block]].AddAndNormalise(values, u);
        }
    }
}
