using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Methods;

/// <summary>
/// A detection method, configured and not yet trained: the seam through which MSTGAD, the statistical detectors and
/// other methods plug into the facade (<c>DetectorBuilder.UseMethod</c>). The facade gives every method the same
/// records, readers, aggregation, fitted feature space and windows; it owns the decision rules, thresholds, evidence,
/// the artifact, online detection, incidents and evaluation, so a method only learns and scores.
/// </summary>
/// <remarks>
/// An implementation is immutable once built (its options are copied) and may be shared by several detectors. Its
/// <see cref="Name"/> and <see cref="FormatVersion"/> are saved in the artifact: loading finds the method by name
/// (<c>DetectionMethods.Register</c>, or an assembly attribute <see cref="DetectionMethodAttribute"/>) and gives its
/// <see cref="Load"/> the bytes its trained method saved.
/// </remarks>
public interface IDetectionMethod
{
    /// <summary>The method's name in artifacts and on the command line: lower-case letters, digits and '-', such as <c>mstgad</c>.</summary>
    string Name { get; }

    /// <summary>The version of what <see cref="ITrainedMethod.Save"/> writes; an artifact with a newer one is refused at load.</summary>
    int FormatVersion { get; }

    /// <summary>The most training epochs (for progress reports); 0 for a method that does not train in epochs.</summary>
    int MaxEpochs { get; }

    /// <summary>
    /// Asks the feature extraction for what the method reads beyond the defaults, for example
    /// <see cref="FeatureOptions.TemplateSequenceLength"/> for a method that reads logs as sequences. Called once at
    /// <c>Build()</c> on the detector's own copy of the feature options; the default changes nothing.
    /// </summary>
    /// <param name="features">The detector's feature options.</param>
    void ConfigureFeatures(FeatureOptions features)
    {
    }

    /// <summary>Every problem of the method's options (empty when they are valid); the facade reports them at <c>Build()</c>.</summary>
    /// <returns>The problems, each a sentence naming the option and its value.</returns>
    IReadOnlyList<string> Validate();

    /// <summary>Learns from the training windows (labels where known; choosing epochs on the validation windows only).</summary>
    /// <param name="context">The windows, the fitted feature space and the run's settings.</param>
    /// <returns>The trained method and what training did.</returns>
    FittedMethod Fit(MethodFitContext context);

    /// <summary>Reads what a trained method of this kind saved.</summary>
    /// <param name="stream">The bytes written by <see cref="ITrainedMethod.Save"/>.</param>
    /// <param name="formatVersion">The <see cref="FormatVersion"/> they were written with (never newer than this method's).</param>
    /// <param name="context">The device and threads to run on.</param>
    /// <returns>The trained method.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a trained method of this kind.</exception>
    ITrainedMethod Load(Stream stream, int formatVersion, MethodRunContext context);
}

/// <summary>A trained method: scores windows and saves what it learnt.</summary>
/// <remarks>Scoring the same windows gives the same bits on any thread and in any process; not thread-safe.</remarks>
public interface ITrainedMethod : IDisposable
{
    /// <summary>The widths of the metric, log and trace parts of <see cref="WindowScores.Errors"/>.</summary>
    (int Metrics, int Logs, int Traces) ErrorLayout { get; }

    /// <summary>Whether <see cref="WindowScores.Probability"/> comes from a classifier trained on labels (the facade's classifier-based decision rules need one).</summary>
    bool HasClassifier { get; }

    /// <summary>Scores the last step of every window.</summary>
    /// <param name="windows">Windows of the graphs of the feature space the method was fitted on.</param>
    /// <returns>One entry per window, in order.</returns>
    IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows);

    /// <summary>Writes what the method learnt (read back by <see cref="IDetectionMethod.Load"/>).</summary>
    /// <param name="stream">A writable stream; not closed.</param>
    void Save(Stream stream);
}

/// <summary>A trained method and the report of its training.</summary>
/// <param name="Method">The trained method (the caller disposes it).</param>
/// <param name="Report">What training did.</param>
public sealed record FittedMethod(ITrainedMethod Method, TrainingReport Report);

/// <summary>Where a method runs: the device and CPU threads of its detector.</summary>
public sealed class MethodRunContext
{
    /// <summary>The TorchSharp device (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>) for a method that uses one.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>CPU threads for the method's own arithmetic (results may depend on it: it is saved with the detector).</summary>
    public int Threads { get; init; } = 1;
}

/// <summary>What a method is fitted on: the windows of the chronological split and the fitted feature space.</summary>
public sealed class MethodFitContext
{
    /// <summary>The TorchSharp device (<c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>) for a method that uses one.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>CPU threads for the method's own arithmetic (results may depend on it: it is saved with the detector).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The training windows (their labels: abnormal, normal or unknown per node of the last step).</summary>
    public required IReadOnlyList<GraphWindow> Training { get; init; }

    /// <summary>The validation windows (later in time; for early stopping and choices, never for weights).</summary>
    public required IReadOnlyList<GraphWindow> Validation { get; init; }

    /// <summary>The feature space the windows were made with (feature names, log vocabulary with template texts).</summary>
    public required FeatureSpace Space { get; init; }

    /// <summary>The number of instances (graph nodes) the detector knows.</summary>
    public required int Instances { get; init; }

    /// <summary>Receives each epoch's report.</summary>
    public IProgress<EpochReport>? Progress { get; init; }

    /// <summary>Cancels training.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>
/// Names the detection methods an assembly provides, so that an artifact of one loads once the assembly is referenced
/// (the facade looks in loaded assemblies, then in one named <c>MstGad.Methods.{Name}</c>). The type needs a public
/// constructor without parameters (its options do not matter for loading).
/// </summary>
/// <param name="methodType">A type implementing <see cref="IDetectionMethod"/>.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class DetectionMethodAttribute(Type methodType) : Attribute
{
    /// <summary>The method's type.</summary>
    public Type MethodType { get; } = methodType;
}
