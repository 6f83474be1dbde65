namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class NezhaTextTests
{
    // A real row of construct_data/2023-01-29/log/08_50_log.csv, as the CSV reader unescapes its Log cell.
    private const string DockerLog =
        "{\"log\":\"16:48:16.546 INFO  c.s.ConfigServiceImpl#65 TraceID: a SpanID: b [query][Query config]\\n\",\"stream\":\"stdout\",\"time\":\"2023-01-29T08:48:16.546346267Z\"}";

    [Test]
    public void TrySplit_QuotedFieldsWithCommasAndQuotes_ReturnsTheFields()
    {
        var fields = new List<string>();

        var ok = NezhaText.TrySplit("a,\"{\"\"log\"\":\"\"x, y\"\"}\",,c", fields);

        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.True);
            Assert.That(fields, Is.EqualTo(new[] { "a", "{\"log\":\"x, y\"}", string.Empty, "c" }));
        });
    }

    [TestCase("a,\"open")]
    [TestCase("a,\"closed\"x,b")]
    public void TrySplit_NotOneRecord_ReturnsFalse(string line) =>
        Assert.That(NezhaText.TrySplit(line, []), Is.False);

    [Test]
    public void WriteRow_FieldsThatNeedQuotes_AreQuotedAndSplitBack()
    {
        string[] row = ["2023-01-29T08:48:16Z", "{\"log\":\"a, b\\n\"}", "plain"];
        using var writer = new StringWriter();

        NezhaText.WriteRow(writer, row);
        var fields = new List<string>();
        var ok = NezhaText.TrySplit(writer.ToString().TrimEnd('\n'), fields);

        Assert.Multiple(() =>
        {
            Assert.That(writer.ToString(), Is.EqualTo("2023-01-29T08:48:16Z,\"{\"\"log\"\":\"\"a, b\\n\"\"}\",plain\n"));
            Assert.That(ok, Is.True);
            Assert.That(fields, Is.EqualTo(row));
        });
    }

    [TestCase("2023-01-29T08:48:16.546346267Z", 3600, "2023-01-29T09:48:16.546346267Z")]
    [TestCase("2023-01-29T08:48:16.5463Z", -60, "2023-01-29T08:47:16.5463Z")]
    [TestCase("2023-01-29T23:59:59.1", 2, "2023-01-30T00:00:01.1")]
    [TestCase("not a time", 5, "not a time")]
    public void ShiftIso_WholeSeconds_KeepsFractionAndZone(string text, long seconds, string expected) =>
        Assert.That(NezhaText.ShiftIso(text, seconds), Is.EqualTo(expected));

    [TestCase("2023-01-29T08:48:16.546346267Z", 1674982096546346267L)]
    [TestCase("2023-01-29T08:48:16.5Z", 1674982096500000000L)]
    [TestCase("2023-01-29T08:48:16", 1674982096000000000L)]
    public void TryParseIso_Times_ReturnsUnixNanoseconds(string text, long expected)
    {
        var ok = NezhaText.TryParseIso(text, out var ns);

        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.True);
            Assert.That(ns, Is.EqualTo(expected));
            Assert.That(NezhaText.FormatIso(ns)[..19], Is.EqualTo(text[..19]));
        });
    }

    [Test]
    public void ShiftDockerLog_WholeSeconds_MovesTheLocalClockAndTheTimeFieldOnly()
    {
        var shifted = NezhaText.ShiftDockerLog(DockerLog, (7 * 3600) + 61);

        Assert.That(shifted, Is.EqualTo(
            "{\"log\":\"23:49:17.546 INFO  c.s.ConfigServiceImpl#65 TraceID: a SpanID: b [query][Query config]\\n\",\"stream\":\"stdout\",\"time\":\"2023-01-29T15:49:17.546346267Z\"}"));
    }

    [Test]
    public void ShiftDockerLog_PastMidnightLocal_WrapsTheClock() =>
        Assert.That(NezhaText.ShiftDockerLog(DockerLog, 8 * 3600)[..20], Is.EqualTo("{\"log\":\"00:48:16.546"));

    [TestCase("23:41:19.259", 85279259L)]
    [TestCase("00:00:00.000", 0L)]
    public void TryParseClock_Clock_ReturnsMillisecondsOfTheDay(string text, long expected)
    {
        var ok = NezhaText.TryParseClock(text, out var ms);

        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.True);
            Assert.That(ms, Is.EqualTo(expected));
            Assert.That(NezhaText.FormatClock(ms), Is.EqualTo(text));
        });
    }

    [TestCase("24:00:00.000")]
    [TestCase("12:00:00,000")]
    [TestCase("12:0a:00.000")]
    public void TryParseClock_NotAClock_ReturnsFalse(string text) =>
        Assert.That(NezhaText.TryParseClock(text, out _), Is.False);
}
