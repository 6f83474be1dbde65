namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class DurationsTests
{
    [TestCase("1m", "1 min")]
    [TestCase("10s", "10 s")]
    [TestCase("500ms", "0.5 s")]
    [TestCase("2h", "2 h")]
    [TestCase("90s", "90 s")]
    [TestCase("0s", "0 s")]
    public void Format_ParsedDuration_ReadsForPeople(string text, string expected) =>
        Assert.That(Durations.Format(Durations.Parse(text)), Is.EqualTo(expected));
}
