using System.IO.Compression;
using System.Text;
using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class LogFileReaderTests
{
    private const string HdfsFormat = "<Date> <Time> <Pid> <Level> <Component>: <Content>";
    private const string SimpleFormat = "<Level>: <Content>";

    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateTempDirectory() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteTempDirectory() => _temp.Dispose();

    [Test]
    public void Read_EmptyAndWhiteSpaceLines_AreSkippedAndCounted()
    {
        var path = _temp.Write("empty.log", Encoding.UTF8.GetBytes("first\n\n   \n\t\r\nlast\n"));
        var reader = new LogFileReader();

        var lines = reader.Read(path).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.EqualTo(new[] { new LogFileLine(1, "first", null), new LogFileLine(5, "last", null) }));
            AssertReport(reader.Report, lines: 5, returned: 2, skippedEmpty: 3, skippedMismatched: 0, invalidUtf8: 0);
        });
    }

    [Test]
    public void Read_OneMegabyteLineWithoutLineBreak_IsReadWholeAndParsed()
    {
        var content = string.Join(' ', Enumerable.Range(0, 220_000).Select(i => "tok" + (char)('a' + (i % 26))));
        Assert.That(content, Has.Length.GreaterThan(1 << 20));
        var path = _temp.Write("long.log", Encoding.UTF8.GetBytes("INFO: " + content));
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat));

        var lines = reader.Read(path).ToList();
        var result = new DrainParser().Parse(lines[0].Content);

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Count.EqualTo(1));
            Assert.That(lines[0].LineNumber, Is.EqualTo(1));
            Assert.That(lines[0].Fields!["Level"], Is.EqualTo("INFO"));
            Assert.That(lines[0].Content, Is.EqualTo(content));
            Assert.That(result.Template, Is.EqualTo(content));
            AssertReport(reader.Report, lines: 1, returned: 1, skippedEmpty: 0, skippedMismatched: 0, invalidUtf8: 0);
        });
    }

    [Test]
    public void Read_InvalidUtf8_IsKeptAsReplacementCharactersAndCounted()
    {
        byte[][] lines =
        [
            "valid é line"u8.ToArray(),
            [(byte)'a', 0xFF, (byte)'b'],
            [(byte)'x', 0xC3],
            [0xC0, 0xAF, (byte)' ', 0xED, 0xA0, 0x80],
            "also valid"u8.ToArray(),
        ];
        var path = _temp.Write("bad.log", Join(lines, "\n"u8));
        var reader = new LogFileReader();

        var contents = reader.Read(path).Select(l => l.Content).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(contents, Is.EqualTo(lines.Select(l => Encoding.UTF8.GetString(l))));
            Assert.That(contents[1], Is.EqualTo("a\uFFFDb"));
            Assert.That(contents[2], Is.EqualTo("x\uFFFD"));
            AssertReport(reader.Report, lines: 5, returned: 5, skippedEmpty: 0, skippedMismatched: 0, invalidUtf8: 3);
        });
    }

    [Test]
    public void Read_CrLfLineEndings_AreRemoved()
    {
        var path = _temp.Write("crlf.log", "INFO: one\r\nWARN: two\r\n\r\nINFO: three\r\n"u8.ToArray());
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat));

        var lines = reader.Read(path).Select(l => (l.LineNumber, l.Content, l.Fields!["Level"])).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.EqualTo(new[] { (1L, "one", "INFO"), (2L, "two", "WARN"), (4L, "three", "INFO") }));
            AssertReport(reader.Report, lines: 4, returned: 3, skippedEmpty: 1, skippedMismatched: 0, invalidUtf8: 0);
        });
    }

    [Test]
    public void Read_Utf8ByteOrderMark_IsSkipped()
    {
        var path = _temp.Write("bom.log", [0xEF, 0xBB, 0xBF, .. "INFO: first\nINFO: second\n"u8]);
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat));

        var lines = reader.Read(path).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines.Select(l => l.Fields!["Level"]), Is.EqualTo(new[] { "INFO", "INFO" }));
            Assert.That(lines.Select(l => l.Content), Is.EqualTo(new[] { "first", "second" }));
        });
    }

    [Test]
    public void Read_LastLineWithoutLineBreak_IsRead()
    {
        var path = _temp.Write("tail.log", "one\ntwo\nthree"u8.ToArray());
        var reader = new LogFileReader();

        var lines = reader.Read(path).ToList();

        Assert.That(lines, Is.EqualTo(new[] { new LogFileLine(1, "one", null), new LogFileLine(2, "two", null), new LogFileLine(3, "three", null) }));
    }

    [TestCase("HDFS_2k.log.gz")]
    [TestCase("HDFS_2k.LOG.GZ")]
    public void Read_GzipFile_IsDecompressedTransparently(string name)
    {
        var original = Loghub.System("HDFS").LogPath;
        var path = Path.Combine(_temp.Path, name);
        using (var source = File.OpenRead(original))
        using (var target = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            source.CopyTo(target);
        }

        var format = LogFormat.Create(HdfsFormat);
        var plain = new LogFileReader(format).Read(original).Select(l => (l.LineNumber, l.Content)).ToList();
        var zipped = new LogFileReader(format);

        var lines = zipped.Read(path).Select(l => (l.LineNumber, l.Content)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines, Has.Count.EqualTo(2000));
            Assert.That(lines, Is.EqualTo(plain));
            Assert.That(lines.Select(l => l.Content), Is.EqualTo(Loghub.StructuredColumn("HDFS", "Content")));
            AssertReport(zipped.Report, lines: 2000, returned: 2000, skippedEmpty: 0, skippedMismatched: 0, invalidUtf8: 0);
        });
    }

    [Test]
    public void Read_StrictModeAndANonMatchingLine_ThrowsLogFormatExceptionNamingFileAndLine()
    {
        var path = _temp.Write("mixed.log", "INFO: one\n\nno colon on this line\nINFO: four\n"u8.ToArray());
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat));
        var seen = new List<string>();

        var ex = Assert.Throws<LogFormatException>(() =>
        {
            foreach (var line in reader.Read(path))
            {
                seen.Add(line.Content);
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.EqualTo(new[] { "one" }));
            Assert.That(ex.SourceName, Is.EqualTo(path));
            Assert.That(ex.LineNumber, Is.EqualTo(3));
            Assert.That(ex.Line, Is.EqualTo("no colon on this line"));
            Assert.That(ex.Message, Is.EqualTo($"{path}:3: the line does not match the log format '{SimpleFormat}': 'no colon on this line'"));
        });
    }

    [Test]
    public void Process_StrictModeAndANonMatchingLine_ThrowsLogFormatExceptionNamingFileAndLine()
    {
        var path = _temp.Write("mixed.log", "INFO: one\n\nno colon on this line\nINFO: four\n"u8.ToArray());
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat));
        var seen = new List<string>();

        var ex = Assert.Throws<LogFormatException>(() => reader.Process(path, (_, content, _) => seen.Add(content.ToString())));

        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.EqualTo(new[] { "one" }));
            Assert.That(ex.LineNumber, Is.EqualTo(3));
            Assert.That(ex.Message, Is.EqualTo($"{path}:3: the line does not match the log format '{SimpleFormat}': 'no colon on this line'"));
        });
    }

    [Test]
    public void Read_LenientModeAndNonMatchingLines_CountsThemAndKeepsTenExamples()
    {
        var text = new StringBuilder("INFO: start\n");
        for (var i = 0; i < 12; i++)
        {
            text.Append("broken line ").Append(i).Append('\n');
        }

        text.Append("INFO: end\n");
        var path = _temp.Write("lenient.log", Encoding.UTF8.GetBytes(text.ToString()));
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat), lenient: true);

        var lines = reader.Read(path).Select(l => (l.LineNumber, l.Content)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.EqualTo(new[] { (1L, "start"), (14L, "end") }));
            AssertReport(reader.Report, lines: 14, returned: 2, skippedEmpty: 0, skippedMismatched: 12, invalidUtf8: 0);
            Assert.That(reader.Report.Examples, Is.EqualTo(Enumerable.Range(0, 10).Select(i => $"{path}:{i + 2}: broken line {i}")));
        });
    }

    [Test]
    public void Read_LenientModeAndALongNonMatchingLine_KeepsAPreview()
    {
        var path = _temp.Write("long.log", Encoding.UTF8.GetBytes(new string('z', 500) + "\n"));
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat), lenient: true);

        var lines = reader.Read(path).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.Empty);
            Assert.That(reader.Report.Examples, Is.EqualTo(new[] { $"{path}:1: {new string('z', 200)}… (500 characters)" }));
        });
    }

    [Test]
    public void ProcessAndRead_SameBadFile_ReportIdenticalCountsAndLines()
    {
        byte[][] lines =
        [
            [0xEF, 0xBB, 0xBF, .. "INFO: with bom"u8],
            "INFO: crlf\r"u8.ToArray(),
            [],
            "   "u8.ToArray(),
            "mismatch"u8.ToArray(),
            [.. "WARN: bad "u8, 0xFE, 0xFF],
            [.. "no format "u8, 0xFE],
            "INFO: a\rb"u8.ToArray(),
            "ERROR: last without newline"u8.ToArray(),
        ];
        var path = _temp.Write("bad.log", Join(lines, "\n"u8, trailing: false));
        var format = LogFormat.Create(SimpleFormat);
        var viaRead = new LogFileReader(format, lenient: true);
        var viaProcess = new LogFileReader(format, lenient: true);
        var processed = new List<(long, string, string)>();

        var read = viaRead.Read(path).Select(l => (l.LineNumber, l.Content, l.Fields!["Level"])).ToList();
        viaProcess.Process(path, (number, content, fields) => processed.Add((number, content.ToString(), fields!["Level"])));

        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(new[]
            {
                (1L, "with bom", "INFO"), (2L, "crlf", "INFO"), (6L, "bad \uFFFD\uFFFD", "WARN"), (8L, "a\rb", "INFO"), (9L, "last without newline", "ERROR"),
            }));
            Assert.That(processed, Is.EqualTo(read));
            AssertReport(viaRead.Report, lines: 9, returned: 5, skippedEmpty: 2, skippedMismatched: 2, invalidUtf8: 1);
            AssertReport(viaProcess.Report, lines: 9, returned: 5, skippedEmpty: 2, skippedMismatched: 2, invalidUtf8: 1);
            Assert.That(viaProcess.Report.Examples, Is.EqualTo(viaRead.Report.Examples));
            Assert.That(viaRead.Report.Examples, Is.EqualTo(new[] { $"{path}:5: mismatch", $"{path}:7: no format \uFFFD" }));
        });
    }

    [Test]
    public void ProcessAndRead_NoFormat_GiveTheWholeLines()
    {
        var path = _temp.Write("plain.log", "alpha: one\n\nbeta two\n"u8.ToArray());
        var viaRead = new LogFileReader();
        var viaProcess = new LogFileReader();
        var processed = new List<(long, string, bool)>();

        var read = viaRead.Read(path).Select(l => (l.LineNumber, l.Content, l.Fields is null)).ToList();
        viaProcess.Process(path, (number, content, fields) => processed.Add((number, content.ToString(), fields is null)));

        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(new[] { (1L, "alpha: one", true), (3L, "beta two", true) }));
            Assert.That(processed, Is.EqualTo(read));
            AssertReport(viaProcess.Report, lines: 3, returned: 2, skippedEmpty: 1, skippedMismatched: 0, invalidUtf8: 0);
        });
    }

    [Test]
    public void Process_RealHdfsLog_FeedsAParserLikeRead()
    {
        var system = Loghub.System("HDFS");
        var format = LogFormat.Create(system.LogFormat);
        var viaRead = new DrainParser(system.CreateOptions());
        var viaProcess = new DrainParser(system.CreateOptions());
        var readIds = new LogFileReader(format).Read(system.LogPath).Select(l => viaRead.Parse(l.Content).TemplateId).ToList();
        var processIds = new List<int>();

        new LogFileReader(format).Process(system.LogPath, (_, content, _) => processIds.Add(viaProcess.Parse(content).TemplateId));

        Assert.Multiple(() =>
        {
            Assert.That(processIds, Is.EqualTo(readIds));
            Assert.That(viaProcess.Templates, Is.EqualTo(viaRead.Templates));
        });
    }

    [Test]
    public void Read_TextReader_CountsReplacementCharactersAsInvalidUtf8()
    {
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat), lenient: true);
        using var text = new StringReader("INFO: ok\nINFO: bad \uFFFD\n\nnope\n");

        var lines = reader.Read(text, "memory").Select(l => (l.LineNumber, l.Content)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.EqualTo(new[] { (1L, "ok"), (2L, "bad \uFFFD") }));
            AssertReport(reader.Report, lines: 4, returned: 2, skippedEmpty: 1, skippedMismatched: 1, invalidUtf8: 1);
            Assert.That(reader.Report.Examples, Is.EqualTo(new[] { "memory:4: nope" }));
        });
    }

    [Test]
    public void Read_TextReaderStrict_ThrowsWithTheSourceName()
    {
        var reader = new LogFileReader(LogFormat.Create(SimpleFormat));
        using var text = new StringReader("INFO: ok\nnope\n");

        Assert.That(
            () => reader.Read(text, "memory").ToList(),
            Throws.TypeOf<LogFormatException>().With.Message.EqualTo($"memory:2: the line does not match the log format '{SimpleFormat}': 'nope'"));
    }

    [Test]
    public void Read_MissingFile_ThrowsFileNotFoundException()
    {
        var path = Path.Combine(_temp.Path, "missing.log");

        Assert.That(() => new LogFileReader().Read(path).ToList(), Throws.TypeOf<FileNotFoundException>());
    }

    [Test]
    public void Read_BadArguments_Throw()
    {
        var reader = new LogFileReader();

        Assert.Multiple(() =>
        {
            Assert.That(() => reader.Read((string)null!), Throws.ArgumentNullException);
            Assert.That(() => reader.Read(string.Empty), Throws.ArgumentException);
            Assert.That(() => reader.Read((TextReader)null!), Throws.ArgumentNullException);
            Assert.That(() => reader.Process("x.log", null!), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void OpenText_GzipFile_IsDecompressed()
    {
        var path = Path.Combine(_temp.Path, "small.log.gz");
        using (var target = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            target.Write([0xEF, 0xBB, 0xBF, .. "héllo\nworld\n"u8]);
        }

        using var reader = LogFileReader.OpenText(path);

        Assert.That(reader.ReadToEnd(), Is.EqualTo("héllo\nworld\n"));
    }

    private static void AssertReport(LogReadReport report, long lines, long returned, long skippedEmpty, long skippedMismatched, long invalidUtf8)
    {
        Assert.That(
            (report.Lines, report.Returned, report.SkippedEmpty, report.SkippedMismatched, report.InvalidUtf8),
            Is.EqualTo((lines, returned, skippedEmpty, skippedMismatched, invalidUtf8)),
            "(Lines, Returned, SkippedEmpty, SkippedMismatched, InvalidUtf8)");
    }

    private static byte[] Join(byte[][] lines, ReadOnlySpan<byte> separator, bool trailing = true)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < lines.Length; i++)
        {
            bytes.AddRange(lines[i]);
            if (trailing || i < lines.Length - 1)
            {
                bytes.AddRange(separator.ToArray());
            }
        }

        return [.. bytes];
    }
}
