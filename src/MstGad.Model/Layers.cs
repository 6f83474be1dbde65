using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MstGad.Model;

/// <summary>
/// Multi-head graph attention whose scores see edge features (paper Eq. 3–6, 11), on a sparse edge
/// list: for an edge j → i, score = aᵀ LeakyReLU(W_l x_j + W_r x_i + W_e e_ji), softmax over the
/// incoming edges of i (and a self-loop), message W_l x_j. Works on any number of graphs at once.
/// </summary>
internal sealed class EdgeAwareAttention : Module
{
    private readonly Linear _leftRight;
    private readonly Linear? _edge;
    private readonly Linear _output;
    private readonly Parameter _attention;
    private readonly Dropout _dropout;
    private readonly int _heads;
    private readonly int _headWidth;

    public EdgeAwareAttention(string name, int inputWidth, int edgeWidth, int outputWidth, int heads, double dropout)
        : base(name)
    {
        _heads = heads;
        _headWidth = Math.Max(1, outputWidth / heads);
        var width = _heads * _headWidth;
        _leftRight = Linear(inputWidth, 2 * width); // W_l and W_r in one product
        _edge = edgeWidth > 0 ? Linear(edgeWidth, width, hasBias: false) : null;
        _output = Linear(width, outputWidth);
        _attention = Parameter(empty(heads, _headWidth));
        init.xavier_uniform_(_attention);
        _dropout = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>
    /// Updates nodes <c>x [V, k, d]</c> over edges <c>src → dst</c> whose last V entries are self-loops,
    /// with attributes <c>e [E, k, d_e]</c> for the first E edges (self-loops have none). Entities come
    /// first so that gathers and scatters move whole contiguous rows.
    /// </summary>
    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedEdgeAttention Freeze() => new(
        Dense.Of(_leftRight), _edge is null ? null : Dense.Of(_edge), Dense.Of(_output), _attention.detach().cpu().data<float>().ToArray(), _heads, _headWidth);

    public Tensor Forward(Tensor x, Tensor? e, Tensor srcWithLoops, Tensor dstWithLoops)
    {
        using var scope = NewDisposeScope();
        var v = x.shape[0];
        var k = x.shape[1];
        var width = _heads * _headWidth;
        var both = _leftRight.forward(x);
        // Gathers copy whole rows of contiguous tensors (a gather from a strided view is several times slower).
        var leftAtSource = both.narrow(2, 0, width).contiguous().index_select(0, srcWithLoops); // [E', k, W]
        var z = leftAtSource.Plus(both.narrow(2, width, width).contiguous().index_select(0, dstWithLoops));
        if (_edge is not null && e is not null && e.shape[0] > 0)
        {
            // The self-loops (the last V entries) have no attributes.
            z.narrow(0, 0, e.shape[0]).PlusInPlace(_edge.forward(e));
        }

        // aᵀ·LeakyReLU(z) per head as one matrix product with a block-diagonal [H·c, H] matrix (a short
        // last-dimension sum is slow in libtorch).
        var perHead = eye(_heads, device: x.device).repeat_interleave(_headWidth, 0); // [H·c, H]: 1 where a column belongs to a head
        var blocks = _attention.reshape(width, 1) * perHead;
        var score = z.leaky_relu(Scalars.AttentionSlope).view(-1, width).matmul(blocks).view(z.shape[0], k, _heads); // [E', k, H]

        // Shift each softmax by its destination's own self-loop score (the last V entries), not by one
        // maximum over the whole batch: the self-loop then weighs exactly 1, so no denominator underflows
        // to zero, and no other step, node or window of the batch can change a node's attention (a shared
        // maximum broke the decoder's causality and made scores depend on the batch). The clamp only
        // guards against overflow when a neighbour scores more than 60 above the self-loop.
        var self = score.narrow(0, score.shape[0] - v, v).detach();
        var weights = (score - self.index_select(0, dstWithLoops)).clamp_max(Scalars.MaxShift).exp();
        var denominator = zeros(v, k, _heads, device: x.device).index_add_(0, dstWithLoops, weights, Scalars.UnitAlpha);

        // Sum the unnormalised messages per node, then divide by the node's denominator: the same as
        // weighting each message by its softmax share (dropout is linear, so it may act on the weights).
        // Each head's weight is spread over its c columns by a matrix product (a broadcast over a short
        // last dimension is slow).
        var kept = training ? _dropout.forward(weights) : weights;
        var perColumn = perHead.t();
        var numerator = zeros(v, k, width, device: x.device).index_add_(0, dstWithLoops, leftAtSource * kept.matmul(perColumn), Scalars.UnitAlpha);
        var aggregated = numerator / denominator.matmul(perColumn); // every node has its self-loop, whose weight is 1
        return _output.forward(aggregated.view(v, k, width)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// SAM: node features are updated by edge-aware graph attention over the call edges; then the roles
/// swap (Eq. 12) and edge features are updated by graph attention over the line graph (edge u→v feeds
/// edge v→w), with the shared node's new embedding as the attribute.
/// </summary>
internal sealed class SpatialAttention : Module
{
    private readonly EdgeAwareAttention _nodes;
    private readonly EdgeAwareAttention? _edges;

    public SpatialAttention(string name, int nodeWidth, int edgeWidth, int heads, int edgeHeads, double dropout)
        : base(name)
    {
        _nodes = new EdgeAwareAttention("nodes", nodeWidth, edgeWidth, nodeWidth, heads, dropout);
        _edges = edgeWidth > 0 ? new EdgeAwareAttention("edges", edgeWidth, nodeWidth, edgeWidth, edgeHeads, dropout) : null;
        RegisterComponents();
    }

    /// <summary>Returns the SAM updates of nodes <c>[V, k, d_n]</c> and edges <c>[E, k, d_s]</c>.</summary>
    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedSpatial Freeze() => new(_nodes.Freeze(), _edges?.Freeze());

    public (Tensor Nodes, Tensor? Edges) Forward(Tensor nodes, Tensor? edges, WindowBatch batch)
    {
        using var scope = NewDisposeScope();
        var newNodes = _nodes.Forward(nodes, edges, batch.SourcesWithLoops, batch.TargetsWithLoops);
        Tensor? newEdges = null;
        if (_edges is not null && edges is not null)
        {
            var attributes = newNodes.index_select(0, batch.LineNodes);
            newEdges = _edges.Forward(edges, attributes, batch.LineSourcesWithLoops, batch.LineTargetsWithLoops).MoveToOuterDisposeScope();
        }

        return (newNodes.MoveToOuterDisposeScope(), newEdges);
    }
}

/// <summary>
/// Multi-head attention over time for every entity (node or edge) separately:
/// <c>softmax(QKᵀ/√d_k + C + mask)·V</c> (Eq. 13), with an optional additive bias C per entity and an
/// optional causal mask (−∞ above the diagonal, before the softmax). Also used as CAM (queries from the
/// decoder, keys and values from the encoder).
/// </summary>
internal sealed class TemporalHeads : Module
{
    private readonly Linear _query;
    private readonly Linear _keyValue;
    private readonly Linear _output;
    private readonly Dropout _dropout;
    private readonly int _heads;
    private readonly int _headWidth;
    private readonly Scalar _scale;

    public TemporalHeads(string name, int width, int heads, double dropout)
        : base(name)
    {
        _heads = heads;
        _headWidth = width / heads;
        _scale = (1.0 / Math.Sqrt(_headWidth)).ToScalar();
        _query = Linear(width, width);
        _keyValue = Linear(width, 2 * width); // W_K and W_V in one product
        _output = Linear(width, width);
        _dropout = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Attends <c>query [n, k, d]</c> over <c>memory [n, k, d]</c>; bias <c>[n, k, k]</c>; mask <c>[k, k]</c>.</summary>
    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedTemporal Freeze() => new(Dense.Of(_query), Dense.Of(_keyValue), Dense.Of(_output), _heads, _headWidth);

    public Tensor Forward(Tensor query, Tensor memory, Tensor? bias, Tensor? causalMask)
    {
        using var scope = NewDisposeScope();
        var q = _query.forward(query);
        var kv = _keyValue.forward(memory);
        var result = !training && (query.shape[1] == 1 || _headWidth <= 2)
            ? AttendEntitiesLast(q, kv, bias, causalMask)
            : AttendPerEntity(q, kv, bias, causalMask);
        return _output.forward(result).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _scale.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Per entity and head, <c>[k, c]·[c, k]</c> products: libtorch runs n·H tiny matrix products one by
    /// one, which wins only when heads are wide and every step queries.
    /// </summary>
    private Tensor AttendPerEntity(Tensor q, Tensor kv, Tensor? bias, Tensor? causalMask)
    {
        var n = q.shape[0];
        var k = q.shape[1];
        var km = kv.shape[1];
        var width = _heads * _headWidth;
        var qh = q.view(n, k, _heads, _headWidth).transpose(1, 2);
        var key = kv.narrow(2, 0, width).view(n, km, _heads, _headWidth).transpose(1, 2);
        var v = kv.narrow(2, width, width).reshape(n, km, _heads, _headWidth).transpose(1, 2);
        var scores = qh.matmul(key.transpose(-2, -1)).mul_(_scale); // [n, H, k, k]
        if (bias is not null)
        {
            scores = scores.PlusInPlace(bias.unsqueeze(1));
        }

        if (causalMask is not null)
        {
            scores = scores.PlusInPlace(causalMask);
        }

        var attention = TensorMath.SoftmaxLastDim(scores);
        if (training)
        {
            attention = _dropout.forward(attention);
        }

        return attention.matmul(v).transpose(1, 2).reshape(n, k, width);
    }

    /// <summary>
    /// The same attention with the entities as the innermost dimension: the head-width sums and the
    /// softmax become vectorised loops over all entities at once. In inference, faster for narrow heads
    /// (c ≤ 2, the trace stream) and for a single query step (the last decoder layer) at every batch
    /// size measured; in training its backward pass is slower than that of the per-entity products.
    /// </summary>
    private Tensor AttendEntitiesLast(Tensor q, Tensor kv, Tensor? bias, Tensor? causalMask)
    {
        var n = q.shape[0];
        var kq = q.shape[1];
        var k = kv.shape[1];
        var width = _heads * _headWidth;
        var qt = q.permute(1, 2, 0).contiguous().view(kq, 1, _heads, _headWidth, n); // [i, 1, H, c, n]
        var kvt = kv.permute(1, 2, 0).contiguous(); // [j, 2W, n]
        var key = kvt.narrow(1, 0, width).view(1, k, _heads, _headWidth, n);
        var v = kvt.narrow(1, width, width).view(1, k, _heads, _headWidth, n);
        var scores = (qt * key).sum(3).mul_(_scale); // [i, j, H, n]
        if (bias is not null)
        {
            scores = scores.PlusInPlace(bias.permute(1, 2, 0).unsqueeze(2));
        }

        if (causalMask is not null)
        {
            scores = scores.PlusInPlace(causalMask.view(kq, k, 1, 1));
        }

        var attention = functional.softmax(scores, 1); // over j, a leading dimension: libtorch's fast kernel
        if (training)
        {
            attention = _dropout.forward(attention);
        }

        return (attention.unsqueeze(3) * v).sum(1).view(kq, width, n).permute(2, 0, 1); // [n, i, W]
    }
}

/// <summary>
/// LeakyReLU with the negative slope 0.01 as a kept <see cref="Scalar"/> (<see cref="Scalars.FeedForwardSlope"/>):
/// TorchSharp's <c>nn.LeakyReLU</c> module passes its slope as a number, turned into a scalar that nothing keeps alive
/// during the native call (seen freed under libtorch in CI). No parameters, so a <c>Sequential</c> holding it names
/// its neighbours' parameters as it did with the module it replaces.
/// </summary>
internal sealed class KeptLeakyReLU : Module<Tensor, Tensor>
{
    public KeptLeakyReLU()
        : base(nameof(KeptLeakyReLU))
    {
    }

    public override Tensor forward(Tensor input) => input.leaky_relu(Scalars.FeedForwardSlope);
}

/// <summary>Position-wise feed-forward: Linear(d, m·d) → LeakyReLU → Dropout → Linear(m·d, d).</summary>
internal sealed class FeedForward : Module<Tensor, Tensor>
{
    private readonly Linear _in;
    private readonly Linear _out;
    private readonly Dropout _dropout;

    public FeedForward(string name, int width, int multiplier, double dropout)
        : base(name)
    {
        _in = Linear(width, width * multiplier);
        _out = Linear(width * multiplier, width);
        _dropout = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedFeedForward Freeze() => new(Dense.Of(_in), Dense.Of(_out));

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return _out.forward(_dropout.forward(_in.forward(input).leaky_relu(Scalars.FeedForwardSlope))).MoveToOuterDisposeScope();
    }
}

/// <summary>Tensor helpers shared by the layers.</summary>
internal static class TensorMath
{
    /// <summary>Sinusoidal positional encoding <c>[k, d]</c> (Vaswani et al.).</summary>
    public static Tensor PositionalEncoding(long steps, long width, Device device)
    {
        using var scope = NewDisposeScope();
        using var stop = steps.ToScalar();
        using var end = width.ToScalar();
        using var two = 2.ToScalar();
        using var rate = (-Math.Log(10000.0) / width).ToScalar();
        var position = arange(Scalars.Zero, stop, Scalars.One, dtype: ScalarType.Float32, device: device).unsqueeze(1);
        var divisor = exp(arange(Scalars.Zero, end, two, dtype: ScalarType.Float32, device: device).mul(rate));
        var pe = zeros(steps, width, device: device);
        pe[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)] = sin(position * divisor);
        var odd = cos(position * divisor);
        var oddCount = width / 2;
        pe[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)] = odd[TensorIndex.Colon, TensorIndex.Slice(0, oddCount)];
        return pe.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Softmax over the last dimension, computed along a leading dimension: libtorch's CPU kernel for a
    /// short last dimension (k = 10) is more than ten times slower than its kernel for a leading one.
    /// </summary>
    public static Tensor SoftmaxLastDim(Tensor x)
    {
        using var scope = NewDisposeScope();
        var last = x.dim() - 1;
        var order = new long[x.dim()];
        order[0] = last;
        for (var i = 1; i < order.Length; i++)
        {
            order[i] = i - 1;
        }

        var back = new long[x.dim()];
        for (var i = 0; i < last; i++)
        {
            back[i] = i + 1;
        }

        back[last] = 0;
        return functional.softmax(x.permute(order).contiguous(), 0).permute(back).MoveToOuterDisposeScope();
    }

    /// <summary>A causal mask <c>[k, k]</c>: 0 on and below the diagonal, −∞ above.</summary>
    public static Tensor CausalMask(long steps, Device device)
    {
        using var scope = NewDisposeScope();
        using var minusInfinity = float.NegativeInfinity.ToScalar();
        return full(steps, steps, minusInfinity, device: device).triu(1).MoveToOuterDisposeScope();
    }

    /// <summary>Per-window mean of <c>x xᵀ/√d</c> over entities: <c>x [n, k, d]</c> and an averaging matrix <c>[B, n]</c> → <c>[B, k, k]</c>.</summary>
    public static Tensor MeanSelfScores(Tensor x, Tensor averaging)
    {
        using var scope = NewDisposeScope();
        var n = x.shape[0];
        var k = x.shape[1];
        var scores = x.matmul(x.transpose(1, 2)).view(n, k * k);
        using var scale = (1.0 / Math.Sqrt(x.shape[2])).ToScalar();
        return averaging.matmul(scores).mul_(scale).view(averaging.shape[0], k, k).MoveToOuterDisposeScope();
    }
}
