namespace MstGad.Methods;

/// <summary>One epoch of a method's training.</summary>
/// <param name="Epoch">The 1-based epoch.</param>
/// <param name="TrainingLoss">Mean training loss with this epoch's weights.</param>
/// <param name="ValidationLoss">Validation loss (the early-stopping criterion), NaN without validation data.</param>
/// <param name="LearningRate">The learning rate used.</param>
/// <param name="Elapsed">Time the epoch took.</param>
/// <param name="IsBest">Whether this epoch gave the best validation loss so far (its weights are kept).</param>
public sealed record EpochReport(int Epoch, double TrainingLoss, double ValidationLoss, double LearningRate, TimeSpan Elapsed, bool IsBest);

/// <summary>The outcome of a method's training (no epochs for a method that learns in one pass).</summary>
/// <param name="Epochs">Every epoch.</param>
/// <param name="BestEpoch">The epoch whose weights the method kept (0 without epochs).</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
/// <param name="ClassWeight">n_normal / n_abnormal of the labelled training nodes (1 without abnormal labels).</param>
public sealed record TrainingReport(IReadOnlyList<EpochReport> Epochs, int BestEpoch, bool StoppedEarly, double ClassWeight)
{
    /// <summary>Whether a training time budget ended training before its maximum number of epochs.</summary>
    public bool StoppedByTimeBudget { get; init; }
}

/// <summary>What a method says about the last step of one window, per node; the facade turns it into verdicts.</summary>
/// <param name="Step">The step of the last graph.</param>
/// <param name="Probability">The abnormal probability P per node <c>[N]</c> of the method's classifier (0 for a method without one; see <see cref="ITrainedMethod.HasClassifier"/>).</param>
/// <param name="ReconstructionError">The method's own error per node <c>[N]</c> (the sum of <paramref name="Errors"/> for a method that reconstructs or forecasts; a method whose only score is its classifier repeats P here, for the rules that read this score, and its verdicts carry no error).</param>
/// <param name="Errors">Per-feature errors per node, <c>[N × ErrorWidth]</c>, laid out as <see cref="ITrainedMethod.ErrorLayout"/> says: metric features, then log features, then trace features. The facade's anomaly score measures each against its own spread on normal training time.</param>
/// <param name="ErrorWidth">The width of a node's error vector.</param>
/// <param name="EdgeErrors">The error of every edge of the window's last step (source, target, error), for evidence; may be empty.</param>
/// <param name="Present">Whether each node had any data in the last step <c>[N]</c>.</param>
public sealed record WindowScores(long Step, float[] Probability, float[] ReconstructionError, float[] Errors, int ErrorWidth, IReadOnlyList<(int Source, int Target, float Error)> EdgeErrors, bool[] Present)
{
    /// <summary>
    /// The error of every edge feature of every edge, in the order of <see cref="EdgeErrors"/>: <c>[edge · F_s + feature]</c>;
    /// empty when the method gives none per feature.
    /// </summary>
    public float[] EdgeFeatureErrors { get; init; } = [];

    /// <summary>
    /// What the method's own weights point at for each node <c>[N]</c> (such as attention weights), in the method's order;
    /// empty when the method gives none. The facade adds them to the verdict's evidence.
    /// </summary>
    public IReadOnlyList<Attribution>[] Attributions { get; init; } = [];
}

/// <summary>What an attribution points at.</summary>
public enum AttributionKind
{
    /// <summary>A group of metrics (such as Hades's cpu or memory aspect); <see cref="Attribution.Name"/> is the group's name.</summary>
    MetricAspect = 0,

    /// <summary>A log template; <see cref="Attribution.Index"/> is its position in the fitted feature space's vocabulary.</summary>
    LogTemplate = 1,
}

/// <summary>A part of a node's input that a method's own weights point at, such as the log template with the largest attention weight.</summary>
/// <param name="Kind">What it points at.</param>
/// <param name="Index">The aspect's position among the method's aspects, or the template's position in the vocabulary.</param>
/// <param name="Name">The aspect's name, or <see langword="null"/> for a template (the facade names it from the vocabulary).</param>
/// <param name="Weight">The method's weight of it (for Hades: an aspect's share of the pooled metric channels, a template's attention weight).</param>
public sealed record Attribution(AttributionKind Kind, int Index, string? Name, double Weight);
