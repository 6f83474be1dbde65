using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MstGad.Methods;
using MstGad.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model;

/// <summary>
/// The MSTGAD model: trains on labelled and unlabelled sliding windows (semi-supervised) and scores
/// the last step of windows. Takes and returns plain arrays; tensors stay inside.
/// </summary>
/// <remarks>
/// Not thread-safe. Runs on the CPU unless another device is named (a CUDA device needs a CUDA
/// backend package in the application). Seeded and deterministic at a fixed thread count.
/// </remarks>
public sealed class MstgadModel : IDisposable
{
    private const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "MSTGAD-MODEL"u8;
    private readonly MstgadNetwork _network;
    private readonly Device _device;
    private readonly object _managedLock = new();
    private ManagedNetwork? _managed;
    private bool _disposed;

    /// <summary>Creates an untrained model.</summary>
    /// <param name="options">Network settings (validated and copied).</param>
    /// <param name="shape">The input widths.</param>
    /// <param name="seed">The seed of weight initialisation.</param>
    /// <param name="device">A TorchSharp device name such as <c>cpu</c> or <c>cuda</c>.</param>
    /// <exception cref="ArgumentException">Invalid options or shape.</exception>
    public MstgadModel(ModelOptions options, InputShape shape, long seed = 42, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        if (shape.MetricFeatures < 0 || shape.LogFeatures < 0 || shape.EdgeFeatures < 0)
        {
            throw new ArgumentException($"Input widths must not be negative: {shape}.", nameof(shape));
        }

        TorchNative.EnsureLoadable();
        _device = torch.device(device);
        manual_seed(seed);
        _network = new MstgadNetwork(options.Clone(), shape);
        _network.to(_device);
        Seed = seed;
    }

    /// <summary>The network settings.</summary>
    public ModelOptions Options => _network.Options.Clone();

    /// <summary>The input widths.</summary>
    public InputShape Shape => _network.Shape;

    /// <summary>The seed used for initialisation.</summary>
    public long Seed { get; }

    /// <summary>The number of trainable parameters.</summary>
    public long ParameterCount => _network.parameters().Sum(p => p.numel());

    /// <summary>The width of a node's error vector (metric, log and edge features of the modalities in use).</summary>
    public int ErrorWidth => _network.ErrorWidth;

    /// <summary>The error-vector widths of metrics, logs and traces.</summary>
    public (int Metrics, int Logs, int Traces) ErrorLayout => (_network.MetricErrorWidth, _network.LogErrorWidth, _network.TraceErrorWidth);

    /// <summary>
    /// Trains on the training windows with early stopping on the validation windows and keeps the
    /// weights of the best validation epoch.
    /// </summary>
    /// <param name="training">Training windows (labels of their last step: 1, 0 or −1).</param>
    /// <param name="validation">Validation windows (may be empty: then the last epoch is kept and no early stopping happens).</param>
    /// <param name="options">Training settings.</param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="cancellationToken">Stops training between batches.</param>
    /// <returns>What happened.</returns>
    public TrainingReport Train(IReadOnlyList<GraphWindow> training, IReadOnlyList<GraphWindow> validation, TrainingOptions? options = null, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        options ??= new TrainingOptions();
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid training options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems), nameof(options));
        }

        if (training.Count == 0)
        {
            throw new ArgumentException("There are no training windows.", nameof(training));
        }

        manual_seed(options.Seed);
        var random = new Random((int)(options.Seed & int.MaxValue));
        var classWeight = ClassWeight(training);
        var trainBatches = Batches(training, options.BatchSize);
        var validationBatches = Batches(validation, options.BatchSize);
        using var optimizer = new AdaBelief(_network.parameters(), options.LearningRate, weightDecay: options.WeightDecay);
        var epochs = new List<EpochReport>();
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        var sinceBest = 0;
        var stoppedEarly = false;
        var stoppedByBudget = false;
        var total = Stopwatch.StartNew();
        Dictionary<string, Tensor>? bestState = null;
        try
        {
            for (var epoch = 1; epoch <= options.MaxEpochs; epoch++)
            {
                if (options.TimeBudget is { } budget && epoch > 1 && total.Elapsed + (total.Elapsed / (epoch - 1)) > budget)
                {
                    stoppedByBudget = true;
                    break;
                }

                var watch = Stopwatch.StartNew();
                optimizer.LearningRate = options.LearningRate * Math.Pow(options.LearningRateDecay, (epoch - 1) / options.LearningRateStep);
                _network.train();
                var order = Enumerable.Range(0, trainBatches.Count).OrderBy(_ => random.Next()).ToArray();
                double sum = 0;
                foreach (var b in order)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    using var batch = WindowBatch.Create(trainBatches[b], Shape, _device);
                    using var output = _network.Forward(batch);
                    var (loss, _, _) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, batch.Labels, batch.NodePresent, 1.0 / epoch, _network.Options.UnlabelledWeight, _network.Options.ReconstructionEpsilon, classWeight);
                    optimizer.ZeroGrad();
                    loss.backward();
                    nn.utils.clip_grad_norm_(_network.parameters(), options.GradientClipNorm);
                    optimizer.Step();
                    sum += loss.item<float>();
                }

                var validationLoss = validationBatches.Count == 0 ? double.NaN : Evaluate(validationBatches, classWeight);
                var criterion = double.IsNaN(validationLoss) ? sum / trainBatches.Count : validationLoss;
                var isBest = criterion < best;
                if (isBest)
                {
                    best = criterion;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    if (validationBatches.Count > 0)
                    {
                        // Only early stopping goes back to the best epoch; without validation data the
                        // last epoch is kept and no copy is needed.
                        DisposeState(bestState);
                        bestState = CopyState();
                    }
                }
                else
                {
                    sinceBest++;
                }

                var report = new EpochReport(epoch, sum / trainBatches.Count, validationLoss, optimizer.LearningRate, watch.Elapsed, isBest);
                epochs.Add(report);
                progress?.Report(report);
                if (validationBatches.Count > 0 && sinceBest >= options.Patience)
                {
                    stoppedEarly = true;
                    break;
                }
            }

            if (bestState is not null && validationBatches.Count > 0)
            {
                RestoreState(bestState);
            }
        }
        finally
        {
            DisposeState(bestState);
            lock (_managedLock)
            {
                _managed = null; // the trained weights: made again when next needed
            }

            // Training's tensors are freed, but glibc keeps their memory: give it back, so that a process that goes on to
            // detect does not carry training's peak as its working set.
            NativeHeap.ReleaseFreed();
        }

        _network.eval();
        return new TrainingReport(epochs, validationBatches.Count > 0 ? bestEpoch : epochs.Count, stoppedEarly, classWeight) { StoppedByTimeBudget = stoppedByBudget };
    }

    /// <summary>
    /// Scores the last step of every window. On the CPU each window is scored on its own by a managed copy of the
    /// weights (the network's computation within float rounding, deterministic, without libtorch's per-operation
    /// cost); on other devices by the network in batches.
    /// </summary>
    /// <param name="windows">The windows.</param>
    /// <param name="batchSize">Windows per forward pass on devices other than the CPU.</param>
    /// <returns>One result per window, in order.</returns>
    public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows, int batchSize = 50)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return _device.type == DeviceType.CPU ? ScoreManaged(windows) : ScoreWithNetwork(windows, batchSize);
    }

    /// <summary>Scores windows with the libtorch network, <paramref name="batchSize"/> windows per call (the path of
    /// other devices; on the CPU the reference the managed inference is tested against).</summary>
    internal IReadOnlyList<WindowScores> ScoreWithNetwork(IReadOnlyList<GraphWindow> windows, int batchSize = 50)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _network.eval();
        var results = new List<WindowScores>(windows.Count);
        using var inference = inference_mode(); // no autograd bookkeeping (version counters, view tracking)
        foreach (var group in Batches(windows, batchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = WindowBatch.Create(group, Shape, _device);
            using var output = _network.Forward(batch);
            var probability = nn.functional.softmax(output.Logits, 1).select(1, 1).cpu().data<float>().ToArray();
            var re = output.ReconstructionError.cpu().data<float>().ToArray();
            var errors = output.Errors.cpu().data<float>().ToArray();
            var fs = (int)output.EdgeErrors.shape[1];
            var edgeErrors = fs == 0 ? new float[batch.EdgeCount] : output.EdgeErrors.sum(1).cpu().data<float>().ToArray();
            var edgeFeatureErrors = fs == 0 || batch.EdgeCount == 0 ? Array.Empty<float>() : output.EdgeErrors.cpu().data<float>().ToArray();
            var present = batch.NodePresent.cpu().data<bool>().ToArray();
            var n = batch.NodesPerWindow;
            var width = ErrorWidth;
            for (var w = 0; w < group.Count; w++)
            {
                var edges = new List<(int, int, float)>();
                for (var e = 0; e < batch.EdgeList.Length; e++)
                {
                    if (batch.EdgeList[e].Window == w)
                    {
                        edges.Add((batch.EdgeList[e].Source, batch.EdgeList[e].Target, edgeErrors[e]));
                    }
                }

                var featureErrors = edgeFeatureErrors.Length == 0 ? [] : new float[edges.Count * fs];
                for (int e = 0, i = 0; e < batch.EdgeList.Length && featureErrors.Length > 0; e++)
                {
                    if (batch.EdgeList[e].Window == w)
                    {
                        edgeFeatureErrors.AsSpan(e * fs, fs).CopyTo(featureErrors.AsSpan(i++ * fs, fs));
                    }
                }

                results.Add(new WindowScores(
                    group[w].Last.Step,
                    probability.AsSpan(w * n, n).ToArray(),
                    re.AsSpan(w * n, n).ToArray(),
                    errors.AsSpan(w * n * width, n * width).ToArray(),
                    width,
                    edges,
                    present.AsSpan(w * n, n).ToArray())
                {
                    EdgeFeatureErrors = featureErrors,
                });
            }
        }

        return results;
    }

    /// <summary>
    /// On the CPU, windows are scored one at a time by a managed copy of the weights (<see cref="ManagedNetwork"/>):
    /// the network's computation without a libtorch call per operation, equal to it within float rounding, and the
    /// same bits whatever the batch, process or thread.
    /// </summary>
    private List<WindowScores> ScoreManaged(IReadOnlyList<GraphWindow> windows)
    {
        ManagedNetwork managed;
        lock (_managedLock)
        {
            managed = _managed ??= Freeze();
        }

        var results = new List<WindowScores>(windows.Count);
        var fs = _network.TraceErrorWidth;
        foreach (var window in windows)
        {
            var output = managed.Forward(window);
            var edges = new List<(int, int, float)>(output.Edges.Length);
            for (var e = 0; e < output.Edges.Length; e++)
            {
                float sum = 0;
                for (var f = 0; f < fs; f++)
                {
                    sum += output.EdgeErrors[(e * fs) + f];
                }

                edges.Add((output.Edges[e].Source, output.Edges[e].Target, sum));
            }

            results.Add(new WindowScores(window.Last.Step, output.Probability, output.ReconstructionError, output.Errors, managed.ErrorWidth, edges, output.NodePresent)
            {
                EdgeFeatureErrors = fs == 0 || output.Edges.Length == 0 ? [] : output.EdgeErrors,
            });
        }

        return results;
    }

    /// <summary>Writes the settings and weights (versioned).</summary>
    /// <param name="stream">A writable stream; not closed.</param>
    public void Save(Stream stream)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(JsonSerializer.Serialize(new ModelHeader(_network.Options, Shape, Seed), ModelJson.Default.ModelHeader));
        _network.save(writer);
    }

    /// <summary>Reads a model written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream; not closed.</param>
    /// <param name="device">The device to load onto.</param>
    /// <returns>The model, in evaluation mode.</returns>
    /// <exception cref="InvalidDataException">Not a model, an unsupported version, or corrupt.</exception>
    /// <exception cref="ArgumentException"><paramref name="device"/> is not a device name.</exception>
    public static MstgadModel Load(Stream stream, string device = "cpu")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(device);
        TorchNative.EnsureLoadable();
        _ = torch.device(device); // an unknown device is the caller's mistake, not a corrupt stream: fail before the try
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            var magic = reader.ReadBytes(Magic.Length);
            if (!magic.AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException("Not a MstGad model: the stream does not start with 'MSTGAD-MODEL'.");
            }

            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad model format version {version} is not supported; this build reads version {FormatVersion}."));
            }

            var header = JsonSerializer.Deserialize(reader.ReadString(), ModelJson.Default.ModelHeader)
                ?? throw new InvalidDataException("MstGad model header is empty.");
            var model = new MstgadModel(header.Options, header.Shape, header.Seed, device);
            try
            {
                model._network.load(reader, strict: true);
                model._network.eval();
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or JsonException or ArgumentException or FormatException)
        {
            throw new InvalidDataException("MstGad model is truncated or corrupt: " + ex.Message, ex);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _network.Dispose();
        }
    }

    internal MstgadNetwork Network => _network;

    internal Device Device => _device;

    /// <summary>A managed copy of the current weights that scores one window without libtorch (CPU inference).</summary>
    internal ManagedNetwork Freeze()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope(); // the detached copies read while copying the weights
        using var inference = inference_mode();
        return _network.Freeze();
    }

    internal static double ClassWeight(IReadOnlyList<GraphWindow> windows)
    {
        long normal = 0, abnormal = 0;
        foreach (var w in windows)
        {
            for (var node = 0; node < w.NodeCount; node++)
            {
                if (w.Last.Mask[node] == 0)
                {
                    continue;
                }

                switch (w.LastLabel(node))
                {
                    case Labels.Normal: normal++; break;
                    case Labels.Abnormal: abnormal++; break;
                }
            }
        }

        return abnormal == 0 ? 1.0 : Math.Max(1.0, (double)normal / abnormal);
    }

    private static List<List<GraphWindow>> Batches(IReadOnlyList<GraphWindow> windows, int size)
    {
        // Windows of one batch must share k and N: group consecutive runs.
        var batches = new List<List<GraphWindow>>();
        foreach (var w in windows)
        {
            var last = batches.Count > 0 ? batches[^1] : null;
            if (last is null || last.Count >= size || last[0].Length != w.Length || last[0].NodeCount != w.NodeCount)
            {
                batches.Add([w]);
            }
            else
            {
                last.Add(w);
            }
        }

        return batches;
    }

    private double Evaluate(List<List<GraphWindow>> batches, double classWeight)
    {
        _network.eval();
        using var noGrad = no_grad();
        double sum = 0;
        foreach (var group in batches)
        {
            using var scope = NewDisposeScope();
            using var batch = WindowBatch.Create(group, Shape, _device);
            using var output = _network.Forward(batch);
            var (_, l1, l2) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, batch.Labels, batch.NodePresent, 1.0, _network.Options.UnlabelledWeight, _network.Options.ReconstructionEpsilon, classWeight);
            sum += l1.item<float>() + l2.item<float>();
        }

        _network.train();
        return sum / batches.Count;
    }

    private Dictionary<string, Tensor> CopyState()
    {
        using var scope = NewDisposeScope(); // disposes the detach() views; the clones leave it
        using var noGrad = no_grad();
        return _network.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private void RestoreState(Dictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in _network.state_dict())
        {
            value.copy_(state[name]);
        }
    }

    private static void DisposeState(Dictionary<string, Tensor>? state)
    {
        if (state is null)
        {
            return;
        }

        foreach (var t in state.Values)
        {
            t.Dispose();
        }

        state.Clear();
    }
}

/// <summary>What a saved model records besides its weights.</summary>
/// <param name="Options">The network settings.</param>
/// <param name="Shape">The input widths.</param>
/// <param name="Seed">The initialisation seed.</param>
internal sealed record ModelHeader(ModelOptions Options, InputShape Shape, long Seed);
