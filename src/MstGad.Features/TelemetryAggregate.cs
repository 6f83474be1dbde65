using MstGad.Parsing;

namespace MstGad.Features;

/// <summary>
/// The per-step aggregates of a stretch of telemetry (from <see cref="TelemetryAggregator.Complete"/>):
/// what <see cref="FeatureSpace.Fit"/> learns from and <see cref="FeatureSpace.Transform"/> turns
/// into normalised features.
/// </summary>
public sealed class TelemetryAggregate
{
    private readonly Dictionary<long, SealedStep> _steps;
    private readonly List<string> _instances;
    private readonly List<string> _metrics;
    private readonly List<string> _operations;
    private readonly Dictionary<string, int> _instanceIndex;
    private double[]? _metricValues;

    internal TelemetryAggregate(
        StepClock clock,
        FeatureOptions options,
        List<string> instances,
        IReadOnlyList<IReadOnlyList<string>> rawNames,
        List<string> metrics,
        List<string> operations,
        Dictionary<long, SealedStep> steps,
        long minStep,
        long maxStep,
        DrainParser parser,
        AggregationReport report,
        IReadOnlyDictionary<int, string> examples)
    {
        ExampleMessages = examples;
        Clock = clock;
        Options = options;
        _instances = instances;
        RawNames = rawNames;
        _metrics = metrics;
        _operations = operations;
        _steps = steps;
        LogParser = parser;
        Report = report;
        FirstStep = steps.Count == 0 ? 0 : minStep;
        StepCount = steps.Count == 0 ? 0 : checked((int)(maxStep - minStep + 1));
        _instanceIndex = instances.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The step clock.</summary>
    public StepClock Clock { get; }

    /// <summary>The settings the aggregates were made with.</summary>
    /// <summary>The settings the aggregate was made with (the aggregator's copy: do not change it).</summary>
    internal FeatureOptions Options { get; }

    /// <summary>The settings the aggregate was made with (a copy).</summary>
    public FeatureOptions FeatureOptions => Options.Clone();

    /// <summary>The instance keys, in order of first appearance.</summary>
    public IReadOnlyList<string> Instances => _instances;

    /// <summary>The raw names seen for each instance key (same order as <see cref="Instances"/>).</summary>
    public IReadOnlyList<IReadOnlyList<string>> RawNames { get; }

    /// <summary>The metric names, in order of first appearance.</summary>
    public IReadOnlyList<string> Metrics => _metrics;

    /// <summary>The span operation names (request types), in order of first appearance.</summary>
    public IReadOnlyList<string> Operations => _operations;

    /// <summary>The log parser whose template ids the log counts use.</summary>
    public DrainParser LogParser { get; }

    /// <summary>The first message seen for each log template id (for evidence shown to users).</summary>
    public IReadOnlyDictionary<int, string> ExampleMessages { get; }

    /// <summary>What was used and what was not.</summary>
    public AggregationReport Report { get; }

    /// <summary>The first step with any data (0 when empty).</summary>
    public long FirstStep { get; }

    /// <summary>The number of steps from <see cref="FirstStep"/> to the last step with data (0 when empty).</summary>
    public int StepCount { get; }

    /// <summary>The distinct call edges (caller key, callee key), self-edges included, in a stable order.</summary>
    public IReadOnlyList<(string Caller, string Callee)> Edges =>
        [.. Accumulators.SelectMany(s => s.Edges.Keys).Distinct().Order().Select(e => (_instances[e.Caller], _instances[e.Callee]))];

    /// <summary>The steps in which any log arrived.</summary>
    public int StepsWithLogs => Accumulators.Count(s => s.HasLogs);

    /// <summary>The steps in which any span ended.</summary>
    public int StepsWithSpans => Accumulators.Count(s => s.HasSpans);

    /// <summary>The index of an instance key, or -1.</summary>
    /// <param name="key">The instance key.</param>
    /// <returns>The index into <see cref="Instances"/>.</returns>
    public int IndexOfInstance(string key) => _instanceIndex.GetValueOrDefault(key, -1);

    internal StepAccumulator? Step(long step) => _steps.GetValueOrDefault(step)?.Accumulator;

    /// <summary>A sealed step: its aggregates, active instances and carried metric values (empty when nothing was active).</summary>
    /// <param name="step">The step.</param>
    /// <returns>The step, for <see cref="FeatureSpace.TransformStep"/>.</returns>
    public SealedStep Sealed(long step) =>
        _steps.TryGetValue(step, out var sealedStep) ? sealedStep : new SealedStep(step, null, [], [], [], _metrics.Count);

    private IEnumerable<StepAccumulator> Accumulators => _steps.Values.Select(s => s.Accumulator).OfType<StepAccumulator>();

    /// <summary>
    /// The metric value per (step, instance, metric) over all steps, aggregated within each step and
    /// carried forward over gaps of up to <see cref="FeatureOptions.MaxCarryForwardSteps"/>; NaN when missing.
    /// Layout: <c>[(step − FirstStep) · N · M + instance · M + metric]</c>.
    /// </summary>
    /// <returns>The values (computed once, then shared: do not change them).</returns>
    public double[] MetricValues()
    {
        if (_metricValues is not null)
        {
            return _metricValues;
        }

        int n = _instances.Count, m = _metrics.Count;
        var values = new double[(long)StepCount * n * m];
        Array.Fill(values, double.NaN);
        foreach (var (step, sealedStep) in _steps)
        {
            var row = (step - FirstStep) * n * m;
            var width = sealedStep.MetricCount;
            for (var a = 0; a < sealedStep.ActiveIds.Length; a++)
            {
                sealedStep.MetricValues.AsSpan(a * width, width).CopyTo(values.AsSpan((int)(row + ((long)sealedStep.ActiveIds[a] * m)), width));
            }
        }

        return _metricValues = values;
    }
}
