using System.Runtime.InteropServices;

namespace MstGad.Evaluation;

/// <summary>
/// Streaming Peaks-Over-Threshold (SPOT, Siffer et al., KDD 2017): a detection threshold for anomaly
/// scores without labels, from extreme value theory. The detector takes the <see cref="SpotOptions.InitialLevel"/>
/// quantile of calibration scores as an initial threshold t, fits a Generalized Pareto Distribution to the
/// excesses over t by maximum likelihood, and sets the threshold z_q so that a normal score exceeds it with
/// probability <see cref="SpotOptions.Risk"/> q:
/// z_q = t + (σ/γ)·((q·n/N_t)^(−γ) − 1), or t − σ·ln(q·n/N_t) when γ = 0,
/// with n the scores seen and N_t the excesses among them.
/// </summary>
/// <remarks>
/// <see cref="Update"/> follows the paper's Algorithm 1: a score above z_q is an anomaly and changes nothing;
/// a score in (t, z_q] is a normal excess, which is added to the excesses and refits the distribution and
/// moves z_q (O(N_t) time); any other score only counts towards n (z_q moves with n at the next refit).
/// Because anomalies never join the excesses, the fit sees a tail cut at z_q, grows lighter over a long
/// stream and lowers z_q: in one seeded run of 100,000 Exp(1) scores at q = 10⁻³ it fell from about 6.7
/// to about 5.9 and flagged about twice the nominal rate. Recalibrate from time to time where that matters.
/// The fit keeps γ ≥ −1, where the maximum-likelihood estimate exists; bounded scores whose excesses
/// pile up below a ceiling get the uniform fit (γ = −1, σ = the largest excess), whose z_q lies just
/// below t + σ. Not thread-safe.
/// </remarks>
public sealed class Spot
{
    private readonly List<double> _excesses;

    /// <summary>Calibrates a detector with the default options (risk 10⁻³, initial level 0.98).</summary>
    /// <param name="calibration">Scores of a period taken as normal (say the validation scores); finite.</param>
    /// <exception cref="ArgumentNullException"><paramref name="calibration"/> is null.</exception>
    /// <exception cref="ArgumentException">The calibration is empty, holds a NaN or infinite score, has no
    /// score above the initial threshold, or too few for the risk.</exception>
    public Spot(IReadOnlyList<double> calibration)
        : this(calibration, new SpotOptions())
    {
    }

    /// <summary>Calibrates a detector.</summary>
    /// <param name="calibration">Scores of a period taken as normal (say the validation scores); finite.</param>
    /// <param name="options">The options, copied.</param>
    /// <exception cref="ArgumentNullException"><paramref name="calibration"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The calibration is empty, holds a NaN or infinite score, has no
    /// score above the initial threshold, or the risk is not below the fraction of scores above it.</exception>
    public Spot(IReadOnlyList<double> calibration, SpotOptions options)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(options);
        if (calibration.Count == 0)
        {
            throw new ArgumentException(EvaluationMessages.EmptyCalibration, nameof(calibration));
        }

        Risk = options.Risk;
        InitialLevel = options.InitialLevel;
        var sorted = new double[calibration.Count];
        for (var i = 0; i < sorted.Length; i++)
        {
            var value = calibration[i];
            if (double.IsNaN(value))
            {
                throw new ArgumentException(EvaluationMessages.ScoreNaNAt(i), nameof(calibration));
            }

            if (!double.IsFinite(value))
            {
                throw new ArgumentException(EvaluationMessages.ScoreNotFiniteAt(i, value), nameof(calibration));
            }

            sorted[i] = value;
        }

        Array.Sort(sorted);

        // The quantile with linear interpolation between order statistics (numpy's default, as in the
        // authors' code).
        var h = (sorted.Length - 1) * InitialLevel;
        var below = (int)Math.Floor(h);
        var above = Math.Min(below + 1, sorted.Length - 1);
        InitialThreshold = sorted[below] + ((h - below) * (sorted[above] - sorted[below]));

        var first = Array.FindIndex(sorted, v => v > InitialThreshold);
        if (first < 0)
        {
            throw new ArgumentException(EvaluationMessages.NoExcess(sorted.Length, InitialThreshold), nameof(calibration));
        }

        _excesses = new List<double>(sorted.Length - first + 16);
        for (var i = first; i < sorted.Length; i++)
        {
            _excesses.Add(sorted[i] - InitialThreshold);
        }

        Count = sorted.Length;
        if (Risk * Count >= _excesses.Count)
        {
            throw new ArgumentException(EvaluationMessages.RiskTooHigh(Risk, _excesses.Count, sorted.Length), nameof(options));
        }

        Refit();
    }

    /// <summary>The risk q.</summary>
    public double Risk { get; }

    /// <summary>The quantile level that set <see cref="InitialThreshold"/>.</summary>
    public double InitialLevel { get; }

    /// <summary>The initial threshold t, fixed at calibration.</summary>
    public double InitialThreshold { get; }

    /// <summary>The current detection threshold z_q: a score above it is an anomaly.</summary>
    public double Threshold { get; private set; }

    /// <summary>The shape γ of the fitted Generalized Pareto Distribution of the excesses.</summary>
    public double Shape { get; private set; }

    /// <summary>The scale σ of the fitted Generalized Pareto Distribution of the excesses.</summary>
    public double Scale { get; private set; }

    /// <summary>The scores counted so far, n: the calibration scores and every later score that was not an anomaly.</summary>
    public long Count { get; private set; }

    /// <summary>The excesses over <see cref="InitialThreshold"/> among them, N_t.</summary>
    public int Excesses => _excesses.Count;

    /// <summary>Takes the next score.</summary>
    /// <param name="score">The score; infinities are allowed (+∞ is an anomaly).</param>
    /// <returns>Whether the score is an anomaly (above <see cref="Threshold"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="score"/> is NaN.</exception>
    public bool Update(double score)
    {
        if (double.IsNaN(score))
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, EvaluationMessages.ScoreNaN);
        }

        if (score > Threshold)
        {
            return true;
        }

        Count++;
        if (score > InitialThreshold)
        {
            _excesses.Add(score - InitialThreshold);
            Refit();
        }

        return false;
    }

    /// <summary>The threshold for a risk at a GPD fit: t + (σ/γ)·(r^(−γ) − 1), r = q·n/N_t (γ = 0: t − σ·ln r).</summary>
    internal static double ThresholdOf(double initialThreshold, double shape, double scale, double risk, long count, int excesses)
    {
        var logR = Math.Log(risk * count / excesses);
        return Math.Abs(shape * logR) < 1e-12
            ? initialThreshold - (scale * logR)
            : initialThreshold + (scale / shape * ExpM1(-shape * logR));
    }

    /// <summary>eˣ − 1, accurate for small x (Kahan's correction of the rounding of eˣ).</summary>
    internal static double ExpM1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1 || double.IsPositiveInfinity(u))
        {
            return u == 1 ? x : u;
        }

        var um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    private void Refit()
    {
        var fit = GeneralizedPareto.Fit(CollectionsMarshal.AsSpan(_excesses));
        Shape = fit.Shape;
        Scale = fit.Scale;
        Threshold = ThresholdOf(InitialThreshold, Shape, Scale, Risk, Count, _excesses.Count);
    }
}
