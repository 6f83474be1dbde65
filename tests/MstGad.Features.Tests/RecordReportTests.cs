namespace MstGad.Features.Tests;

[TestFixture]
public sealed class RecordReportTests
{
    [Test]
    public void Constructor_ANewReport_IsEmpty()
    {
        var report = new RecordReport();

        Assert.Multiple(() =>
        {
            Assert.That(report.Files, Is.Zero);
            Assert.That(report.Rows, Is.Zero);
            Assert.That(report.Records, Is.Zero);
            Assert.That(report.Skipped, Is.Empty);
            Assert.That(report.SkippedTotal, Is.Zero);
            Assert.That(report.Examples, Is.Empty);
            Assert.That(report.SkippedFiles, Is.Empty);
            Assert.That(report.IgnoredColumns, Is.Empty);
            Assert.That(report.Absent, Is.Empty);
            Assert.That(report.ToString(), Is.EqualTo("files 0, rows 0, records 0"));
        });
    }

    [Test]
    public void Skip_SeveralReasons_AreCountedSortedAndExemplified()
    {
        var report = new RecordReport();
        report.CountFile();
        report.CountRow();
        report.CountRow();
        report.CountRow();
        report.CountRecords(3);

        report.Skip("bad time", "m.csv:2", "yesterday");
        report.Skip("NaN value", "m.csv:3", "NaN");
        report.Skip("NaN value");

        Assert.Multiple(() =>
        {
            Assert.That(report.Files, Is.EqualTo(1));
            Assert.That(report.Rows, Is.EqualTo(3));
            Assert.That(report.Records, Is.EqualTo(3));
            // Ordinal order: 'N' (78) sorts before 'b' (98).
            Assert.That(report.Skipped, Is.EqualTo(new Dictionary<string, long> { ["NaN value"] = 2, ["bad time"] = 1 }));
            Assert.That(report.Skipped.Keys, Is.EqualTo(new[] { "NaN value", "bad time" }));
            Assert.That(report.SkippedTotal, Is.EqualTo(3));
            Assert.That(report.Examples, Is.EqualTo(new[] { "m.csv:2: bad time: yesterday", "m.csv:3: NaN value: NaN", ": NaN value: " }));
            Assert.That(report.ToString(), Is.EqualTo("files 1, rows 3, records 3, skipped 2 (NaN value), skipped 1 (bad time)"));
        });
    }

    [Test]
    public void Skip_MoreThanTenItems_KeepsTenExamplesAndCountsAll()
    {
        var report = new RecordReport();

        for (var i = 1; i <= 15; i++)
        {
            report.Skip("NaN value", "m.csv:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "NaN");
        }

        Assert.Multiple(() =>
        {
            Assert.That(report.SkippedTotal, Is.EqualTo(15));
            Assert.That(report.Examples, Has.Count.EqualTo(10));
            Assert.That(report.Examples[^1], Is.EqualTo("m.csv:10: NaN value: NaN"));
        });
    }

    [Test]
    public void Skip_ALongValue_IsShortenedInTheExample()
    {
        var report = new RecordReport();

        report.Skip("too long", "x", new string('v', 250));

        Assert.That(report.Examples[0], Is.EqualTo("x: too long: " + new string('v', 200) + "…"));
    }

    [Test]
    public void Skip_NullReason_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new RecordReport().Skip(null!));
    }

    [Test]
    public void Skip_FromManyThreads_CountsEveryItem()
    {
        var report = new RecordReport();

        Parallel.For(0, 2000, i =>
        {
            report.Skip(i % 2 == 0 ? "even" : "odd");
            report.CountRow();
        });

        Assert.Multiple(() =>
        {
            Assert.That(report.Skipped, Is.EqualTo(new Dictionary<string, long> { ["even"] = 1000, ["odd"] = 1000 }));
            Assert.That(report.Rows, Is.EqualTo(2000));
        });
    }

    [Test]
    public void SkipFile_TwoFiles_AreNamedInOrderWithoutCountingRowsOrSkips()
    {
        var report = new RecordReport();
        report.CountFile();
        report.CountFile();
        report.CountFile();
        report.CountRow();
        report.CountRecords(19);

        report.SkipFile("/d/metric/dependency.csv", "not a metric file: its header lacks 'Time'");
        report.SkipFile("/d/metric/source_50.csv", "not a metric file: its header lacks 'Time'");

        Assert.Multiple(() =>
        {
            Assert.That(report.SkippedFiles, Is.EqualTo(new[]
            {
                new SkippedFile("/d/metric/dependency.csv", "not a metric file: its header lacks 'Time'"),
                new SkippedFile("/d/metric/source_50.csv", "not a metric file: its header lacks 'Time'"),
            }));
            Assert.That(report.Skipped, Is.Empty);
            Assert.That(report.ToString(), Is.EqualTo("files 3, rows 1, records 19, skipped 2 files (dependency.csv, source_50.csv)"));
        });
    }

    [Test]
    public void SkipFile_OneFile_IsSingular()
    {
        var report = new RecordReport();
        report.CountFile();
        report.Skip("NaN value");

        report.SkipFile("/d/log/notes.csv", "not a log file: its header lacks 'Log'");

        Assert.That(report.ToString(), Is.EqualTo("files 1, rows 0, records 0, skipped 1 (NaN value), skipped 1 file (notes.csv)"));
    }

    [Test]
    public void IgnoreColumn_ColumnsOfSeveralFiles_AreCountedPerFileInOrdinalOrder()
    {
        var report = new RecordReport();

        report.IgnoreColumn("Zone");
        report.IgnoreColumn("Node");
        report.IgnoreColumn("Node");

        Assert.Multiple(() =>
        {
            Assert.That(report.IgnoredColumns, Is.EqualTo(new Dictionary<string, long> { ["Node"] = 2, ["Zone"] = 1 }));
            Assert.That(report.IgnoredColumns.Keys, Is.EqualTo(new[] { "Node", "Zone" }));
            Assert.That(report.ToString(), Is.EqualTo("files 0, rows 0, records 0, ignored text columns Node (2 files), Zone (1 file)"));
        });
    }

    [Test]
    public void NoteAbsent_RepeatedNote_IsKeptOnce()
    {
        var report = new RecordReport();

        report.NoteAbsent("/d/rca_data/2023-01-29/log");
        report.NoteAbsent("/d/rca_data/2023-01-30/log/*.csv");
        report.NoteAbsent("/d/rca_data/2023-01-29/log");

        Assert.Multiple(() =>
        {
            Assert.That(report.Absent, Is.EqualTo(new[] { "/d/rca_data/2023-01-29/log", "/d/rca_data/2023-01-30/log/*.csv" }));
            Assert.That(report.ToString(), Is.EqualTo("files 0, rows 0, records 0, absent: /d/rca_data/2023-01-29/log, /d/rca_data/2023-01-30/log/*.csv"));
        });
    }

    [Test]
    public void SkipFileIgnoreColumnNoteAbsent_Null_Throws()
    {
        var report = new RecordReport();

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => report.SkipFile(null!, "why"));
            Assert.Throws<ArgumentNullException>(() => report.SkipFile("a.csv", null!));
            Assert.Throws<ArgumentNullException>(() => report.IgnoreColumn(null!));
            Assert.Throws<ArgumentNullException>(() => report.NoteAbsent(null!));
        });
    }

    [Test]
    public void Add_AnotherReportWithSkippedFilesColumnsAndAbsentKinds_AddsThem()
    {
        var report = new RecordReport();
        report.SkipFile("a/dependency.csv", "not a metric file");
        report.IgnoreColumn("Node");
        report.NoteAbsent("a/log");
        var other = new RecordReport();
        other.SkipFile("b/source_50.csv", "not a metric file");
        other.IgnoreColumn("Node");
        other.NoteAbsent("a/log");
        other.NoteAbsent("b/log");

        report.Add(other);

        Assert.Multiple(() =>
        {
            Assert.That(report.SkippedFiles.Select(f => f.Path), Is.EqualTo(new[] { "a/dependency.csv", "b/source_50.csv" }));
            Assert.That(report.IgnoredColumns, Is.EqualTo(new Dictionary<string, long> { ["Node"] = 2 }));
            Assert.That(report.Absent, Is.EqualTo(new[] { "a/log", "b/log" }));
        });
    }

    [Test]
    public void Add_AnotherReport_AddsItsCountsAndExamples()
    {
        var report = new RecordReport();
        report.CountFile();
        report.Skip("NaN value", "a.csv:1", "NaN");
        var other = new RecordReport();
        other.CountFile();
        other.CountRow();
        other.CountRecords(5);
        other.Skip("NaN value", "b.csv:7", "inf");
        other.Skip("bad time", "b.csv:8", "never");

        report.Add(other);

        Assert.Multiple(() =>
        {
            Assert.That(report.Files, Is.EqualTo(2));
            Assert.That(report.Rows, Is.EqualTo(1));
            Assert.That(report.Records, Is.EqualTo(5));
            Assert.That(report.Skipped, Is.EqualTo(new Dictionary<string, long> { ["NaN value"] = 2, ["bad time"] = 1 }));
            Assert.That(report.Examples, Is.EqualTo(new[] { "a.csv:1: NaN value: NaN", "b.csv:7: NaN value: inf", "b.csv:8: bad time: never" }));
            Assert.That(other.SkippedTotal, Is.EqualTo(2));
        });
    }
}
