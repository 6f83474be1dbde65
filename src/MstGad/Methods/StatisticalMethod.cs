namespace MstGad.Methods;

/// <summary>
/// The statistical detectors as a method (<c>DetectorBuilder.UseStatistical</c>): no network, each instance's
/// distance from its training median on every feature — metrics (robust z-score), log templates and levels
/// (template-rate and error-log bursts), and the calls into and out of it (the client-minus-server gap, durations,
/// calls, errors) — measured by the facade against each feature's own spread under the same alarm budget. Needs a
/// few steps of history only: the cold-start fallback before there is enough to train a network, and a baseline.
/// </summary>
public sealed class StatisticalMethod : IDetectionMethod
{
    /// <summary>The method's name in artifacts and on the command line.</summary>
    public const string MethodName = "statistical";

    /// <summary>The statistical detectors with their defaults (used to load artifacts).</summary>
    public StatisticalMethod()
        : this(recentChange: true)
    {
    }

    /// <summary>The statistical detectors.</summary>
    /// <param name="recentChange">Whether a feature's residual is taken from the median of the window's earlier steps (the
    /// instance's recent past) rather than from its training median, where the window has enough earlier steps with the modality.</param>
    public StatisticalMethod(bool recentChange) => RecentChange = recentChange;

    /// <summary>Whether residuals are taken from the instance's recent past (see the constructor).</summary>
    public bool RecentChange { get; }

    /// <inheritdoc/>
    public string Name => MethodName;

    /// <inheritdoc/>
    public int FormatVersion => 1;

    /// <inheritdoc/>
    public int MaxEpochs => 0;

    /// <inheritdoc/>
    public IReadOnlyList<string> Validate() => [];

    /// <inheritdoc/>
    public FittedMethod Fit(MethodFitContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var space = context.Space;
        var model = StatisticalModel.Fit(context.Training, context.Instances, space.MetricFeatureCount, space.LogFeatureCount, space.EdgeFeatureNames.Count, RecentChange);
        return new FittedMethod(model, new TrainingReport([], 0, false, 1));
    }

    /// <inheritdoc/>
    public ITrainedMethod Load(Stream stream, int formatVersion, MethodRunContext context) => StatisticalModel.Load(stream);
}
