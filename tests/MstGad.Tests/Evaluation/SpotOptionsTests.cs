using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class SpotOptionsTests
{
    [Test]
    public void Defaults_AreThoseOfThePaper()
    {
        var options = new SpotOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Risk, Is.EqualTo(1e-3));
            Assert.That(options.InitialLevel, Is.EqualTo(0.98));
        });
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(-0.1)]
    [TestCase(double.NaN)]
    public void Risk_OutsideTheOpenUnitInterval_ThrowsWithTheValue(double value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SpotOptions { Risk = value });

        Assert.That(ex.Message, Is.EqualTo(
            "The risk q must lie strictly between 0 and 1. (Parameter 'value')" + Environment.NewLine +
            $"Actual value was {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}."));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    [TestCase(2.0)]
    [TestCase(double.NaN)]
    public void InitialLevel_OutsideTheOpenUnitInterval_ThrowsWithTheValue(double value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SpotOptions { InitialLevel = value });

        Assert.That(ex.Message, Is.EqualTo(
            "The initial level must lie strictly between 0 and 1. (Parameter 'value')" + Environment.NewLine +
            $"Actual value was {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}."));
    }

    [Test]
    public void Setters_ValuesInside_AreKept()
    {
        var options = new SpotOptions { Risk = 1e-5, InitialLevel = 0.95 };

        Assert.Multiple(() =>
        {
            Assert.That(options.Risk, Is.EqualTo(1e-5));
            Assert.That(options.InitialLevel, Is.EqualTo(0.95));
        });
    }
}
