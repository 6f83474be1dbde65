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
        foreach (var (p, m, s) in _state)
        {
            var g = p.grad;
            if (g is null)
            {
                continue;
            }

            m.mul_(_beta1).add_(g, alpha: 1 - _beta1);
            var belief = g - m;
            s.mul_(_beta2).addcmul_(belief, belief, value: 1 - _beta2).add_(_epsilon);
            if (_weightDecay != 0)
            {
                p.mul_(1 - (LearningRate * _weightDecay));
            }

            var denominator = (s / correction2).sqrt().add_(_epsilon);
            p.addcdiv_(m, denominator, value: -LearningRate / correction1);
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
    }
}
