using TorchSharp;
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

        // Every number as a kept scalar (see Scalars), with the value and type the operators would have made of it.
        using var unlabelledScale = unlabelledWeight.ToScalar();
        using var epsilonScalar = epsilon.ToScalar();
        using var weight = classWeight.ToScalar();
        using var reconstructionShare = epochWeight.ToScalar();
        using var classificationShare = (1 - epochWeight).ToScalar();
        var re = reconstructionError;
        var unlabelled = (labels.eq(Scalars.Unlabelled) & present).to_type(ScalarType.Float32);
        var normal = (labels.eq(Scalars.Zero) & present).to_type(ScalarType.Float32);
        var abnormal = (labels.eq(Scalars.One) & present).to_type(ScalarType.Float32);
        var count = unlabelled.Plus(normal).Plus(abnormal).sum().clamp_min(Scalars.One);
        var inverse = re.add(epsilonScalar, Scalars.One).reciprocal().mul(Scalars.One); // 1 / (re + ε)
        var l1 = (re * unlabelled).sum().mul(unlabelledScale).Plus((inverse * abnormal).sum()).Plus((re * normal).sum()) / count;

        var logP = nn.functional.log_softmax(logits, 1);
        var labelled = normal.Plus(abnormal).sum().clamp_min(Scalars.One);
        var l2 = -(abnormal.mul(weight) * logP.select(1, 1)).Plus(normal * logP.select(1, 0)).sum() / labelled;

        var total = l1.mul(reconstructionShare).Plus(l2.mul(classificationShare));
        return (total.MoveToOuterDisposeScope(), l1.MoveToOuterDisposeScope(), l2.MoveToOuterDisposeScope());
    }
}
