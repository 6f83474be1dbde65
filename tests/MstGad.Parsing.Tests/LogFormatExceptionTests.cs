namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class LogFormatExceptionTests
{
    [TestCase("app.log", 12L, "app.log:12: ")]
    [TestCase(null, 12L, "line 12: ")]
    [TestCase("app.log", 0L, "app.log: ")]
    [TestCase(null, 0L, "")]
    public void Message_Location_IsNamedWhenKnown(string? source, long lineNumber, string prefix)
    {
        var ex = new LogFormatException(source, lineNumber, "bad", "<Content>");

        Assert.That(ex.Message, Is.EqualTo(prefix + "the line does not match the log format '<Content>': 'bad'"));
    }

    [Test]
    public void Message_LongLine_ShowsAPreviewButKeepsTheWholeLine()
    {
        var line = new string('x', 300);

        var ex = new LogFormatException("a.log", 1, line, "<Content>");

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Is.EqualTo($"a.log:1: the line does not match the log format '<Content>': '{new string('x', 200)}… (300 characters)'"));
            Assert.That(ex.Line, Is.EqualTo(line));
        });
    }

    [Test]
    public void Message_LineOfExactlyThePreviewLength_IsShownWhole()
    {
        var line = new string('y', 200);

        var ex = new LogFormatException(null, 0, line, "<Content>");

        Assert.That(ex.Message, Is.EqualTo($"the line does not match the log format '<Content>': '{line}'"));
    }
}
