using static TorchSharp.torch;

namespace MstGad.Model;

/// <summary>
/// The semi-supervised loss (paper Eq. 14–16) over the nodes present in the last step:
/// <c>L = (1/epoch)·L1 + (1 − 1/epoch)·L2</c>, with
/// <c>L1 = (η·Σ_unlabelled RE + Σ_abnormal 1/(RE + ε) + Σ_normal RE) / (m + n)</c> and
/// <c>L2 = −(1/n)·Σ_labelled [w·y·log ŷ + (1 − y)·log(1 − ŷ)]</c>, w = n_normal / n_abnormal of the training labels.
/// </summary>
internal static class MstgadLoss
{
    public static (Tensor Total, Tensor Reconstruction, Tensor Classification) Compute(
        Tensor reconstructionError, Tensor logits, Tensor labels, Tensor present, double epochWeight, double unlabelledWeight, double epsilon, double classWeight)
    {
        using var scope = NewDisposeScope();
        var re = reconstructionError;
        var unlabelled = (labels.eq(-1) & present).to_type(ScalarType.Float32);
        var normal = (labels.eq(0) & present).to_type(ScalarType.Float32);
        var abnormal = (labels.eq(1) & present).to_type(ScalarType.Float32);
        var count = (unlabelled + normal + abnormal).sum().clamp_min(1);
        var l1 = ((unlabelledWeight * (re * unlabelled).sum()) + ((1 / (re + epsilon)) * abnormal).sum() + (re * normal).sum()) / count;

        var logP = nn.functional.log_softmax(logits, 1);
        var labelled = (normal + abnormal).sum().clamp_min(1);
        var l2 = -((classWeight * abnormal * logP.select(1, 1)) + (normal * logP.select(1, 0))).sum() / labelled;

        var total = (epochWeight * l1) + ((1 - epochWeight) * l2);
        return (total.MoveToOuterDisposeScope(), l1.MoveToOuterDisposeScope(), l2.MoveToOuterDisposeScope());
    }
}
