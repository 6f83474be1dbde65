using System.Text.Json;
using System.Text.Json.Serialization;
using MstGad.Parsing;

namespace MstGad.Features;

public sealed partial class FeatureSpace
{
    /// <summary>The format version written by <see cref="Save"/>.</summary>
    /// <remarks>
    /// Version 3: edges carry both sides of every call (calls, client, server and client-minus-server durations and
    /// errors per request type) and, among the summaries, the median client-minus-server time of the calls (<c>gap:median</c>).
    /// Versions 1 (one total duration per request type, the callee's own time) and 2 (no median gap) are refused: a model
    /// trained on them has a different edge layout and must be retrained.
    /// </remarks>
    public const int FormatVersion = 3;

    /// <summary>Writes everything the feature space learnt (JSON, versioned).</summary>
    /// <param name="stream">A writable stream; not closed.</param>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var o = _options;
        var state = new FeatureSpaceState
        {
            Version = FormatVersion,
            IntervalTicks = o.Interval.Ticks,
            LatenessTicks = o.Lateness?.Ticks,
            InstanceKey = o.InstanceKey.Name,
            MetricAggregation = o.MetricAggregation,
            MetricScaling = o.MetricScaling,
            Compression = o.Compression,
            MetricScales = [.. _metricScale.Select(p => new ScaleEntry(p.Key, p.Value))],
            MaxCarryForwardSteps = o.MaxCarryForwardSteps,
            ConstantTolerance = o.ConstantTolerance,
            Epsilon = o.Epsilon,
            MaxFeatureMagnitude = o.MaxFeatureMagnitude,
            MaxTemplates = o.MaxTemplates,
            LogLevelCounts = o.LogLevelCounts,
            TemplateSequenceLength = o.TemplateSequenceLength,
            TopOperations = o.TopOperations,
            EdgeFeatures = o.EdgeFeatures,
            Metrics = [.. Metrics],
            DroppedMetrics = [.. DroppedMetrics],
            SharedMetrics = [.. SharedMetrics],
            MetricRanges = [.. _metricRange.Select(p => new RangeEntry(p.Key.Instance, p.Key.Metric, p.Value.Min, p.Value.Max))],
            MetricGlobalRanges = [.. _metricGlobalRange.Select(p => new RangeEntry(null, p.Key, p.Value.Min, p.Value.Max))],
            Vocabulary = [.. Vocabulary.Select(t => new TemplateEntry(t.Id, t.Text, t.Size))],
            TemplateMin = _templateMin,
            TemplateMax = _templateMax,
            UnseenScale = _unseenScale,
            LevelScale = _levelScale,
            RequestTypes = [.. RequestTypes],
            EdgeMeans = [.. _edgeMean.Select(p => new EdgeMeanEntry(p.Key.Caller, p.Key.Callee, p.Key.Column, p.Value))],
            ColumnMeans = _columnMean,
            TrainingInstances = [.. TrainingInstances],
        };
        JsonSerializer.Serialize(stream, state, FeatureSpaceJson.Default.FeatureSpaceState);
    }

    /// <summary>Reads a feature space written by <see cref="Save"/>.</summary>
    /// <param name="stream">A readable stream positioned at the JSON; it is read to its end.</param>
    /// <param name="logParsing">The log parser settings to report in <see cref="Options"/> (those of the saved parser).</param>
    /// <param name="customKey">The instance key, when the saved one was a custom mapping.</param>
    /// <returns>The feature space.</returns>
    /// <exception cref="InvalidDataException">The data is not a feature space of a supported version, or is inconsistent.</exception>
    public static FeatureSpace Load(Stream stream, DrainOptions? logParsing = null, InstanceKey? customKey = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        FeatureSpaceState state;
        try
        {
            state = JsonSerializer.Deserialize(stream, FeatureSpaceJson.Default.FeatureSpaceState)
                ?? throw new InvalidDataException("Feature space is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("Feature space is not valid JSON: " + ex.Message, ex);
        }

        if (state.Version == 1)
        {
            throw new InvalidDataException(
                "Feature space format version 1 is not supported: its edge features are one total duration per request type " +
                $"(the callee's own time), while this build's edges carry both sides of every call (version {FormatVersion}). Retrain the detector.");
        }

        if (state.Version == 2)
        {
            throw new InvalidDataException(
                "Feature space format version 2 is not supported: its edges lack the median client-minus-server time of the calls " +
                $"(gap:median), which this build's edges carry (version {FormatVersion}). Retrain the detector.");
        }

        if (state.Version != FormatVersion)
        {
            throw new InvalidDataException($"Feature space format version {state.Version} is not supported; this build reads version {FormatVersion}.");
        }

        InstanceKey key;
        if (customKey is not null && customKey.Name == state.InstanceKey)
        {
            key = customKey;
        }
        else
        {
            try
            {
                key = InstanceKey.FromName(state.InstanceKey);
            }
            catch (ArgumentException)
            {
                throw new InvalidDataException($"The feature space uses the custom instance key '{state.InstanceKey}'; supply it when loading.");
            }
        }

        var options = new FeatureOptions
        {
            Interval = TimeSpan.FromTicks(state.IntervalTicks),
            Lateness = state.LatenessTicks is { } l ? TimeSpan.FromTicks(l) : null,
            InstanceKey = key,
            MetricAggregation = state.MetricAggregation,
            MetricScaling = state.MetricScaling,
            Compression = state.Compression,
            MaxCarryForwardSteps = state.MaxCarryForwardSteps,
            ConstantTolerance = state.ConstantTolerance,
            Epsilon = state.Epsilon,
            MaxFeatureMagnitude = state.MaxFeatureMagnitude,
            MaxTemplates = state.MaxTemplates,
            LogLevelCounts = state.LogLevelCounts,
            TemplateSequenceLength = state.TemplateSequenceLength,
            TopOperations = state.TopOperations,
            EdgeFeatures = state.EdgeFeatures,
        };
        if (logParsing is not null)
        {
            options.LogParsing = logParsing;
        }

        var problems = options.Validate();
        if (problems.Count > 0 || state.TemplateMin.Length != state.Vocabulary.Length || state.TemplateMax.Length != state.Vocabulary.Length ||
            state.LevelScale.Length != LogLevels.Names.Count || state.MetricGlobalRanges.Any(r => !state.Metrics.Contains(r.Metric)) ||
            state.ColumnMeans.Length != ColumnCount(options, state.RequestTypes.Length) ||
            state.EdgeMeans.Any(e => e.Column < 0 || e.Column >= state.ColumnMeans.Length) ||
            state.Metrics.Any(m => state.MetricGlobalRanges.All(r => r.Metric != m)) ||
            (state.Compression == FeatureCompression.Logarithmic && state.Metrics.Any(m => !state.MetricScales.Any(s => s.Metric == m && s.Scale > 0 && double.IsFinite(s.Scale)))))
        {
            throw new InvalidDataException("Feature space is inconsistent: " + (problems.Count > 0 ? string.Join(" ", problems) : "array lengths or metric ranges do not match."));
        }

        return new FeatureSpace(
            options,
            state.Metrics,
            state.DroppedMetrics,
            state.MetricRanges.ToDictionary(r => (r.Instance ?? "", r.Metric), r => (r.Min, r.Max)),
            state.MetricGlobalRanges.ToDictionary(r => r.Metric, r => (r.Min, r.Max), StringComparer.Ordinal),
            state.MetricScales.ToDictionary(r => r.Metric, r => r.Scale, StringComparer.Ordinal),
            [.. state.Vocabulary.Select(t => new LogTemplate(t.Id, t.Text, t.Size))],
            state.TemplateMin,
            state.TemplateMax,
            state.UnseenScale,
            state.LevelScale,
            state.RequestTypes,
            state.EdgeMeans.ToDictionary(e => (e.Caller, e.Callee, e.Column), e => e.Mean),
            state.ColumnMeans,
            state.TrainingInstances)
        {
            SharedMetrics = [.. state.SharedMetrics.Where(state.Metrics.Contains)],
        };
    }
}

internal sealed record RangeEntry(string? Instance, string Metric, double Min, double Max);

internal sealed record TemplateEntry(int Id, string Text, long Size);

internal sealed record EdgeMeanEntry(string Caller, string Callee, int Column, double Mean);

internal sealed record ScaleEntry(string Metric, double Scale);

internal sealed class FeatureSpaceState
{
    public int Version { get; set; }

    public long IntervalTicks { get; set; }

    public long? LatenessTicks { get; set; }

    public string InstanceKey { get; set; } = "";

    public MetricAggregation MetricAggregation { get; set; }

    // Absent from files written before it existed: those scaled per instance (0).
    public MetricScaling MetricScaling { get; set; }

    // Absent from files written before it existed: those were not compressed (0).
    public FeatureCompression Compression { get; set; }

    public ScaleEntry[] MetricScales { get; set; } = [];

    public int MaxCarryForwardSteps { get; set; }

    public double ConstantTolerance { get; set; }

    public double Epsilon { get; set; }

    public double? MaxFeatureMagnitude { get; set; }

    public int MaxTemplates { get; set; }

    public bool LogLevelCounts { get; set; }

    public int TemplateSequenceLength { get; set; }

    public int TopOperations { get; set; }

    public EdgeFeatureSet EdgeFeatures { get; set; }

    public string[] Metrics { get; set; } = [];

    public string[] DroppedMetrics { get; set; } = [];

    // Absent from files written before it existed: no metric was known to be shared.
    public string[] SharedMetrics { get; set; } = [];

    public RangeEntry[] MetricRanges { get; set; } = [];

    public RangeEntry[] MetricGlobalRanges { get; set; } = [];

    public TemplateEntry[] Vocabulary { get; set; } = [];

    public double[] TemplateMin { get; set; } = [];

    public double[] TemplateMax { get; set; } = [];

    public double UnseenScale { get; set; }

    public double[] LevelScale { get; set; } = [];

    public string[] RequestTypes { get; set; } = [];

    public EdgeMeanEntry[] EdgeMeans { get; set; } = [];

    public double[] ColumnMeans { get; set; } = [];

    public string[] TrainingInstances { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = false, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(FeatureSpaceState))]
internal sealed partial class FeatureSpaceJson : JsonSerializerContext;
