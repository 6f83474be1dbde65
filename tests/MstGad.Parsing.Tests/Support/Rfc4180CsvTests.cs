namespace MstGad.Parsing.Tests.Support;

/// <summary>The CSV reader is a test helper, but the Loghub scores rest on it, so it is tested too.</summary>
[TestFixture]
public sealed class Rfc4180CsvTests
{
    [TestCase("a,b,c\n", new[] { "a", "b", "c" })]
    [TestCase("a,b,c", new[] { "a", "b", "c" })]
    [TestCase("a,b,c\r\n", new[] { "a", "b", "c" })]
    [TestCase("a,,\n", new[] { "a", "", "" })]
    [TestCase("\"a,b\",c\n", new[] { "a,b", "c" })]
    [TestCase("\"say \"\"hi\"\"\",x\n", new[] { "say \"hi\"", "x" })]
    [TestCase("\"two\nlines\",x\r\n", new[] { "two\nlines", "x" })]
    [TestCase("\"\",x\n", new[] { "", "x" })]
    [TestCase("a\rb,c\n", new[] { "a\rb", "c" })]
    public void Parse_OneRecord_GivesItsFields(string text, string[] expected)
    {
        using var reader = new StringReader(text);

        Assert.That(Rfc4180Csv.Parse(reader), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Parse_SeveralRecords_KeepsThemApart()
    {
        using var reader = new StringReader("h1,h2\r\n1,\"x,\"\"y\"\"\"\r\n2,z");

        Assert.That(Rfc4180Csv.Parse(reader), Is.EqualTo(new[] { new[] { "h1", "h2" }, new[] { "1", "x,\"y\"" }, new[] { "2", "z" } }));
    }

    [TestCase("\"open,x\n")]
    [TestCase("ab\"c,d\n")]
    public void Parse_MalformedQuotes_ThrowsFormatException(string text)
    {
        using var reader = new StringReader(text);

        Assert.That(() => Rfc4180Csv.Parse(reader), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void ReadColumn_LoghubFileWithQuotedFields_GivesEveryRow()
    {
        var contents = Rfc4180Csv.ReadColumn(SharedData.PathOf("loghub_2k", "Hadoop", "Hadoop_2k.log_structured.csv"), "Content");
        var lineIds = Rfc4180Csv.ReadColumn(SharedData.PathOf("loghub_2k", "Hadoop", "Hadoop_2k.log_structured.csv"), "LineId");

        Assert.Multiple(() =>
        {
            Assert.That(contents, Has.Count.EqualTo(2000));
            Assert.That(lineIds, Is.EqualTo(Enumerable.Range(1, 2000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        });
    }
}
