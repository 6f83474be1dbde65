using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;
using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class GeneralizedParetoTests
{
    [TestCase(0.2, 1.0, 1)]
    [TestCase(-0.2, 2.0, 2)]
    [TestCase(0.0, 0.5, 3)]
    [TestCase(0.5, 1.0, 4)]
    public void Fit_LargeSample_RecoversTheParameters(double shape, double scale, int seed)
    {
        var excesses = Sample(shape, scale, 20_000, seed);

        var fit = GeneralizedPareto.Fit(excesses);

        Assert.Multiple(() =>
        {
            Assert.That(fit.Shape, Is.EqualTo(shape).Within(0.04));
            Assert.That(fit.Scale, Is.EqualTo(scale).Within(4).Percent);
        });
    }

    [TestCase(0.3, 1.0, 5, 50)]
    [TestCase(-0.3, 1.0, 6, 50)]
    [TestCase(0.0, 1.0, 7, 200)]
    [TestCase(-0.5, 3.0, 9, 100)]
    public void Fit_SmallSample_MatchesAnIndependentNelderMeadMaximum(double shape, double scale, int seed, int count)
    {
        // The maximum of the log-likelihood written out here, found by Nelder–Mead in (γ, ln σ) from the
        // exponential fit, must agree with Grimshaw's one-dimensional search.
        var excesses = Sample(shape, scale, count, seed);
        var mean = excesses.Average();
        var objective = ObjectiveFunction.Value(p => -LogLikelihood(excesses, p[0], Math.Exp(p[1])));
        var reference = new NelderMeadSimplex(1e-12, 100_000).FindMinimum(objective, Vector<double>.Build.Dense([0.0, Math.Log(mean)]));
        var referenceShape = reference.MinimizingPoint[0];
        var referenceScale = Math.Exp(reference.MinimizingPoint[1]);

        var fit = GeneralizedPareto.Fit(excesses);

        Assert.Multiple(() =>
        {
            Assert.That(fit.LogLikelihood, Is.GreaterThanOrEqualTo(-reference.FunctionInfoAtMinimum.Value - 1e-7));
            Assert.That(fit.LogLikelihood, Is.EqualTo(LogLikelihood(excesses, fit.Shape, fit.Scale)).Within(1e-9));
            Assert.That(fit.Shape, Is.EqualTo(referenceShape).Within(1e-4));
            Assert.That(fit.Scale, Is.EqualTo(referenceScale).Within(1e-4 * referenceScale));
        });
    }

    [Test]
    public void Fit_ProfileRisingTowardsTheBoundary_ChoosesTheUniformFit()
    {
        // Y = 1, 2, 3, 4, 5 (evenly spread below a ceiling): ℓ grows as γ falls towards −1, so the best fit
        // with γ ≥ −1 is the uniform distribution on [0, max Y]: γ = −1, σ = 5, ℓ = −5·ln 5 = −8.04718956…
        // (the exponential fit only reaches −5·ln 3 − 5 = −10.49306144…).
        double[] excesses = [1, 2, 3, 4, 5];

        var fit = GeneralizedPareto.Fit(excesses);

        Assert.That(fit, Is.EqualTo(new GeneralizedPareto(-1, 5, -5 * Math.Log(5))));
    }

    [Test]
    public void Fit_BoundedSampleWithoutInteriorMaximum_BeatsAConstrainedNelderMead()
    {
        // 30 draws of γ = −0.6, σ = 3 (ceiling 5): this sample's profile has no interior maximum. Nelder–Mead
        // held to γ ≥ −1 cannot do better than the uniform fit either.
        var excesses = Sample(-0.6, 3.0, 30, 8);
        var objective = ObjectiveFunction.Value(p => p[0] < -1 ? double.PositiveInfinity : -LogLikelihood(excesses, p[0], Math.Exp(p[1])));
        var reference = new NelderMeadSimplex(1e-12, 100_000).FindMinimum(objective, Vector<double>.Build.Dense([-0.5, Math.Log(excesses.Max())]));

        var fit = GeneralizedPareto.Fit(excesses);

        Assert.Multiple(() =>
        {
            Assert.That(fit.Shape, Is.EqualTo(-1.0));
            Assert.That(fit.Scale, Is.EqualTo(excesses.Max()));
            Assert.That(fit.LogLikelihood, Is.GreaterThanOrEqualTo(-reference.FunctionInfoAtMinimum.Value - 1e-9));
        });
    }

    [Test]
    public void LogLikelihoodOf_TwoExcesses_MatchesTheHandValue()
    {
        // Y = {1, 2}, γ = 0.5, σ = 1: ℓ = −2·ln 1 − (1 + 1/0.5)·(ln 1.5 + ln 2) = −3·ln 3 = −3.29583687…
        // γ = 0, σ = 2 (exponential): ℓ = −2·ln 2 − (1 + 2)/2 = −1.38629436… − 1.5 = −2.88629436…
        // γ = −1, σ = 1.5: 1 − 2/1.5 < 0 puts Y = 2 outside the support → −∞.
        double[] excesses = [1, 2];

        Assert.Multiple(() =>
        {
            Assert.That(GeneralizedPareto.LogLikelihoodOf(excesses, 0.5, 1), Is.EqualTo(-3 * Math.Log(3)).Within(1e-14));
            Assert.That(GeneralizedPareto.LogLikelihoodOf(excesses, 0, 2), Is.EqualTo(-2.886294361119891).Within(1e-14));
            Assert.That(GeneralizedPareto.LogLikelihoodOf(excesses, -1, 1.5), Is.EqualTo(double.NegativeInfinity));
        });
    }

    [Test]
    public void Log1P_SmallArguments_KeepTheirPrecision()
    {
        // ln(1 + x) = x − x²/2 + x³/3 − …: for x = 10⁻¹⁰ the second term is 5·10⁻²¹, below double's reach of
        // 1 + x, which the naive Math.Log(1 + x) loses (it returns 1.00000008…·10⁻¹⁰).
        Assert.Multiple(() =>
        {
            Assert.That(GeneralizedPareto.Log1P(1e-10), Is.EqualTo(1e-10 - 5e-21).Within(1e-25));
            Assert.That(GeneralizedPareto.Log1P(1), Is.EqualTo(Math.Log(2)).Within(1e-15));
            Assert.That(GeneralizedPareto.Log1P(0), Is.Zero);
        });
    }

    private static double[] Sample(double shape, double scale, int count, int seed)
    {
        // Inverse transform: F⁻¹(u) = (σ/γ)·((1 − u)^(−γ) − 1), or −σ·ln(1 − u) for γ = 0.
        var random = new Random(seed);
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var u = random.NextDouble();
            values[i] = shape == 0 ? -scale * Math.Log(1 - u) : scale / shape * (Math.Pow(1 - u, -shape) - 1);
        }

        return values;
    }

    /// <summary>The GPD log-likelihood, written independently of the code under test.</summary>
    private static double LogLikelihood(double[] excesses, double shape, double scale)
    {
        if (scale <= 0)
        {
            return double.NegativeInfinity;
        }

        var sum = 0.0;
        foreach (var y in excesses)
        {
            if (Math.Abs(shape) < 1e-12)
            {
                sum += -Math.Log(scale) - (y / scale);
                continue;
            }

            var z = 1 + (shape * y / scale);
            if (z <= 0)
            {
                return double.NegativeInfinity;
            }

            sum += -Math.Log(scale) - ((1 + (1 / shape)) * Math.Log(z));
        }

        return sum;
    }
}
