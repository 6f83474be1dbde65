using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model;

/// <summary>
/// The scalars the network's operations take, kept alive for as long as the operations run.
/// </summary>
/// <remarks>
/// TorchSharp turns a number passed to an operation (and the implicit α = 1 of <c>a + b</c> and <c>add_</c>, and the exponent 2 of <c>square()</c>) into a
/// <see cref="Scalar"/>, a wrapper of a native object with a finalizer, and reads only its handle: once the handle is
/// read the wrapper is garbage, and a collection during the native call can free the object while libtorch reads it
/// (seen as "Expected false to be true" from <c>c10::Scalar::toFloat</c>, in a test run under load). Every operation
/// of this assembly passes one of these instead — constants here for the life of the process, other values created
/// with <c>using</c> around their call — with the same value and type as the implicit conversion, so results are
/// bit-identical.
/// </remarks>
internal static class Scalars
{
    /// <summary>The α of an addition, as TorchSharp's <c>add(target)</c> passes it (the integer 1).</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The exponent of a square, as TorchSharp's <c>square()</c> passes it (the integer 2).</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>The integer 0 (the start of a range; the label of a normal point).</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>The α of the scatter-adds (the double 1.0).</summary>
    public static readonly Scalar UnitAlpha = 1.0.ToScalar();

    /// <summary>The negative slope of the attention's LeakyReLU.</summary>
    public static readonly Scalar AttentionSlope = AttentionSlopeValue.ToScalar();

    /// <summary>The value of <see cref="AttentionSlope"/>.</summary>
    public const double AttentionSlopeValue = 0.2;

    /// <summary>The negative slope of the feed-forward and classifier LeakyReLUs (the double 0.01, as <c>nn.LeakyReLU(0.01)</c> passes it).</summary>
    public static readonly Scalar FeedForwardSlope = FeedForwardSlopeValue.ToScalar();

    /// <summary>The value of <see cref="FeedForwardSlope"/>.</summary>
    public const double FeedForwardSlopeValue = 0.01;

    /// <summary>The largest shift of an attention score above its self-loop before exp (the integer 60).</summary>
    public static readonly Scalar MaxShift = MaxShiftValue.ToScalar();

    /// <summary>The value of <see cref="MaxShift"/>.</summary>
    public const int MaxShiftValue = 60;

    /// <summary>The label of an unlabelled point, the integer −1 (an abnormal one is <see cref="One"/>).</summary>
    public static readonly Scalar Unlabelled = (-1).ToScalar();

    /// <summary><c>a.square()</c> with a kept exponent (TorchSharp's <c>square()</c> is <c>pow(2)</c>).</summary>
    public static Tensor Squared(this Tensor a) => a.pow(Two);

    /// <summary><c>a + b</c> with a kept α.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a.add_(b)</c> with a kept α.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, One);
}
