using System.Runtime.InteropServices;
using MstGad.Methods;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;

namespace MstGad.Scoring;

/// <summary>
/// The distribution of every reconstruction error on normal training time, per instance and feature, so that
/// errors become comparable across features and instances: each feature's error is measured against its
/// own distribution, fitted only on steps where the feature's modality was present and the instance was not
/// labelled abnormal, as a surprise — how rare an error this large is for this feature of this instance.
/// </summary>
/// <remarks>
/// <para>
/// For a node's error vector e (squared residuals, <see cref="WindowScores.Errors"/>) the residual size of
/// feature f is r = √e. Its surprise is −log₁₀ of the probability that a normal residual is at least r:
/// 0 up to the median m, then the quantile level interpolated linearly up to the 95 % quantile u (surprise
/// 1.3), and beyond u an exponential tail fitted to the excesses over u (scale β = their mean, at least
/// <see cref="UnsupervisedOptions.MinimumTailScale"/>): 1.3 + (r − u) / (β·ln 10). A naturally spiky feature has a wide tail and its
/// normal spikes are not surprising; a feature reconstructed almost exactly in training turns a deviation of
/// a few floors into a large surprise; and surprises of very different features (a CPU rate, a log template's
/// count, a call edge's duration) are on one scale. A trace feature's β, often fitted on a handful of excesses, is pulled
/// toward the feature's pooled β (<see cref="UnsupervisedOptions.TracePriorExcesses"/>). Instances unknown at training (or features with fewer than
/// <see cref="MinSamples"/> present samples for the instance) use the medians of m, u and β of that feature
/// over the known instances.
/// </para>
/// <para>
/// The instance score is, per modality present in the step, the mean of its <see cref="UnsupervisedOptions.TopFeatures"/>
/// largest z, and the largest of those over the modalities; with <see cref="UnsupervisedOptions.RelativeToStep"/>
/// the median of that score over the instances present in the step is subtracted, so that a change that
/// touches every instance at once (a modality appearing for everybody) does not flag them all, while the
/// instance that stands out from the others in the same step does.
/// </para>
/// </remarks>
internal sealed class ErrorProfile
{
    /// <summary>Fewer present samples than this for an (instance, feature) fall back to the feature's pooled statistics.</summary>
    public const int MinSamples = 20;

    /// <summary>The quantile level where the exponential tail starts.</summary>
    public const double TailLevel = 0.95;

    /// <summary>Values per (instance, feature): the median, the tail start u and the tail scale β.</summary>
    public const int Parameters = 3;

    /// <summary>The surprise at the tail start: −log₁₀(1 − <see cref="TailLevel"/>) = 1.30.</summary>
    internal static readonly float TailSurprise = (float)-Math.Log10(1 - TailLevel);
    private readonly float[] _parameters;
    private readonly float[] _pooled;
    private bool[] _excluded = [];

    /// <summary>Creates a profile from its parameters.</summary>
    /// <param name="instances">The instances fitted.</param>
    /// <param name="metricWidth">F_m.</param>
    /// <param name="logWidth">F_l.</param>
    /// <param name="traceWidth">F_s (of the errors).</param>
    /// <param name="parameters">[instances × width × 3]: median, tail start, tail scale.</param>
    /// <param name="pooled">[width × 3], for instances unknown at training.</param>
    /// <param name="topFeatures">How many of a modality's largest surprises are averaged.</param>
    /// <param name="relativeToStep">Whether the step's median score is subtracted.</param>
    public ErrorProfile(int instances, int metricWidth, int logWidth, int traceWidth, float[] parameters, float[] pooled, int topFeatures, bool relativeToStep)
    {
        Instances = instances;
        MetricWidth = metricWidth;
        LogWidth = logWidth;
        TraceWidth = traceWidth;
        _parameters = parameters;
        _pooled = pooled;
        TopFeatures = topFeatures;
        RelativeToStep = relativeToStep;
        if (parameters.Length != instances * Width * Parameters || pooled.Length != Width * Parameters)
        {
            throw new ArgumentException("The error profile's arrays do not match its instances and widths.");
        }
    }

    /// <summary>The instances (nodes) fitted, in node order.</summary>
    public int Instances { get; }

    public int MetricWidth { get; }

    public int LogWidth { get; }

    public int TraceWidth { get; }

    public int Width => MetricWidth + LogWidth + TraceWidth;

    public int TopFeatures { get; }

    public bool RelativeToStep { get; }

    /// <summary>Features the score leaves out (for example metrics that several instances share); empty for none.</summary>
    public IReadOnlyList<int> ExcludedFeatures
    {
        get => [.. Enumerable.Range(0, _excluded.Length).Where(f => _excluded[f])];
        init
        {
            _excluded = new bool[Width];
            foreach (var f in value)
            {
                if ((uint)f >= (uint)Width)
                {
                    throw new ArgumentException($"Excluded feature {f} is outside 0..{Width - 1}.", nameof(value));
                }

                _excluded[f] = true;
            }
        }
    }

    /// <summary>Whether a node feature's residual is also capped by its change from the recent past (see <see cref="UnsupervisedOptions.RecentChange"/>).</summary>
    public bool RecentChange { get; init; }

    /// <summary>Whether the traces' residuals are the edges' own reconstruction errors (see <see cref="UnsupervisedOptions.EdgeTraceResiduals"/>).</summary>
    public bool EdgeTraceResiduals { get; init; }

    /// <summary>[instances × width × 3]: median, tail start, tail scale.</summary>
    internal ReadOnlySpan<float> Fitted => _parameters;

    /// <summary>[width × 3].</summary>
    internal ReadOnlySpan<float> Pooled => _pooled;

    /// <summary>
    /// The residual size of every feature of a node: √error, and for its metrics (the first <paramref name="metricWidth"/>
    /// features) with <paramref name="recentChange"/> at most the distance of the step's value from its median over the
    /// window's earlier steps that had metrics (when there are at least three). Logs and traces are not capped: where
    /// they are collected only around incidents (as in the TrainTicket data), their recent past is the incident itself.
    /// </summary>
    internal static void Residuals(WindowScores score, GraphWindow window, int node, int metricWidth, bool recentChange, bool edgeResiduals, Span<float> residuals)
    {
        var errors = score.Errors.AsSpan(node * score.ErrorWidth, score.ErrorWidth);
        for (var f = 0; f < residuals.Length; f++)
        {
            residuals[f] = MathF.Sqrt(errors[f]);
        }

        if (edgeResiduals)
        {
            EdgeResiduals(score, node, residuals);
        }

        var last = window.Last;
        if (!recentChange || node >= last.NodeCount || last.NodeFeatureCount < metricWidth)
        {
            return;
        }

        Span<float> history = stackalloc float[window.Length];
        var current = last.NodeFeatures.AsSpan(node * last.NodeFeatureCount, last.NodeFeatureCount);
        for (var f = 0; f < metricWidth; f++)
        {
            var count = 0;
            for (var t = 0; t < window.Length - 1; t++)
            {
                var graph = window.Graphs[t];
                if (node < graph.NodeCount && ((ModalityMask)graph.Mask[node]).HasFlag(ModalityMask.Metrics))
                {
                    history[count++] = graph.NodeFeatures[(node * graph.NodeFeatureCount) + f];
                }
            }

            if (count >= 3)
            {
                residuals[f] = MathF.Min(residuals[f], MathF.Abs(current[f] - Medians.Sort(history[..count])));
            }
        }
    }

    /// <summary>
    /// Replaces a node's trace residuals (the last F_s of its error vector) by the edge features' own reconstruction
    /// errors over the calls into the node: per edge feature, the median of its residual over the node's incoming edges
    /// from other instances (zero when it has none). The network's node-level trace errors are a learnt projection of the
    /// edges' residuals, trained to be small on normal nodes and large on the labelled faults, so they keep what the labelled
    /// kinds of fault changed and can lose the rest (a client-minus-server gap that no labelled fault moved); the edges' own
    /// errors keep every feature. The median over the callers places a change on the callee when all its callers see it (a
    /// delay on the way into it), and not on one caller's odd minute or on the callers themselves. Does nothing when the
    /// scores carry no per-feature edge errors.
    /// </summary>
    internal static void EdgeResiduals(WindowScores score, int node, Span<float> residuals)
    {
        var edges = score.EdgeErrors;
        var perEdge = score.EdgeFeatureErrors;
        if (edges.Count == 0 || perEdge.Length == 0 || perEdge.Length % edges.Count != 0)
        {
            return;
        }

        var fs = perEdge.Length / edges.Count;
        if (fs > residuals.Length)
        {
            return;
        }

        var traces = residuals[^fs..];
        traces.Clear();
        var count = 0;
        for (var e = 0; e < edges.Count; e++)
        {
            if (edges[e].Target == node && edges[e].Source != node)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return;
        }

        Span<int> incoming = count <= 256 ? stackalloc int[count] : new int[count];
        Span<float> column = count <= 256 ? stackalloc float[count] : new float[count];
        var i = 0;
        for (var e = 0; e < edges.Count; e++)
        {
            if (edges[e].Target == node && edges[e].Source != node)
            {
                incoming[i++] = e;
            }
        }

        for (var f = 0; f < fs; f++)
        {
            for (var j = 0; j < count; j++)
            {
                column[j] = perEdge[(incoming[j] * fs) + f];
            }

            traces[f] = MathF.Sqrt(Medians.Sort(column));
        }
    }

    /// <summary>How surprising a residual r is for a feature with median m, tail start u and tail scale β (−log₁₀ of its tail probability).</summary>
    public static float Surprise(float r, float median, float tail, float scale)
    {
        if (!(r > median))
        {
            return 0;
        }

        if (r < tail)
        {
            var level = 0.5 + ((TailLevel - 0.5) * (r - median) / (tail - median));
            return (float)-Math.Log10(1 - level);
        }

        return TailSurprise + ((r - tail) / (scale * MathF.Log(10)));
    }

    /// <summary>Fits the profile on the normal points of scored windows.</summary>
    /// <param name="scores">The model's scores of the windows.</param>
    /// <param name="windows">The windows (labels: points labelled abnormal are left out).</param>
    /// <param name="instances">The number of trained instances (nodes beyond are ignored).</param>
    /// <param name="layout">The widths of the metric, log and trace errors.</param>
    /// <param name="options">How scores are combined.</param>
    /// <param name="excluded">Features the score leaves out.</param>
    public static ErrorProfile Fit(IReadOnlyList<WindowScores> scores, IReadOnlyList<GraphWindow> windows, int instances, (int Metrics, int Logs, int Traces) layout, UnsupervisedOptions options, IReadOnlyList<int>? excluded = null)
    {
        var width = layout.Metrics + layout.Logs + layout.Traces;
        var samples = new List<float>[instances * width];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = [];
        }

        var residuals = new float[width];
        for (var w = 0; w < scores.Count; w++)
        {
            var score = scores[w];
            var window = windows[w];
            var nodes = Math.Min(instances, score.Present.Length);
            for (var node = 0; node < nodes; node++)
            {
                if (!score.Present[node] || window.LastLabel(node) == Labels.Abnormal)
                {
                    continue;
                }

                var mask = (ModalityMask)window.Last.Mask[node];
                Residuals(score, window, node, layout.Metrics, options.RecentChange, options.EdgeTraceResiduals, residuals);
                for (var f = 0; f < width; f++)
                {
                    if (mask.HasFlag(ModalityOf(f, layout)))
                    {
                        samples[(node * width) + f].Add(residuals[f]);
                    }
                }
            }
        }

        const int p = Parameters;
        var floor = (float)options.MinimumTailScale;
        var parameters = new float[instances * width * p];
        var known = new bool[instances * width];
        var excesses = new int[instances * width];
        var prior = options.TracePriorExcesses;
        for (var i = 0; i < samples.Length; i++)
        {
            if (samples[i].Count >= MinSamples)
            {
                excesses[i] = Fit(samples[i], parameters.AsSpan(i * p, p), floor);
                known[i] = true;
            }
        }

        // Pooled per feature: the median over instances of each parameter, or the fit of all samples when no
        // instance has enough.
        var pooled = new float[width * p];
        for (var f = 0; f < width; f++)
        {
            var values = new List<float>[p];
            for (var j = 0; j < p; j++)
            {
                values[j] = [];
            }

            var all = new List<float>();
            for (var node = 0; node < instances; node++)
            {
                var i = (node * width) + f;
                if (known[i])
                {
                    for (var j = 0; j < p; j++)
                    {
                        values[j].Add(parameters[(i * p) + j]);
                    }
                }

                all.AddRange(samples[i]);
            }

            var target = pooled.AsSpan(f * p, p);
            if (values[0].Count > 0)
            {
                for (var j = 0; j < p; j++)
                {
                    target[j] = Median(values[j]);
                }
            }
            else if (all.Count > 0)
            {
                _ = Fit(all, target, floor);
            }
            else
            {
                target[0] = 0;
                target[1] = 0;
                target[2] = floor;
            }

            for (var node = 0; node < instances; node++)
            {
                var i = (node * width) + f;
                if (!known[i])
                {
                    target.CopyTo(parameters.AsSpan(i * p, p));
                }
                else if (prior > 0 && f >= layout.Metrics + layout.Logs)
                {
                    // A trace feature's tail scale from its few excesses is pulled toward the feature's pooled scale.
                    var k = excesses[i];
                    parameters[(i * p) + 2] = (float)(((k * parameters[(i * p) + 2]) + (prior * target[2])) / (k + prior));
                }
            }
        }

        return new ErrorProfile(instances, layout.Metrics, layout.Logs, layout.Traces, parameters, pooled, options.TopFeatures, options.RelativeToStep)
        {
            ExcludedFeatures = excluded ?? [],
            RecentChange = options.RecentChange,
            EdgeTraceResiduals = options.EdgeTraceResiduals,
        };
    }

    /// <summary>The modalities, in the order of <see cref="ScoreModalities"/>.</summary>
    public const int Modalities = 3;

    /// <summary>
    /// Scores every present node of one window per modality: the surprises of its features (<paramref name="z"/>,
    /// <c>[nodes × width]</c>, zero where the modality is absent) and, per node, the mean of the largest
    /// <see cref="TopFeatures"/> surprises of its metrics, logs and traces (<c>[nodes × 3]</c>; NaN where the node or the
    /// modality is absent), before the step-relative correction (<see cref="RelativeModalities"/>).
    /// </summary>
    public double[] ScoreModalities(WindowScores score, GraphWindow window, float[] z)
    {
        var nodes = score.Present.Length;
        var result = new double[nodes * Modalities];
        Array.Fill(result, double.NaN);
        var width = Width;
        var residuals = new float[width];
        Span<float> top = stackalloc float[Math.Max(1, TopFeatures)];
        for (var node = 0; node < nodes; node++)
        {
            var zs = z.AsSpan(node * width, width);
            zs.Clear();
            if (!score.Present[node])
            {
                continue;
            }

            var mask = (ModalityMask)window.Last.Mask[node];
            Residuals(score, window, node, MetricWidth, RecentChange, EdgeTraceResiduals, residuals);
            var fitted = node < Instances ? _parameters.AsSpan(node * width * Parameters, width * Parameters) : _pooled;
            var offset = 0;
            var m = 0;
            foreach (var (modality, size) in new[] { (ModalityMask.Metrics, MetricWidth), (ModalityMask.Logs, LogWidth), (ModalityMask.Traces, TraceWidth) })
            {
                if (size > 0 && mask.HasFlag(modality))
                {
                    for (var f = offset; f < offset + size; f++)
                    {
                        if (_excluded.Length > 0 && _excluded[f])
                        {
                            continue;
                        }

                        zs[f] = Surprise(residuals[f], fitted[f * Parameters], fitted[(f * Parameters) + 1], fitted[(f * Parameters) + 2]);
                    }

                    result[(node * Modalities) + m] = TopMean(zs.Slice(offset, size), top[..Math.Min(top.Length, size)]);
                }

                offset += size;
                m++;
            }
        }

        return result;
    }

    /// <summary>
    /// Applies the step-relative correction (when enabled) to per-modality scores: from each modality's score the median
    /// of that modality's scores over the nodes that have it in the step is subtracted.
    /// </summary>
    public void RelativeModalities(double[] scores)
    {
        if (!RelativeToStep)
        {
            return;
        }

        var nodes = scores.Length / Modalities;
        var column = new List<double>(nodes);
        for (var m = 0; m < Modalities; m++)
        {
            column.Clear();
            for (var node = 0; node < nodes; node++)
            {
                var v = scores[(node * Modalities) + m];
                if (!double.IsNaN(v))
                {
                    column.Add(v);
                }
            }

            if (column.Count == 0)
            {
                continue;
            }

            var median = Medians.Sort(CollectionsMarshal.AsSpan(column));
            for (var node = 0; node < nodes; node++)
            {
                scores[(node * Modalities) + m] -= median;
            }
        }
    }

    /// <summary>A node's anomaly score from its per-modality scores: the largest (0 when it has none).</summary>
    public static double Combine(ReadOnlySpan<double> modalities)
    {
        var best = double.NegativeInfinity;
        foreach (var v in modalities)
        {
            if (!double.IsNaN(v))
            {
                best = Math.Max(best, v);
            }
        }

        return double.IsNegativeInfinity(best) ? 0 : best;
    }

    /// <summary>The anomaly score of every node of a window (per-modality scores, step-relative correction, the largest); NaN for absent nodes.</summary>
    public double[] ScoreNodes(WindowScores score, GraphWindow window, float[] z)
    {
        var modalities = ScoreModalities(score, window, z);
        RelativeModalities(modalities);
        var result = new double[score.Present.Length];
        for (var node = 0; node < result.Length; node++)
        {
            result[node] = score.Present[node] ? Combine(modalities.AsSpan(node * Modalities, Modalities)) : double.NaN;
        }

        return result;
    }

    private static ModalityMask ModalityOf(int feature, (int Metrics, int Logs, int Traces) layout) =>
        feature < layout.Metrics ? ModalityMask.Metrics
        : feature < layout.Metrics + layout.Logs ? ModalityMask.Logs
        : ModalityMask.Traces;

    /// <summary>The mean of the largest values (as many as <paramref name="buffer"/> holds).</summary>
    private static double TopMean(ReadOnlySpan<float> values, Span<float> buffer)
    {
        var k = buffer.Length;
        buffer.Fill(float.NegativeInfinity);
        foreach (var v in values)
        {
            if (v <= buffer[k - 1])
            {
                continue;
            }

            var i = k - 1;
            while (i > 0 && buffer[i - 1] < v)
            {
                buffer[i] = buffer[i - 1];
                i--;
            }

            buffer[i] = v;
        }

        double sum = 0;
        foreach (var v in buffer)
        {
            sum += v;
        }

        return sum / k;
    }

    /// <summary>The median, the tail start (95 % quantile) and the tail scale (mean excess over it, at least the floor).</summary>
    /// <returns>How many values are beyond the tail start (the excesses the tail scale was fitted on).</returns>
    private static int Fit(List<float> values, Span<float> target, float floor)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var median = Quantile(sorted, 0.5);
        var tail = Quantile(sorted, TailLevel);
        double excess = 0;
        var count = 0;
        for (var i = sorted.Length - 1; i >= 0 && sorted[i] > tail; i--)
        {
            excess += sorted[i] - tail;
            count++;
        }

        target[0] = median;
        target[1] = tail;
        target[2] = Math.Max(count > 0 ? (float)(excess / count) : 0, floor);
        return count;
    }

    private static float Median(List<float> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return Quantile(sorted, 0.5);
    }

    /// <summary>The quantile with linear interpolation between order statistics.</summary>
    private static float Quantile(float[] sorted, double level)
    {
        var h = (sorted.Length - 1) * level;
        var below = (int)Math.Floor(h);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return (float)(sorted[below] + ((h - below) * (sorted[above] - sorted[below])));
    }
}

/// <summary>What the unsupervised decision learnt: the error profile, its threshold, and the classifier's class weight.</summary>
/// <param name="Profile">The per-instance, per-feature spread of the errors on normal training time.</param>
/// <param name="Threshold">The threshold of the normalised anomaly score: 1 (each modality's score is divided by its own
/// threshold, <see cref="Calibration.ModalityThresholds"/>).</param>
/// <param name="ClassWeight">The class weight w of the classifier's loss.</param>
/// <param name="ClassifierTrained">Whether the method has a classifier and training had abnormal labels (otherwise the classifier takes no part in <see cref="DecisionRule.Combined"/>).</param>
/// <param name="AlarmBudgetPerHour">The budget.</param>
/// <param name="Risk">The risk per point it meant.</param>
/// <param name="CalibrationPoints">The normal points the threshold was fitted on.</param>
/// <param name="ExtremeValue">Whether the threshold came from the extreme-value fit (else the empirical quantile).</param>
internal sealed record Calibration(ErrorProfile Profile, double Threshold, double ClassWeight, bool ClassifierTrained, double AlarmBudgetPerHour, double Risk, int CalibrationPoints, bool ExtremeValue)
{
    /// <summary>
    /// The classifier's threshold on P in <see cref="DecisionRule.Combined"/>: the probability that a normal point of the
    /// calibration exceeds with half the budget's risk (extreme-value fit on the logit of P), at least 0.5.
    /// </summary>
    public double ClassifierThreshold { get; init; } = 1;

    /// <summary>
    /// Each modality's threshold (metrics, logs, traces) for its share of the alarm budget, fitted on its persistent
    /// scores on normal time; +∞ for a modality the calibration never saw. A node's anomaly score is the largest of its
    /// modality scores over their thresholds.
    /// </summary>
    public double[] ModalityThresholds { get; init; } = [1, 1, 1];

    /// <summary>A node's normalised anomaly score: the largest of its modality scores, each over its own threshold (0 when it has none).</summary>
    public double Normalise(double metrics, double logs, double traces) => Largest([metrics, logs, traces], out _);

    /// <summary>
    /// The largest of a node's modality scores (metrics, logs, traces), each over its own threshold, and which modality
    /// it is (the later one on a tie; −1 and 0 when the node has none).
    /// </summary>
    public double Largest(ReadOnlySpan<double> modalities, out int modality)
    {
        var best = double.NegativeInfinity;
        modality = -1;
        for (var m = 0; m < modalities.Length; m++)
        {
            if (!double.IsNaN(modalities[m]) && double.IsFinite(ModalityThresholds[m]) && modalities[m] / ModalityThresholds[m] >= best)
            {
                (best, modality) = (modalities[m] / ModalityThresholds[m], m);
            }
        }

        return double.IsNegativeInfinity(best) ? 0 : best;
    }

    /// <summary>How many consecutive steps a metric score must stay up (<see cref="UnsupervisedOptions.PersistenceSteps"/>).</summary>
    public int Persistence { get; init; } = 1;

    /// <summary>How many consecutive steps a log or trace score must stay up (<see cref="UnsupervisedOptions.EventPersistenceSteps"/>).</summary>
    public int EventPersistence { get; init; } = 1;

    /// <summary>Whether the method has a classifier and no per-feature errors (every modality's threshold infinite): its
    /// classifier under the alarm budget is then the unsupervised rule's decision too.</summary>
    public bool ClassifierOnly => ClassifierTrained && ModalityThresholds.All(double.IsPositiveInfinity);

    /// <summary>
    /// The combined score: the larger of the anomaly score over its threshold and the classifier's P over its
    /// threshold (when the classifier was trained with abnormal labels), so that ≥ 1 is abnormal. The budget is
    /// shared between the two parts.
    /// </summary>
    public double CombinedScore(double anomaly, double probability)
    {
        var unsupervised = double.IsNaN(anomaly) ? double.NegativeInfinity : anomaly / Threshold;
        return ClassifierTrained ? Math.Max(unsupervised, probability / ClassifierThreshold) : unsupervised;
    }
}
