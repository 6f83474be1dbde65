using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model;

/// <summary>
/// AdaBelief (Zhuang et al., NeurIPS 2020): Adam whose second moment tracks the belief
/// <c>(g − m)²</c> instead of <c>g²</c>, with bias correction and decoupled weight decay:
/// <code>
/// m ← β1·m + (1 − β1)·g
/// s ← β2·s + (1 − β2)·(g − m)² + ε
/// θ ← θ·(1 − lr·λ)                       (decoupled weight decay)
/// θ ← θ − lr · (m / (1 − β1ᵗ)) / (√(s / (1 − β2ᵗ)) + ε)
/// </code>
/// (TorchSharp has no AdaBelief.)
/// </summary>
internal sealed class AdaBelief : IDisposable
{
    private readonly List<(TorchSharp.Modules.Parameter Parameter, Tensor M, Tensor S)> _state = [];
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;
    private readonly double _weightDecay;
    private readonly Scalar _beta1Scalar;
    private readonly Scalar _gradientShare;
    private readonly Scalar _beta2Scalar;
    private readonly Scalar _beliefShare;
    private readonly Scalar _epsilonScalar;
    private long _step;

    public AdaBelief(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-16, double weightDecay = 0)
    {
        foreach (var p in parameters)
        {
            _state.Add((p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()));
        }

        LearningRate = learningRate;
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _weightDecay = weightDecay;

        // Kept scalars (see Scalars), with the values and types the implicit conversions made.
        _beta1Scalar = beta1.ToScalar();
        _gradientShare = (1 - beta1).ToScalar();
        _beta2Scalar = beta2.ToScalar();
        _beliefShare = (1 - beta2).ToScalar();
        _epsilonScalar = epsilon.ToScalar();
    }

    public double LearningRate { get; set; }

    public long StepCount => _step;

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope(); // each read of Parameter.grad makes a new handle
        foreach (var (p, _, _) in _state)
        {
            p.grad?.zero_();
        }
    }

    public void Step()
    {
        _step++;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var correction1 = 1 - Math.Pow(_beta1, _step);
        var correction2 = 1 - Math.Pow(_beta2, _step);
        using var decay = (1 - (LearningRate * _weightDecay)).ToScalar();
        using var secondCorrection = correction2.ToScalar();
        using var stepSize = (-LearningRate / correction1).ToScalar();
        foreach (var (p, m, s) in _state)
        {
            var g = p.grad;
            if (g is null)
            {
                continue;
            }

            m.mul_(_beta1Scalar).add_(g, alpha: _gradientShare);
            var belief = g - m;
            s.mul_(_beta2Scalar).addcmul_(belief, belief, value: _beliefShare).add_(_epsilonScalar, Scalars.One);
            if (_weightDecay != 0)
            {
                p.mul_(decay);
            }

            var denominator = s.div(secondCorrection).sqrt().add_(_epsilonScalar, Scalars.One);
            p.addcdiv_(m, denominator, value: stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var (_, m, s) in _state)
        {
            m.Dispose();
            s.Dispose();
        }

        _state.Clear();
        _beta1Scalar.Dispose();
        _gradientShare.Dispose();
        _beta2Scalar.Dispose();
        _beliefShare.Dispose();
        _epsilonScalar.Dispose();
    }
}
