namespace MstGad.Evaluation;

/// <summary>Options of <see cref="Spot"/>. The detector copies them when it is created.</summary>
public sealed class SpotOptions
{
    private double _risk = 1e-3;
    private double _initialLevel = 0.98;

    /// <summary>The risk q: the probability that a normal score exceeds the threshold z_q.</summary>
    /// <value>Default 10⁻³. Must lie strictly between 0 and 1, and below the fraction of calibration
    /// scores above the initial threshold (about 1 − <see cref="InitialLevel"/>).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not strictly between 0 and 1.</exception>
    public double Risk
    {
        get => _risk;
        set
        {
            if (!(value > 0 && value < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, EvaluationMessages.RiskOutOfRange);
            }

            _risk = value;
        }
    }

    /// <summary>The quantile level of the calibration scores taken as the initial threshold t.</summary>
    /// <value>Default 0.98, as in Siffer et al. Must lie strictly between 0 and 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not strictly between 0 and 1.</exception>
    public double InitialLevel
    {
        get => _initialLevel;
        set
        {
            if (!(value > 0 && value < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, EvaluationMessages.InitialLevelOutOfRange);
            }

            _initialLevel = value;
        }
    }
}
