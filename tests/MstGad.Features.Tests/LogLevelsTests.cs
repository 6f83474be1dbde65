namespace MstGad.Features.Tests;

[TestFixture]
public sealed class LogLevelsTests
{
    [Test]
    public void Names_Always_AreTheColumnsInOrder()
    {
        Assert.That(LogLevels.Names, Is.EqualTo(new[] { "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OTHER" }));
    }

    [TestCase("TRACE", 0)]
    [TestCase("debug", 1)]
    [TestCase("INFO", 2)]
    [TestCase("Info", 2)]
    [TestCase("  info\t", 2)]
    [TestCase("WARN", 3)]
    [TestCase("warning", 3)]
    [TestCase("ERROR", 4)]
    [TestCase("FATAL", 5)]
    [TestCase("Critical", 5)]
    [TestCase("NOTICE", 6)]
    [TestCase("", 6)]
    [TestCase(null, 6)]
    public void IndexOf_ALevel_GivesItsColumn(string? level, int expected)
    {
        Assert.That(LogLevels.IndexOf(level), Is.EqualTo(expected));
    }

    [TestCase(0, null)]
    [TestCase(1, "TRACE")]
    [TestCase(4, "TRACE")]
    [TestCase(5, "DEBUG")]
    [TestCase(9, "INFO")]
    [TestCase(12, "INFO")]
    [TestCase(13, "WARN")]
    [TestCase(17, "ERROR")]
    [TestCase(21, "FATAL")]
    [TestCase(24, "FATAL")]
    [TestCase(25, null)]
    [TestCase(-3, null)]
    public void FromOtlpSeverity_ANumber_GivesItsLevel(int number, string? expected)
    {
        Assert.That(LogLevels.FromOtlpSeverity(number), Is.EqualTo(expected));
    }

    [TestCase("TRACE", 1)]
    [TestCase("debug", 5)]
    [TestCase("INFO", 9)]
    [TestCase("Warning", 13)]
    [TestCase("ERROR", 17)]
    [TestCase("CRITICAL", 21)]
    [TestCase("NOTICE", 0)]
    [TestCase(null, 0)]
    public void ToOtlpSeverity_ALevel_GivesTheFirstNumberOfItsRange_AndBack(string? level, int expected)
    {
        Assert.That(LogLevels.ToOtlpSeverity(level), Is.EqualTo(expected));
        Assert.That(LogLevels.FromOtlpSeverity(expected), Is.EqualTo(expected == 0 ? null : LogLevels.Names[LogLevels.IndexOf(level)]));
    }
}
