using Microsoft.Extensions.Logging;
using MstGad.Datasets.Tests.Support;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

/// <summary>
/// Folders as the Nezha study publishes them: files that are not telemetry beside the metric files, days
/// without logs or traces, and metric files with other columns than TrainTicket's.
/// </summary>
public sealed partial class NezhaDatasetTests
{
    private const string NotMetricReason = "not a metric file: its header lacks 'Time' and 'PodName' (or 'ServiceName')";

    [Test]
    public async Task ReadMetricsAsync_DependencyAndPairLatencyFilesLenient_SkipsAndNamesThem()
    {
        using var dir = new TempDirectory();
        var dependency = dir.Write(Nezha.InRca("metric", "dependency.csv"), Nezha.DependencyCsv);
        var source50 = dir.Write(Nezha.InRca("metric", "source_50.csv"), Nezha.PairLatencyCsv);
        dir.Write(Nezha.InRca("metric", ContactsPod + "_metric.csv"), Nezha.TrimmedMetricFile(ContactsPod + "_metric.csv", 3));
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        // 3 rows × 19 metric columns, 3 of them NaN (the second row's server latencies).
        Assert.Multiple(() =>
        {
            Assert.That(samples, Has.Count.EqualTo(54));
            Assert.That(samples.Select(s => s.Instance).Distinct(), Is.EqualTo(new[] { ContactsPod }));
            Assert.That(dataset.Report.Metrics.SkippedFiles, Is.EqualTo(new[]
            {
                new SkippedFile(dependency, NotMetricReason),
                new SkippedFile(source50, NotMetricReason),
            }));
            Assert.That(dataset.Report.Metrics.ToString(), Is.EqualTo(
                "files 3, rows 3, records 54, skipped 3 (NaN value), skipped 2 files (dependency.csv, source_50.csv)"));
        });
    }

    [TestCase("dependency.csv", Nezha.DependencyCsv, "Source,Target,Weight")]
    [TestCase("source_50.csv", Nezha.PairLatencyCsv, "time,timestamp,frontend_cartservice,frontend_currencyservice,checkoutservice_cartservice")]
    [TestCase("destination_50.csv", Nezha.PairLatencyCsv, "time,timestamp,frontend_cartservice,frontend_currencyservice,checkoutservice_cartservice")]
    public void ReadMetricsAsync_FileThatIsNoMetricFileStrict_ThrowsNamingTheFileAndWhy(string name, string content, string header)
    {
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("metric", ContactsPod + "_metric.csv"), Nezha.TrimmedMetricFile(ContactsPod + "_metric.csv", 3));
        var file = dir.Write(Nezha.InRca("metric", name), content);

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadMetricsAsync().CountAsync());

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:1: {NotMetricReason}: '{header}'; use lenient mode to skip it"));
            Assert.That((e.SourceName, e.Line, e.Field, e.Value), Is.EqualTo((file, 1L, (string?)null, header)));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_SkippedFile_IsLoggedAsAWarning()
    {
        using var loggers = new ListLoggerFactory();
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("metric", "dependency.csv"), Nezha.DependencyCsv);
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient, LoggerFactory = loggers });

        await dataset.ReadMetricsAsync().CountAsync();

        Assert.That(loggers.Entries, Is.EqualTo(new[]
        {
            ("MstGad.Datasets", LogLevel.Warning, 3003, $"Skipped {file} when reading metrics: {NotMetricReason}"),
        }));
    }

    [Test]
    public async Task ReadLogsAndSpansAsync_FilesThatAreNotLogsOrSpansLenient_AreSkippedAndNamed()
    {
        using var dir = new TempDirectory();
        var logs = dir.Write(Nezha.InRca("log", "dependency.csv"), Nezha.DependencyCsv);
        var traces = dir.Write(Nezha.InRca("trace", "source_50.csv"), Nezha.PairLatencyCsv);
        dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\n{GoodSpanRow}\n");
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });

        var read = await TelemetryDirectory.ReadAllAsync(dataset);

        Assert.Multiple(() =>
        {
            Assert.That((read.Logs.Count, read.Spans.Count), Is.EqualTo((0, 1)));
            Assert.That(dataset.Report.Logs.SkippedFiles, Is.EqualTo(new[] { new SkippedFile(logs, "not a log file: its header lacks 'Timestamp', 'PodName' and 'Log'") }));
            Assert.That(dataset.Report.Spans.SkippedFiles, Is.EqualTo(new[]
            {
                new SkippedFile(traces, "not a span file: its header lacks 'TraceID', 'SpanID', 'ParentID', 'PodName', 'OperationName', 'StartTimeUnixNano' and 'EndTimeUnixNano'"),
            }));
        });
    }

    [Test]
    public async Task ReadAllKinds_DayWithOnlyMetrics_ReadsAndReportsWhatIsAbsent()
    {
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("metric", ContactsPod + "_metric.csv"), Nezha.TrimmedMetricFile(ContactsPod + "_metric.csv", 3));
        dir.Write(Nezha.InRca("metric", "dependency.csv"), Nezha.DependencyCsv);
        var source = TelemetryDirectory.Open(dir.Path, ReadMode.Lenient);

        var read = await TelemetryDirectory.ReadAllAsync(source);

        var day = Path.Combine(dir.Path, "rca_data", Nezha.Date);
        Assert.Multiple(() =>
        {
            Assert.That((read.Metrics.Count, read.Logs.Count, read.Spans.Count, read.Faults.Count), Is.EqualTo((54, 0, 0, 0)));
            Assert.That(source.Report.Metrics.Absent, Is.Empty);
            Assert.That(source.Report.Logs.ToString(), Is.EqualTo($"files 0, rows 0, records 0, absent: {Path.Combine(day, "log")}"));
            Assert.That(source.Report.Spans.ToString(), Is.EqualTo($"files 0, rows 0, records 0, absent: {Path.Combine(day, "trace")}"));
            Assert.That(source.Report.Faults.Absent, Is.EqualTo(new[] { Path.Combine(day, Nezha.Date + "-fault_list.json") }));
        });
    }

    [Test]
    public async Task ReadAllKinds_EmptyLogFolderAndSomeTraceFiles_ReadAndNoteTheEmptyFolder()
    {
        using var dir = new TempDirectory();
        dir.Copy(Nezha.Rca("trace", "08_43_trace.csv"), Nezha.InRca("trace", "08_43_trace.csv"));
        dir.Write(Nezha.InRca("metric", ContactsPod + "_metric.csv"), Nezha.TrimmedMetricFile(ContactsPod + "_metric.csv", 3));
        Directory.CreateDirectory(dir.File(Path.Combine("rca_data", Nezha.Date, "log")));
        var dataset = new NezhaDataset(dir.Path);

        var read = await TelemetryDirectory.ReadAllAsync(dataset);

        Assert.Multiple(() =>
        {
            Assert.That(read.Spans, Has.Count.EqualTo(Nezha.CountDataLines(Nezha.Rca("trace", "08_43_trace.csv"))));
            Assert.That(read.Logs, Is.Empty);
            Assert.That(dataset.Report.Logs.Absent, Is.EqualTo(new[] { Path.Combine(dir.Path, "rca_data", Nezha.Date, "log", "*.csv") }));
            Assert.That(dataset.Report.Spans.Absent, Is.Empty);
        });
    }

    [TestCase(ReadMode.Strict)]
    [TestCase(ReadMode.Lenient)]
    public async Task ReadMetricsAsync_OtherColumnsThanTrainTicket_ReadsNumbersAndIgnoresTextVisibly(ReadMode mode)
    {
        // An Online Boutique pod with columns TrainTicket lacks: a text column (Node) and numeric ones.
        const string Pod = "cartservice-579f59597d-wc2lz";
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("metric", Pod + "_metric.csv"),
            "Time,TimeStamp,PodName,Node,CpuUsage(m),RedisHitRate(%)\n" +
            $"2023-01-29 08:41:09.1 +0000 UTC m=+0.1,1674981669,{Pod},node-2,2.5,97\n" +
            $"2023-01-29 08:42:09.1 +0000 UTC m=+60.1,1674981729,{Pod},node-2,3.5,NaN\n");
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = mode });

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => (s.Instance, s.Name, s.Value)), Is.EqualTo(new[]
            {
                (Pod, "CpuUsage(m)", 2.5),
                (Pod, "RedisHitRate(%)", 97.0),
                (Pod, "CpuUsage(m)", 3.5),
            }));
            Assert.That(dataset.Report.Metrics.IgnoredColumns, Is.EqualTo(new Dictionary<string, long> { ["Node"] = 1 }));
            Assert.That(dataset.Report.Metrics.ToString(), Is.EqualTo("files 1, rows 2, records 3, skipped 1 (NaN value), ignored text column Node (1 file)"));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_TextColumn_IsLoggedAsAWarning()
    {
        using var loggers = new ListLoggerFactory();
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), $"Time,PodName,Zone,Cpu\n2023-01-29 08:42:09.469327655 +0000 UTC m=+60.5,pod-a,eu-1,1\n2023-01-29 08:42:09.469327655 +0000 UTC m=+60.5,pod-a,eu-1,2\n");
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { LoggerFactory = loggers });

        var samples = await dataset.ReadMetricsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(samples, Is.EqualTo(2));
            Assert.That(loggers.Entries, Is.EqualTo(new[]
            {
                ("MstGad.Datasets", LogLevel.Warning, 3004, $"Ignored the text column Zone of {file}: its values are not numbers"),
            }));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_ColumnWithTextAndNumbers_IsAMetricWithBadValues()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"),
            $"{Nezha.MetricHeader}\n{GoodMetricRow.Replace(",1.5,", ",n/a,", StringComparison.Ordinal)}\n{GoodMetricRow.Replace(",1.5,", ",n/a,", StringComparison.Ordinal)}\n{GoodMetricRow}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadMetricsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var samples = await lenient.ReadMetricsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'CpuUsage(m)' not a number: 'n/a'"));
            Assert.That(samples, Is.EqualTo(7));
            Assert.That(lenient.Report.Metrics.IgnoredColumns, Is.Empty);
            Assert.That(lenient.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.UnparsableNumber] = 2 }));
        });
    }
}
