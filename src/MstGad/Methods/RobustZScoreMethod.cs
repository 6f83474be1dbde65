using System.Globalization;
using System.Text;
using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Methods;

/// <summary>
/// The classical baseline as a method (<c>robust-z</c>): per instance and metric, the robust z-score
/// <c>|x − median| / (1.4826·MAD)</c> with median and MAD fitted on the training steps; the method's error of an
/// instance (<see cref="VerdictDetails.Error"/>) is its largest robust z-score. Metrics only. Decided like any method:
/// with <see cref="DecisionRule.ReconstructionThreshold"/> its threshold is the best-F1 one on the validation split
/// (<c>mstgad baseline</c>), with <see cref="DecisionRule.Unsupervised"/> under the alarm budget.
/// </summary>
/// <remarks>
/// The z-score is taken on the normalised features; with the default per-instance min-max scaling (an increasing
/// affine map of each instance's metric) it equals the z-score of the raw values.
/// </remarks>
public sealed class RobustZScoreMethod : IDetectionMethod
{
    /// <summary>The method's name in artifacts and on the command line.</summary>
    public const string MethodName = "robust-z";

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
        var metrics = context.Space.MetricFeatureCount;
        var instances = context.Instances;
        var series = new List<double>[instances * metrics];
        for (var i = 0; i < series.Length; i++)
        {
            series[i] = [];
        }

        foreach (var window in context.Training)
        {
            var graph = window.Last;
            var f = graph.NodeFeatureCount;
            for (var node = 0; node < Math.Min(instances, graph.NodeCount); node++)
            {
                if (((ModalityMask)graph.Mask[node]).HasFlag(ModalityMask.Metrics))
                {
                    for (var j = 0; j < metrics; j++)
                    {
                        series[(node * metrics) + j].Add(graph.NodeFeatures[(node * f) + j]);
                    }
                }
            }
        }

        var median = new float[series.Length];
        var scale = new float[series.Length];
        for (var i = 0; i < series.Length; i++)
        {
            var values = series[i];
            if (values.Count < 2)
            {
                continue;
            }

            var m = Median(values);
            var mad = Median([.. values.Select(v => Math.Abs(v - m))]);
            (median[i], scale[i]) = ((float)m, mad > 0 ? (float)(1.4826 * mad) : 0);
        }

        return new FittedMethod(new Trained(metrics, median, scale), new TrainingReport([], 0, false, 1));
    }

    /// <inheritdoc/>
    public ITrainedMethod Load(Stream stream, int formatVersion, MethodRunContext context)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            var metrics = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (metrics < 0 || count < 0 || count > 100_000_000 || (metrics > 0 && count % metrics != 0))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad artifact is corrupt: the robust z-score has {count} series of {metrics} metrics."));
            }

            var median = new float[count];
            var scale = new float[count];
            for (var i = 0; i < count; i++)
            {
                (median[i], scale[i]) = (reader.ReadSingle(), reader.ReadSingle());
            }

            return new Trained(metrics, median, scale);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("MstGad artifact is corrupt: the robust z-score is truncated.", ex);
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /// <summary>The fitted medians and scales, <c>[instance · metrics + metric]</c> (scale 0: not fitted).</summary>
    private sealed class Trained(int metrics, float[] median, float[] scale) : ITrainedMethod
    {
        public (int Metrics, int Logs, int Traces) ErrorLayout => (metrics, 0, 0);

        public bool HasClassifier => false;

        public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows)
        {
            ArgumentNullException.ThrowIfNull(windows);
            var results = new List<WindowScores>(windows.Count);
            foreach (var window in windows)
            {
                var graph = window.Last;
                var n = graph.NodeCount;
                var f = graph.NodeFeatureCount;
                var errors = new float[n * metrics];
                var largest = new float[n];
                var present = new bool[n];
                for (var node = 0; node < n; node++)
                {
                    if (!((ModalityMask)graph.Mask[node]).HasFlag(ModalityMask.Metrics) || (node + 1) * metrics > scale.Length)
                    {
                        continue; // no metrics in the step, or an instance training did not know
                    }

                    for (var j = 0; j < metrics; j++)
                    {
                        var s = scale[(node * metrics) + j];
                        if (s > 0)
                        {
                            var z = Math.Abs(graph.NodeFeatures[(node * f) + j] - median[(node * metrics) + j]) / s;
                            errors[(node * metrics) + j] = z * z;
                            largest[node] = Math.Max(largest[node], z);
                            present[node] = true;
                        }
                    }
                }

                results.Add(new WindowScores(graph.Step, new float[n], largest, errors, metrics, [], present));
            }

            return results;
        }

        public void Save(Stream stream)
        {
            ArgumentNullException.ThrowIfNull(stream);
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(metrics);
            writer.Write(median.Length);
            for (var i = 0; i < median.Length; i++)
            {
                writer.Write(median[i]);
                writer.Write(scale[i]);
            }
        }

        public void Dispose()
        {
        }
    }
}
