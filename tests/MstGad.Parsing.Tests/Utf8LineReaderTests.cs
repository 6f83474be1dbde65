using System.Text;
using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class Utf8LineReaderTests
{
    /// <summary>Reads every line of a byte string, with the invalid-UTF-8 flag of each.</summary>
    private static List<(long Number, string Text, bool Invalid)> ReadAll(Stream stream)
    {
        using var reader = new Utf8LineReader(stream);
        var lines = new List<(long, string, bool)>();
        while (reader.TryReadLine(out var line))
        {
            lines.Add((reader.LineNumber, line.ToString(), reader.LastLineHadInvalidUtf8));
        }

        return lines;
    }

    private static IEnumerable<TestCaseData> Inputs()
    {
        yield return new TestCaseData(Array.Empty<byte>(), Array.Empty<string>()).SetArgDisplayNames("empty");
        yield return new TestCaseData("\n"u8.ToArray(), new[] { string.Empty }).SetArgDisplayNames("one line break");
        yield return new TestCaseData("a\nb\n"u8.ToArray(), new[] { "a", "b" }).SetArgDisplayNames("LF");
        yield return new TestCaseData("a\r\nb\r\n"u8.ToArray(), new[] { "a", "b" }).SetArgDisplayNames("CRLF");
        yield return new TestCaseData("a\r\r\nb"u8.ToArray(), new[] { "a\r", "b" }).SetArgDisplayNames("CR CRLF");
        yield return new TestCaseData("a\rb\n"u8.ToArray(), new[] { "a\rb" }).SetArgDisplayNames("lone CR");
        yield return new TestCaseData("a\nb"u8.ToArray(), new[] { "a", "b" }).SetArgDisplayNames("no final line break");
        yield return new TestCaseData("\n\n\n"u8.ToArray(), new[] { string.Empty, string.Empty, string.Empty }).SetArgDisplayNames("empty lines");
        yield return new TestCaseData(new byte[] { 0xEF, 0xBB, 0xBF }, Array.Empty<string>()).SetArgDisplayNames("BOM only");
        yield return new TestCaseData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'x', (byte)'\n' }, new[] { "x" }).SetArgDisplayNames("BOM");
        yield return new TestCaseData(new byte[] { 0xEF, 0xBB }, new[] { "\uFFFD" }).SetArgDisplayNames("half a BOM");
        yield return new TestCaseData(new byte[] { (byte)'x', (byte)'\n', 0xEF, 0xBB, 0xBF, (byte)'y' }, new[] { "x", "\uFEFFy" }).SetArgDisplayNames("BOM on line 2");
        yield return new TestCaseData(new byte[] { (byte)'\n', 0xEF, 0xBB, 0xBF, (byte)'y' }, new[] { string.Empty, "\uFEFFy" }).SetArgDisplayNames("BOM after an empty line");
        yield return new TestCaseData("añ€😀\n"u8.ToArray(), new[] { "añ€😀" }).SetArgDisplayNames("multi-byte");
    }

    [TestCaseSource(nameof(Inputs))]
    public void TryReadLine_Input_GivesTheLines(byte[] bytes, string[] expected)
    {
        var lines = ReadAll(new MemoryStream(bytes));

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Inputs))]
    public void TryReadLine_InputReadOneByteAtATime_GivesTheSameLines(byte[] bytes, string[] expected)
    {
        var lines = ReadAll(new TrickleStream(bytes, 1));

        Assert.That(lines.Select(l => l.Text), Is.EqualTo(expected));
    }

    [Test]
    public void TryReadLine_Lines_AreNumberedFromOne()
    {
        var lines = ReadAll(new MemoryStream("a\n\nc\n"u8.ToArray()));

        Assert.That(lines.Select(l => l.Number), Is.EqualTo(new[] { 1L, 2L, 3L }));
    }

    [Test]
    public void TryReadLine_InvalidUtf8_BecomesReplacementCharactersAndFlagsOnlyThatLine()
    {
        byte[] bytes = [.. "ok\n"u8, (byte)'a', 0xFF, (byte)'b', (byte)'\n', .. "é\n"u8, 0xF0, 0x9F, (byte)'\n'];

        var lines = ReadAll(new MemoryStream(bytes));

        Assert.That(lines, Is.EqualTo(new[] { (1L, "ok", false), (2L, "a\uFFFDb", true), (3L, "é", false), (4L, "\uFFFD", true) }));
    }

    [Test]
    public void TryReadLine_LinesLongerThanTheBuffer_AreReadWhole()
    {
        // 2-byte characters across the 64 KiB buffer boundary, then a short line.
        var longLine = new string('é', 70_000) + "x";
        var bytes = Encoding.UTF8.GetBytes(longLine + "\nshort\n" + new string('z', 300_000));

        var lines = ReadAll(new TrickleStream(bytes, 10_000));

        Assert.That(lines, Is.EqualTo(new[] { (1L, longLine, false), (2L, "short", false), (3L, new string('z', 300_000), false) }));
    }

    [Test]
    public void TryReadLine_AfterDispose_ThrowsObjectDisposedException()
    {
        var reader = new Utf8LineReader(new MemoryStream("a\n"u8.ToArray()));
        reader.Dispose();
        reader.Dispose();

        Assert.That(() => reader.TryReadLine(out _), Throws.TypeOf<ObjectDisposedException>());
    }

    [TestCase(false, false)]
    [TestCase(true, true)]
    public void Dispose_LeaveOpen_DecidesWhetherTheStreamIsClosed(bool leaveOpen, bool expectOpen)
    {
        var stream = new MemoryStream("a\n"u8.ToArray());

        new Utf8LineReader(stream, leaveOpen).Dispose();

        Assert.That(stream.CanRead, Is.EqualTo(expectOpen));
    }

    [Test]
    public void Constructor_NullStream_ThrowsArgumentNullException()
    {
        Assert.That(() => new Utf8LineReader(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Open_File_ReadsItAndReleasesItOnDispose()
    {
        using var temp = new TempDirectory();
        var path = temp.Write("a.log", "one\r\ntwo"u8.ToArray());
        var lines = new List<string>();

        using (var reader = Utf8LineReader.Open(path))
        {
            while (reader.TryReadLine(out var line))
            {
                lines.Add(line.ToString());
            }
        }

        File.Delete(path);

        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.EqualTo(new[] { "one", "two" }));
            Assert.That(File.Exists(path), Is.False);
        });
    }

    [Test]
    public void Open_RealLoghubFile_GivesTheSameLinesAsFileReadAllLines()
    {
        var path = Loghub.System("Mac").LogPath;
        var lines = new List<string>();

        using (var reader = Utf8LineReader.Open(path))
        {
            while (reader.TryReadLine(out var line))
            {
                lines.Add(line.ToString());
            }
        }

        Assert.That(lines, Is.EqualTo(File.ReadAllLines(path)));
    }
}
