using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MstGad.Methods.Hades;

/// <summary>
/// A 1-D convolution that sees no later step: output t is <c>b + Σⱼ Wⱼ x[t − j·d]</c> for the kernel's taps j, with
/// zeros before the first step. Input and output <c>[batch, channels, steps]</c>.
/// </summary>
/// <remarks>
/// Written as one linear map of the shifted inputs side by side rather than with libtorch's convolution: its oneDNN
/// kernels' weight gradient for these tiny dilated one-channel inputs came out NaN in about one training in ten
/// (measured: the first Adam step, nothing else changed), and the shifted copies cost nothing at Hades's widths.
/// </remarks>
internal sealed class CausalConvolution : Module<Tensor, Tensor>
{
    private readonly Linear _taps;
    private readonly long _kernel;
    private readonly long _dilation;

    public CausalConvolution(string name, long inputChannels, long outputChannels, long kernel, long dilation)
        : base(name)
    {
        _taps = Linear(kernel * inputChannels, outputChannels);
        (_kernel, _dilation) = (kernel, dilation);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var steps = input.shape[2];
        var left = (_kernel - 1) * _dilation;
        var padded = functional.pad(input, [left, 0]);
        var shifted = new Tensor[_kernel];
        for (var j = 0; j < _kernel; j++)
        {
            shifted[j] = padded.narrow(2, left - (j * _dilation), steps); // x[t − j·d]
        }

        return _taps.forward(cat(shifted, 1).permute(0, 2, 1)).permute(0, 2, 1).contiguous().MoveToOuterDisposeScope();
    }
}

/// <summary>The shape of a Hades network: its inputs' widths and its own.</summary>
/// <param name="Aspects">Each metric aspect's metric positions among the window's metric features.</param>
/// <param name="WordDimension">The width of a template's word vector.</param>
/// <param name="Width">The hidden width h.</param>
/// <param name="Heads">Attention heads (divides <paramref name="Width"/>).</param>
/// <param name="Steps">The window length k.</param>
/// <param name="Dropout">Dropout while training.</param>
/// <param name="TemplateLength">The length L of a step's template sequence (the position-specific attention learns weights per position).</param>
internal sealed record HadesShape(IReadOnlyList<IReadOnlyList<int>> Aspects, int WordDimension, int Width, int Heads, int Steps, double Dropout, int TemplateLength);

/// <summary>
/// Hades's position-specific self-attention pooling of a sequence <c>[N, L, h]</c> to <c>[N, h]</c>: position l has its
/// own weights <c>wₗ</c> and bias <c>bₗ</c>, its weight is <c>aₗ = tanh(xₗ·wₗ + bₗ)</c> (no softmax, as Hades), 0 where
/// the sequence is padded, and the output is <c>Σₗ aₗ xₗ</c>.
/// </summary>
internal sealed class PositionalAttention : Module<Tensor, Tensor, (Tensor Pooled, Tensor Weights)>
{
    private readonly Parameter _weights; // [L, h]
    private readonly Parameter _bias; // [L]

    public PositionalAttention(string name, long length, long width)
        : base(name)
    {
        _weights = Parameter(empty(length, width));
        init.xavier_uniform_(_weights);
        _bias = Parameter(zeros(length));
        RegisterComponents();
    }

    /// <summary>Pools <c>input [N, L, h]</c>; <c>padding [N, L]</c> is true where there is nothing. Returns the pooled <c>[N, h]</c> and the weights <c>[N, L]</c>.</summary>
    public override (Tensor Pooled, Tensor Weights) forward(Tensor input, Tensor padding)
    {
        using var scope = NewDisposeScope();
        var a = ((input * _weights.unsqueeze(0)).sum(2) + _bias.unsqueeze(0)).tanh().masked_fill(padding, 0f); // [N, L]
        var pooled = (a.unsqueeze(2) * input).sum(1); // [N, h]
        return (pooled.MoveToOuterDisposeScope(), a.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// Hades's network (ICSE'23) for a batch of instance windows: metrics by aspect through causal dilated convolutions,
/// max-pooled across aspects, then an inner causal convolution; each step's log templates (their word vectors, in
/// order, padded) through a transformer encoder per step (no positional encoding, as Hades) and pooled by
/// position-specific self-attention; cross attention in both directions; a self-attention decoder; an MLP classifier
/// on the last step.
/// </summary>
/// <remarks>
/// Inputs: metrics <c>[B, k, M]</c>; templates <c>[B, k, L, w]</c> with <c>padding [B, k, L]</c> (true where there is
/// no template); output: logits <c>[B, 2]</c> (normal, abnormal).
/// </remarks>
internal sealed class HadesNetwork : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly ModuleList<Sequential> _aspects;
    private readonly Sequential _inner;
    private readonly long[][] _aspectIndex;
    private readonly Linear _wordProjection;
    private readonly TransformerEncoderLayer _slice;
    private readonly PositionalAttention _pool;
    private readonly MultiheadAttention _metricsFromLogs;
    private readonly MultiheadAttention _logsFromMetrics;
    private readonly Linear _fuse;
    private readonly TransformerEncoderLayer _decoder;
    private readonly Sequential _classifier;

    public HadesNetwork(HadesShape shape)
        : base("hades")
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        var h = shape.Width;
        _aspectIndex = [.. shape.Aspects.Select(a => a.Select(i => (long)i).ToArray())];
        _aspects = new ModuleList<Sequential>([.. shape.Aspects.Select((a, g) => Sequential(
            ($"conv{g}a", new CausalConvolution($"aspect{g}a", a.Count, h, 3, 1)),
            ($"relu{g}a", ReLU()),
            ($"conv{g}b", new CausalConvolution($"aspect{g}b", h, h, 3, 2)),
            ($"relu{g}b", ReLU())))]);
        _inner = Sequential(("conv", new CausalConvolution("inner", h, h, 3, 4)), ("relu", ReLU()));
        _wordProjection = Linear(shape.WordDimension, h);
        _slice = TransformerEncoderLayer(h, shape.Heads, 2 * h, shape.Dropout);
        _pool = new PositionalAttention("pool", shape.TemplateLength, h);
        _metricsFromLogs = MultiheadAttention(h, shape.Heads, shape.Dropout);
        _logsFromMetrics = MultiheadAttention(h, shape.Heads, shape.Dropout);
        _fuse = Linear(2 * h, h);
        _decoder = TransformerEncoderLayer(h, shape.Heads, 2 * h, shape.Dropout);
        _classifier = Sequential(("hidden", Linear(h, h)), ("relu", ReLU()), ("out", Linear(h, 2)));
        RegisterComponents();
    }

    public HadesShape Shape { get; }

    /// <summary>The metric representation <c>[B, k, h]</c>: each aspect's causal convolutions, the maximum over aspects, the inner convolution.</summary>
    public Tensor EncodeMetrics(Tensor metrics) => EncodeMetrics(metrics, out _, explain: false);

    /// <summary>
    /// <see cref="EncodeMetrics(Tensor)"/>, and with <paramref name="explain"/> each aspect's share <c>[B, G]</c> of the
    /// last step's max-pooled channels (the aspect that gave the maximum of a channel wins it).
    /// </summary>
    public Tensor EncodeMetrics(Tensor metrics, out Tensor? shares, bool explain)
    {
        using var scope = NewDisposeScope();
        var perAspect = new Tensor[_aspects.Count];
        for (var g = 0; g < _aspects.Count; g++)
        {
            var x = metrics.index_select(2, tensor(_aspectIndex[g], device: metrics.device)).permute(0, 2, 1); // [B, M_g, k]
            perAspect[g] = _aspects[g].forward(x); // [B, h, k]
        }

        var all = stack(perAspect, 1); // [B, G, h, k]
        var pooled = all.amax([1]); // [B, h, k]
        shares = null;
        if (explain)
        {
            var winners = all[.., .., .., -1].argmax(1); // [B, h]: the aspect of each channel's maximum at the last step
            shares = functional.one_hot(winners, _aspects.Count).to(float32).mean([1]).MoveToOuterDisposeScope(); // [B, G]
        }

        return _inner.forward(pooled).permute(0, 2, 1).contiguous().MoveToOuterDisposeScope(); // [B, k, h]
    }

    /// <summary>The log representation <c>[B, k, h]</c>: each step's template sequence encoded and pooled by position-specific attention.</summary>
    public Tensor EncodeLogs(Tensor templates, Tensor padding) => EncodeLogs(templates, padding, out _);

    /// <summary><see cref="EncodeLogs(Tensor, Tensor)"/>, and the attention weight of every template <c>[B, k, L]</c> (0 where padded).</summary>
    public Tensor EncodeLogs(Tensor templates, Tensor padding, out Tensor weights)
    {
        using var scope = NewDisposeScope();
        long b = templates.shape[0], k = templates.shape[1], l = templates.shape[2];
        var h = Shape.Width;
        var slices = _wordProjection.forward(templates.reshape(b * k, l, -1)).transpose(0, 1); // [L, B·k, h]
        var pad = padding.reshape(b * k, l);
        var empty = pad.all(1); // slices without a template
        // A slice without any template would attend to nothing (NaN): let it see its first (zero) position; the
        // pooling gives it weight 0, so its representation is zero.
        var safePad = pad.clone();
        safePad.index_put_(tensor(false), [empty, tensor(0L)]);
        var encoded = WithPadding(_slice, slices, safePad).transpose(0, 1); // [B·k, L, h]
        var (pooled, a) = _pool.forward(encoded, pad);
        weights = a.reshape(b, k, l).MoveToOuterDisposeScope();
        return pooled.reshape(b, k, h).MoveToOuterDisposeScope(); // [B, k, h]
    }

    /// <summary>Both streams fused by cross attention in both directions <c>[B, k, h]</c>.</summary>
    public Tensor Fuse(Tensor metrics, Tensor logs)
    {
        using var scope = NewDisposeScope();
        var m = metrics.transpose(0, 1); // [k, B, h]
        var l = logs.transpose(0, 1);
        // The attention weights are asked for: without them TorchSharp wraps an empty result that no scope releases.
        var (fromLogs, _) = _metricsFromLogs.forward(m, l, l, null, true, null);
        var (fromMetrics, _) = _logsFromMetrics.forward(l, m, m, null, true, null);
        return _fuse.forward(cat([m + fromLogs, l + fromMetrics], 2)).transpose(0, 1).contiguous().MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor metrics, Tensor templates, Tensor padding)
    {
        using var scope = NewDisposeScope();
        return Classify(EncodeMetrics(metrics), EncodeLogs(templates, padding)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The logits <c>[B, 2]</c> with what they rest on: each metric aspect's share <c>[B, G]</c> of the last step's
    /// max-pooled channels, and the attention weight of each of the last step's templates <c>[B, L]</c>.
    /// </summary>
    public (Tensor Logits, Tensor AspectShares, Tensor TemplateWeights) Explain(Tensor metrics, Tensor templates, Tensor padding)
    {
        using var scope = NewDisposeScope();
        var m = EncodeMetrics(metrics, out var shares, explain: true);
        var l = EncodeLogs(templates, padding, out var weights);
        var logits = Classify(m, l);
        return (logits.MoveToOuterDisposeScope(), shares!.MoveToOuterDisposeScope(), weights[.., -1].contiguous().MoveToOuterDisposeScope());
    }

    private Tensor Classify(Tensor metrics, Tensor logs)
    {
        using var scope = NewDisposeScope();
        var fused = Fuse(metrics, logs); // [B, k, h]
        var decoded = _decoder.forward(fused.transpose(0, 1)); // [k, B, h]
        return _classifier.forward(decoded[-1]).MoveToOuterDisposeScope(); // the last step [B, 2]
    }

    /// <summary>An encoder layer over <c>[S, N, E]</c> whose keys marked true in <c>padding [N, S]</c> are not attended to.</summary>
    private static Tensor WithPadding(TransformerEncoderLayer layer, Tensor input, Tensor padding) =>
        ((IModule<Tensor, Tensor, Tensor, Tensor>)layer).call(input, null!, padding);

}
