namespace MstGad.Features.Tests;

[TestFixture]
public sealed class TelemetryFormatExceptionTests
{
    [TestCase("metrics.csv", 3L, "value", "abc", "not a number", "metrics.csv:3: field 'value' not a number: 'abc'")]
    [TestCase("metrics.csv", 0L, "value", "abc", "not a number", "metrics.csv: field 'value' not a number: 'abc'")]
    [TestCase("metrics.csv", 3L, null, "abc", "not a number", "metrics.csv:3: not a number: 'abc'")]
    [TestCase("spans.json", 12L, "startTime", null, "missing", "spans.json:12: field 'startTime' missing: ''")]
    public void Constructor_Parts_MakeTheMessage(string source, long line, string? field, string? value, string problem, string expected)
    {
        var ex = new TelemetryFormatException(source, line, field, value, problem);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Is.EqualTo(expected));
            Assert.That(ex.SourceName, Is.EqualTo(source));
            Assert.That(ex.Line, Is.EqualTo(line));
            Assert.That(ex.Field, Is.EqualTo(field));
            Assert.That(ex.Value, Is.EqualTo(value));
            Assert.That(ex.Problem, Is.EqualTo(problem));
        });
    }

    [Test]
    public void Constructor_AHint_EndsTheMessage()
    {
        var inner = new InvalidDataException();

        var ex = new TelemetryFormatException("dependency.csv", 1, null, "Source,Target,Weight", "not a metric file: its header lacks 'Time'", "use lenient mode to skip it", inner);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Is.EqualTo("dependency.csv:1: not a metric file: its header lacks 'Time': 'Source,Target,Weight'; use lenient mode to skip it"));
            Assert.That(ex.Problem, Is.EqualTo("not a metric file: its header lacks 'Time'"));
            Assert.That(ex.Hint, Is.EqualTo("use lenient mode to skip it"));
            Assert.That(ex.InnerException, Is.SameAs(inner));
        });
    }

    [Test]
    public void Constructor_WithoutAHint_HasNone()
    {
        Assert.That(new TelemetryFormatException("a.csv", 1, null, "x", "bad").Hint, Is.Null);
    }

    [Test]
    public void Constructor_ALongValue_IsShortenedInTheMessageButKeptWhole()
    {
        var value = new string('x', 201);

        var ex = new TelemetryFormatException("logs.csv", 1, null, value, "bad");

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Is.EqualTo("logs.csv:1: bad: '" + new string('x', 200) + "…'"));
            Assert.That(ex.Value, Is.EqualTo(value));
        });
    }

    [Test]
    public void Constructor_AnInnerException_IsKeptAndTheTypeIsAFormatException()
    {
        var inner = new OverflowException();

        var ex = new TelemetryFormatException("a.csv", 1, "n", "1e999", "out of range", inner);

        Assert.Multiple(() =>
        {
            Assert.That(ex.InnerException, Is.SameAs(inner));
            Assert.That(ex, Is.InstanceOf<FormatException>());
        });
    }
}
