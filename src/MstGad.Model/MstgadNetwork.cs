using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MstGad.Model;

/// <summary>The three modality streams: metrics and logs per node <c>[V, k, d]</c>, traces per edge <c>[E, k, d]</c>.</summary>
internal readonly record struct Streams(Tensor? Metrics, Tensor? Logs, Tensor? Traces)
{
    public IEnumerable<Tensor> All() => new[] { Metrics, Logs, Traces }.Where(t => t is not null)!;
}

/// <summary>
/// The sub-layers shared by encoder and decoder layers, each as a post-norm residual block
/// <c>Norm(x + Dropout(f(x)))</c> per modality: SAM, TAM (with C, optionally causal), CAM, FFN.
/// </summary>
internal sealed class StreamBlocks : Module
{
    private readonly SpatialAttention? _sam;
    private readonly TemporalHeads? _tamMetrics;
    private readonly TemporalHeads? _tamLogs;
    private readonly TemporalHeads? _tamTraces;
    private readonly TemporalHeads? _camMetrics;
    private readonly TemporalHeads? _camLogs;
    private readonly TemporalHeads? _camTraces;
    private readonly FeedForward? _ffnMetrics;
    private readonly FeedForward? _ffnLogs;
    private readonly FeedForward? _ffnTraces;
    private readonly ModuleList<LayerNorm> _normMetrics;
    private readonly ModuleList<LayerNorm> _normLogs;
    private readonly ModuleList<LayerNorm> _normTraces;
    private readonly Dropout _dropout;
    private readonly int[] _normIndex;
    private readonly bool _commonBias;
    private readonly int _metricWidth;
    private readonly int _logWidth;

    public StreamBlocks(string name, ModelOptions options, int metricWidth, int logWidth, int traceWidth, bool cross)
        : base(name)
    {
        _metricWidth = metricWidth;
        _logWidth = logWidth;
        var heads = options.Heads;
        var p = options.Dropout;
        var tam = options.UseTemporalAttention;
        _sam = options.UseSpatialAttention ? new SpatialAttention("sam", metricWidth + logWidth, traceWidth, heads, options.EdgeHeads, p) : null;
        _tamMetrics = tam && metricWidth > 0 ? new TemporalHeads("tam_m", metricWidth, heads, p) : null;
        _tamLogs = tam && logWidth > 0 ? new TemporalHeads("tam_l", logWidth, heads, p) : null;
        _tamTraces = tam && traceWidth > 0 ? new TemporalHeads("tam_s", traceWidth, heads, p) : null;
        _camMetrics = cross && metricWidth > 0 ? new TemporalHeads("cam_m", metricWidth, heads, p) : null;
        _camLogs = cross && logWidth > 0 ? new TemporalHeads("cam_l", logWidth, heads, p) : null;
        _camTraces = cross && traceWidth > 0 ? new TemporalHeads("cam_s", traceWidth, heads, p) : null;
        _ffnMetrics = metricWidth > 0 ? new FeedForward("ffn_m", metricWidth, options.FeedForwardMultiplier, p) : null;
        _ffnLogs = logWidth > 0 ? new FeedForward("ffn_l", logWidth, options.FeedForwardMultiplier, p) : null;
        _ffnTraces = traceWidth > 0 ? new FeedForward("ffn_s", traceWidth, options.FeedForwardMultiplier, p) : null;
        // One norm per block in use (SAM, TAM, [CAM,] FFN): an ablated block gets no dead LayerNorm.
        bool[] inUse = cross ? [_sam is not null, tam, true, true] : [_sam is not null, tam, true];
        _normIndex = new int[inUse.Length];
        var blocks = 0;
        for (var b = 0; b < inUse.Length; b++)
        {
            _normIndex[b] = inUse[b] ? blocks++ : -1;
        }

        _normMetrics = Norms(metricWidth, blocks);
        _normLogs = Norms(logWidth, blocks);
        _normTraces = Norms(traceWidth, blocks);
        _dropout = Dropout(p);
        _commonBias = options.UseCommonBias;
        RegisterComponents();
    }

    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedBlocks Freeze() => new(
        _sam?.Freeze(),
        [_tamMetrics?.Freeze(), _tamLogs?.Freeze(), _tamTraces?.Freeze()],
        [_camMetrics?.Freeze(), _camLogs?.Freeze(), _camTraces?.Freeze()],
        [_ffnMetrics?.Freeze(), _ffnLogs?.Freeze(), _ffnTraces?.Freeze()],
        [[.. _normMetrics.Select(MstGad.Model.Norm.Of)], [.. _normLogs.Select(MstGad.Model.Norm.Of)], [.. _normTraces.Select(MstGad.Model.Norm.Of)]],
        _normIndex,
        _commonBias);

    public Streams Spatial(Streams x, WindowBatch batch, int block)
    {
        if (_sam is null)
        {
            return x;
        }

        var parts = new[] { x.Metrics, x.Logs }.Where(t => t is not null).Select(t => t!).ToList();
        var nodes = parts.Count == 1 ? parts[0] : cat(parts, 2); // [V, k, d_n]
        var (newNodes, newEdges) = _sam.Forward(nodes, x.Traces, batch);
        var m = x.Metrics is null ? null : newNodes.narrow(2, 0, _metricWidth);
        var l = x.Logs is null ? null : newNodes.narrow(2, x.Metrics is null ? 0 : _metricWidth, _logWidth);
        return Residual(x, new Streams(m, l, newEdges), block);
    }

    public Streams Temporal(Streams x, WindowBatch batch, Tensor? causalMask, int block) => Temporal(x, x, batch, causalMask, block);

    /// <summary>
    /// TAM with queries <paramref name="q"/> over the whole window <paramref name="x"/>: either the
    /// whole window (q = x), or only its last step (q = its last step, which sees every step, so no
    /// mask is needed and the result equals the last row of the full computation).
    /// </summary>
    public Streams Temporal(Streams q, Streams x, WindowBatch batch, Tensor? causalMask, int block)
    {
        if (_tamMetrics is null && _tamLogs is null && _tamTraces is null)
        {
            return q;
        }

        Tensor? nodeBias = null, edgeBias = null;
        if (_commonBias)
        {
            // C (Eq. 13): the mean over modalities of x·xᵀ/√d, averaged over each window's entities.
            var terms = new List<Tensor>();
            if (x.Metrics is not null)
            {
                terms.Add(TensorMath.MeanSelfScores(x.Metrics, batch.NodeMean));
            }

            if (x.Logs is not null)
            {
                terms.Add(TensorMath.MeanSelfScores(x.Logs, batch.NodeMean));
            }

            if (x.Traces is not null && batch.EdgeCount > 0)
            {
                terms.Add(TensorMath.MeanSelfScores(x.Traces, batch.EdgeMean));
            }

            var common = stack(terms).mean([0]); // [B, k, k]
            var queries = QuerySteps(q);
            if (queries < common.shape[1])
            {
                common = common.narrow(1, common.shape[1] - queries, queries); // the rows of the queried steps
            }

            nodeBias = common.index_select(0, batch.NodeWindow);
            edgeBias = common.index_select(0, batch.EdgeWindow);
        }

        return Residual(q, new Streams(
            q.Metrics is null ? null : _tamMetrics!.Forward(q.Metrics, x.Metrics!, nodeBias, causalMask),
            q.Logs is null ? null : _tamLogs!.Forward(q.Logs, x.Logs!, nodeBias, causalMask),
            q.Traces is null ? null : _tamTraces!.Forward(q.Traces, x.Traces!, edgeBias, causalMask)), block);
    }

    /// <summary>The last step of every stream, <c>[n, 1, d]</c>.</summary>
    public static Streams LastStep(Streams x) => new(
        x.Metrics?.narrow(1, x.Metrics.shape[1] - 1, 1),
        x.Logs?.narrow(1, x.Logs.shape[1] - 1, 1),
        x.Traces?.narrow(1, x.Traces.shape[1] - 1, 1));

    private static long QuerySteps(Streams q) => (q.Metrics ?? q.Logs ?? q.Traces)!.shape[1];

    public Streams Cross(Streams x, Streams memory, int block) => Residual(x, new Streams(
        x.Metrics is null ? null : _camMetrics!.Forward(x.Metrics, memory.Metrics!, null, null),
        x.Logs is null ? null : _camLogs!.Forward(x.Logs, memory.Logs!, null, null),
        x.Traces is null ? null : _camTraces!.Forward(x.Traces, memory.Traces!, null, null)), block);

    public Streams Feed(Streams x, int block) => Residual(x, new Streams(
        x.Metrics is null ? null : _ffnMetrics!.forward(x.Metrics),
        x.Logs is null ? null : _ffnLogs!.forward(x.Logs),
        x.Traces is null ? null : _ffnTraces!.forward(x.Traces)), block);

    private static ModuleList<LayerNorm> Norms(int width, int blocks) =>
        width > 0 ? new ModuleList<LayerNorm>([.. Enumerable.Range(0, blocks).Select(_ => LayerNorm(width))]) : new ModuleList<LayerNorm>();

    private Streams Residual(Streams x, Streams update, int block) => new(
        Norm(_normMetrics, x.Metrics, update.Metrics, block),
        Norm(_normLogs, x.Logs, update.Logs, block),
        Norm(_normTraces, x.Traces, update.Traces, block));

    private Tensor? Norm(ModuleList<LayerNorm> norms, Tensor? x, Tensor? update, int block) =>
        x is null ? null : update is null ? x : norms[_normIndex[block]].forward(x.Plus(training ? _dropout.forward(update) : update));
}

/// <summary>Encoder layer: <c>Norm(x+SAM)</c>, <c>Norm(x+TAM)</c>, <c>Norm(x+FFN)</c>.</summary>
internal sealed class EncoderLayer : Module
{
    private readonly StreamBlocks _blocks;

    public EncoderLayer(string name, ModelOptions options, int metricWidth, int logWidth, int traceWidth)
        : base(name)
    {
        _blocks = new StreamBlocks("blocks", options, metricWidth, logWidth, traceWidth, cross: false);
        RegisterComponents();
    }

    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedBlocks Freeze() => _blocks.Freeze();

    public Streams Forward(Streams x, WindowBatch batch)
    {
        x = _blocks.Spatial(x, batch, 0);
        x = _blocks.Temporal(x, batch, null, 1);
        return _blocks.Feed(x, 2);
    }
}

/// <summary>Decoder layer: <c>Norm(x+SAM)</c>, <c>Norm(x+masked TAM)</c>, <c>Norm(x+CAM(x, Z))</c>, <c>Norm(x+FFN)</c>.</summary>
internal sealed class DecoderLayer : Module
{
    private readonly StreamBlocks _blocks;

    public DecoderLayer(string name, ModelOptions options, int metricWidth, int logWidth, int traceWidth)
        : base(name)
    {
        _blocks = new StreamBlocks("blocks", options, metricWidth, logWidth, traceWidth, cross: true);
        RegisterComponents();
    }

    /// <summary>A managed copy of the weights for inference.</summary>
    internal ManagedBlocks Freeze() => _blocks.Freeze();

    /// <summary>Runs the layer; with <paramref name="lastStepOnly"/> (the last decoder layer, whose other
    /// steps nobody reads) TAM, CAM and FFN compute only the last step, which sees every step.</summary>
    public Streams Forward(Streams x, Streams memory, WindowBatch batch, Tensor causalMask, bool lastStepOnly = false)
    {
        x = _blocks.Spatial(x, batch, 0);
        var q = lastStepOnly ? StreamBlocks.LastStep(x) : x;
        q = _blocks.Temporal(q, x, batch, lastStepOnly ? null : causalMask, 1);
        q = _blocks.Cross(q, memory, 2);
        return _blocks.Feed(q, 3);
    }
}

/// <summary>What the network computes for the last step of every window of a batch.</summary>
internal sealed class NetworkOutput : IDisposable
{
    /// <summary>R∘R per node and feature <c>[V, F_m + F_l + F_s]</c> (unused modalities have width 0).</summary>
    public required Tensor Errors { get; init; }

    /// <summary>RE per node <c>[V]</c>.</summary>
    public required Tensor ReconstructionError { get; init; }

    /// <summary>Classifier logits <c>[V, 2]</c>.</summary>
    public required Tensor Logits { get; init; }

    /// <summary>Squared reconstruction error per edge and feature <c>[E, F_s]</c> (empty without traces).</summary>
    public required Tensor EdgeErrors { get; init; }

    /// <summary>Reconstruction of the last step's metrics, logs, traces (for tests).</summary>
    public required Streams Reconstruction { get; init; }

    public void Dispose()
    {
        Errors.Dispose();
        ReconstructionError.Dispose();
        Logits.Dispose();
        EdgeErrors.Dispose();
        foreach (var t in Reconstruction.All())
        {
            t.Dispose();
        }
    }

    public void MoveToOuterDisposeScope()
    {
        Errors.MoveToOuterDisposeScope();
        ReconstructionError.MoveToOuterDisposeScope();
        Logits.MoveToOuterDisposeScope();
        EdgeErrors.MoveToOuterDisposeScope();
        foreach (var t in Reconstruction.All())
        {
            t.MoveToOuterDisposeScope();
        }
    }
}

/// <summary>
/// The MSTGAD network: input embedding per modality plus sinusoidal positional encoding; an encoder
/// over the window and a decoder over the window shifted right by one step (zero first step); heads that
/// reconstruct the last step; the per-node error vector R∘R with R = (M_t − M'_t, L_t − L'_t,
/// W(S_t − S'_t)) where edge errors are spread to both end nodes; RE = ΣR∘R; P = Softmax(MLP(R∘R)).
/// </summary>
internal sealed class MstgadNetwork : Module
{
    private readonly Linear? _embedMetrics;
    private readonly Linear? _embedLogs;
    private readonly Linear? _embedTraces;
    private readonly ModuleList<EncoderLayer> _encoder;
    private readonly ModuleList<DecoderLayer> _decoder;
    private readonly Linear? _reconstructMetrics;
    private readonly Linear? _reconstructLogs;
    private readonly Linear? _reconstructTraces;
    private readonly Linear? _traceToNodes;
    private readonly Sequential _classifier;
    private readonly int _fm;
    private readonly int _fl;
    private readonly int _fs;

    // Constant tensors reused across calls (not module state: never saved).
    private readonly Dictionary<(long Steps, long Width, string Device), Tensor> _encodings = [];
    private readonly Dictionary<(long Steps, string Device), Tensor> _causalMasks = [];

    public MstgadNetwork(ModelOptions options, InputShape shape)
        : base("mstgad")
    {
        Options = options;
        Shape = shape;
        _fm = options.UseMetrics ? shape.MetricFeatures : 0;
        _fl = options.UseLogs ? shape.LogFeatures : 0;
        _fs = options.UseTraces ? shape.EdgeFeatures : 0;
        if (_fm + _fl == 0)
        {
            throw new ArgumentException("The network needs at least one node feature (metrics or logs).", nameof(shape));
        }

        var dm = _fm > 0 ? options.MetricDimension : 0;
        var dl = _fl > 0 ? options.LogDimension : 0;
        var ds = _fs > 0 ? options.TraceDimension : 0;
        _embedMetrics = dm > 0 ? Linear(_fm, dm) : null;
        _embedLogs = dl > 0 ? Linear(_fl, dl) : null;
        _embedTraces = ds > 0 ? Linear(_fs, ds) : null;
        _encoder = new ModuleList<EncoderLayer>([.. Enumerable.Range(0, options.EncoderLayers).Select(i => new EncoderLayer($"enc{i}", options, dm, dl, ds))]);
        _decoder = new ModuleList<DecoderLayer>([.. Enumerable.Range(0, options.DecoderLayers).Select(i => new DecoderLayer($"dec{i}", options, dm, dl, ds))]);
        _reconstructMetrics = dm > 0 ? Linear(dm, _fm) : null;
        _reconstructLogs = dl > 0 ? Linear(dl, _fl) : null;
        _reconstructTraces = ds > 0 ? Linear(ds, _fs) : null;
        _traceToNodes = ds > 0 ? Linear(_fs, _fs, hasBias: false) : null;
        var errorWidth = _fm + _fl + _fs;
        var hidden = Math.Max(1, errorWidth / 2);
        _classifier = Sequential(Linear(errorWidth, hidden), new KeptLeakyReLU(), Linear(hidden, 2));
        RegisterComponents();

        foreach (var (name, p) in named_parameters())
        {
            if (p.dim() >= 2 && !name.EndsWith("_attention", StringComparison.Ordinal))
            {
                init.xavier_uniform_(p);
            }
        }
    }

    public ModelOptions Options { get; }

    public InputShape Shape { get; }

    /// <summary>Width of <see cref="NetworkOutput.Errors"/> (F_m + F_l + F_s of the modalities in use).</summary>
    public int ErrorWidth => _fm + _fl + _fs;

    public int MetricErrorWidth => _fm;

    public int LogErrorWidth => _fl;

    public int TraceErrorWidth => _fs;

    /// <summary>A managed copy of the trained weights that scores one window without libtorch (<see cref="ManagedNetwork"/>).</summary>
    internal ManagedNetwork Freeze()
    {
        var classifier = _classifier.children().OfType<Linear>().ToList();
        return new ManagedNetwork(
            _embedMetrics is null ? null : Dense.Of(_embedMetrics),
            _embedLogs is null ? null : Dense.Of(_embedLogs),
            _embedTraces is null ? null : Dense.Of(_embedTraces),
            [.. _encoder.Select(l => l.Freeze())],
            [.. _decoder.Select(l => l.Freeze())],
            _reconstructMetrics is null ? null : Dense.Of(_reconstructMetrics),
            _reconstructLogs is null ? null : Dense.Of(_reconstructLogs),
            _reconstructTraces is null ? null : Dense.Of(_reconstructTraces),
            _traceToNodes is null ? null : Dense.Of(_traceToNodes),
            Dense.Of(classifier[0]),
            Dense.Of(classifier[1]),
            Shape,
            _fm,
            _fl,
            _fs);
    }

    public NetworkOutput Forward(WindowBatch batch)
    {
        using var scope = NewDisposeScope();
        var k = batch.Steps;
        var device = batch.Metrics.device;
        var metrics = _fm > 0 ? batch.Metrics : null;
        var logs = _fl > 0 ? batch.Logs : null;
        var traces = _fs > 0 ? batch.Traces : null;

        var memory = Embed(new Streams(metrics, logs, traces), k, device);
        foreach (var layer in _encoder)
        {
            memory = layer.Forward(memory, batch);
        }

        var shifted = new Streams(ShiftRight(metrics), ShiftRight(logs), ShiftRight(traces));
        var x = Embed(shifted, k, device);
        var causal = CausalMask(k, device);
        for (var i = 0; i < _decoder.Count; i++)
        {
            x = _decoder[i].Forward(x, memory, batch, causal, lastStepOnly: i == _decoder.Count - 1);
        }

        var parts = new List<Tensor>();
        Tensor? mHat = null, lHat = null, sHat = null;
        var edgeErrors = zeros(batch.EdgeCount, 0, device: device);
        if (metrics is not null)
        {
            mHat = _reconstructMetrics!.forward(Last(x.Metrics!));
            parts.Add((Last(metrics) - mHat) * batch.MetricPresent.unsqueeze(1));
        }

        if (logs is not null)
        {
            lHat = _reconstructLogs!.forward(Last(x.Logs!));
            parts.Add((Last(logs) - lHat) * batch.LogPresent.unsqueeze(1));
        }

        if (traces is not null)
        {
            sHat = _reconstructTraces!.forward(Last(x.Traces!));
            var diff = Last(traces) - sHat; // [E, F_s]
            edgeErrors = diff.Squared();
            var spread = zeros(batch.NodeCount, _fs, device: device).index_add(0, batch.Sources, diff, Scalars.UnitAlpha).index_add(0, batch.Targets, diff, Scalars.UnitAlpha);
            parts.Add(_traceToNodes!.forward(spread));
        }

        var r = parts.Count == 1 ? parts[0] : cat(parts, 1);
        var errors = r.Squared();
        var output = new NetworkOutput
        {
            Errors = errors,
            ReconstructionError = errors.sum(1),
            Logits = _classifier.forward(errors),
            EdgeErrors = edgeErrors,
            Reconstruction = new Streams(mHat, lHat, sHat),
        };
        output.MoveToOuterDisposeScope();
        return output;
    }

    private static Tensor Last(Tensor x) => x.select(1, x.shape[1] - 1);

    private static Tensor? ShiftRight(Tensor? x)
    {
        if (x is null)
        {
            return null;
        }

        var first = zeros(x.shape[0], 1, x.shape[2], device: x.device);
        return cat([first, x.narrow(1, 0, x.shape[1] - 1)], 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var t in _encodings.Values.Concat(_causalMasks.Values))
            {
                t.Dispose();
            }

            _encodings.Clear();
            _causalMasks.Clear();
        }

        base.Dispose(disposing);
    }

    private Streams Embed(Streams raw, long k, Device device) => new(
        Embed(_embedMetrics, raw.Metrics, k, device),
        Embed(_embedLogs, raw.Logs, k, device),
        Embed(_embedTraces, raw.Traces, k, device));

    private Tensor? Embed(Linear? embedding, Tensor? x, long k, Device device)
    {
        if (embedding is null || x is null)
        {
            return null;
        }

        var e = embedding.forward(x);
        var key = (k, e.shape[2], device.ToString());
        if (!_encodings.TryGetValue(key, out var encoding))
        {
            // A normal tensor even when first needed in inference mode, so that training can use it later.
            using var normal = inference_mode(false);
            encoding = TensorMath.PositionalEncoding(k, e.shape[2], device).DetachFromDisposeScope();
            _encodings.Add(key, encoding);
        }

        return e.Plus(encoding);
    }

    private Tensor CausalMask(long k, Device device)
    {
        var key = (k, device.ToString());
        if (!_causalMasks.TryGetValue(key, out var mask))
        {
            using var normal = inference_mode(false);
            mask = TensorMath.CausalMask(k, device).DetachFromDisposeScope();
            _causalMasks.Add(key, mask);
        }

        return mask;
    }
}
