using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class MstgadLossTests
{
    // Six nodes: 0 unlabelled, 1 and 2 normal, 3 abnormal (all present); 4 abnormal and 5 unlabelled but
    // absent in the last step, so they count nowhere.
    private static readonly long[] Labels = [-1, 0, 0, 1, 1, -1];
    private static readonly bool[] Present = [true, true, true, true, false, false];
    private static readonly float[] Re = [2f, 0.5f, 1.5f, 0.25f, 7f, 9f];

    // Logits chosen so that the softmax is simple: [0, ln 3] → P = (1/4, 3/4); [0, 0] → (1/2, 1/2).
    private static readonly float Ln3 = (float)Math.Log(3);
    private static readonly float[] Logits =
    [
        5f, -5f,  // unlabelled: ignored by L2
        Ln3, 0f,  // normal, P(normal) = 3/4
        0f, 0f,   // normal, P(normal) = 1/2
        0f, Ln3,  // abnormal, P(abnormal) = 3/4
        -9f, 9f,  // absent
        9f, -9f,  // absent
    ];

    private static (double Total, double L1, double L2) Compute(double epochWeight, double eta, double epsilon, double classWeight, long[]? labels = null, bool[]? present = null)
    {
        using var scope = NewDisposeScope();
        var (total, l1, l2) = MstgadLoss.Compute(
            tensor(Re), tensor(Logits, [6, 2]), tensor(labels ?? Labels), tensor(present ?? Present), epochWeight, eta, epsilon, classWeight);
        return (total.item<float>(), l1.item<float>(), l2.item<float>());
    }

    [Test]
    public void Compute_TinyBatch_EqualsTheHandCalculation()
    {
        var (total, l1, l2) = Compute(epochWeight: 1.0 / 3, eta: 0.01, epsilon: 1e-6, classWeight: 2);

        // m + n = 4 present nodes (one unlabelled, two normal, one abnormal).
        // L1 = (η·RE_0 + 1/(RE_3 + ε) + RE_1 + RE_2) / 4 = (0.01·2 + 1/0.250001 + 0.5 + 1.5) / 4
        //    = (0.02 + 3.999984000064 + 2) / 4 = 6.019984000064 / 4 = 1.504996000016
        const double expectedL1 = 1.504996000016;

        // n = 3 labelled present nodes; w = 2:
        // L2 = −(w·ln P_3(abnormal) + ln P_1(normal) + ln P_2(normal)) / 3 = −(2·ln 0.75 + ln 0.75 + ln 0.5) / 3
        //    = −(−0.575364144903562 − 0.287682072451781 − 0.693147180559945) / 3 = 1.556193397915288 / 3 = 0.518731132638429
        const double expectedL2 = 0.518731132638429;

        // L = (1/epoch)·L1 + (1 − 1/epoch)·L2 with epoch 3: 1.504996000016/3 + 2·0.518731132638429/3
        //   = 0.501665333339 + 0.345820755092 = 0.847486088431
        Assert.Multiple(() =>
        {
            Assert.That(l1, Is.EqualTo(expectedL1).Within(1e-6));
            Assert.That(l2, Is.EqualTo(expectedL2).Within(1e-6));
            Assert.That(total, Is.EqualTo(0.847486088431).Within(1e-6));
            Assert.That(((0.01 * 2) + (1 / 0.250001) + 0.5 + 1.5) / 4, Is.EqualTo(expectedL1).Within(1e-12), "the arithmetic above");
            Assert.That(-((2 * Math.Log(0.75)) + Math.Log(0.75) + Math.Log(0.5)) / 3, Is.EqualTo(expectedL2).Within(1e-12), "the arithmetic above");
        });
    }

    [Test]
    public void Compute_FirstEpoch_IsTheReconstructionLossAlone()
    {
        var (total, l1, _) = Compute(epochWeight: 1, eta: 0.01, epsilon: 1e-6, classWeight: 2);

        Assert.That(total, Is.EqualTo(l1));
    }

    [Test]
    public void Compute_AbsentNodes_ContributeNothing()
    {
        // Node 4 (abnormal, RE 7) and node 5 (unlabelled, RE 9) are absent; making them present adds
        // 1/7 and 0.01·9 to the L1 sum, one more node to m + n, and −w·ln P_4 = −2·ln(1 − 1.5e-8) ≈ 0 to L2.
        var (_, l1, l2) = Compute(1, 0.01, 1e-6, 2, present: [true, true, true, true, true, true]);

        Assert.Multiple(() =>
        {
            Assert.That(l1, Is.EqualTo((6.019984000064 + (1 / 7.000001) + 0.09) / 6).Within(1e-6));
            Assert.That(l2, Is.EqualTo(1.556193397915288 / 4).Within(1e-6));
        });
    }

    [Test]
    public void Compute_UnlabelledWeightAndEpsilon_AreUsed()
    {
        // η = 0.5, ε = 0.25: L1 = (0.5·2 + 1/(0.25 + 0.25) + 0.5 + 1.5) / 4 = (1 + 2 + 2) / 4 = 1.25.
        var (_, l1, _) = Compute(1, eta: 0.5, epsilon: 0.25, classWeight: 2);

        Assert.That(l1, Is.EqualTo(1.25).Within(1e-6));
    }

    [Test]
    public void Compute_NothingPresent_GivesZeroInsteadOfNaN()
    {
        var (total, l1, l2) = Compute(0.5, 0.01, 1e-6, 2, present: new bool[6]);

        Assert.Multiple(() =>
        {
            Assert.That(l1, Is.Zero);
            Assert.That(l2, Is.Zero);
            Assert.That(total, Is.Zero);
        });
    }

    [Test]
    public void Compute_NoLabels_GivesZeroClassificationLoss()
    {
        // All unlabelled: L1 = 0.01·(2 + 0.5 + 1.5 + 0.25) / 4 = 0.010625.
        var (_, l1, l2) = Compute(0.5, 0.01, 1e-6, 2, labels: [-1, -1, -1, -1, -1, -1]);

        Assert.Multiple(() =>
        {
            Assert.That(l1, Is.EqualTo(0.010625).Within(1e-7));
            Assert.That(l2, Is.Zero);
        });
    }

    [Test]
    public void Compute_Gradients_PushNormalErrorsDownAndAbnormalErrorsUp()
    {
        using var scope = NewDisposeScope();
        var re = tensor(Re).requires_grad_();

        var (_, l1, _) = MstgadLoss.Compute(re, tensor(Logits, [6, 2]), tensor(Labels), tensor(Present), 1, 0.01, 1e-6, 2);
        l1.backward();
        var g = Tensors.Values(re.grad!);

        // ∂L1/∂RE: η/4 unlabelled, 1/4 normal, −1/(4·(RE + ε)²) abnormal, 0 absent.
        Assert.That(g, Is.EqualTo(new[] { 0.0025f, 0.25f, 0.25f, (float)(-1 / (4 * 0.250001 * 0.250001)), 0f, 0f }).Within(1e-5));
    }
}
