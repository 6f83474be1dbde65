using MstGad.Evaluation;
using MstGad.Features;

namespace MstGad.Baselines;

/// <summary>
/// A classical baseline: per instance and metric, the robust z-score <c>|x − median| / (1.4826·MAD)</c>
/// with median and MAD fitted on the training steps; an instance's score in a step is its largest
/// robust z-score. Uses metrics only (the same aggregated, carried-forward values as the detector).
/// </summary>
public sealed class RobustZScoreBaseline
{
    private readonly Dictionary<(string Instance, string Metric), (double Median, double Scale)> _fitted;

    private RobustZScoreBaseline(Dictionary<(string, string), (double, double)> fitted) => _fitted = fitted;

    /// <summary>The number of (instance, metric) pairs with a usable spread in training.</summary>
    public int Series => _fitted.Count;

    /// <summary>Fits medians and MADs on the steps <c>[fromStep, toStep)</c>.</summary>
    /// <param name="data">The aggregates.</param>
    /// <param name="fromStep">The first training step.</param>
    /// <param name="toStep">The step after the last training step.</param>
    /// <returns>The fitted baseline.</returns>
    public static RobustZScoreBaseline Fit(TelemetryAggregate data, long fromStep, long toStep)
    {
        ArgumentNullException.ThrowIfNull(data);
        var values = data.MetricValues();
        int n = data.Instances.Count, m = data.Metrics.Count;
        var fitted = new Dictionary<(string, string), (double, double)>();
        var series = new List<double>();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < m; j++)
            {
                series.Clear();
                for (var step = Math.Max(fromStep, data.FirstStep); step < Math.Min(toStep, data.FirstStep + data.StepCount); step++)
                {
                    var v = values[((step - data.FirstStep) * n * m) + (i * m) + j];
                    if (!double.IsNaN(v))
                    {
                        series.Add(v);
                    }
                }

                if (series.Count < 2)
                {
                    continue;
                }

                var median = Median(series);
                var mad = Median(series.Select(v => Math.Abs(v - median)).ToList());
                if (mad > 0)
                {
                    fitted[(data.Instances[i], data.Metrics[j])] = (median, 1.4826 * mad);
                }
            }
        }

        return new RobustZScoreBaseline(fitted);
    }

    /// <summary>Scores every instance with metrics in the steps <c>[fromStep, toStep)</c>.</summary>
    /// <param name="data">The aggregates (same instance keys and metric names as the training data).</param>
    /// <param name="fromStep">The first step.</param>
    /// <param name="toStep">The step after the last.</param>
    /// <returns>(instance, step end, score) for every instance that has at least one fitted metric value.</returns>
    public IReadOnlyList<(string Instance, DateTimeOffset Time, double Score)> Score(TelemetryAggregate data, long fromStep, long toStep)
    {
        ArgumentNullException.ThrowIfNull(data);
        var values = data.MetricValues();
        int n = data.Instances.Count, m = data.Metrics.Count;
        var result = new List<(string, DateTimeOffset, double)>();
        for (var step = Math.Max(fromStep, data.FirstStep); step < Math.Min(toStep, data.FirstStep + data.StepCount); step++)
        {
            for (var i = 0; i < n; i++)
            {
                double? best = null;
                for (var j = 0; j < m; j++)
                {
                    var v = values[((step - data.FirstStep) * n * m) + (i * m) + j];
                    if (!double.IsNaN(v) && _fitted.TryGetValue((data.Instances[i], data.Metrics[j]), out var f))
                    {
                        var z = Math.Abs(v - f.Median) / f.Scale;
                        best = best is null ? z : Math.Max(best.Value, z);
                    }
                }

                if (best is { } score)
                {
                    result.Add((data.Instances[i], data.Clock.EndOf(step), score));
                }
            }
        }

        return result;
    }

    /// <summary>The threshold that maximises point F1 on labelled validation points (the detector's validation rule).</summary>
    /// <param name="scores">Validation scores.</param>
    /// <param name="labels">Their labels (1 abnormal, 0 normal).</param>
    /// <returns>The threshold.</returns>
    public static double ChooseThreshold(IReadOnlyList<double> scores, IReadOnlyList<int> labels) =>
        labels.Contains(1) ? Thresholds.BestF1(scores, labels).Threshold : double.PositiveInfinity;

    private static double Median(List<double> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
