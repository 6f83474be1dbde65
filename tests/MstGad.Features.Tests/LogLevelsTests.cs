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
}
