using System.Globalization;
using MstGad.Features;

namespace MstGad;

/// <summary>A metric that contributed to an instance's score.</summary>
/// <param name="Name">The metric name.</param>
/// <param name="Error">Its squared reconstruction error.</param>
public sealed record MetricEvidence(string Name, double Error)
{
    /// <summary>Its error as a standard score against its own spread on normal training time (how unusual it is for
    /// this metric of this instance), or <see langword="null"/> for an artifact without the anomaly score. Evidence is
    /// ranked by it when present.</summary>
    public double? StandardScore { get; init; }
}

/// <summary>A log template (or log level) that contributed to an instance's score.</summary>
/// <param name="Feature">The feature name (<c>log:&lt;id&gt;:&lt;template&gt;</c>, <c>log:unseen</c> or <c>level:&lt;LEVEL&gt;</c>).</param>
/// <param name="TemplateId">The template id, or <see langword="null"/> for unseen templates and levels.</param>
/// <param name="Template">The template text, when a template.</param>
/// <param name="ExampleMessage">An example message of the template, when one was seen.</param>
/// <param name="Error">Its squared reconstruction error.</param>
public sealed record LogEvidence(string Feature, int? TemplateId, string? Template, string? ExampleMessage, double Error)
{
    /// <summary>Its error as a standard score against its own spread on normal training time when logs were
    /// collected, or <see langword="null"/> for an artifact without the anomaly score.</summary>
    public double? StandardScore { get; init; }
}

/// <summary>A call edge at the instance that contributed to its score, and the edge feature that contributed most.</summary>
/// <param name="Caller">The caller instance.</param>
/// <param name="Callee">The callee instance (a peer node such as <c>db:mysql</c> for calls to something that records no spans).</param>
/// <param name="Error">The edge's squared reconstruction error (summed over its features).</param>
/// <param name="Feature">The edge feature with the largest squared reconstruction error (such as <c>gap:&lt;type&gt;</c>).</param>
/// <param name="Measure">What that feature measures: which side of the calls.</param>
/// <param name="RequestType">The feature's request type, or <see langword="null"/> for a summary of all calls.</param>
/// <param name="Value">The feature's raw value in this step (milliseconds for durations; 0 when the edge had no calls in this step).</param>
/// <param name="Typical">The feature's typical value on this edge: the mean of its non-zero training values (see <see cref="FeatureSpace.TypicalEdgeValue"/>).</param>
public sealed record EdgeEvidence(string Caller, string Callee, double Error, string Feature, EdgeMeasure Measure, string? RequestType, double Value, double Typical)
{
    /// <summary>Which side of the calls the feature describes: <c>calls</c>, <c>client</c>, <c>server</c>, <c>client minus server</c>,
    /// <c>errors</c>, or for summaries <c>mean latency</c>, <c>p95 latency</c>, <c>mean server latency</c>, <c>mean client minus server</c>, <c>median client minus server</c>,
    /// <c>error rate</c>.</summary>
    public string Side => Measure switch
    {
        EdgeMeasure.Calls => "calls",
        EdgeMeasure.ClientDuration => "client",
        EdgeMeasure.ServerDuration => "server",
        EdgeMeasure.ClientMinusServer => "client minus server",
        EdgeMeasure.Errors => "errors",
        EdgeMeasure.MeanLatency => "mean latency",
        EdgeMeasure.P95Latency => "p95 latency",
        EdgeMeasure.MeanServerLatency => "mean server latency",
        EdgeMeasure.MeanClientMinusServer => "mean client minus server",
        EdgeMeasure.MedianClientMinusServer => "median client minus server",
        _ => "error rate",
    };

    /// <summary>
    /// One sentence for an on-call engineer, such as
    /// <c>client minus server time on ts-travel → ts-route rose from 3 ms to 240 ms (request type getRoute)</c>.
    /// </summary>
    /// <returns>The sentence (numbers in the invariant culture, at most two decimals).</returns>
    public string Describe()
    {
        var what = Measure switch
        {
            EdgeMeasure.ClientDuration => "client time",
            EdgeMeasure.ServerDuration => "server time",
            EdgeMeasure.ClientMinusServer => "client minus server time",
            EdgeMeasure.MeanServerLatency => "server time per call",
            EdgeMeasure.MeanClientMinusServer => "client minus server time per call",
            EdgeMeasure.MedianClientMinusServer => "median client minus server time of the calls",
            _ => Side,
        };
        var unit = Measure.IsDuration() ? " ms" : "";
        string Format(double v) => v.ToString("0.##", CultureInfo.InvariantCulture) + unit;
        var change = Value > Typical ? $"rose from {Format(Typical)} to {Format(Value)}"
            : Value < Typical ? $"fell from {Format(Typical)} to {Format(Value)}"
            : $"stayed at {Format(Value)}";
        var type = RequestType is null ? "" : $" (request type {RequestType})";
        return $"{what} on {Caller} → {Callee} {change}{type}";
    }
}

/// <summary>Why an instance got its score: the metrics, log templates and call edges that contributed most.</summary>
/// <param name="Metrics">Top metrics by error.</param>
/// <param name="Logs">Top log features by error.</param>
/// <param name="Edges">Top call edges at the instance by error.</param>
public sealed record Evidence(IReadOnlyList<MetricEvidence> Metrics, IReadOnlyList<LogEvidence> Logs, IReadOnlyList<EdgeEvidence> Edges)
{
    /// <summary>What the method's own weights point at (such as Hades's metric aspect and log template with the largest
    /// attention weight), in the method's order (Hades: the aspect, then the template); empty for a method that gives none.</summary>
    public IReadOnlyList<AttributionEvidence> Attributions { get; init; } = [];
}

/// <summary>A part of the instance's input that the method's own weights point at.</summary>
/// <param name="Kind">A metric aspect or a log template.</param>
/// <param name="Name">The aspect's name, or the template's text.</param>
/// <param name="Weight">The method's weight (for Hades: an aspect's share of the pooled metric channels of the last step, a template's attention weight in the last step).</param>
public sealed record AttributionEvidence(MstGad.Methods.AttributionKind Kind, string Name, double Weight)
{
    /// <summary>The template's id, for a log template of the vocabulary.</summary>
    public int? TemplateId { get; init; }

    /// <summary>An example message of the template, when one was seen.</summary>
    public string? ExampleMessage { get; init; }

    /// <summary>One phrase, such as <c>metric aspect cpu (weight 0.62)</c> or <c>log template "Order &lt;*&gt; paid" (weight 0.41)</c>.</summary>
    /// <returns>The phrase (the weight in the invariant culture, two decimals).</returns>
    public string Describe() => Kind == MstGad.Methods.AttributionKind.MetricAspect
        ? string.Create(CultureInfo.InvariantCulture, $"metric aspect {Name} (weight {Weight:0.00})")
        : string.Create(CultureInfo.InvariantCulture, $"log template \"{Name}\" (weight {Weight:0.00})");
}

/// <summary>The verdict on one instance at the end of one step.</summary>
/// <param name="Instance">The instance key.</param>
/// <param name="Time">The end of the step (UTC).</param>
/// <param name="Score">The decision score: P for <see cref="DecisionRule.Classifier"/>, <see cref="DecisionRule.CalibratedClassifier"/> and
/// <see cref="DecisionRule.ValidationThreshold"/>, the reconstruction error for <see cref="DecisionRule.ExtremeValue"/>
/// and <see cref="DecisionRule.ReconstructionThreshold"/>, <see cref="AnomalyScore"/> for <see cref="DecisionRule.Unsupervised"/>,
/// and for <see cref="DecisionRule.Combined"/> the larger of the anomaly score and the corrected probability, each as a
/// multiple of its own threshold.</param>
/// <param name="IsAbnormal">The decision.</param>
/// <param name="Evidence">What contributed most.</param>
public sealed record InstanceVerdict(string Instance, DateTimeOffset Time, double Score, bool IsAbnormal, Evidence Evidence)
{
    /// <summary>
    /// The unsupervised anomaly score: the instance's reconstruction errors, each as a standard score against
    /// its own spread on normal training time, combined per modality and relative to the other instances of
    /// the step (see <see cref="UnsupervisedOptions"/>); NaN for an artifact saved without it.
    /// </summary>
    public double AnomalyScore { get; init; } = double.NaN;

    /// <summary>
    /// What the method itself said, by name (<see cref="VerdictDetails"/>): for MSTGAD its classifier's probability and
    /// its reconstruction error, for the statistical detectors the sum of the residuals; a method from its own package
    /// may add its own. Empty for a verdict made by hand.
    /// </summary>
    public IReadOnlyDictionary<string, double> Details { get; init; } = VerdictDetails.None;

    /// <summary>The classifier's abnormal probability P as trained (see <see cref="VerdictDetails.Probability"/>), NaN when the method has no classifier.</summary>
    public double Probability => Details.GetValueOrDefault(VerdictDetails.Probability, double.NaN);

    /// <summary>The method's own error (see <see cref="VerdictDetails.Error"/>), NaN when it gave none.</summary>
    public double Error => Details.GetValueOrDefault(VerdictDetails.Error, double.NaN);
}

/// <summary>The names of <see cref="InstanceVerdict.Details"/> the facade fills for every method.</summary>
public static class VerdictDetails
{
    /// <summary>
    /// The abnormal probability P of a method with a classifier, as trained with the class weight w of its loss (the
    /// probability corrected for it is P / (P + w·(1 − P)); see <see cref="DecisionRule.CalibratedClassifier"/>).
    /// </summary>
    public const string Probability = "probability";

    /// <summary>The method's own error per instance: MSTGAD's reconstruction error RE, the statistical detectors' summed squared residuals.</summary>
    public const string Error = "error";

    internal static readonly IReadOnlyDictionary<string, double> None = new Dictionary<string, double>();
}

/// <summary>Progress of <see cref="Detector.FitAsync(MstGad.Features.ITelemetrySource, IProgress{FitProgress}?, CancellationToken)"/>.</summary>
/// <param name="Stage">What is happening (<c>reading</c>, <c>features</c>, <c>training</c>, <c>thresholds</c>).</param>
/// <param name="Epoch">The epoch just finished (training), else 0.</param>
/// <param name="MaxEpochs">The epoch limit.</param>
/// <param name="TrainingLoss">The epoch's training loss, when training.</param>
/// <param name="ValidationLoss">The epoch's validation loss, when training.</param>
public sealed record FitProgress(string Stage, int Epoch, int MaxEpochs, double? TrainingLoss, double? ValidationLoss);
