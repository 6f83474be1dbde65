using TorchSharp;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed class ReproducibilityTests
{
    [Test]
    public void Ensure_BeforeTheFirstTorchCall_PutsMklInStrictReproducibleMode()
    {
        // The set-up fixture called TorchNative.EnsureLoadable (and the module initialiser ran) before any torch call.
        using var x = torch.ones(8, 8);
        using var y = x.matmul(x);
        var expected = Environment.GetEnvironmentVariable("MSTGAD_EXPECT_MKL_CBWR") ?? Reproducibility.Value;
        Assert.Multiple(() =>
        {
            Assert.That(Environment.GetEnvironmentVariable(Reproducibility.Variable), Is.Not.Null);
            Assert.That(Reproducibility.MklMode(), Is.EqualTo(expected));
        });
    }

    [Test]
    public void Ensure_SecondCall_ReportsTheFirstOutcome()
    {
        var first = Reproducibility.Ensure();
        Assert.That(Reproducibility.Ensure(), Is.EqualTo(first));
    }

    [TestCase(0x10002, "AUTO,STRICT")]
    [TestCase(0x1, "OFF")]
    [TestCase(0x3, "COMPATIBLE")]
    [TestCase(0xA, "AVX2")]
    [TestCase(0x1000D, "AVX512,STRICT")]
    [TestCase(0x63, "0x63")]
    public void Describe_Mode_NamesBranchAndStrictness(int mode, string expected) =>
        Assert.That(Reproducibility.Describe(mode), Is.EqualTo(expected));
}
