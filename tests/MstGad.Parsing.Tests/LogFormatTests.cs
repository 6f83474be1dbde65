using System.Text.RegularExpressions;
using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class LogFormatTests
{
    private const string HdfsFormat = "<Date> <Time> <Pid> <Level> <Component>: <Content>";
    private const string LinuxFormat = @"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>";

    [Test]
    public void Create_HdfsFormat_ListsTheFieldsAndCompilesToAnAnchoredPattern()
    {
        var format = LogFormat.Create(HdfsFormat);

        Assert.Multiple(() =>
        {
            Assert.That(format.Format, Is.EqualTo(HdfsFormat));
            Assert.That(format.Fields, Is.EqualTo(new[] { "Date", "Time", "Pid", "Level", "Component", "Content" }));
            Assert.That(format.Pattern, Is.EqualTo(@"^(?<Date>.*?)\s+(?<Time>.*?)\s+(?<Pid>.*?)\s+(?<Level>.*?)\s+(?<Component>.*?):\s+(?<Content>.*?)$"));
        });
    }

    [Test]
    public void Parse_HdfsLine_SplitsItIntoFields()
    {
        var format = LogFormat.Create(HdfsFormat);

        var line = format.Parse("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating");

        Assert.Multiple(() =>
        {
            Assert.That(line.Values, Is.EqualTo(new[] { "081109", "203615", "148", "INFO", "dfs.DataNode$PacketResponder", "PacketResponder 1 for block blk_38865049064139660 terminating" }));
            Assert.That(line.Content, Is.EqualTo("PacketResponder 1 for block blk_38865049064139660 terminating"));
            Assert.That(line["Component"], Is.EqualTo("dfs.DataNode$PacketResponder"));
            Assert.That(line["Pid"], Is.EqualTo("148"));
        });
    }

    [Test]
    public void Parse_SurroundingAndRepeatedWhiteSpace_IsIgnoredBetweenFields()
    {
        var format = LogFormat.Create(HdfsFormat);

        var line = format.Parse("  081109\t203615   148 INFO  dfs.X:   hello   world  \r");

        Assert.That(line.Values, Is.EqualTo(new[] { "081109", "203615", "148", "INFO", "dfs.X", "hello   world" }));
    }

    [TestCase("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown", "sshd(pam_unix)", "19939", "check pass; user unknown")]
    [TestCase("Jun 19 04:08:57 combo cups: cupsd shutdown succeeded", "cups", "", "cupsd shutdown succeeded")]
    [TestCase("Jun 19 04:09:11 combo syslogd 1.4.1: restart.", "syslogd 1.4.1", "", "restart.")]
    public void Parse_OptionalGroup_MatchesWithAndWithoutIt(string text, string component, string pid, string content)
    {
        var format = LogFormat.Create(LinuxFormat);

        var line = format.Parse(text);

        Assert.Multiple(() =>
        {
            Assert.That(line["Level"], Is.EqualTo("combo"));
            Assert.That(line["Component"], Is.EqualTo(component));
            Assert.That(line["PID"], Is.EqualTo(pid));
            Assert.That(line.Content, Is.EqualTo(content));
        });
    }

    /// <summary>Every field of every line of every Loghub system equals the ground-truth column.</summary>
    [TestCaseSource(nameof(LoghubSystemNames))]
    public void Parse_Loghub2k_GivesTheGroundTruthFields(string system)
    {
        var format = LogFormat.Create(Loghub.System(system).LogFormat);
        var lines = File.ReadAllLines(Loghub.System(system).LogPath);
        var expected = format.Fields.Select(f => Loghub.StructuredColumn(system, f)).ToList();
        var failures = new List<string>();

        for (var i = 0; i < lines.Length; i++)
        {
            var values = format.Parse(lines[i], i + 1, system).Values;
            for (var f = 0; f < values.Count; f++)
            {
                if (values[f] != expected[f][i])
                {
                    failures.Add($"line {i + 1} {format.Fields[f]}: '{values[f]}' instead of '{expected[f][i]}'");
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Length.EqualTo(2000));
            Assert.That(expected.Select(e => e.Count), Is.All.EqualTo(2000));
        });
        Assert.That(failures, Is.Empty);
    }

    private static IEnumerable<string> LoghubSystemNames() => Loghub.Systems.Select(s => s.Name);

    [TestCase("<Date> <Time> <Level>")]
    [TestCase("<content>")]
    [TestCase("Content: <Message>")]
    public void Create_NoContentField_ThrowsArgumentException(string text)
    {
        Assert.That(
            () => LogFormat.Create(text),
            Throws.ArgumentException.With.Message.EqualTo($"Log format '{text}' has no <Content> field. (Parameter 'format')")
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("format"));
    }

    [Test]
    public void Create_DuplicateField_ThrowsArgumentException()
    {
        const string Text = "<Date> <Time> <Date>: <Content>";

        Assert.That(
            () => LogFormat.Create(Text),
            Throws.ArgumentException.With.Message.EqualTo($"Log format '{Text}': field 'Date' appears twice. (Parameter 'format')"));
    }

    [TestCase("1Date")]
    [TestCase("_Date")]
    [TestCase("Da-te")]
    [TestCase("Da te")]
    [TestCase("Dätum")]
    public void Create_BadFieldName_ThrowsArgumentException(string name)
    {
        var text = $"<{name}> <Content>";

        Assert.That(
            () => LogFormat.Create(text),
            Throws.ArgumentException.With.Message.EqualTo($"Log format '{text}': field name '{name}' must start with a letter and contain only letters, digits and '_'. (Parameter 'format')"));
    }

    [Test]
    public void Create_InvalidLiteralPattern_ThrowsArgumentExceptionWithTheRegexError()
    {
        const string Text = "<Date> ( <Content>";
        const string Compiled = @"^(?<Date>.*?)\s+(\s+(?<Content>.*?)$";

        var ex = Assert.Throws<ArgumentException>(() => LogFormat.Create(Text));

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Is.EqualTo($"Log format '{Text}' is not a valid pattern: {DrainOptionsTests.RegexError(Compiled)} (Parameter 'format')"));
            Assert.That(ex.InnerException, Is.InstanceOf<ArgumentException>());
        });
    }

    [TestCase("")]
    [TestCase("   ")]
    public void Create_EmptyFormat_ThrowsArgumentException(string text)
    {
        Assert.That(() => LogFormat.Create(text), Throws.ArgumentException);
    }

    [Test]
    public void Create_NullFormat_ThrowsArgumentNullException()
    {
        Assert.That(() => LogFormat.Create(null!), Throws.ArgumentNullException);
    }

    [TestCase("garbage")]
    [TestCase("")]
    [TestCase("081109 203615 148 INFO no colon here")]
    public void TryParse_NonMatchingLine_ReturnsFalse(string text)
    {
        var format = LogFormat.Create(HdfsFormat);

        Assert.Multiple(() =>
        {
            Assert.That(format.TryParse(text, out var line), Is.False);
            Assert.That(line, Is.Null);
        });
    }

    [Test]
    public void Parse_NonMatchingLine_ThrowsLogFormatExceptionNamingFileLineAndText()
    {
        var format = LogFormat.Create(HdfsFormat);

        var ex = Assert.Throws<LogFormatException>(() => format.Parse("garbage line", 7, "logs/HDFS_2k.log"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.SourceName, Is.EqualTo("logs/HDFS_2k.log"));
            Assert.That(ex.LineNumber, Is.EqualTo(7));
            Assert.That(ex.Line, Is.EqualTo("garbage line"));
            Assert.That(ex.LogFormat, Is.EqualTo(HdfsFormat));
            Assert.That(ex.Message, Is.EqualTo($"logs/HDFS_2k.log:7: the line does not match the log format '{HdfsFormat}': 'garbage line'"));
            Assert.That(ex, Is.InstanceOf<FormatException>());
        });
    }

    [Test]
    public void Parse_NonMatchingLineWithoutLocation_ThrowsLogFormatExceptionWithoutIt()
    {
        var format = LogFormat.Create(HdfsFormat);

        var ex = Assert.Throws<LogFormatException>(() => format.Parse("garbage"));

        Assert.Multiple(() =>
        {
            Assert.That(ex.SourceName, Is.Null);
            Assert.That(ex.LineNumber, Is.Zero);
            Assert.That(ex.Message, Is.EqualTo($"the line does not match the log format '{HdfsFormat}': 'garbage'"));
        });
    }

    [Test]
    public void Values_LineWithoutAnOptionalPart_AreEmptyThere()
    {
        var line = LogFormat.Create(@"<Level>(\[<Thread>\])?: <Content>").Parse("WARN: disk low");

        Assert.That(line.Values, Is.EqualTo(new[] { "WARN", string.Empty, "disk low" }));
    }
}
