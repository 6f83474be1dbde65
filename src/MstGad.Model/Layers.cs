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
    private readonly Linear _left;
    private readonly Linear _right;
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
        _left = Linear(inputWidth, width);
        _right = Linear(inputWidth, width, hasBias: false);
        _edge = edgeWidth > 0 ? Linear(edgeWidth, width, hasBias: false) : null;
        _output = Linear(width, outputWidth);
        _attention = Parameter(empty(heads, _headWidth));
        init.xavier_uniform_(_attention);
        _dropout = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Updates nodes <c>x [k, V, d]</c> from edges <c>src → dst</c> with attributes <c>e [k, E, d_e]</c>.</summary>
    public Tensor Forward(Tensor x, Tensor? e, Tensor src, Tensor dst)
    {
        using var scope = NewDisposeScope();
        var k = x.shape[0];
        var v = x.shape[1];
        var loops = arange(v, dtype: ScalarType.Int64, device: x.device);
        var s = cat([src, loops]);
        var d = cat([dst, loops]);
        var left = _left.forward(x).view(k, v, _heads, _headWidth);
        var right = _right.forward(x).view(k, v, _heads, _headWidth);
        var z = left.index_select(1, s) + right.index_select(1, d);
        if (_edge is not null && e is not null && e.shape[1] > 0)
        {
            var edges = _edge.forward(e).view(k, e.shape[1], _heads, _headWidth);
            z = z + cat([edges, zeros(k, v, _heads, _headWidth, device: x.device)], 1);
        }

        var score = (functional.leaky_relu(z, 0.2) * _attention).sum(-1); // [k, E', H]
        var weights = (score - score.amax([0, 1], keepdim: true).detach()).exp();
        var denominator = zeros(k, v, _heads, device: x.device).index_add(1, d, weights, 1.0);
        var alpha = _dropout.forward(weights / (denominator.index_select(1, d) + 1e-16));
        var messages = left.index_select(1, s) * alpha.unsqueeze(-1);
        var aggregated = zeros(k, v, _heads, _headWidth, device: x.device).index_add(1, d, messages, 1.0);
        return _output.forward(aggregated.view(k, v, _heads * _headWidth)).MoveToOuterDisposeScope();
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

    /// <summary>Returns the SAM updates of nodes <c>[k, V, d_n]</c> and edges <c>[k, E, d_s]</c>.</summary>
    public (Tensor Nodes, Tensor? Edges) Forward(Tensor nodes, Tensor? edges, WindowBatch batch)
    {
        using var scope = NewDisposeScope();
        var newNodes = _nodes.Forward(nodes, edges, batch.Sources, batch.Targets);
        Tensor? newEdges = null;
        if (_edges is not null && edges is not null)
        {
            var attributes = newNodes.index_select(1, batch.LineNodes);
            newEdges = _edges.Forward(edges, attributes, batch.LineSources, batch.LineTargets).MoveToOuterDisposeScope();
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
    private readonly Linear _key;
    private readonly Linear _value;
    private readonly Linear _output;
    private readonly Dropout _dropout;
    private readonly int _heads;
    private readonly int _headWidth;

    public TemporalHeads(string name, int width, int heads, double dropout)
        : base(name)
    {
        _heads = heads;
        _headWidth = width / heads;
        _query = Linear(width, width);
        _key = Linear(width, width);
        _value = Linear(width, width);
        _output = Linear(width, width);
        _dropout = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>Attends <c>query [n, k, d]</c> over <c>memory [n, k, d]</c>; bias <c>[n, k, k]</c>; mask <c>[k, k]</c>.</summary>
    public Tensor Forward(Tensor query, Tensor memory, Tensor? bias, Tensor? causalMask)
    {
        using var scope = NewDisposeScope();
        var n = query.shape[0];
        var k = query.shape[1];
        var q = _query.forward(query).view(n, k, _heads, _headWidth).transpose(1, 2);
        var key = _key.forward(memory).view(n, k, _heads, _headWidth).transpose(1, 2);
        var v = _value.forward(memory).view(n, k, _heads, _headWidth).transpose(1, 2);
        var scores = q.matmul(key.transpose(-2, -1)) / Math.Sqrt(_headWidth); // [n, H, k, k]
        if (bias is not null)
        {
            scores = scores + bias.unsqueeze(1);
        }

        if (causalMask is not null)
        {
            scores = scores + causalMask;
        }

        var attention = _dropout.forward(functional.softmax(scores, -1));
        var result = attention.matmul(v).transpose(1, 2).reshape(n, k, _heads * _headWidth);
        return _output.forward(result).MoveToOuterDisposeScope();
    }
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

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return _out.forward(_dropout.forward(functional.leaky_relu(_in.forward(input), 0.01))).MoveToOuterDisposeScope();
    }
}

/// <summary>Tensor helpers shared by the layers.</summary>
internal static class TensorMath
{
    /// <summary>Sinusoidal positional encoding <c>[k, d]</c> (Vaswani et al.).</summary>
    public static Tensor PositionalEncoding(long steps, long width, Device device)
    {
        using var scope = NewDisposeScope();
        var position = arange(steps, dtype: ScalarType.Float32, device: device).unsqueeze(1);
        var divisor = exp(arange(0, width, 2, dtype: ScalarType.Float32, device: device) * (-Math.Log(10000.0) / width));
        var pe = zeros(steps, width, device: device);
        pe[TensorIndex.Colon, TensorIndex.Slice(0, null, 2)] = sin(position * divisor);
        var odd = cos(position * divisor);
        var oddCount = width / 2;
        pe[TensorIndex.Colon, TensorIndex.Slice(1, null, 2)] = odd[TensorIndex.Colon, TensorIndex.Slice(0, oddCount)];
        return pe.MoveToOuterDisposeScope();
    }

    /// <summary>A causal mask <c>[k, k]</c>: 0 on and below the diagonal, −∞ above.</summary>
    public static Tensor CausalMask(long steps, Device device)
    {
        using var scope = NewDisposeScope();
        return full(steps, steps, float.NegativeInfinity, device: device).triu(1).MoveToOuterDisposeScope();
    }

    /// <summary>Per-window mean of <c>x xᵀ/√d</c> over entities: <c>x [n, k, d]</c>, <c>window [n]</c> → <c>[B, k, k]</c>.</summary>
    public static Tensor MeanSelfScores(Tensor x, Tensor window, long windows)
    {
        using var scope = NewDisposeScope();
        var k = x.shape[1];
        var scores = x.matmul(x.transpose(1, 2)) / Math.Sqrt(x.shape[2]);
        var sums = zeros(windows, k, k, device: x.device).index_add(0, window, scores, 1.0);
        var counts = zeros(windows, device: x.device).index_add(0, window, ones(x.shape[0], device: x.device), 1.0).clamp_min(1);
        return (sums / counts.view(windows, 1, 1)).MoveToOuterDisposeScope();
    }
}
