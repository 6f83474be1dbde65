using System.Globalization;
using System.Runtime.InteropServices;
using MstGad.Parsing;

namespace MstGad.Features;

/// <summary>
/// Everything feature extraction learns from training data, and only from it: the metrics kept
/// (near-constant ones dropped), min-max normalisers per metric or per instance and metric
/// (<see cref="FeatureOptions.MetricScaling"/>, paper Eq. 7), the log
/// template vocabulary with an "unseen template" column and its normalisers (Eq. 8), the request types
/// (top-K operations) and the per-edge means that scale edge features (Eq. 9).
/// </summary>
/// <remarks>
/// Node features, in order: the kept metrics; the vocabulary templates; <c>log:unseen</c>; the log
/// levels when <see cref="FeatureOptions.LogLevelCounts"/> is on. Edge features (<see cref="EdgeFeatures"/>): for each
/// request type and then <c>other</c>, when <see cref="EdgeFeatureSet.RequestTypeDurations"/> is on, <c>calls:&lt;type&gt;</c>,
/// <c>client:&lt;type&gt;</c>, <c>server:&lt;type&gt;</c>, <c>gap:&lt;type&gt;</c> (client minus server) and
/// <c>errors:&lt;type&gt;</c>; then <c>calls</c>, <c>latency:mean</c>, <c>latency:p95</c> (client-observed), <c>server:mean</c>,
/// <c>gap:mean</c> (client minus server per call), <c>gap:median</c> (its median over the calls) and
/// <c>error-rate</c> when <see cref="EdgeFeatureSet.Summary"/> is on. Every edge feature but the error rate is divided by
/// its per-edge training mean (Eq. 9). Values outside the training range are kept (not clipped).
/// </remarks>
public sealed partial class FeatureSpace
{
    private const string OtherType = "other";

    /// <summary>The largest magnitude of any normalised feature, whatever <see cref="FeatureOptions.MaxFeatureMagnitude"/> says.</summary>
    public const double HardLimit = 1e12;
    private readonly FeatureOptions _options;
    private readonly Dictionary<(string Instance, string Metric), (double Min, double Max)> _metricRange;
    private readonly Dictionary<string, (double Min, double Max)> _metricGlobalRange;
    private readonly Dictionary<string, double> _metricScale;
    private readonly Dictionary<int, int> _templateColumn;
    private readonly double[] _templateMin;
    private readonly double[] _templateMax;
    private readonly double _unseenScale;
    private readonly double[] _levelScale;
    private readonly Dictionary<string, int> _typeColumn;
    private readonly Dictionary<(string Caller, string Callee, int Column), double> _edgeMean;
    private readonly double[] _columnMean;

    private FeatureSpace(
        FeatureOptions options,
        IReadOnlyList<string> metrics,
        IReadOnlyList<string> droppedMetrics,
        Dictionary<(string, string), (double, double)> metricRange,
        Dictionary<string, (double, double)> metricGlobalRange,
        Dictionary<string, double> metricScale,
        IReadOnlyList<LogTemplate> vocabulary,
        double[] templateMin,
        double[] templateMax,
        double unseenScale,
        double[] levelScale,
        IReadOnlyList<string> requestTypes,
        Dictionary<(string, string, int), double> edgeMean,
        double[] columnMean,
        IReadOnlyList<string> trainingInstances)
    {
        _options = options.Clone();
        Metrics = metrics;
        DroppedMetrics = droppedMetrics;
        _metricRange = metricRange;
        _metricGlobalRange = metricGlobalRange;
        _metricScale = metricScale;
        Vocabulary = vocabulary;
        _templateColumn = vocabulary.Select((t, i) => (t.Id, i)).ToDictionary(p => p.Id, p => p.i);
        _templateMin = templateMin;
        _templateMax = templateMax;
        // A count never seen in training is scaled by 1 rather than by ε.
        _unseenScale = unseenScale > 0 ? unseenScale : 1;
        _levelScale = [.. levelScale.Select(l => l > 0 ? l : 1)];
        RequestTypes = requestTypes;
        _typeColumn = requestTypes.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        _edgeMean = edgeMean;
        _columnMean = columnMean;
        TrainingInstances = trainingInstances;

        var names = new List<string>(metrics);
        names.AddRange(vocabulary.Select(t => string.Create(CultureInfo.InvariantCulture, $"log:{t.Id}:{t.Text}")));
        names.Add("log:unseen");
        if (options.LogLevelCounts)
        {
            names.AddRange(LogLevels.Names.Select(l => "level:" + l));
        }

        NodeFeatureNames = names;
        EdgeFeatures = EdgeLayout(options, requestTypes);
        EdgeFeatureNames = [.. EdgeFeatures.Select(e => e.Name)];
    }

    /// <summary>The settings (a copy: changing it has no effect on this feature space).</summary>
    public FeatureOptions Options => _options.Clone();

    /// <summary>The metrics kept, in feature order.</summary>
    public IReadOnlyList<string> Metrics { get; }

    /// <summary>The metrics dropped as near-constant (or absent) in the training data.</summary>
    public IReadOnlyList<string> DroppedMetrics { get; }

    /// <summary>
    /// Kept metrics that several instances share: in most training steps at least two instances reported the same
    /// non-zero value (a host's CPU or memory attached to every pod on it). They remain features, but evidence that is
    /// identical for several instances cannot say which of them is failing, so the anomaly score leaves them out.
    /// </summary>
    public IReadOnlyList<string> SharedMetrics { get; private init; } = [];

    /// <summary>The template vocabulary, in feature order.</summary>
    public IReadOnlyList<LogTemplate> Vocabulary { get; }

    /// <summary>The request types with their own edge feature (then <c>other</c>).</summary>
    public IReadOnlyList<string> RequestTypes { get; }

    /// <summary>The instance keys seen in the training steps.</summary>
    public IReadOnlyList<string> TrainingInstances { get; }

    /// <summary>The names of the node features.</summary>
    public IReadOnlyList<string> NodeFeatureNames { get; }

    /// <summary>The number of metric features (the first node features).</summary>
    public int MetricFeatureCount => Metrics.Count;

    /// <summary>The number of log features (after the metric features).</summary>
    public int LogFeatureCount => NodeFeatureNames.Count - Metrics.Count;

    /// <summary>The names of the edge features.</summary>
    public IReadOnlyList<string> EdgeFeatureNames { get; }

    /// <summary>What each edge feature measures, in feature order.</summary>
    public IReadOnlyList<EdgeFeatureInfo> EdgeFeatures { get; }

    /// <summary>
    /// The typical value of an edge feature on an edge: the mean of its non-zero training values on that edge (the
    /// divisor of Eq. 9), or, for an edge or feature without any, the mean over every edge's non-zero training values
    /// (1 when there were none). In the feature's unit (milliseconds for durations).
    /// </summary>
    /// <param name="caller">The caller's instance key.</param>
    /// <param name="callee">The callee's instance key.</param>
    /// <param name="feature">The index of the edge feature.</param>
    /// <returns>The typical value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="feature"/> is not an edge feature index.</exception>
    public double TypicalEdgeValue(string caller, string callee, int feature)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(callee);
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(feature, EdgeFeatures.Count);
        return _edgeMean.TryGetValue((caller, callee, feature), out var mean) ? mean : _columnMean[feature];
    }

    /// <summary>
    /// Whether the edge had this feature non-zero in training, so that <see cref="TypicalEdgeValue"/> is its own training mean
    /// rather than the mean over all edges (an edge that never had calls of a request type takes that column's mean).
    /// </summary>
    /// <param name="caller">The caller's instance key.</param>
    /// <param name="callee">The callee's instance key.</param>
    /// <param name="feature">The index of the edge feature.</param>
    /// <returns>Whether the typical value is the edge's own.</returns>
    public bool HasOwnTypicalEdgeValue(string caller, string callee, int feature)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(callee);
        return _edgeMean.ContainsKey((caller, callee, feature));
    }

    /// <summary>Turns a normalised edge feature back into its raw value (milliseconds for durations, counts, the error rate).</summary>
    /// <param name="caller">The caller's instance key.</param>
    /// <param name="callee">The callee's instance key.</param>
    /// <param name="feature">The index of the edge feature.</param>
    /// <param name="normalised">The normalised value (as in a <see cref="FeatureFrame"/>); a clipped value gives the clipped raw value.</param>
    /// <returns>The raw value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="feature"/> is not an edge feature index.</exception>
    public double RawEdgeValue(string caller, string callee, int feature, double normalised)
    {
        var typical = TypicalEdgeValue(caller, callee, feature);
        return EdgeFeatures[feature].Measure == EdgeMeasure.ErrorRate ? normalised : ExpandEdge(_options.Compression, normalised) * typical;
    }

    /// <summary>Learns the feature space from the training steps <c>[fromStep, toStep)</c> of an aggregate.</summary>
    /// <param name="data">The aggregates.</param>
    /// <param name="fromStep">The first training step.</param>
    /// <param name="toStep">The step after the last training step.</param>
    /// <returns>The fitted feature space.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty.</exception>
    public static FeatureSpace Fit(TelemetryAggregate data, long fromStep, long toStep)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (toStep <= fromStep)
        {
            throw new ArgumentOutOfRangeException(nameof(toStep), toStep, string.Create(CultureInfo.InvariantCulture, $"The training range [{fromStep}, {toStep}) is empty."));
        }

        var options = data.Options;
        var trainingSteps = Enumerable.Range(0, data.StepCount).Select(t => data.FirstStep + t).Where(s => s >= fromStep && s < toStep).ToArray();
        var trainingInstances = new SortedSet<int>();

        // Metrics: with logarithmic compression, the scale s of each metric (its median magnitude in training);
        // then per (instance, metric) the training range of the compressed values; drop metrics constant on every instance.
        int n = data.Instances.Count, m = data.Metrics.Count;
        var values = data.MetricValues();
        var scales = new double[m];
        Array.Fill(scales, 1.0);
        if (options.Compression == FeatureCompression.Logarithmic)
        {
            var magnitudes = new List<double>();
            for (var metric = 0; metric < m; metric++)
            {
                magnitudes.Clear();
                foreach (var step in trainingSteps)
                {
                    var row = (step - data.FirstStep) * n * m;
                    for (var i = 0; i < n; i++)
                    {
                        var v = values[row + (i * m) + metric];
                        if (!double.IsNaN(v) && v != 0)
                        {
                            magnitudes.Add(Math.Abs(v));
                        }
                    }
                }

                if (magnitudes.Count > 0)
                {
                    magnitudes.Sort();
                    scales[metric] = magnitudes[magnitudes.Count / 2];
                }
            }
        }

        var min = new double[n * m];
        var max = new double[n * m];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        foreach (var step in trainingSteps)
        {
            var row = (step - data.FirstStep) * n * m;
            for (var k = 0; k < n * m; k++)
            {
                var v = Compress(options.Compression, values[row + k], scales[k % m]);
                if (!double.IsNaN(v))
                {
                    min[k] = Math.Min(min[k], v);
                    max[k] = Math.Max(max[k], v);
                    trainingInstances.Add(k / m);
                }
            }
        }

        var kept = new List<string>();
        var dropped = new List<string>();
        var metricScale = new Dictionary<string, double>(StringComparer.Ordinal);
        var metricRange = new Dictionary<(string, string), (double, double)>();
        var globalRange = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        var tolerance = options.ConstantTolerance;
        bool Varies(double lo, double hi) => hi - lo > tolerance * Math.Max(1.0, Math.Max(Math.Abs(lo), Math.Abs(hi)));
        for (var metric = 0; metric < m; metric++)
        {
            var anyInstanceVaries = false;
            var seen = false;
            double gMin = double.PositiveInfinity, gMax = double.NegativeInfinity;
            for (var i = 0; i < n; i++)
            {
                var k = (i * m) + metric;
                if (double.IsPositiveInfinity(min[k]))
                {
                    continue;
                }

                seen = true;
                gMin = Math.Min(gMin, min[k]);
                gMax = Math.Max(gMax, max[k]);
                anyInstanceVaries |= Varies(min[k], max[k]);
            }

            var name = data.Metrics[metric];
            var varies = options.MetricScaling == MetricScaling.PerMetric ? Varies(gMin, gMax) : anyInstanceVaries;
            if (!seen || !varies)
            {
                dropped.Add(name);
                continue;
            }

            kept.Add(name);
            globalRange[name] = (gMin, gMax);
            metricScale[name] = scales[metric];
            if (options.MetricScaling != MetricScaling.PerInstance)
            {
                continue;
            }

            for (var i = 0; i < n; i++)
            {
                // An instance on which the metric was constant in training has no range of its own
                // (dividing by ε would blow small changes up a millionfold): it uses the metric's global range.
                var k = (i * m) + metric;
                if (!double.IsPositiveInfinity(min[k]) && Varies(min[k], max[k]))
                {
                    metricRange[(data.Instances[i], name)] = (min[k], max[k]);
                }
            }
        }

        // Shared metrics: a host's value attached to every instance on it. Two instances share a metric when, in most
        // training steps where both have a value, they report the same non-zero value, and that value changes (a tie at
        // the same few values, such as the lowest bucket of a latency histogram, is a coincidence of quiet instances).
        var shared = new List<string>();
        var keptIndex = kept.ToHashSet(StringComparer.Ordinal);
        for (var metric = 0; metric < m; metric++)
        {
            if (!keptIndex.Contains(data.Metrics[metric]))
            {
                continue;
            }

            var both = new int[n * n];
            var ties = new int[n * n];
            var tiedValues = new Dictionary<int, HashSet<double>>();
            var present = new List<int>();
            foreach (var step in trainingSteps)
            {
                var row = (step - data.FirstStep) * n * m;
                present.Clear();
                for (var i = 0; i < n; i++)
                {
                    if (!double.IsNaN(values[row + (i * m) + metric]))
                    {
                        present.Add(i);
                    }
                }

                for (var a = 0; a < present.Count; a++)
                {
                    var vi = values[row + (present[a] * m) + metric];
                    for (var b = a + 1; b < present.Count; b++)
                    {
                        var pair = (present[a] * n) + present[b];
                        both[pair]++;
                        if (vi != 0 && vi == values[row + (present[b] * m) + metric])
                        {
                            ties[pair]++;
                            ref var set = ref CollectionsMarshal.GetValueRefOrAddDefault(tiedValues, pair, out _);
                            (set ??= []).Add(vi);
                        }
                    }
                }
            }

            foreach (var (pair, set) in tiedValues)
            {
                if (both[pair] >= 10 && ties[pair] * 2 >= both[pair] && set.Count * 2 >= ties[pair])
                {
                    shared.Add(data.Metrics[metric]);
                    break;
                }
            }
        }

        // Logs: vocabulary = the most frequent training templates; per-column min-max over the
        // training cells of steps that had logs.
        var frequency = new Dictionary<int, long>();
        foreach (var step in trainingSteps)
        {
            var acc = data.Step(step);
            if (acc is null)
            {
                continue;
            }

            foreach (var (instance, counts) in acc.LogTemplates)
            {
                trainingInstances.Add(instance);
                foreach (var (template, count) in counts)
                {
                    frequency[template] = frequency.GetValueOrDefault(template) + count;
                }
            }

            foreach (var (caller, callee) in acc.Edges.Keys)
            {
                trainingInstances.Add(caller);
                trainingInstances.Add(callee);
            }
        }

        var templates = data.LogParser.Templates.ToDictionary(t => t.Id);
        var vocabulary = frequency.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(options.MaxTemplates)
            .Select(p => templates.TryGetValue(p.Key, out var t) ? t : new LogTemplate(p.Key, "(evicted)", 0)).ToList();
        var column = vocabulary.Select((t, i) => (t.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var templateMin = new double[vocabulary.Count];
        var templateMax = new double[vocabulary.Count];
        Array.Fill(templateMin, double.PositiveInfinity);
        double unseenScale = 0;
        var levelScale = new double[LogLevels.Names.Count];
        var cellCounts = new double[vocabulary.Count];

        // Only instances seen in the training steps have (possibly zero) training cells: an instance that first
        // appears in the test part must not pull the minima down to zero.
        var inTraining = new bool[n];
        foreach (var i in trainingInstances)
        {
            inTraining[i] = true;
        }

        foreach (var step in trainingSteps)
        {
            var acc = data.Step(step);
            if (acc is null || !acc.HasLogs)
            {
                continue;
            }

            // The cells Transform fills: the instances active in the step.
            foreach (var i in data.Sealed(step).ActiveIds)
            {
                if (!inTraining[i])
                {
                    continue;
                }

                Array.Clear(cellCounts);
                double total = 0;
                if (acc.LogTemplates.TryGetValue(i, out var counts))
                {
                    foreach (var (template, count) in counts)
                    {
                        total += count;
                        if (column.TryGetValue(template, out var c))
                        {
                            cellCounts[c] = count;
                        }
                    }

                    var levels = acc.LogLevelCounts[i];
                    for (var l = 0; l < levels.Length; l++)
                    {
                        levelScale[l] = Math.Max(levelScale[l], levels[l]);
                    }
                }

                unseenScale = Math.Max(unseenScale, total);
                for (var c = 0; c < cellCounts.Length; c++)
                {
                    templateMin[c] = Math.Min(templateMin[c], cellCounts[c]);
                    templateMax[c] = Math.Max(templateMax[c], cellCounts[c]);
                }
            }
        }

        for (var c = 0; c < templateMin.Length; c++)
        {
            if (double.IsPositiveInfinity(templateMin[c]))
            {
                templateMin[c] = 0;
            }
        }

        // Traces: request types = the top-K callee operations of training calls; per (edge, column)
        // the mean of the non-zero training values, with per-column means as the fallback.
        var opCalls = new Dictionary<int, long>();
        foreach (var step in trainingSteps)
        {
            if (data.Step(step) is { } acc)
            {
                foreach (var cell in acc.Edges.Values)
                {
                    foreach (var (op, totals) in cell.Operations)
                    {
                        if (op >= 0)
                        {
                            opCalls[op] = opCalls.GetValueOrDefault(op) + totals.Calls;
                        }
                    }
                }
            }
        }

        var requestTypes = opCalls.OrderByDescending(p => p.Value).ThenBy(p => data.Operations[p.Key], StringComparer.Ordinal)
            .Take(options.TopOperations).Select(p => data.Operations[p.Key]).ToList();
        var typeColumn = requestTypes.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        var columns = ColumnCount(options, requestTypes.Count);
        var sums = new Dictionary<(string, string, int), (double Sum, long Count)>();
        var columnSums = new double[columns];
        var columnCounts = new long[columns];
        var raw = new double[columns];
        foreach (var step in trainingSteps)
        {
            if (data.Step(step) is not { } acc)
            {
                continue;
            }

            foreach (var ((caller, callee), cell) in acc.Edges)
            {
                RawEdgeValues(options, data.Operations, typeColumn, requestTypes.Count, cell, raw);
                for (var c = 0; c < columns; c++)
                {
                    // The error rate is not scaled, but its mean is kept as its typical value.
                    if (raw[c] > 0)
                    {
                        var key = (data.Instances[caller], data.Instances[callee], c);
                        var (s, k) = sums.GetValueOrDefault(key);
                        sums[key] = (s + raw[c], k + 1);
                        columnSums[c] += raw[c];
                        columnCounts[c]++;
                    }
                }
            }
        }

        var edgeMean = sums.ToDictionary(p => p.Key, p => p.Value.Sum / p.Value.Count);
        var columnMean = columnSums.Select((s, c) => columnCounts[c] > 0 ? s / columnCounts[c] : 1.0).ToArray();

        return new FeatureSpace(
            options, kept, dropped, metricRange, globalRange, metricScale, vocabulary, templateMin, templateMax,
            unseenScale, levelScale, requestTypes, edgeMean, columnMean,
            [.. trainingInstances.Select(i => data.Instances[i])])
        {
            SharedMetrics = [.. kept.Where(shared.Contains)],
        };
    }

    /// <summary>Turns the steps <c>[fromStep, toStep)</c> of an aggregate into normalised features.</summary>
    /// <param name="data">The aggregates (of the training data or of new data, made with the same log parser lineage).</param>
    /// <param name="fromStep">The first step.</param>
    /// <param name="toStep">The step after the last.</param>
    /// <returns>The features. Instances not active in a step (see <see cref="TelemetryAggregator"/>) have zero features and an empty mask there.</returns>
    public FeatureFrame Transform(TelemetryAggregate data, long fromStep, long toStep)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (toStep < fromStep)
        {
            throw new ArgumentOutOfRangeException(nameof(toStep), toStep, string.Create(CultureInfo.InvariantCulture, $"toStep must not be before fromStep ({fromStep})."));
        }

        var stepCount = checked((int)(toStep - fromStep));
        int n = data.Instances.Count, f = NodeFeatureNames.Count;
        var node = new float[(long)stepCount * n * f];
        var mask = new byte[(long)stepCount * n];
        var edges = new FrameEdges[stepCount];
        var metricIndex = ResolveMetrics(data.Metrics);
        var sequence = _options.TemplateSequenceLength;
        int[]? templates = null;
        if (sequence > 0)
        {
            templates = new int[(long)stepCount * n * sequence];
            Array.Fill(templates, -1);
        }

        for (var t = 0; t < stepCount; t++)
        {
            // Every step goes through the same per-step code as online detection; the aggregate's
            // instance ids are its indices.
            var sealedStep = data.Sealed(fromStep + t);
            var features = TransformStep(sealedStep, data.Operations, metricIndex);
            for (var a = 0; a < sealedStep.ActiveIds.Length; a++)
            {
                var i = sealedStep.ActiveIds[a];
                features.Node.AsSpan(a * f, f).CopyTo(node.AsSpan((int)((((long)t * n) + i) * f), f));
                mask[((long)t * n) + i] = features.Mask[a];
                features.Templates?.AsSpan(a * sequence, sequence).CopyTo(templates.AsSpan((int)((((long)t * n) + i) * sequence), sequence));
            }

            var stepEdges = features.Edges;
            edges[t] = stepEdges.Count == 0
                ? FrameEdges.Empty
                : new FrameEdges(
                    [.. stepEdges.Sources.Select(p => sealedStep.ActiveIds[p])],
                    [.. stepEdges.Targets.Select(p => sealedStep.ActiveIds[p])],
                    stepEdges.Features);
        }

        return new FeatureFrame(data.Clock, fromStep, stepCount, data.Instances, f, Metrics.Count, node, mask, EdgeFeatureNames.Count, edges)
        {
            Templates = templates,
            TemplateSequenceLength = sequence,
        };
    }

    /// <summary>The index of each kept metric among <paramref name="metricNames"/> (−1 when absent).</summary>
    /// <param name="metricNames">An aggregator's metric names (<see cref="TelemetryAggregator.MetricNames"/>, <see cref="TelemetryAggregate.Metrics"/>).</param>
    /// <returns>For each of <see cref="Metrics"/>, its index among them; resolve again when the aggregator has learnt new names.</returns>
    public int[] ResolveMetrics(IReadOnlyList<string> metricNames)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < metricNames.Count; i++)
        {
            index.TryAdd(metricNames[i], i);
        }

        return [.. Metrics.Select(name => index.GetValueOrDefault(name, -1))];
    }

    /// <summary>
    /// Normalised features of one sealed step for its active instances: node features <c>[active × F]</c>,
    /// the modality mask and the step's edges (positions into the active instances, ordered by caller then
    /// callee id). The one place that turns aggregates into features, for training, batch and online detection.
    /// </summary>
    /// <param name="step">The sealed step.</param>
    /// <param name="operationNames">The operation names of the aggregator that sealed it.</param>
    /// <param name="metricIndex">The kept metrics' indices among that aggregator's metric names (<see cref="ResolveMetrics"/>).</param>
    /// <returns>The features.</returns>
    public StepFeatures TransformStep(SealedStep step, IReadOnlyList<string> operationNames, int[] metricIndex)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(operationNames);
        ArgumentNullException.ThrowIfNull(metricIndex);
        var n = step.ActiveIds.Length;
        var f = NodeFeatureNames.Count;
        var node = new float[n * f];
        var mask = new byte[n];
        var acc = step.Accumulator;
        var hasLogs = acc?.HasLogs == true;
        var hasSpans = acc?.HasSpans == true;
        var eps = _options.Epsilon;
        var width = step.MetricCount;
        for (var a = 0; a < n; a++)
        {
            var id = step.ActiveIds[a];
            var key = step.ActiveKeys[a];
            var offset = a * f;
            byte present = 0;

            // Metrics.
            for (var j = 0; j < metricIndex.Length; j++)
            {
                if (metricIndex[j] < 0 || metricIndex[j] >= width)
                {
                    continue;
                }

                var v = Compress(_options.Compression, step.MetricValues[(a * width) + metricIndex[j]], _metricScale.GetValueOrDefault(Metrics[j], 1.0));
                if (!double.IsNaN(v))
                {
                    var (lo, hi) = _metricRange.TryGetValue((key, Metrics[j]), out var r) ? r : _metricGlobalRange[Metrics[j]];
                    node[offset + j] = Clip((v - lo) / (hi - lo + eps));
                    present |= (byte)ModalityMask.Metrics;
                }
            }

            // Logs.
            if (hasLogs)
            {
                present |= (byte)ModalityMask.Logs;
                var logOffset = offset + Metrics.Count;

                // Zero activity is a real observation: a template the instance did not log in the step counts
                // zero, normalised like the training cells (whether or not the instance logged other lines).
                for (var c = 0; c < Vocabulary.Count; c++)
                {
                    node[logOffset + c] = (float)((0 - _templateMin[c]) / (_templateMax[c] - _templateMin[c] + eps));
                }

                if (acc!.LogTemplates.TryGetValue(id, out var counts))
                {
                    double unseen = 0;
                    foreach (var (template, count) in counts)
                    {
                        if (_templateColumn.TryGetValue(template, out var c))
                        {
                            node[logOffset + c] = Clip((count - _templateMin[c]) / (_templateMax[c] - _templateMin[c] + eps));
                        }
                        else
                        {
                            unseen += count;
                        }
                    }

                    node[logOffset + Vocabulary.Count] = Clip(unseen / (_unseenScale + eps));
                    if (_options.LogLevelCounts)
                    {
                        var levels = acc.LogLevelCounts[id];
                        for (var l = 0; l < levels.Length; l++)
                        {
                            node[logOffset + Vocabulary.Count + 1 + l] = Clip(levels[l] / (_levelScale[l] + eps));
                        }
                    }
                }
            }

            if (hasSpans)
            {
                present |= (byte)ModalityMask.Traces;
            }

            mask[a] = present;
        }

        return new StepFeatures(step.Step, step.ActiveKeys, node, mask, acc is null ? FrameEdges.Empty : Edges(step, acc, operationNames))
        {
            Templates = _options.TemplateSequenceLength > 0 ? TemplateRows(step, acc, _options.TemplateSequenceLength) : null,
        };
    }

    /// <summary>Each active instance's template sequence as vocabulary positions, padded with −1 (see <see cref="StepFeatures.Templates"/>).</summary>
    private int[] TemplateRows(SealedStep step, StepAccumulator? acc, int length)
    {
        var rows = new int[step.ActiveIds.Length * length];
        Array.Fill(rows, -1);
        if (acc?.TemplateSequences is not { } sequences)
        {
            return rows;
        }

        for (var a = 0; a < step.ActiveIds.Length; a++)
        {
            if (sequences.TryGetValue(step.ActiveIds[a], out var sequence))
            {
                for (var p = 0; p < Math.Min(length, sequence.Count); p++)
                {
                    rows[(a * length) + p] = _templateColumn.TryGetValue(sequence[p], out var column) ? column : Vocabulary.Count;
                }
            }
        }

        return rows;
    }

    private FrameEdges Edges(SealedStep step, StepAccumulator acc, IReadOnlyList<string> operationNames)
    {
        if (acc.Edges.Count == 0)
        {
            return FrameEdges.Empty;
        }

        var edgeColumns = EdgeFeatureNames.Count;
        var errorRate = IsErrorRate(_options, RequestTypes.Count, edgeColumns - 1) ? edgeColumns - 1 : -1;
        var raw = new double[edgeColumns];
        var sources = new int[acc.Edges.Count];
        var targets = new int[acc.Edges.Count];
        var features = new float[acc.Edges.Count * edgeColumns];
        var e = 0;
        foreach (var ((caller, callee), cell) in acc.Edges.OrderBy(p => p.Key))
        {
            sources[e] = step.PositionOf(caller);
            targets[e] = step.PositionOf(callee);
            var callerKey = step.ActiveKeys[sources[e]];
            var calleeKey = step.ActiveKeys[targets[e]];
            RawEdgeValues(_options, operationNames, _typeColumn, RequestTypes.Count, cell, raw);
            for (var c = 0; c < edgeColumns; c++)
            {
                var scale = c == errorRate
                    ? 1.0
                    : _edgeMean.TryGetValue((callerKey, calleeKey, c), out var mean) ? mean : _columnMean[c];
                var x = raw[c] / scale;
                features[(e * edgeColumns) + c] = Clip(c == errorRate ? x : CompressEdge(_options.Compression, x));
            }

            e++;
        }

        return new FrameEdges(sources, targets, features);
    }

    /// <summary>A metric value compressed as <see cref="FeatureCompression"/> says (NaN stays NaN).</summary>
    internal static double Compress(FeatureCompression compression, double value, double scale) =>
        compression == FeatureCompression.Logarithmic && !double.IsNaN(value)
            ? Math.Sign(value) * Math.Log(1 + (Math.Abs(value) / scale))
            : value;

    /// <summary>An edge feature x = raw / typical compressed: ln(1 + x) / ln 2 (0 stays 0, 1 stays 1).</summary>
    internal static double CompressEdge(FeatureCompression compression, double x) =>
        compression == FeatureCompression.Logarithmic ? Math.Sign(x) * Math.Log(1 + Math.Abs(x)) / Math.Log(2) : x;

    /// <summary>The inverse of <see cref="CompressEdge"/>.</summary>
    internal static double ExpandEdge(FeatureCompression compression, double y) =>
        compression == FeatureCompression.Logarithmic ? Math.Sign(y) * (Math.Exp(Math.Abs(y) * Math.Log(2)) - 1) : y;

    /// <summary>
    /// Limits a normalised value to ±<see cref="FeatureOptions.MaxFeatureMagnitude"/> when set, and always to
    /// ±<see cref="HardLimit"/>, so that an enormous input value cannot overflow the network's arithmetic.
    /// </summary>
    private float Clip(double value)
    {
        var max = Math.Min(_options.MaxFeatureMagnitude ?? HardLimit, HardLimit);
        return (float)Math.Clamp(value, -max, max);
    }

    /// <summary>The measures of each request type's block of edge features, in order.</summary>
    private static readonly (EdgeMeasure Measure, string Prefix)[] TypeMeasures =
    [
        (EdgeMeasure.Calls, "calls:"),
        (EdgeMeasure.ClientDuration, "client:"),
        (EdgeMeasure.ServerDuration, "server:"),
        (EdgeMeasure.ClientMinusServer, "gap:"),
        (EdgeMeasure.Errors, "errors:"),
    ];

    private static List<EdgeFeatureInfo> EdgeLayout(FeatureOptions options, IReadOnlyList<string> requestTypes)
    {
        var layout = new List<EdgeFeatureInfo>();
        if ((options.EdgeFeatures & EdgeFeatureSet.RequestTypeDurations) != 0)
        {
            foreach (var type in requestTypes.Append(OtherType))
            {
                layout.AddRange(TypeMeasures.Select(m => new EdgeFeatureInfo(m.Prefix + type, m.Measure, type)));
            }
        }

        if ((options.EdgeFeatures & EdgeFeatureSet.Summary) != 0)
        {
            layout.Add(new EdgeFeatureInfo("calls", EdgeMeasure.Calls, null));
            layout.Add(new EdgeFeatureInfo("latency:mean", EdgeMeasure.MeanLatency, null));
            layout.Add(new EdgeFeatureInfo("latency:p95", EdgeMeasure.P95Latency, null));
            layout.Add(new EdgeFeatureInfo("server:mean", EdgeMeasure.MeanServerLatency, null));
            layout.Add(new EdgeFeatureInfo("gap:mean", EdgeMeasure.MeanClientMinusServer, null));
            layout.Add(new EdgeFeatureInfo("gap:median", EdgeMeasure.MedianClientMinusServer, null));
            layout.Add(new EdgeFeatureInfo("error-rate", EdgeMeasure.ErrorRate, null));
        }

        return layout;
    }

    private static int ColumnCount(FeatureOptions options, int types) =>
        ((options.EdgeFeatures & EdgeFeatureSet.RequestTypeDurations) != 0 ? (types + 1) * TypeMeasures.Length : 0) +
        ((options.EdgeFeatures & EdgeFeatureSet.Summary) != 0 ? SummaryColumns : 0);

    /// <summary>calls, latency:mean, latency:p95, server:mean, gap:mean, gap:median, error-rate.</summary>
    private const int SummaryColumns = 7;

    private static bool IsErrorRate(FeatureOptions options, int types, int column) =>
        (options.EdgeFeatures & EdgeFeatureSet.Summary) != 0 && column == ColumnCount(options, types) - 1;

    /// <summary>
    /// The unnormalised edge features of one edge in one step: per request type calls, client, server and
    /// client-minus-server durations (milliseconds, summed exactly in ticks) and errors; then the summary.
    /// </summary>
    private static void RawEdgeValues(FeatureOptions options, IReadOnlyList<string> operationNames, Dictionary<string, int> typeColumn, int types, EdgeCell cell, double[] raw)
    {
        Array.Clear(raw);
        var c = 0;
        if ((options.EdgeFeatures & EdgeFeatureSet.RequestTypeDurations) != 0)
        {
            var width = TypeMeasures.Length;
            var length = (types + 1) * width;
            var sums = length <= 256 ? stackalloc long[length] : new long[length];
            sums.Clear();
            foreach (var (op, totals) in cell.Operations)
            {
                var block = (op >= 0 && typeColumn.TryGetValue(operationNames[op], out var col) ? col : types) * width;
                sums[block] += totals.Calls;
                sums[block + 1] += totals.ClientTicks;
                sums[block + 2] += totals.ServerTicks;
                sums[block + 3] += totals.GapTicks;
                sums[block + 4] += totals.Errors;
            }

            for (var block = 0; block < length; block += width)
            {
                raw[block] = sums[block];
                raw[block + 1] = Milliseconds(sums[block + 1]);
                raw[block + 2] = Milliseconds(sums[block + 2]);
                raw[block + 3] = Milliseconds(sums[block + 3]);
                raw[block + 4] = sums[block + 4];
            }

            c = length;
        }

        if ((options.EdgeFeatures & EdgeFeatureSet.Summary) != 0)
        {
            var calls = cell.Calls;
            long server = 0, gap = 0;
            foreach (var totals in cell.Operations.Values)
            {
                server += totals.ServerTicks;
                gap += totals.GapTicks;
            }

            raw[c] = calls;
            raw[c + 1] = calls == 0 ? 0 : Milliseconds(cell.ClientTicks) / calls;
            raw[c + 2] = Percentile(cell.ClientDurations, 0.95);
            raw[c + 3] = calls == 0 ? 0 : Milliseconds(server) / calls;
            raw[c + 4] = calls == 0 ? 0 : Milliseconds(gap) / calls;
            raw[c + 5] = Percentile(cell.GapDurations, 0.5);
            raw[c + 6] = calls == 0 ? 0 : (double)cell.Errors / calls;
        }
    }

    private static double Milliseconds(long ticks) => (double)ticks / TimeSpan.TicksPerMillisecond;

    /// <summary>The p-quantile (linear interpolation) of durations in ticks, in milliseconds.</summary>
    private static double Percentile(List<long> ticks, double p)
    {
        if (ticks.Count == 0)
        {
            return 0;
        }

        var sorted = ticks.ToArray();
        Array.Sort(sorted);
        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return Milliseconds(sorted[lo]) + ((rank - lo) * (Milliseconds(sorted[hi]) - Milliseconds(sorted[lo])));
    }
}
