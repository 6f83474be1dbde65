using System.Text;
using MstGad.Datasets.Csv;
using MstGad.Datasets.Tests.Support;

namespace MstGad.Datasets.Tests.Csv;

public sealed class CsvReaderTests
{
    [Test]
    public async Task ReadAsync_QuotedFields_UnescapesCommasQuotesAndLineBreaks()
    {
        var records = await ReadAllAsync("a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,end\n");

        Assert.That(records, Is.EqualTo(new[]
        {
            (1L, new[] { "a", "b", "c" }),
            (2L, new[] { "x,1", "say \"hi\"", "two\nlines" }),
            (4L, new[] { "plain", string.Empty, "end" }),
        }));
    }

    [Test]
    public async Task ReadAsync_CrLfBomBlankLinesAndNoFinalBreak_AreHandled()
    {
        var text = "\uFEFFh1,h2\r\n\r\n1,\"2\"\r\n\n3,4";

        var records = await ReadAllAsync(text);

        Assert.That(records, Is.EqualTo(new[]
        {
            (1L, new[] { "h1", "h2" }),
            (3L, new[] { "1", "2" }),
            (5L, new[] { "3", "4" }),
        }));
    }

    [Test]
    public async Task ReadAsync_TrailingCommaAtEndOfInput_GivesEmptyLastField()
    {
        var records = await ReadAllAsync("a,");

        Assert.That(records.Single().Fields, Is.EqualTo(new[] { "a", string.Empty }));
    }

    [Test]
    public async Task ReadAsync_CharacterAfterClosingQuote_FlagsRecordAndStaysInStep()
    {
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes("\"ab\"cd,e\nf,g\n")));

        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.Error, Is.EqualTo(CsvError.CharacterAfterClosingQuote));
            Assert.That(reader.ErrorField, Is.EqualTo(0));
            Assert.That(Encoding.UTF8.GetString(reader.RawRecord), Is.EqualTo("\"ab\"cd,e"));
            Assert.That(reader.FieldCount, Is.EqualTo(2));
        });
        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.Error, Is.EqualTo(CsvError.None));
            Assert.That(reader.Line, Is.EqualTo(2));
            Assert.That(reader.GetString(0), Is.EqualTo("f"));
        });
    }

    [Test]
    public async Task ReadAsync_UnterminatedQuote_YieldsTheStartLineThenResumes()
    {
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes("a,\"open\nb,c\nd,e\n")));

        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.Error, Is.EqualTo(CsvError.UnterminatedQuote));
            Assert.That(reader.Line, Is.EqualTo(1));
            Assert.That(Encoding.UTF8.GetString(reader.RawRecord), Is.EqualTo("a,\"open"));
        });
        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(reader.Error, Is.EqualTo(CsvError.None));
            Assert.That(reader.Line, Is.EqualTo(2));
            Assert.That(reader.GetString(1), Is.EqualTo("c"));
        });
        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.That(reader.GetString(0), Is.EqualTo("d"));
        Assert.That(await reader.ReadAsync(default), Is.False);
    }

    [Test]
    public async Task ReadAsync_RecordOverSizeLimitInsideQuotes_IsTreatedAsUnterminated()
    {
        var text = "\"" + new string('x', 40) + "\n" + new string('y', 40) + "\nz\n";
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), maxRecordBytes: 64);

        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.That(reader.Error, Is.EqualTo(CsvError.UnterminatedQuote));
        Assert.That(await reader.ReadAsync(default), Is.True);
        Assert.That(reader.GetString(0), Is.EqualTo(new string('y', 40)));
    }

    [Test]
    public void ReadAsync_LineOverSizeLimitWithoutBreak_Throws()
    {
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 200))), maxRecordBytes: 64);

        var e = Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadAsync(default));

        Assert.That(e!.Message, Is.EqualTo("A CSV record starting on line 1 is longer than 64 bytes and has no line break."));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(4096)]
    public async Task ReadAsync_RandomCsvInSmallChunks_MatchesReferenceParser(int chunk)
    {
        var random = new Random(chunk);
        var expected = new List<string[]>();
        var text = new StringBuilder();
        for (var r = 0; r < 300; r++)
        {
            var fields = new string[1 + random.Next(5)];
            for (var f = 0; f < fields.Length; f++)
            {
                fields[f] = RandomField(random);
            }

            if (fields is [""])
            {
                fields[0] = "x"; // a lone empty field is a blank line, which the reader skips
            }

            expected.Add(fields);
            text.Append(string.Join(',', fields.Select(Quote))).Append(random.Next(2) == 0 ? "\n" : "\r\n");
        }

        var actual = new List<string[]>();
        using var reader = new CsvReader(new TrickleStream(Encoding.UTF8.GetBytes(text.ToString()), chunk), maxRecordBytes: 1 << 20);
        while (await reader.ReadAsync(default))
        {
            Assert.That(reader.Error, Is.EqualTo(CsvError.None));
            actual.Add([.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]);
        }

        Assert.That(actual, Is.EqualTo(expected));
        Assert.That(ReferenceParse(text.ToString()), Is.EqualTo(expected));
    }

    [Test]
    public async Task Line_AfterMultiLineRecords_CountsPhysicalLines()
    {
        var records = await ReadAllAsync("h\n\"1\n2\n3\"\n\"4\r\n5\"\nlast\n");

        Assert.That(records.Select(r => r.Line), Is.EqualTo(new long[] { 1, 2, 5, 7 }));
    }

    [Test]
    public void Indexer_OutOfRange_ThrowsWithFieldCount()
    {
        using var reader = new CsvReader(new MemoryStream("a,b\n"u8.ToArray()));
        reader.ReadAsync(default).AsTask().GetAwaiter().GetResult();

        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = reader[2].Length);

        Assert.That(e!.Message, Does.StartWith("The record has 2 fields."));
    }

    private static async Task<List<(long Line, string[] Fields)>> ReadAllAsync(string text)
    {
        var records = new List<(long, string[])>();
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        while (await reader.ReadAsync(default))
        {
            Assert.That(reader.Error, Is.EqualTo(CsvError.None));
            records.Add((reader.Line, [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)]));
        }

        return records;
    }

    private static string RandomField(Random random)
    {
        const string Alphabet = "ab ,\"\n\r1é";
        var length = random.Next(8);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (field.Length > 0 && field[0] == ' ')
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;

    // An independent, char-based RFC 4180 parser (no streaming), for cross-checking.
    private static List<string[]> ReferenceParse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }

                if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }

                i++;
                continue;
            }

            if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
                i += c == '\r' ? 1 : 0;
            }
            else
            {
                field.Append(c);
            }

            i++;
        }

        return records;
    }
}
