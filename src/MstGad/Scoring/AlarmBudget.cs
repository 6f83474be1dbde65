using MstGad.Evaluation;

namespace MstGad.Scoring;

/// <summary>
/// A threshold on an anomaly score from an alarm budget: the false alarms per hour, over the whole system,
/// that the on-call team accepts. Fitted on the scores of normal time only, by extreme-value statistics.
/// </summary>
/// <remarks>
/// A system of n instances scored every Δ gives n / Δ points per hour; a budget of B alarms per hour is
/// then a risk q = B·Δ / n per point (every flagged point counted as an alarm of its own, which is
/// conservative: a run of flagged steps counts once). The threshold is the score that a normal point
/// exceeds with probability q, from a Generalized Pareto fit to the excesses over the 98 % quantile of the
/// calibration scores (peaks over threshold, as <see cref="Spot"/>); with fewer than
/// <see cref="MinimumShapeExcesses"/> excesses (a modality present only around incidents) the tail's shape is not
/// fitted but fixed at 0 (exponential); when q is not far enough in the tail for the fit, the empirical quantile.
/// </remarks>
internal static class AlarmBudget
{
    /// <summary>The initial (peaks-over-threshold) level.</summary>
    public const double InitialLevel = 0.98;

    /// <summary>The fewest excesses over the initial level from which the tail's shape is fitted; below, it is exponential.</summary>
    public const int MinimumShapeExcesses = 100;

    /// <summary>The risk per point for a budget.</summary>
    /// <param name="alarmsPerHour">The budget B.</param>
    /// <param name="interval">The step Δ.</param>
    /// <param name="instancesPerStep">The mean number of instances scored per step.</param>
    public static double Risk(double alarmsPerHour, TimeSpan interval, double instancesPerStep) =>
        alarmsPerHour * interval.TotalHours / Math.Max(1, instancesPerStep);

    /// <summary>The threshold for a risk q per point, from normal scores.</summary>
    /// <param name="normalScores">Scores of points taken as normal; finite.</param>
    /// <param name="risk">q.</param>
    /// <returns>The threshold, and whether it came from the extreme-value fit.</returns>
    public static (double Threshold, bool ExtremeValue) Fit(IReadOnlyList<double> normalScores, double risk)
    {
        if (normalScores.Count == 0)
        {
            throw new ArgumentException("No normal scores to set the alarm threshold from.", nameof(normalScores));
        }

        var sorted = normalScores.ToArray();
        Array.Sort(sorted);
        var excesses = sorted.Count(s => s > Quantile(sorted, InitialLevel));
        if (excesses >= 10 && risk * sorted.Length < excesses / 2.0)
        {
            if (excesses < MinimumShapeExcesses)
            {
                // Too few peaks to estimate a shape (one large excess makes it heavy-tailed and the extrapolated threshold
                // enormous): peaks over threshold with the shape fixed at 0, P(s > t0 + x) = (k/n)·exp(−x/σ), σ the mean
                // excess — the tail a score that is a sum of log-probabilities has.
                var t0 = Quantile(sorted, InitialLevel);
                var over = sorted.Where(v => v > t0).ToArray();
                var sigma = over.Average(v => v - t0);
                return (t0 + (sigma * Math.Log((double)over.Length / sorted.Length / risk)), true);
            }

            try
            {
                var spot = new Spot(normalScores, new SpotOptions { Risk = risk, InitialLevel = InitialLevel });
                return (spot.Threshold, true);
            }
            catch (ArgumentException)
            {
                // Fall through to the empirical quantile.
            }
        }

        return (Quantile(sorted, 1 - risk), false);
    }

    private static double Quantile(double[] sorted, double level)
    {
        var h = (sorted.Length - 1) * Math.Clamp(level, 0, 1);
        var below = (int)Math.Floor(h);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((h - below) * (sorted[above] - sorted[below]));
    }
}
