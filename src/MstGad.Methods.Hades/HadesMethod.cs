using System.Globalization;
using System.Text;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;

[assembly: MstGad.Methods.DetectionMethod(typeof(MstGad.Methods.Hades.HadesMethod))]

namespace MstGad.Methods.Hades;

/// <summary>How Hades lays a window's log templates into the slices of its steps.</summary>
public enum LogSlicing
{
    /// <summary>The default: slice t holds the templates of step t, in the order they were logged (time-aligned with the metrics).</summary>
    TimeAligned = 0,

    /// <summary>
    /// As Hades's code: the window's templates one after another, padded at the end, cut into k slices — slice t is not
    /// step t. For comparison with the reference only (each step's sequence is first capped at
    /// <see cref="HadesOptions.TemplateSequenceLength"/>, so repeats are not removed as Hades's code removes them). The
    /// template named as evidence is then one of the last slice, which is mostly padding: often none is named.
    /// </summary>
    Concatenated = 1,
}

/// <summary>The settings of Hades (<see cref="HadesMethod"/>).</summary>
public sealed class HadesOptions
{
    /// <summary>The hidden width h.</summary>
    public int Width { get; set; } = 32;

    /// <summary>Attention heads (divides <see cref="Width"/>).</summary>
    public int Heads { get; set; } = 4;

    /// <summary>Templates read per instance and step, in the order they were logged (the rest of a busy step is not read).</summary>
    public int TemplateSequenceLength { get; set; } = 16;

    /// <summary>The word vectors templates are embedded with (trained on the training templates' texts).</summary>
    public WordVectorOptions WordVectors { get; set; } = new();

    /// <summary>The rules that group metrics into aspects (<see langword="null"/>: <see cref="MetricAspects.Defaults"/>).</summary>
    public IReadOnlyList<AspectRule>? Aspects { get; set; }

    /// <summary>Most epochs of phase 1 (labelled samples).</summary>
    public int Phase1Epochs { get; set; } = 50;

    /// <summary>Most epochs of phase 2 (labelled and pseudo-labelled samples).</summary>
    public int Phase2Epochs { get; set; } = 20;

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>
    /// Epochs without a better validation loss before a phase stops (Hades's patience, 10; its code stops phase 2 on a
    /// rising training loss and runs phase 1 to the end). Measured on the simulator: the classifier sits near its prior
    /// for the first 5–8 epochs and the validation loss is noisy, so a patience of 7 stopped it there.
    /// </summary>
    public int Patience { get; set; } = 10;

    /// <summary>The confidence a pseudo-label needs (Hades: 0.92).</summary>
    public double PseudoLabelConfidence { get; set; } = 0.92;

    /// <summary>The weight α of a pseudo-labelled sample in phase 2's loss (Hades: 0.5).</summary>
    public double PseudoLabelWeight { get; set; } = 0.5;

    /// <summary>
    /// Training time limit over both phases: no epoch starts that would end after it (estimated from the time per sample
    /// of the epochs so far; phase 1 may use 60 % of it when a phase 2 can follow). Default <see langword="null"/>: no
    /// limit, so that a seed gives the same model on any machine (as MSTGAD's <c>TrainingOptions.TimeBudget</c>); the
    /// command line's <c>--time-budget</c> sets 12 minutes unless told otherwise.
    /// </summary>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>Dropout while training.</summary>
    public double Dropout { get; set; } = 0.1;

    /// <summary>How the templates are laid into the steps' slices (<see cref="LogSlicing.TimeAligned"/>; Hades's code: <see cref="LogSlicing.Concatenated"/>).</summary>
    public LogSlicing LogSlicing { get; set; } = LogSlicing.TimeAligned;

    /// <summary>
    /// Train on a window labelled abnormal when any of its steps is, as Hades's code labels a chunk (off: by its last step,
    /// the step the verdict is about, as every method here is evaluated). For comparison with the reference only.
    /// </summary>
    public bool LabelAnyStep { get; set; }

    /// <summary>The seed of initialisation, shuffling and the word vectors.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>Every problem of the settings (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var c = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                problems.Add(message);
            }
        }

        Check(Width is >= 2 and <= 1024, string.Create(c, $"Width must be from 2 to 1024; it is {Width}."));
        Check(Heads >= 1 && Width % Math.Max(1, Heads) == 0, string.Create(c, $"Heads must divide Width ({Width}); it is {Heads}."));
        Check(TemplateSequenceLength is >= 1 and <= 1000, string.Create(c, $"TemplateSequenceLength must be from 1 to 1000; it is {TemplateSequenceLength}."));
        Check(Phase1Epochs >= 1 && Phase2Epochs >= 0, string.Create(c, $"Phase1Epochs must be at least 1 and Phase2Epochs at least 0; they are {Phase1Epochs} and {Phase2Epochs}."));
        Check(BatchSize >= 1, string.Create(c, $"BatchSize must be at least 1; it is {BatchSize}."));
        Check(LearningRate is > 0 and < 1, string.Create(c, $"LearningRate must be in (0, 1); it is {LearningRate}."));
        Check(Patience >= 1, string.Create(c, $"Patience must be at least 1; it is {Patience}."));
        Check(PseudoLabelConfidence is > 0.5 and <= 1, string.Create(c, $"PseudoLabelConfidence must be in (0.5, 1]; it is {PseudoLabelConfidence}."));
        Check(PseudoLabelWeight is >= 0 and <= 1, string.Create(c, $"PseudoLabelWeight must be in [0, 1]; it is {PseudoLabelWeight}."));
        Check(TimeBudget is null || TimeBudget > TimeSpan.Zero, string.Create(c, $"TimeBudget must be positive or null; it is {TimeBudget}."));
        Check(Dropout is >= 0 and < 1, string.Create(c, $"Dropout must be in [0, 1); it is {Dropout}."));
        Check(Enum.IsDefined(LogSlicing), string.Create(c, $"LogSlicing {(int)LogSlicing} is not defined."));
        if (WordVectors is null)
        {
            problems.Add("WordVectors must be set.");
        }
        else
        {
            problems.AddRange(WordVectors.Validate().Select(p => "WordVectors: " + p));
        }

        return problems;
    }

    internal HadesOptions Clone()
    {
        var copy = (HadesOptions)MemberwiseClone();
        copy.WordVectors = WordVectors?.Clone()!;
        return copy;
    }
}

/// <summary>
/// Hades (ICSE'23) as a detection method (<c>hades</c>): per instance and window, its metrics grouped by aspect through
/// causal dilated convolutions and its logs as the ordered template sequence of each step, embedded by word vectors
/// trained on the training templates, fused by cross attention, classified; semi-supervised — trained on the labelled
/// windows, then also on the unlabelled ones it is sure of (pseudo-labels). Needs labelled faults. It has a classifier
/// and no per-feature errors: decide with the classifier rules (<c>DecisionRule.CalibratedClassifier</c> and the like).
/// </summary>
public sealed class HadesMethod : IDetectionMethod
{
    /// <summary>The method's name in artifacts and on the command line.</summary>
    public const string MethodName = "hades";

    private const int Format = 1;
    private readonly HadesOptions _options;

    /// <summary>Hades with its defaults (used to load artifacts).</summary>
    public HadesMethod()
        : this(new HadesOptions())
    {
    }

    /// <summary>Hades with the given settings (copied).</summary>
    /// <param name="options">The settings.</param>
    public HadesMethod(HadesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
    }

    /// <inheritdoc/>
    public string Name => MethodName;

    /// <inheritdoc/>
    public int FormatVersion => Format;

    /// <inheritdoc/>
    public int MaxEpochs => _options.Phase1Epochs + _options.Phase2Epochs;

    /// <inheritdoc/>
    public void ConfigureFeatures(FeatureOptions features)
    {
        ArgumentNullException.ThrowIfNull(features);
        features.TemplateSequenceLength = _options.TemplateSequenceLength;
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate() => _options.Validate();

    /// <inheritdoc/>
    public FittedMethod Fit(MethodFitContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var space = context.Space;
        var metrics = space.MetricFeatureCount;
        if (metrics == 0)
        {
            throw new InvalidOperationException("Hades reads metrics, and the training data has none.");
        }

        var training = HadesSamples.From(context.Training, metrics, _options.TemplateSequenceLength, _options.LogSlicing, _options.LabelAnyStep);
        if (!training.Any(s => s.Label == 1))
        {
            throw new InvalidOperationException("Hades learns from labelled faults, and the training part has none labelled: label faults, or use the mstgad or statistical method.");
        }

        var validation = HadesSamples.From(context.Validation, metrics, _options.TemplateSequenceLength, _options.LogSlicing, _options.LabelAnyStep);
        var vectors = WordVectors.Train(space.Vocabulary.Select(t => t.Text), _options.WordVectors);
        var embeddings = space.Vocabulary.SelectMany(t => vectors.Sentence(t.Text)).ToArray();
        var aspects = MetricAspects.Group(space.Metrics.Take(metrics).ToList(), _options.Aspects);
        var shape = new HadesShape([.. aspects.Select(a => a.Metrics)], vectors.Dimension, _options.Width, _options.Heads, context.Training[0].Length, _options.Dropout, _options.TemplateSequenceLength);
        TorchThreads.Use(context.Threads);
        var model = new HadesModel(shape, embeddings, _options.Seed);
        try
        {
            var epochs = new List<EpochReport>();
            var progress = new Progress(epochs, context.Progress);
            var fit = model.Train(training, validation, Training(_options), progress, context.CancellationToken);
            var best = epochs.LastOrDefault(e => e.IsBest)?.Epoch ?? epochs.Count;
            var abnormal = training.Count(s => s.Label == 1);
            var report = new TrainingReport(epochs, best, epochs.Count < MaxEpochs && !fit.StoppedByTimeBudget, Math.Max(1, (double)training.Count(s => s.Label == 0) / abnormal)) { StoppedByTimeBudget = fit.StoppedByTimeBudget };
            return new FittedMethod(new TrainedHades(model, [.. aspects.Select(a => a.Name)], embeddings, metrics, _options.LogSlicing, context.Threads, fit.PseudoLabels), report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public ITrainedMethod Load(Stream stream, int formatVersion, MethodRunContext context)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(context);
        return TrainedHades.Read(stream, context.Threads);
    }

    private static HadesTraining Training(HadesOptions o) =>
        new(o.Phase1Epochs, o.Phase2Epochs, o.BatchSize, o.LearningRate, o.Patience, o.PseudoLabelConfidence, o.PseudoLabelWeight, o.Seed) { TimeBudget = o.TimeBudget };

    /// <summary>Keeps every epoch's report and passes it on (synchronously: no thread pool, the order is the epochs').</summary>
    private sealed class Progress(List<EpochReport> epochs, IProgress<EpochReport>? next) : IProgress<EpochReport>
    {
        public void Report(EpochReport value)
        {
            epochs.Add(value);
            next?.Report(value);
        }
    }
}

/// <summary>A trained Hades: P(abnormal) per instance; no per-feature errors.</summary>
internal sealed class TrainedHades : ITrainedMethod
{
    private const int Version = 2; // 2: position-specific attention pooling of the templates, the log slicing
    private static readonly byte[] Magic = "MSTGAD-HADES1"u8.ToArray();
    private readonly HadesModel _model;
    private readonly string[] _aspectNames;
    private readonly float[] _embeddings;
    private readonly int _templateLength;
    private readonly int _metrics;
    private readonly LogSlicing _slicing;
    private readonly int _threads;

    public TrainedHades(HadesModel model, string[] aspectNames, float[] embeddings, int metrics, LogSlicing slicing, int threads, int pseudoLabels)
    {
        (_model, _aspectNames, _embeddings, _metrics, _slicing, _threads) = (model, aspectNames, embeddings, metrics, slicing, threads);
        _templateLength = model.Network.Shape.TemplateLength;
        PseudoLabels = pseudoLabels;
    }

    /// <summary>Unlabelled training samples that were given a pseudo-label.</summary>
    public int PseudoLabels { get; }

    public (int Metrics, int Logs, int Traces) ErrorLayout => (0, 0, 0);

    public bool HasClassifier => true;

    public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        TorchThreads.Use(_threads);
        var samples = HadesSamples.From(windows, _metrics, _templateLength, _slicing);
        var (p, shares, weights) = _model.Explain(samples);
        var aspects = _aspectNames.Length;
        var results = new List<WindowScores>(windows.Count);
        var next = 0;
        for (var w = 0; w < windows.Count; w++)
        {
            var n = windows[w].NodeCount;
            var probability = new float[n];
            var present = new bool[n];
            var attributions = new IReadOnlyList<Attribution>[n];
            Array.Fill(attributions, []);
            for (; next < samples.Count && samples[next].Window == w; next++)
            {
                var node = samples[next].Node;
                probability[node] = p[next];
                present[node] = true;
                attributions[node] = Attribute(samples[next], shares.AsSpan(next * aspects, aspects), weights.AsSpan(next * _templateLength, _templateLength));
            }

            results.Add(new WindowScores(windows[w].Last.Step, probability, probability, [], 0, [], present) { Attributions = attributions }); // P is its own score (read only)
        }

        return results;
    }

    /// <summary>The metric aspect with the largest share of the last step's pooled channels and the last step's template with the largest attention weight (ties: the first).</summary>
    private Attribution[] Attribute(HadesSample sample, ReadOnlySpan<float> shares, ReadOnlySpan<float> weights)
    {
        var aspect = 0;
        for (var g = 1; g < shares.Length; g++)
        {
            aspect = shares[g] > shares[aspect] ? g : aspect;
        }

        var lastSlice = sample.Templates.AsSpan(sample.Templates.Length - _templateLength, _templateLength);
        var template = -1;
        for (var i = 0; i < lastSlice.Length; i++)
        {
            if (lastSlice[i] >= 0 && (template < 0 || weights[i] > weights[template]))
            {
                template = i;
            }
        }

        var metric = new Attribution(AttributionKind.MetricAspect, aspect, _aspectNames[aspect], shares[aspect]);
        return template < 0 ? [metric] : [metric, new Attribution(AttributionKind.LogTemplate, lastSlice[template], null, weights[template])];
    }

    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        MethodSection.WriteHeader(writer, Magic, Version);
        var shape = _model.Network.Shape;
        writer.Write(shape.Aspects.Count);
        for (var a = 0; a < shape.Aspects.Count; a++)
        {
            writer.Write(_aspectNames[a]);
            writer.Write(shape.Aspects[a].Count);
            foreach (var m in shape.Aspects[a])
            {
                writer.Write(m);
            }
        }

        foreach (var v in (int[])[shape.WordDimension, shape.Width, shape.Heads, shape.Steps, _templateLength, _metrics, _embeddings.Length, PseudoLabels, (int)_slicing])
        {
            writer.Write(v);
        }

        writer.Write(shape.Dropout);
        foreach (var e in _embeddings)
        {
            writer.Write(e);
        }

        _model.Network.save(writer);
    }

    public static TrainedHades Read(Stream stream, int threads)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            MethodSection.ReadHeader(reader, Magic, Version, "Hades model");

            var aspectCount = reader.ReadInt32();
            var names = new string[aspectCount];
            var aspects = new List<IReadOnlyList<int>>();
            for (var a = 0; a < aspectCount; a++)
            {
                names[a] = reader.ReadString();
                var members = new int[reader.ReadInt32()];
                for (var i = 0; i < members.Length; i++)
                {
                    members[i] = reader.ReadInt32();
                }

                aspects.Add(members);
            }

            var (word, width, heads, steps, templateLength, metrics, embeddingLength, pseudo) =
                (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
            var slicing = (LogSlicing)reader.ReadInt32();
            var dropout = reader.ReadDouble();
            if (word < 1 || width < 2 || heads < 1 || steps < 1 || templateLength < 1 || metrics < 1 || embeddingLength < 0 || embeddingLength % word != 0 || !Enum.IsDefined(slicing))
            {
                throw new InvalidDataException("MstGad artifact is corrupt: the Hades model's sizes are invalid.");
            }

            var embeddings = new float[embeddingLength];
            for (var i = 0; i < embeddings.Length; i++)
            {
                embeddings[i] = reader.ReadSingle();
            }

            var model = new HadesModel(new HadesShape(aspects, word, width, heads, steps, dropout, templateLength), embeddings, seed: 0);
            try
            {
                model.Network.load(reader, strict: true);
                model.Network.eval();
                return new TrainedHades(model, names, embeddings, metrics, slicing, threads, pseudo);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("MstGad artifact is corrupt: the Hades model is truncated.", ex);
        }
    }

    public void Dispose() => _model.Dispose();
}
