using MstGad.Model.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class AdaBeliefTests
{
    private static readonly double[] Start = [0.5, -1.0, 2.0, 0.0];

    /// <summary>Sets the gradient of <paramref name="p"/> to <paramref name="g"/> by back-propagating Σ g·p.</summary>
    private static void Backward(Parameter p, double[] g)
    {
        using var scope = NewDisposeScope();
        (p * tensor(g.Select(v => (float)v).ToArray())).sum().backward();
    }

    /// <summary>The documented update, computed in doubles.</summary>
    private static double[] HandSteps(double[][] gradients, double lr, double beta1, double beta2, double eps, double decay)
    {
        var theta = (double[])Start.Clone();
        var m = new double[theta.Length];
        var s = new double[theta.Length];
        for (var t = 1; t <= gradients.Length; t++)
        {
            for (var i = 0; i < theta.Length; i++)
            {
                var g = gradients[t - 1][i];
                m[i] = (beta1 * m[i]) + ((1 - beta1) * g);
                s[i] = (beta2 * s[i]) + ((1 - beta2) * (g - m[i]) * (g - m[i])) + eps;
                theta[i] *= 1 - (lr * decay);
                var mHat = m[i] / (1 - Math.Pow(beta1, t));
                var sHat = s[i] / (1 - Math.Pow(beta2, t));
                theta[i] -= lr * mHat / (Math.Sqrt(sHat) + eps);
            }
        }

        return theta;
    }

    [Test]
    public void Step_OneStep_EqualsTheHandCalculation()
    {
        var p = new Parameter(tensor(Start.Select(v => (float)v).ToArray()));
        using var optimizer = new AdaBelief([p], learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1);
        double[] g = [0.1, -0.2, 0.3, 0.05];
        Backward(p, g);

        optimizer.Step();

        // Step 1, element 0 (θ = 0.5, g = 0.1):
        //   m = 0.1·0.1 = 0.01;  s = 0.001·(0.1 − 0.01)² + 1e-8 = 0.001·0.0081 + 1e-8 = 8.11e-6
        //   θ ← 0.5·(1 − 0.01·0.1) = 0.4995
        //   m̂ = 0.01 / 0.1 = 0.1;  ŝ = 8.11e-6 / 0.001 = 8.11e-3;  √ŝ = 0.0900555...
        //   θ ← 0.4995 − 0.01·0.1 / (0.0900555 + 1e-8) = 0.4995 − 0.0111043 = 0.4883957
        var expected = HandSteps([g], 0.01, 0.9, 0.999, 1e-8, 0.1);
        Assert.Multiple(() =>
        {
            Assert.That(expected[0], Is.EqualTo(0.4883957).Within(1e-7));
            Assert.That(Tensors.Values(p).Select(v => (double)v), Is.EqualTo(expected).Within(1e-6));
            Assert.That(optimizer.StepCount, Is.EqualTo(1));
        });
        p.Dispose();
    }

    [Test]
    public void Step_ThreeSteps_CarryTheMomentsAndBiasCorrection()
    {
        var p = new Parameter(tensor(Start.Select(v => (float)v).ToArray()));
        using var optimizer = new AdaBelief([p], learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0);
        double[][] gradients = [[0.1, -0.2, 0.3, 0.05], [-0.4, 0.1, 0.3, 0.0], [0.2, 0.2, -0.1, 1.0]];

        foreach (var g in gradients)
        {
            optimizer.ZeroGrad();
            Backward(p, g);
            optimizer.Step();
        }

        Assert.Multiple(() =>
        {
            Assert.That(Tensors.Values(p).Select(v => (double)v), Is.EqualTo(HandSteps(gradients, 0.05, 0.8, 0.99, 1e-6, 0)).Within(1e-6));
            Assert.That(optimizer.StepCount, Is.EqualTo(3));
        });
        p.Dispose();
    }

    [Test]
    public void ZeroGrad_ClearsGradientsSoAStepWithoutNewOnesStillMovesByMomentum()
    {
        var p = new Parameter(tensor(Start.Select(v => (float)v).ToArray()));
        using var optimizer = new AdaBelief([p], learningRate: 0.01);
        Backward(p, [1, 1, 1, 1]);
        optimizer.Step();

        optimizer.ZeroGrad();
        var zeroed = Tensors.Values(p.grad!);
        optimizer.Step();

        Assert.Multiple(() =>
        {
            Assert.That(zeroed, Is.All.Zero);
            Assert.That(Tensors.Values(p).Select(v => (double)v), Is.EqualTo(HandSteps([[1, 1, 1, 1], [0, 0, 0, 0]], 0.01, 0.9, 0.999, 1e-16, 0)).Within(1e-6));
        });
        p.Dispose();
    }

    [Test]
    public void StepAndZeroGrad_OutsideAnyDisposeScope_LeakNoTensors()
    {
        var p = new Parameter(tensor(Start.Select(v => (float)v).ToArray()));
        using var optimizer = new AdaBelief([p], learningRate: 0.01);
        Backward(p, [1, 1, 1, 1]);
        optimizer.Step();
        optimizer.ZeroGrad();
        var before = torch.Tensor.TotalCount;

        for (var i = 0; i < 5; i++)
        {
            Backward(p, [1, 2, 3, 4]);
            optimizer.Step();
            optimizer.ZeroGrad();
        }

        Assert.That(torch.Tensor.TotalCount, Is.EqualTo(before));
        p.Dispose();
    }

    [Test]
    public void Step_ParameterWithoutGradient_IsLeftAlone()
    {
        var used = new Parameter(tensor(new[] { 1f, 2f }));
        var unused = new Parameter(tensor(new[] { 3f, 4f }));
        using var optimizer = new AdaBelief([used, unused], learningRate: 0.1, weightDecay: 0.5);
        Backward(used, [1, -1]);

        optimizer.Step();

        Assert.Multiple(() =>
        {
            Assert.That(unused.grad, Is.Null);
            Assert.That(Tensors.Values(unused), Is.EqualTo(new[] { 3f, 4f }), "no gradient: no step and no weight decay");
            Assert.That(Tensors.Values(used), Is.Not.EqualTo(new[] { 1f, 2f }));
        });
        used.Dispose();
        unused.Dispose();
    }
}
