using MstGad.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Methods.Hades;

/// <summary>How Hades trains: phase 1 on the labelled samples, phase 2 on them and the pseudo-labelled ones.</summary>
internal sealed record HadesTraining(int Phase1Epochs, int Phase2Epochs, int BatchSize, double LearningRate, int Patience, double PseudoLabelConfidence, double PseudoLabelWeight, long Seed)
{
    /// <summary>
    /// No epoch starts that would end after this time from the start of training (estimated from the time per sample of
    /// the epochs so far); <see langword="null"/>: no limit. Phase 1 may use <see cref="HadesModel.Phase1BudgetShare"/> of it
    /// when a phase 2 can follow (phase 2 epochs and unlabelled samples), so that the pseudo-labels are used.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }
}

/// <summary>What training did.</summary>
/// <param name="Phase1Epochs">Epochs of phase 1.</param>
/// <param name="Phase2Epochs">Epochs of phase 2.</param>
/// <param name="PseudoLabels">Unlabelled training samples given a pseudo-label.</param>
/// <param name="BestValidationLoss">The validation loss of the weights kept (NaN without labelled validation samples).</param>
/// <param name="StoppedByTimeBudget">Whether the time budget ended the phase that ran last (phase 1's share of it, when no phase 2 ran).</param>
internal sealed record HadesFit(int Phase1Epochs, int Phase2Epochs, int PseudoLabels, double BestValidationLoss, bool StoppedByTimeBudget);

/// <summary>
/// Hades's classifier over <see cref="HadesSample"/>s: the network, the template embeddings (one row per vocabulary
/// template from the word vectors, then a zero row for a template outside the vocabulary), training in two phases
/// with early stopping on the validation samples, and P(abnormal).
/// </summary>
internal sealed class HadesModel : IDisposable
{
    private readonly HadesNetwork _network;
    private readonly Tensor _embeddings; // [V + 1, w]
    private readonly int _templateLength;
    private readonly int _metrics;
    private IProgress<EpochReport>? _progress;
    private int _epoch;
    private long _started;
    private double _secondsPerSample = double.NaN; // per training sample of an epoch, its validation included

    /// <summary>The share of the time budget phase 1 may use when a phase 2 follows.</summary>
    public const double Phase1BudgetShare = 0.6;

    public HadesModel(HadesShape shape, float[] embeddings, long seed)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(embeddings);
        manual_seed(seed);
        _network = new HadesNetwork(shape);
        _metrics = shape.Aspects.Sum(a => a.Count);
        _templateLength = shape.TemplateLength;
        var rows = embeddings.Length / shape.WordDimension;
        using var scope = NewDisposeScope();
        _embeddings = cat([tensor(embeddings).reshape(rows, shape.WordDimension), zeros(1, shape.WordDimension)]).DetachFromDisposeScope();
    }

    public HadesNetwork Network => _network;

    /// <summary>Trains on the labelled training samples (phase 1), then also on the unlabelled ones the classifier is sure of (phase 2).</summary>
    public HadesFit Train(IReadOnlyList<HadesSample> training, IReadOnlyList<HadesSample> validation, HadesTraining options, IProgress<EpochReport>? progress = null, CancellationToken cancellationToken = default)
    {
        _progress = progress;
        _epoch = 0;
        (_started, _secondsPerSample) = (System.Diagnostics.Stopwatch.GetTimestamp(), double.NaN);
        var labelled = training.Where(s => s.Label >= 0).Select(s => (s, Weight: 1.0, s.Label)).ToList();
        var checkedOn = validation.Where(s => s.Label >= 0).ToList();
        var random = new Random((int)(options.Seed & int.MaxValue));
        var budget = options.TimeBudget?.TotalSeconds ?? double.PositiveInfinity;
        var unlabelled = training.Where(s => s.Label < 0).ToList();
        var phase2Possible = options.Phase2Epochs > 0 && unlabelled.Count > 0;
        var (phase1, best, outOfTime) = Phase(labelled, checkedOn, options, options.Phase1Epochs, random, double.PositiveInfinity, phase2Possible ? Phase1BudgetShare * budget : budget, cancellationToken);

        var pseudo = phase2Possible ? HadesSamples.PseudoLabels(Predict(unlabelled), options.PseudoLabelConfidence) : [];
        var phase2 = 0;
        if (pseudo.Count > 0)
        {
            // The report says how training ended: by the phase that ran last.
            var both = labelled.Concat(pseudo.Select(p => (unlabelled[p.Index], options.PseudoLabelWeight, p.Label))).ToList();
            (phase2, best, outOfTime) = Phase(both, checkedOn, options, options.Phase2Epochs, random, best, budget, cancellationToken);
        }

        return new HadesFit(phase1, phase2, pseudo.Count, best, outOfTime);
    }

    /// <summary>P(abnormal) of every sample, in order.</summary>
    public float[] Predict(IReadOnlyList<HadesSample> samples, int batchSize = 64) => Run(samples, batchSize, explain: false).Probability;

    /// <summary>
    /// P(abnormal) of every sample, each metric aspect's share of the last step's pooled channels <c>[sample · G + aspect]</c>
    /// and the attention weight of each of the last step's templates <c>[sample · L + position]</c>.
    /// </summary>
    public (float[] Probability, float[] AspectShares, float[] TemplateWeights) Explain(IReadOnlyList<HadesSample> samples, int batchSize = 64) =>
        Run(samples, batchSize, explain: true);

    private (float[] Probability, float[] AspectShares, float[] TemplateWeights) Run(IReadOnlyList<HadesSample> samples, int batchSize, bool explain)
    {
        var result = new float[samples.Count];
        var aspects = _network.Shape.Aspects.Count;
        var shares = explain ? new float[samples.Count * aspects] : [];
        var weights = explain ? new float[samples.Count * _templateLength] : [];
        _network.eval();
        using var _ = no_grad();
        for (var from = 0; from < samples.Count; from += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = Enumerable.Range(from, Math.Min(batchSize, samples.Count - from)).Select(i => samples[i]).ToList();
            var (metrics, templates, padding) = Inputs(batch);
            Tensor logits;
            if (explain)
            {
                (logits, var s, var w) = _network.Explain(metrics, templates, padding);
                s.data<float>().ToArray().CopyTo(shares, from * aspects);
                w.data<float>().ToArray().CopyTo(weights, from * _templateLength);
            }
            else
            {
                logits = _network.forward(metrics, templates, padding);
            }

            nn.functional.softmax(logits, 1)[.., 1].data<float>().ToArray().CopyTo(result, from);
        }

        return (result, shares, weights);
    }

    public void Dispose()
    {
        _network.Dispose();
        _embeddings.Dispose();
    }

    /// <summary>One phase: epochs over the samples (shuffled, class-weighted cross entropy, each sample's own weight) with early stopping on the validation loss; keeps the best weights.</summary>
    private (int Epochs, double Best, bool OutOfTime) Phase(List<(HadesSample Sample, double Weight, sbyte Label)> samples, List<HadesSample> validation, HadesTraining options, int maxEpochs, Random random, double bestSoFar, double deadlineSeconds, CancellationToken cancellationToken)
    {
        if (samples.Count == 0 || maxEpochs == 0)
        {
            return (0, bestSoFar, false);
        }

        var abnormal = samples.Count(s => s.Label == 1);
        var classWeight = abnormal == 0 ? 1.0 : Math.Max(1.0, (double)(samples.Count - abnormal) / abnormal);
        using var optimizer = optim.Adam(_network.parameters(), options.LearningRate);
        var best = bestSoFar;
        var kept = Snapshot();
        var sinceBest = 0;
        var outOfTime = false;
        var epochs = 0;
        var order = Enumerable.Range(0, samples.Count).ToArray();
        for (var epoch = 0; epoch < maxEpochs && sinceBest < options.Patience; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!double.IsNaN(_secondsPerSample)
                && System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds + (_secondsPerSample * samples.Count) > deadlineSeconds)
            {
                outOfTime = true;
                break;
            }

            epochs++;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            double trainingLoss = 0;
            random.Shuffle(order);
            _network.train();
            for (var from = 0; from < order.Length; from += options.BatchSize)
            {
                var batch = order.AsSpan(from, Math.Min(options.BatchSize, order.Length - from)).ToArray().Select(i => samples[i]).ToList();
                using (var scope = NewDisposeScope())
                {
                    var (metrics, templates, padding) = Inputs([.. batch.Select(b => b.Sample)]);
                    var logits = _network.forward(metrics, templates, padding);
                    var labels = tensor(batch.Select(b => (long)b.Label).ToArray());
                    var weights = tensor(batch.Select(b => (float)(b.Weight * (b.Label == 1 ? classWeight : 1))).ToArray());
                    var loss = (nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.None) * weights).sum() / weights.sum();
                    optimizer.zero_grad();
                    loss.backward();
                    trainingLoss += loss.item<float>() * batch.Count / samples.Count;
                }

                // Outside the batch's scope: Adam makes its state on the first step, and a scope would free it.
                optimizer.step();
            }

            var validationLoss = Loss(validation, classWeight);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            _secondsPerSample = elapsed.TotalSeconds / samples.Count;
            var improved = double.IsNaN(validationLoss) || validationLoss < best;
            _progress?.Report(new EpochReport(++_epoch, trainingLoss, validationLoss, options.LearningRate, elapsed, improved));
            if (improved)
            {
                (best, sinceBest) = (double.IsNaN(validationLoss) ? best : validationLoss, 0);
                DisposeAll(kept);
                kept = Snapshot();
            }
            else
            {
                sinceBest++;
            }
        }

        Restore(kept);
        DisposeAll(kept);
        return (epochs, best, outOfTime);
    }

    private double Loss(List<HadesSample> samples, double classWeight)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var p = Predict(samples);
        double sum = 0, weights = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var w = samples[i].Label == 1 ? classWeight : 1;
            var q = Math.Clamp(samples[i].Label == 1 ? p[i] : 1 - p[i], 1e-7, 1);
            (sum, weights) = (sum - (w * Math.Log(q)), weights + w);
        }

        return sum / weights;
    }

    /// <summary>A batch's inputs: metrics <c>[B, k, M]</c>, template vectors <c>[B, k, L, w]</c> and their padding <c>[B, k, L]</c>.</summary>
    private (Tensor Metrics, Tensor Templates, Tensor Padding) Inputs(List<HadesSample> batch)
    {
        var b = batch.Count;
        var k = _network.Shape.Steps;
        var metrics = new float[b * k * _metrics];
        var rows = new long[b * k * _templateLength];
        var padding = new bool[rows.Length];
        var unseen = _embeddings.shape[0] - 1;
        for (var i = 0; i < b; i++)
        {
            batch[i].Metrics.CopyTo(metrics, i * k * _metrics);
            for (var j = 0; j < k * _templateLength; j++)
            {
                var t = batch[i].Templates[j];
                rows[(i * k * _templateLength) + j] = t < 0 ? unseen : Math.Min(t, unseen);
                padding[(i * k * _templateLength) + j] = t < 0;
            }
        }

        var vectors = _embeddings.index_select(0, tensor(rows)).reshape(b, k, _templateLength, -1);
        return (tensor(metrics).reshape(b, k, _metrics), vectors, tensor(padding).reshape(b, k, _templateLength));
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope(); // detach() makes a handle of its own
        return _network.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().DetachFromDisposeScope());
    }

    private void Restore(Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in _network.named_parameters())
        {
            parameter.copy_(weights[name]);
        }
    }

    private static void DisposeAll(Dictionary<string, Tensor> weights)
    {
        foreach (var t in weights.Values)
        {
            t.Dispose();
        }
    }
}
