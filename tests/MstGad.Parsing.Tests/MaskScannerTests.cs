using System.Text;
using System.Text.RegularExpressions;
using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

/// <summary>The hand-written mask scanners find exactly what their regular expressions find, on ASCII text.</summary>
public sealed class MaskScannerTests
{
    /// <summary>Every pattern with a scanner, and the pieces its random texts are made of: ones that form matches,
    /// near misses, and characters the pattern must stop at.</summary>
    private static readonly (string Pattern, string[] Pieces)[] Scanned =
    [
        (@"blk_-?\d+", ["blk_", "blk", "_", "-", "12", "7", " ", "x", ".", "+", "blk_-"]),
        (@"\d+", ["1", "23", " ", "a", ".", "-", "_"]),
        (@"(\d+\.){3}\d+(:\d+)?", ["1.2.3.4", "10.0.0", "7890.", "1.2", "1", "23", ".", ":", ":8", " ", "a", "_", "-"]),
        (@"(\d+\.){3}\d+", ["1.2.3.4", "10.0.0", "7890.", "1.2", "1", "23", ".", ":", ":8", " ", "a", "_", "-"]),
        (@"(\d{1,3}\.){3}\d{1,3}(:\d+)?", ["1.2.3.4", "10.0.0", "1234.", "1.2", "5", "6789", ".", ":", ":80", " ", "a", "_"]),
        ("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            ["0a9fC0DE-1234-abcd-EF01-0123456789ab", "12345678-", "1234-", "abcd-", "0123456789ab", "0a9f", "-", "g", " ", "x"]),
        (@"\b[0-9a-fA-F]{16,}\b", ["0123456789abcdef", "ABCDEF", "12", "deadbeef", "g", "_", "-", ".", " "]),
        (@"(?<![\w.])[-+]?\d+(\.\d+)?(?![\w.])", ["1", "23", ".", ".5", "+", "-", " ", "a", "_", ":", "/", "x1"]),
    ];

    private static IEnumerable<TestCaseData> Patterns() => Scanned.Select(p => new TestCaseData(p.Pattern, p.Pieces).SetArgDisplayNames(p.Pattern));

    [TestCaseSource(nameof(Patterns))]
    public void Find_RandomText_GivesTheRegexMatches(string pattern, string[] pieces)
    {
        var scanner = MaskScanner.For(pattern);
        Assert.That(scanner, Is.Not.Null);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var random = new Random(17);
        var text = new StringBuilder();
        var withMatches = 0;
        for (var i = 0; i < 20_000; i++)
        {
            text.Clear();
            var count = random.Next(0, 16);
            for (var c = 0; c < count; c++)
            {
                text.Append(pieces[random.Next(pieces.Length)]);
            }

            var expected = RegexMatches(regex, text.ToString());
            withMatches += expected.Count > 0 ? 1 : 0;
            Assert.That(ScannerMatches(scanner!, text.ToString()), Is.EqualTo(expected), $"'{text}'");
        }

        // The texts exercise the pattern: a fair share of them hold matches.
        Assert.That(withMatches, Is.GreaterThan(1_000), "random texts with a match");
    }

    [TestCaseSource(nameof(Patterns))]
    public void Find_LoghubLines_GivesTheRegexMatches(string pattern, string[] pieces)
    {
        _ = pieces;
        var scanner = MaskScanner.For(pattern)!;
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        int lines = 0, matched = 0;
        foreach (var system in Loghub.Systems)
        {
            foreach (var content in Loghub.StructuredColumn(system.Name, "Content").Where(c => Ascii.IsValid(c)))
            {
                var expected = RegexMatches(regex, content);
                lines++;
                matched += expected.Count;
                Assert.That(ScannerMatches(scanner, content), Is.EqualTo(expected), $"{system.Name}: '{content}'");
            }
        }

        TestContext.Out.WriteLine($"{pattern}: {lines} ASCII lines of the 16 systems, {matched} matches");
        Assert.That(lines, Is.GreaterThan(30_000));
    }

    [Test]
    public void For_AnotherPattern_IsNull()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MaskScanner.For(@"\d+\.\d+"), Is.Null);
            Assert.That(MaskScanner.For(@"blk_\d+"), Is.Null);
            Assert.That(MaskScanner.For(@"(\d+\.){3}\d+(:\d+)"), Is.Null);
        });
    }

    [Test]
    public void Parse_NonAsciiDigits_AreMaskedAsTheRegexMasksThem()
    {
        // \d matches every Unicode decimal digit; the scanners know ASCII only, so such a line keeps the regex.
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(@"\d+"));
        var parser = new DrainParser(options);

        var arabic = parser.Parse("took \u0661\u0662\u0663 ms");
        var ascii = parser.Parse("took 123 ms");

        Assert.Multiple(() =>
        {
            Assert.That(arabic.Template, Is.EqualTo("took <*> ms"));
            Assert.That(ascii.TemplateId, Is.EqualTo(arabic.TemplateId));
        });
    }

    [Test]
    public void Parse_WithScannedMasks_GivesTheTemplatesOfTheSameMasksAsRegexes()
    {
        // "(?:...)" makes each pattern a different string with the same meaning, so it keeps the regex.
        var lines = Loghub.StructuredColumn("HDFS", "Content");
        var scanned = new DrainOptions();
        scanned.Masks.Add(new MaskingRule(@"blk_-?\d+"));
        scanned.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+(:\d+)?"));
        var regexes = new DrainOptions();
        regexes.Masks.Add(new MaskingRule(@"(?:blk_-?\d+)"));
        regexes.Masks.Add(new MaskingRule(@"(?:(\d+\.){3}\d+(:\d+)?)"));
        Assert.That(MaskScanner.For(regexes.Masks[0].Pattern), Is.Null);

        var a = new DrainParser(scanned);
        var b = new DrainParser(regexes);
        foreach (var line in lines)
        {
            var x = a.Parse(line);
            var y = b.Parse(line);
            Assert.That((x.TemplateId, x.Template), Is.EqualTo((y.TemplateId, y.Template)), line);
        }
    }

    private static List<(int, int)> RegexMatches(Regex regex, string text)
    {
        var result = new List<(int, int)>();
        foreach (var m in regex.EnumerateMatches(text))
        {
            result.Add((m.Index, m.Length));
        }

        return result;
    }

    private static List<(int, int)> ScannerMatches(MaskScanner scanner, string text)
    {
        var result = new List<(int, int)>();
        var from = 0;
        while (scanner.Find(text, from, out var length) is var index and >= 0)
        {
            result.Add((index, length));
            from = index + length;
        }

        return result;
    }
}
