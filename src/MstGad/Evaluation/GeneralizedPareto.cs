namespace MstGad.Evaluation;

/// <summary>A Generalized Pareto Distribution fitted to excesses Y > 0 by maximum likelihood.</summary>
/// <param name="Shape">The shape γ (ξ); 0 is the exponential distribution.</param>
/// <param name="Scale">The scale σ &gt; 0.</param>
/// <param name="LogLikelihood">The log-likelihood of the excesses at (γ, σ).</param>
internal readonly record struct GeneralizedPareto(double Shape, double Scale, double LogLikelihood)
{
    private const int GridPoints = 48;
    private const int RefineIterations = 100;

    /// <summary>
    /// Fits (γ, σ) by maximum likelihood over γ ≥ −1 through Grimshaw's reduction to one parameter
    /// θ = γ/σ. For a fixed θ the likelihood is maximal at γ(θ) = (1/N)·Σ ln(1 + θYᵢ), which leaves the
    /// profile ℓ*(θ) = −N·ln(γ(θ)/θ) − Σ ln(1 + θYᵢ) − N (θ = 0: the exponential fit, σ = mean Y).
    /// γ(θ) increases with θ, so γ ≥ −1 is θ ≥ θ₋₁ with γ(θ₋₁) = −1, found by bisection. The fit scans ℓ*
    /// on a grid over [θ₋₁, 0) and (0, θ_U], with Grimshaw's bound θ_U = 2(Ȳ − min Y)/(min Y)² (at least
    /// 100/Ȳ), refines every interior local maximum by golden section, and returns the best of those, the
    /// exponential fit and the uniform fit (γ = −1, σ = max Y, ℓ = −N·ln max Y: the supremum on the
    /// boundary γ = −1).
    /// </summary>
    /// <remarks>
    /// Below γ = −1 the likelihood grows without bound as σ → |γ|·max Y, so there is no maximum-likelihood
    /// estimate there (Smith 1985); light-tailed, bounded excesses whose profile keeps rising towards that
    /// boundary get the uniform fit. Siffer et al.'s code keeps only stationary points and θ = 0, so it
    /// falls back to the exponential fit in that case.
    /// </remarks>
    public static GeneralizedPareto Fit(ReadOnlySpan<double> excesses)
    {
        double sum = 0, min = double.PositiveInfinity, max = 0;
        foreach (var y in excesses)
        {
            sum += y;
            min = Math.Min(min, y);
            max = Math.Max(max, y);
        }

        var n = excesses.Length;
        var mean = sum / n;
        var upper = Math.Max(2 * (mean - min) / (min * min), 100 / mean);

        // θ in increasing order: [θ₋₁, 0) through a logistic spacing that crowds both of its ends, then 0,
        // then a logarithmic spacing of (0, upper].
        var thetaMinusOne = ThetaOfShapeMinusOne(excesses, max);
        Span<double> theta = stackalloc double[(2 * GridPoints) + 1];
        Span<double> profile = stackalloc double[(2 * GridPoints) + 1];
        theta[0] = thetaMinusOne;
        for (var k = 1; k < GridPoints; k++)
        {
            var x = 12.0 - (21.0 * k / (GridPoints - 1));
            theta[k] = thetaMinusOne / (1 + Math.Exp(-x));
        }

        theta[GridPoints] = 0;
        var lowRight = Math.Log(1e-4 / mean);
        var highRight = Math.Log(upper);
        for (var k = 0; k < GridPoints; k++)
        {
            theta[GridPoints + 1 + k] = Math.Exp(lowRight + ((highRight - lowRight) * k / (GridPoints - 1)));
        }

        for (var k = 0; k < theta.Length; k++)
        {
            profile[k] = Profile(excesses, theta[k], mean);
        }

        var bestTheta = 0.0;
        var best = profile[GridPoints];
        for (var k = 1; k < theta.Length; k++)
        {
            var interior = k < theta.Length - 1;
            if (!(profile[k] >= profile[k - 1] && (!interior || profile[k] >= profile[k + 1])))
            {
                continue;
            }

            var (t, value) = interior
                ? Refine(excesses, theta[k - 1], theta[k + 1], mean)
                : (theta[k], profile[k]);
            if (value > best)
            {
                best = value;
                bestTheta = t;
            }
        }

        var uniform = -n * Math.Log(max);
        if (uniform > best)
        {
            return new GeneralizedPareto(-1, max, uniform);
        }

        if (bestTheta == 0)
        {
            return new GeneralizedPareto(0, mean, best);
        }

        var shape = SumLog1P(excesses, bestTheta) / n;
        return new GeneralizedPareto(shape, shape / bestTheta, best);
    }

    /// <summary>The log-likelihood of excesses under a GPD (γ, σ); −∞ outside its support.</summary>
    public static double LogLikelihoodOf(ReadOnlySpan<double> excesses, double shape, double scale)
    {
        if (scale <= 0)
        {
            return double.NegativeInfinity;
        }

        var n = excesses.Length;
        if (shape == 0)
        {
            var sum = 0.0;
            foreach (var y in excesses)
            {
                sum += y;
            }

            return (-n * Math.Log(scale)) - (sum / scale);
        }

        var total = 0.0;
        foreach (var y in excesses)
        {
            var z = 1 + (shape * y / scale);
            if (z <= 0)
            {
                return double.NegativeInfinity;
            }

            total += Log1P(shape * y / scale);
        }

        return (-n * Math.Log(scale)) - ((1 + (1 / shape)) * total);
    }

    /// <summary>ln(1 + x), accurate for small x (the classic correction of the rounding of 1 + x).</summary>
    public static double Log1P(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    private static double SumLog1P(ReadOnlySpan<double> excesses, double theta)
    {
        var sum = 0.0;
        foreach (var y in excesses)
        {
            sum += Log1P(theta * y);
        }

        return sum;
    }

    /// <summary>
    /// The θ in (−1/max Y, 0) where γ(θ) = (1/N)·Σ ln(1 + θYᵢ) = −1, by bisection: γ rises from −∞ at
    /// −1/max Y to 0 at θ = 0.
    /// </summary>
    private static double ThetaOfShapeMinusOne(ReadOnlySpan<double> excesses, double max)
    {
        var n = excesses.Length;
        var low = -1 / max;
        var high = 0.0;
        for (var i = 0; i < 100; i++)
        {
            var middle = (low + high) / 2;
            if (middle <= low || middle >= high)
            {
                break;
            }

            if (SumLog1P(excesses, middle) < -n)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return high;
    }

    /// <summary>ℓ*(θ), the likelihood maximised over γ for a fixed θ = γ/σ.</summary>
    private static double Profile(ReadOnlySpan<double> excesses, double theta, double mean)
    {
        var n = excesses.Length;
        if (theta == 0)
        {
            return (-n * Math.Log(mean)) - n;
        }

        var s = SumLog1P(excesses, theta);
        var scale = s / (n * theta);
        return double.IsFinite(s) && scale > 0 ? (-n * Math.Log(scale)) - s - n : double.NegativeInfinity;
    }

    /// <summary>Golden-section search for the maximum of ℓ* on [a, b].</summary>
    private static (double Theta, double Value) Refine(ReadOnlySpan<double> excesses, double a, double b, double mean)
    {
        var ratio = (Math.Sqrt(5) - 1) / 2;
        var c = b - (ratio * (b - a));
        var d = a + (ratio * (b - a));
        var fc = Profile(excesses, c, mean);
        var fd = Profile(excesses, d, mean);
        for (var i = 0; i < RefineIterations && Math.Abs(b - a) > 1e-12 * (Math.Abs(a) + Math.Abs(b)); i++)
        {
            if (fc >= fd)
            {
                b = d;
                d = c;
                fd = fc;
                c = b - (ratio * (b - a));
                fc = Profile(excesses, c, mean);
            }
            else
            {
                a = c;
                c = d;
                fc = fd;
                d = a + (ratio * (b - a));
                fd = Profile(excesses, d, mean);
            }
        }

        return fc >= fd ? (c, fc) : (d, fd);
    }
}
