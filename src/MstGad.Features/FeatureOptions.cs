using System.Globalization;
using MstGad.Parsing;

namespace MstGad.Features;

/// <summary>How metric samples that fall into one step are combined.</summary>
public enum MetricAggregation
{
    /// <summary>The mean (the default).</summary>
    Mean = 0,

    /// <summary>The minimum.</summary>
    Min = 1,

    /// <summary>The maximum.</summary>
    Max = 2,

    /// <summary>The latest sample.</summary>
    Last = 3,

    /// <summary>The sum.</summary>
    Sum = 4,
}

/// <summary>Which range scales a metric (min-max normalisation, paper Eq. 7).</summary>
public enum MetricScaling
{
    /// <summary>
    /// One range per instance and metric, fitted on that instance's training values (the default); an
    /// instance without a range of its own (unseen, or constant in training) uses the metric's range over
    /// all instances.
    /// </summary>
    PerInstance = 0,

    /// <summary>One range per metric, over the training values of all instances: every instance is scaled alike.</summary>
    PerMetric = 1,
}

/// <summary>How metric values and edge features are compressed before they are scaled.</summary>
public enum FeatureCompression
{
    /// <summary>None: the paper's min-max scaling of the raw values (Eq. 7, 9).</summary>
    None = 0,

    /// <summary>
    /// Logarithmic: a metric value v becomes sign(v)·ln(1 + |v| / s), with s the metric's median magnitude in training,
    /// before min-max scaling; an edge feature x = raw / typical becomes ln(1 + x) / ln 2 (typical stays 1). Values
    /// near their typical size change little; a latency that jumps a hundredfold when one request of a quiet minute
    /// times out, or a counter that drifts far beyond its training range, no longer dwarfs everything else, while a
    /// jump stays a jump. Measured: it also compresses the faults (a CPU at its limit, 150 × its median, becomes a few
    /// training ranges instead of tens), and on the TrainTicket stand-in it separated faults from normal time worse.
    /// </summary>
    Logarithmic = 1,
}

/// <summary>Which edge features the traces yield.</summary>
[Flags]
public enum EdgeFeatureSet
{
    /// <summary>
    /// Per request type — the top-K callee operations of the training data, then "other" — both sides of the calls:
    /// calls, total client-observed and server-observed duration, their difference (client − server) and errors
    /// (the paper's total duration per request type, split into what the caller and the callee measured).
    /// </summary>
    RequestTypeDurations = 1,

    /// <summary>Of all calls of an edge: calls, mean and p95 client-observed latency, mean server-observed latency, mean client minus server (per call), and the error rate.</summary>
    Summary = 2,

    /// <summary>Both.</summary>
    Both = RequestTypeDurations | Summary,
}

/// <summary>Settings of feature extraction. Validated when an aggregator or feature space is created.</summary>
public sealed class FeatureOptions
{
    /// <summary>The step interval Δ.</summary>
    /// <value>Default 10 s. At least 1 ms.</value>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How far behind the newest event time a record may arrive and still be placed in its step;
    /// older records are counted as late and not used.
    /// </summary>
    /// <value>Default <see langword="null"/>: unbounded (offline data, every record placed).</value>
    public TimeSpan? Lateness { get; set; }

    /// <summary>How raw instance names map to graph nodes.</summary>
    /// <value>Default <see cref="InstanceKey.KubernetesWorkload"/>.</value>
    public InstanceKey InstanceKey { get; set; } = InstanceKey.KubernetesWorkload;

    /// <summary>How samples within a step are combined.</summary>
    /// <value>Default <see cref="MetricAggregation.Mean"/>.</value>
    public MetricAggregation MetricAggregation { get; set; } = MetricAggregation.Mean;

    /// <summary>Which range scales a metric: one per metric (over all instances) or one per instance and metric.</summary>
    /// <value>Default <see cref="MetricScaling.PerInstance"/>.</value>
    public MetricScaling MetricScaling { get; set; } = MetricScaling.PerInstance;

    /// <summary>How metric values and edge features are compressed before scaling.</summary>
    /// <value>Default <see cref="FeatureCompression.None"/>.</value>
    public FeatureCompression Compression { get; set; } = FeatureCompression.None;

    /// <summary>How many steps a metric value is carried forward over a gap before it counts as missing.</summary>
    /// <value>Default 6. Zero or more.</value>
    public int MaxCarryForwardSteps { get; set; } = 6;

    /// <summary>A metric whose training range is at most this (relative to its magnitude) on every instance is dropped.</summary>
    /// <value>Default 1e-9. Zero or more.</value>
    public double ConstantTolerance { get; set; } = 1e-9;

    /// <summary>The ε of the min-max normalisation (paper Eq. 7 and 8).</summary>
    /// <value>Default 1e-6. Greater than zero.</value>
    public double Epsilon { get; set; } = 1e-6;

    /// <summary>
    /// The largest magnitude a normalised feature may take; larger values are clipped. Values outside
    /// the training range stay visible up to this bound (min-max scaling fitted on a short training
    /// stretch can otherwise turn ordinary later values into huge ones).
    /// </summary>
    /// <value>Default <see langword="null"/>: no clipping (the paper's normalisation). When set, greater than zero.</value>
    public double? MaxFeatureMagnitude { get; set; }

    /// <summary>The log parser settings.</summary>
    /// <value>Default: similarity 0.5, depth 4, masks for UUIDs, long hex ids, IP addresses and numbers.</value>
    public DrainOptions LogParsing { get; set; } = DefaultLogParsing();

    /// <summary>The largest template vocabulary (the most frequent training templates); the rest count as unseen.</summary>
    /// <value>Default 256. At least 1.</value>
    public int MaxTemplates { get; set; } = 256;

    /// <summary>Whether log levels (counts per level) are node features too.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool LogLevelCounts { get; set; } = true;

    /// <summary>
    /// How many log templates of each instance and step are kept in the order they were logged (<see cref="StepFeatures.Templates"/>),
    /// for methods that read logs as sequences (Hades); 0 keeps none. A detection method sets it (<c>IDetectionMethod.ConfigureFeatures</c>).
    /// </summary>
    /// <value>Default 0. From 0 to 10,000.</value>
    public int TemplateSequenceLength { get; set; }

    /// <summary>How many request types (the most frequent callee operations of the training calls) get their own
    /// edge features (five each: calls, client, server, client − server, errors); the rest count as "other".</summary>
    /// <value>Default 8. At least 1.</value>
    public int TopOperations { get; set; } = 8;

    /// <summary>Which edge features to build.</summary>
    /// <value>Default <see cref="EdgeFeatureSet.Both"/>.</value>
    public EdgeFeatureSet EdgeFeatures { get; set; } = EdgeFeatureSet.Both;

    /// <summary>The log parser settings used by default: similarity 0.5, depth 4, masks for UUIDs,
    /// hex ids of 16 or more digits, IP addresses (with port) and numbers.</summary>
    /// <returns>A new options object.</returns>
    public static DrainOptions DefaultLogParsing()
    {
        var options = new DrainOptions { SimilarityThreshold = 0.5, Depth = 4 };
        options.Masks.Add(new MaskingRule(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"));
        options.Masks.Add(new MaskingRule(@"\b[0-9a-fA-F]{16,}\b"));
        options.Masks.Add(new MaskingRule(@"(\d{1,3}\.){3}\d{1,3}(:\d+)?"));
        options.Masks.Add(new MaskingRule(@"(?<![\w.])[-+]?\d+(\.\d+)?(?![\w.])"));
        return options;
    }

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (Interval < TimeSpan.FromMilliseconds(1))
        {
            Add($"Interval must be at least 1 ms; it is {Interval}.");
        }

        if (Lateness is { } lateness && lateness < TimeSpan.Zero)
        {
            Add($"Lateness must not be negative; it is {lateness}.");
        }

        if (InstanceKey is null)
        {
            Add($"InstanceKey must be set.");
        }

        if (!Enum.IsDefined(MetricAggregation))
        {
            Add($"MetricAggregation {(int)MetricAggregation} is not defined.");
        }

        if (!Enum.IsDefined(MetricScaling))
        {
            Add($"MetricScaling {(int)MetricScaling} is not defined.");
        }

        if (!Enum.IsDefined(Compression))
        {
            Add($"Compression {(int)Compression} is not defined.");
        }

        if (MaxCarryForwardSteps < 0)
        {
            Add($"MaxCarryForwardSteps must be zero or more; it is {MaxCarryForwardSteps}.");
        }

        if (double.IsNaN(ConstantTolerance) || ConstantTolerance < 0)
        {
            Add($"ConstantTolerance must be zero or more; it is {ConstantTolerance}.");
        }

        if (double.IsNaN(Epsilon) || Epsilon <= 0)
        {
            Add($"Epsilon must be greater than zero; it is {Epsilon}.");
        }

        if (MaxFeatureMagnitude is { } max && !(max > 0))
        {
            Add($"MaxFeatureMagnitude must be greater than zero when set; it is {max}.");
        }

        if (LogParsing is null)
        {
            Add($"LogParsing must be set.");
        }
        else
        {
            problems.AddRange(LogParsing.Validate().Select(p => "LogParsing: " + p));
        }

        if (MaxTemplates < 1)
        {
            Add($"MaxTemplates must be at least 1; it is {MaxTemplates}.");
        }

        if (TemplateSequenceLength is < 0 or > 10_000)
        {
            Add($"TemplateSequenceLength must be from 0 to 10000; it is {TemplateSequenceLength}.");
        }

        if (TopOperations < 1)
        {
            Add($"TopOperations must be at least 1; it is {TopOperations}.");
        }

        if ((EdgeFeatures & EdgeFeatureSet.Both) == 0 || (EdgeFeatures & ~EdgeFeatureSet.Both) != 0)
        {
            Add($"EdgeFeatures must name RequestTypeDurations, Summary or both; it is {(int)EdgeFeatures}.");
        }

        return problems;
    }

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid feature options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }
    }

    /// <summary>A copy (later changes to either do not affect the other).</summary>
    /// <returns>The copy.</returns>
    public FeatureOptions Clone() => new()
    {
        Interval = Interval,
        Lateness = Lateness,
        InstanceKey = InstanceKey,
        MetricAggregation = MetricAggregation,
        MetricScaling = MetricScaling,
        Compression = Compression,
        MaxCarryForwardSteps = MaxCarryForwardSteps,
        ConstantTolerance = ConstantTolerance,
        Epsilon = Epsilon,
        MaxFeatureMagnitude = MaxFeatureMagnitude,
        LogParsing = LogParsing.Clone(),
        MaxTemplates = MaxTemplates,
        LogLevelCounts = LogLevelCounts,
        TemplateSequenceLength = TemplateSequenceLength,
        TopOperations = TopOperations,
        EdgeFeatures = EdgeFeatures,
    };
}
