using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;

namespace MstGad.Scoring;

/// <summary>
/// The spread of every reconstruction error on normal training time, per instance and feature, so that
/// errors become comparable across features and instances: each feature's error is measured against its
/// own robust centre and spread, fitted only on steps where the feature's modality was present and the
/// instance was not labelled abnormal.
/// </summary>
/// <remarks>
/// <para>
/// For a node's error vector e (squared residuals, <see cref="WindowScores.Errors"/>) the residual size of
/// feature f is r = √e. Its standard score is z = (r − centre) / spread with centre the median of r and
/// spread the largest of 1.4826·MAD, (q99 − median) / 2.326 and a floor: the quantile term keeps a
/// naturally spiky feature from dominating (its normal spikes widen its spread), the floor keeps a feature
/// that was reconstructed almost exactly in training from turning a tiny deviation into a huge score.
/// Instances unknown at training (or features with fewer than <see cref="MinSamples"/> present samples for
/// the instance) use the median centre and spread of that feature over the known instances.
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

    /// <summary>The smallest spread, in the units of the normalised features.</summary>
    public const float SpreadFloor = 0.01f;

    private readonly float[] _centre;
    private readonly float[] _spread;
    private readonly float[] _pooledCentre;
    private readonly float[] _pooledSpread;

    public ErrorProfile(int instances, int metricWidth, int logWidth, int traceWidth, float[] centre, float[] spread, float[] pooledCentre, float[] pooledSpread, int topFeatures, bool relativeToStep)
    {
        Instances = instances;
        MetricWidth = metricWidth;
        LogWidth = logWidth;
        TraceWidth = traceWidth;
        _centre = centre;
        _spread = spread;
        _pooledCentre = pooledCentre;
        _pooledSpread = pooledSpread;
        TopFeatures = topFeatures;
        RelativeToStep = relativeToStep;
        if (centre.Length != instances * Width || spread.Length != centre.Length || pooledCentre.Length != Width || pooledSpread.Length != Width)
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

    internal ReadOnlySpan<float> Centre => _centre;

    internal ReadOnlySpan<float> Spread => _spread;

    internal ReadOnlySpan<float> PooledCentre => _pooledCentre;

    internal ReadOnlySpan<float> PooledSpread => _pooledSpread;

    /// <summary>Fits the profile on the normal points of scored windows.</summary>
    /// <param name="scores">The model's scores of the windows.</param>
    /// <param name="windows">The windows (labels: points labelled abnormal are left out).</param>
    /// <param name="instances">The number of trained instances (nodes beyond are ignored).</param>
    /// <param name="layout">The widths of the metric, log and trace errors.</param>
    /// <param name="options">How scores are combined.</param>
    public static ErrorProfile Fit(IReadOnlyList<WindowScores> scores, IReadOnlyList<GraphWindow> windows, int instances, (int Metrics, int Logs, int Traces) layout, UnsupervisedOptions options)
    {
        var width = layout.Metrics + layout.Logs + layout.Traces;
        var samples = new List<float>[instances * width];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = [];
        }

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
                var errors = score.Errors.AsSpan(node * score.ErrorWidth, score.ErrorWidth);
                for (var f = 0; f < width; f++)
                {
                    if (mask.HasFlag(ModalityOf(f, layout)))
                    {
                        samples[(node * width) + f].Add(MathF.Sqrt(errors[f]));
                    }
                }
            }
        }

        var centre = new float[instances * width];
        var spread = new float[instances * width];
        var known = new bool[instances * width];
        for (var i = 0; i < samples.Length; i++)
        {
            if (samples[i].Count >= MinSamples)
            {
                (centre[i], spread[i]) = Robust(samples[i]);
                known[i] = true;
            }
        }

        // Pooled per feature: the median over instances of the per-instance statistics, or of all samples
        // when no instance has enough.
        var pooledCentre = new float[width];
        var pooledSpread = new float[width];
        for (var f = 0; f < width; f++)
        {
            var centres = new List<float>();
            var spreads = new List<float>();
            var all = new List<float>();
            for (var node = 0; node < instances; node++)
            {
                var i = (node * width) + f;
                if (known[i])
                {
                    centres.Add(centre[i]);
                    spreads.Add(spread[i]);
                }

                all.AddRange(samples[i]);
            }

            if (centres.Count > 0)
            {
                pooledCentre[f] = Median(centres);
                pooledSpread[f] = Median(spreads);
            }
            else if (all.Count > 0)
            {
                (pooledCentre[f], pooledSpread[f]) = Robust(all);
            }
            else
            {
                pooledCentre[f] = 0;
                pooledSpread[f] = SpreadFloor;
            }

            for (var node = 0; node < instances; node++)
            {
                var i = (node * width) + f;
                if (!known[i])
                {
                    centre[i] = pooledCentre[f];
                    spread[i] = pooledSpread[f];
                }
            }
        }

        return new ErrorProfile(instances, layout.Metrics, layout.Logs, layout.Traces, centre, spread, pooledCentre, pooledSpread, options.TopFeatures, options.RelativeToStep);
    }

    /// <summary>
    /// Scores every present node of one window: the standard scores of its features (<paramref name="z"/>,
    /// <c>[nodes × width]</c>, zero where the modality is absent) and the instance score (before the
    /// step-relative correction, which <see cref="Relative"/> applies).
    /// </summary>
    public double[] ScoreNodes(WindowScores score, GraphWindow window, float[] z)
    {
        var nodes = score.Present.Length;
        var result = new double[nodes];
        var width = Width;
        Span<float> top = stackalloc float[Math.Max(1, TopFeatures)];
        for (var node = 0; node < nodes; node++)
        {
            var zs = z.AsSpan(node * width, width);
            zs.Clear();
            if (!score.Present[node])
            {
                result[node] = double.NaN;
                continue;
            }

            var mask = (ModalityMask)window.Last.Mask[node];
            var errors = score.Errors.AsSpan(node * score.ErrorWidth, score.ErrorWidth);
            var centre = node < Instances ? _centre.AsSpan(node * width, width) : _pooledCentre;
            var spread = node < Instances ? _spread.AsSpan(node * width, width) : _pooledSpread;
            var best = double.NegativeInfinity;
            var offset = 0;
            foreach (var (modality, size) in new[] { (ModalityMask.Metrics, MetricWidth), (ModalityMask.Logs, LogWidth), (ModalityMask.Traces, TraceWidth) })
            {
                if (size > 0 && mask.HasFlag(modality))
                {
                    for (var f = offset; f < offset + size; f++)
                    {
                        zs[f] = (MathF.Sqrt(errors[f]) - centre[f]) / spread[f];
                    }

                    best = Math.Max(best, TopMean(zs.Slice(offset, size), top[..Math.Min(top.Length, size)]));
                }

                offset += size;
            }

            result[node] = double.IsNegativeInfinity(best) ? 0 : best;
        }

        return result;
    }

    /// <summary>Applies the step-relative correction (when enabled): subtracts the median over the present nodes.</summary>
    public void Relative(double[] scores)
    {
        if (!RelativeToStep)
        {
            return;
        }

        var present = scores.Where(s => !double.IsNaN(s)).ToArray();
        if (present.Length == 0)
        {
            return;
        }

        Array.Sort(present);
        var median = present.Length % 2 == 1 ? present[present.Length / 2] : (present[(present.Length / 2) - 1] + present[present.Length / 2]) / 2;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] -= median;
        }
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

    private static (float Centre, float Spread) Robust(List<float> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var median = Quantile(sorted, 0.5);
        var deviations = new float[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            deviations[i] = Math.Abs(sorted[i] - median);
        }

        Array.Sort(deviations);
        var mad = Quantile(deviations, 0.5);
        var upper = Quantile(sorted, 0.99);
        var spread = Math.Max(Math.Max(1.4826f * mad, (upper - median) / 2.326f), SpreadFloor);
        return (median, spread);
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
/// <param name="Threshold">The anomaly-score threshold for the alarm budget.</param>
/// <param name="ClassWeight">The class weight w of the classifier's loss.</param>
/// <param name="ClassifierTrained">Whether training had abnormal labels (otherwise the classifier takes no part in <see cref="DecisionRule.Combined"/>).</param>
/// <param name="AlarmBudgetPerHour">The budget.</param>
/// <param name="Risk">The risk per point it meant.</param>
/// <param name="CalibrationPoints">The normal points the threshold was fitted on.</param>
/// <param name="ExtremeValue">Whether the threshold came from the extreme-value fit (else the empirical quantile).</param>
internal sealed record Calibration(ErrorProfile Profile, double Threshold, double ClassWeight, bool ClassifierTrained, double AlarmBudgetPerHour, double Risk, int CalibrationPoints, bool ExtremeValue)
{
    /// <summary>
    /// The combined score: the larger of the anomaly score over its threshold and the class-weight-corrected
    /// probability over 0.5 (when the classifier was trained with abnormal labels), so that ≥ 1 is abnormal.
    /// </summary>
    public double CombinedScore(double anomaly, double probability)
    {
        var unsupervised = double.IsNaN(anomaly) ? double.NegativeInfinity : anomaly / Threshold;
        if (!ClassifierTrained)
        {
            return unsupervised;
        }

        var corrected = probability / (probability + (ClassWeight * (1 - probability)));
        return Math.Max(unsupervised, corrected / 0.5);
    }
}
