using System.Globalization;
using Microsoft.Extensions.Logging;
using MstGad.Datasets.Tests.Support;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

/// <summary>The reader on the real Nezha TrainTicket day (../shared/data/nezha-trainticket).</summary>
public sealed partial class NezhaDatasetTests
{
    private const string ContactsPod = "ts-contacts-service-866bd68c97-xcqfx";

    [Test]
    public async Task ReadSpansAsync_RealTraceFile_CountsEveryRowAsASpan()
    {
        var source = Nezha.Rca("trace", "08_43_trace.csv");
        using var dir = new TempDirectory();
        dir.Copy(source, Nezha.InRca("trace", "08_43_trace.csv"));
        var dataset = new NezhaDataset(dir.Path);

        var spans = await dataset.ReadSpansAsync().ToListAsync();

        var lines = File.ReadLines(source).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(dataset.Report.Spans.Files, Is.EqualTo(1));
            Assert.That(dataset.Report.Spans.Rows, Is.EqualTo(lines.Count));
            Assert.That(dataset.Report.Spans.Records, Is.EqualTo(lines.Count));
            Assert.That(dataset.Report.Spans.SkippedTotal, Is.Zero);
            Assert.That(spans, Has.Count.EqualTo(lines.Count));
            Assert.That(spans.Count(s => s.ParentSpanId is null), Is.EqualTo(lines.Count(f => f[2] == "root")));
            Assert.That(spans.Select(s => s.Duration.Ticks), Is.EqualTo(lines.Select(f => (long.Parse(f[6], CultureInfo.InvariantCulture) - long.Parse(f[5], CultureInfo.InvariantCulture)) / 100)));
        });
        Assert.That(spans[0], Is.EqualTo(new Span(
            "b0103bb0161ad7fa352fe1828eeb643a",
            "520b067330e3ede5",
            null,
            "ts-gateway-service-6f6cfc45b-h5m2n",
            "/*",
            DateTimeOffset.FromUnixTimeMilliseconds(1674981768697),
            TimeSpan.FromTicks(3183165))));
        Assert.That(spans[1].ParentSpanId, Is.EqualTo("520b067330e3ede5"));
    }

    [Test]
    public async Task ReadLogsAsync_RealLogFile_CountsEveryRowAndSplitsClockAndLevel()
    {
        var source = Nezha.Rca("log", "08_43_log.csv");
        using var dir = new TempDirectory();
        dir.Copy(source, Nezha.InRca("log", "08_43_log.csv"));
        var dataset = new NezhaDataset(dir.Path);

        var logs = await dataset.ReadLogsAsync().ToListAsync();

        var rows = Nezha.CountDataLines(source);
        Assert.Multiple(() =>
        {
            Assert.That(dataset.Report.Logs.Rows, Is.EqualTo(rows));
            Assert.That(dataset.Report.Logs.Records, Is.EqualTo(rows));
            Assert.That(dataset.Report.Logs.SkippedTotal, Is.Zero);
            Assert.That(logs.Select(l => l.Level).Distinct(), Is.SubsetOf(new[] { "INFO", "WARN", "ERROR" }));
            Assert.That(logs.Where(l => l.Message.EndsWith('\n')), Is.Empty);
            Assert.That(logs.Where(l => l.TraceId is null || l.SpanId is null), Is.Empty);
        });
        var first = logs[0];
        Assert.Multiple(() =>
        {
            Assert.That(first.Instance, Is.EqualTo("ts-travel-service-64469b5b48-25zj6"));
            Assert.That(first.Time, Is.EqualTo(new DateTimeOffset(2023, 1, 29, 8, 42, 22, TimeSpan.Zero).AddTicks(3831509)));
            Assert.That(first.Level, Is.EqualTo("INFO"));
            Assert.That(first.Message, Is.EqualTo(
                "t.s.TravelServiceImpl#532 TraceID: ffc8ca7e4c8f06c75142c880d5595d96 SpanID: 439bc949a9eeb0cc [getRouteByRouteId][Get Route By Id]" +
                "[Route is: Route(id=f3d4d4ef-693b-4456-8eed-59c0d717dd08, stations=[shanghai, suzhou], distances=[0, 50], startStation=shanghai, endStation=suzhou)]"));
            Assert.That(first.TraceId, Is.EqualTo("ffc8ca7e4c8f06c75142c880d5595d96"));
            Assert.That(first.SpanId, Is.EqualTo("439bc949a9eeb0cc"));
        });
    }

    [Test]
    public async Task ReadLogsAsync_TimestampWithoutZ_IsReadAsUtc()
    {
        // Found with: grep -n -v '^[^,]*Z,' rca_data/2023-01-29/log/09_21_log.csv (first hit: line 129).
        var source = Nezha.Rca("log", "09_21_log.csv");
        var (lineNumber, line) = File.ReadLines(source).Select((l, i) => (i + 1, l)).Skip(1).First(p => !p.l.Split(',')[0].EndsWith('Z'));
        var fields = line.Split(',');
        Assert.That((lineNumber, fields[0]), Is.EqualTo((129, "2023-01-29T09:20:29.295")));
        using var dir = new TempDirectory();
        dir.Copy(source, Nezha.InRca("log", "09_21_log.csv"));
        var dataset = new NezhaDataset(dir.Path);

        var logs = await dataset.ReadLogsAsync().ToListAsync();

        var record = logs.Single(l => l.SpanId == fields[6] && l.Time == new DateTimeOffset(2023, 1, 29, 9, 20, 29, 295, TimeSpan.Zero));
        Assert.Multiple(() =>
        {
            Assert.That(record.Instance, Is.EqualTo("ts-travel2-service-5c66d57d58-6mp2b"));
            Assert.That(record.Level, Is.EqualTo("ERROR"));
            Assert.That(record.Message, Does.StartWith("o.a.c.c.C.[.[.[.[dispatcherServlet]#175 TraceID: e8a3352051e85c13136b27945b8cab5b"));
            Assert.That(record.Message, Does.Contain("[{\"timestamp\":\"2023-01-29T09:20:29.295+00:00\",\"status\":500,"));
            Assert.That(dataset.Report.Logs.Records, Is.EqualTo(Nezha.CountDataLines(source)));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_RealPodFile_GivesOneSamplePerValueAndSkipsNaN()
    {
        var source = Nezha.Rca("metric", ContactsPod + "_metric.csv");
        using var dir = new TempDirectory();
        dir.Copy(source, Nezha.InRca("metric", ContactsPod + "_metric.csv"));
        var dataset = new NezhaDataset(dir.Path);

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        var lines = File.ReadLines(source).ToList();
        var header = lines[0].Split(',');
        var values = lines.Skip(1).Select(l => l.Split(',')[3..]).ToList();
        var nan = values.Sum(v => v.Count(x => x == "NaN"));
        Assert.That(header[3..], Has.Length.EqualTo(19));
        Assert.Multiple(() =>
        {
            Assert.That(dataset.Report.Metrics.Rows, Is.EqualTo(919));
            Assert.That(dataset.Report.Metrics.Rows, Is.EqualTo(values.Count));
            Assert.That(nan, Is.EqualTo(1780));
            Assert.That(dataset.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.NaNValue] = nan }));
            Assert.That(dataset.Report.Metrics.Records, Is.EqualTo((values.Count * 19) - nan));
            Assert.That(samples, Has.Count.EqualTo((values.Count * 19) - nan));
            Assert.That(samples.Select(s => s.Name).Distinct(), Is.EquivalentTo(header[3..]));
            Assert.That(samples.Select(s => s.Instance).Distinct(), Is.EqualTo(new[] { ContactsPod }));
            Assert.That(samples.Select(s => s.Coverage).Distinct(), Is.EqualTo(new[] { TimeSpan.FromSeconds(60) }));
            Assert.That(samples.Where(s => !double.IsFinite(s.Value)), Is.Empty);
        });
        Assert.That(samples[0], Is.EqualTo(new MetricSample(ContactsPod, new DateTimeOffset(2023, 1, 29, 8, 41, 9, TimeSpan.Zero).AddTicks(8582807), "CpuUsage(m)", 14.375037069352116)
        {
            Coverage = TimeSpan.FromSeconds(60),
        }));
    }

    [Test]
    public async Task ReadMetricsAsync_FrontServiceFile_UsesServiceNameAsInstance()
    {
        var source = Nezha.Rca("metric", "front_service.csv");
        using var dir = new TempDirectory();
        dir.Copy(source, Nezha.InRca("metric", "front_service.csv"));
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { MetricCoverage = TimeSpan.FromSeconds(30) });

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        var rows = Nezha.CountDataLines(source);
        Assert.Multiple(() =>
        {
            Assert.That(dataset.Report.Metrics.Rows, Is.EqualTo(rows));
            Assert.That(dataset.Report.Metrics.Records + dataset.Report.Metrics.SkippedTotal, Is.EqualTo(rows * 5));
            Assert.That(samples.Select(s => s.Instance).Distinct(), Is.EqualTo(new[] { "Frontend" }));
            Assert.That(samples.Select(s => s.Name).Distinct(), Is.EquivalentTo(new[] { "SuccessRate(%)", "LatencyP50(s)", "LatencyP90(s)", "LatencyP95(s)", "LatencyP99(s)" }));
            Assert.That(samples.Select(s => s.Coverage).Distinct(), Is.EqualTo(new[] { TimeSpan.FromSeconds(30) }));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_FrontendExcluded_CountsEachRowAsSkipped()
    {
        var source = Nezha.Rca("metric", "front_service.csv");
        using var dir = new TempDirectory();
        dir.Copy(source, Nezha.InRca("metric", "front_service.csv"));
        dir.Copy(Nezha.Rca("metric", ContactsPod + "_metric.csv"), Nezha.InRca("metric", ContactsPod + "_metric.csv"));
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { IncludeFrontend = false });

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Instance).Distinct(), Is.EqualTo(new[] { ContactsPod }));
            Assert.That(dataset.Report.Metrics.Files, Is.EqualTo(2));
            Assert.That(dataset.Report.Metrics.Rows, Is.EqualTo(919 + Nezha.CountDataLines(source)));
            Assert.That(dataset.Report.Metrics.Skipped[SkipReasons.FrontendExcluded], Is.EqualTo(Nezha.CountDataLines(source)));
        });
    }

    [Test]
    public async Task ReadFaultsAsync_RealFaultList_Reads28Faults()
    {
        var dataset = new NezhaDataset(Nezha.Root);

        var faults = await dataset.ReadFaultsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(faults, Has.Count.EqualTo(28));
            Assert.That(dataset.Report.Faults.Files, Is.EqualTo(1));
            Assert.That(dataset.Report.Faults.Rows, Is.EqualTo(28));
            Assert.That(dataset.Report.Faults.Records, Is.EqualTo(28));
            Assert.That(faults[0], Is.EqualTo(new FaultLabel(ContactsPod, new DateTimeOffset(2023, 1, 29, 8, 43, 4, TimeSpan.Zero), TimeSpan.FromMinutes(3), "return")));
            Assert.That(faults[^1], Is.EqualTo(new FaultLabel("ts-preserve-service-b5ccf8557-j4txs", new DateTimeOffset(2023, 1, 29, 15, 42, 0, TimeSpan.Zero), TimeSpan.FromMinutes(3), "cpu_contention")));
            Assert.That(faults.Select(f => f.Type).Distinct(), Is.EquivalentTo(new[] { "return", "exception", "cpu_contention" }));
            Assert.That(faults.Select(f => f.TargetKind).Distinct(), Is.EqualTo(new[] { FaultTarget.Instance }));
        });
    }

    [Test]
    public async Task ReadFaultsAsync_FaultDurationOption_IsUsed()
    {
        var dataset = new NezhaDataset(Nezha.Root, new NezhaDatasetOptions { FaultDuration = TimeSpan.FromMinutes(5) });

        var faults = await dataset.ReadFaultsAsync().ToListAsync();

        Assert.That(faults.Select(f => f.Duration).Distinct(), Is.EqualTo(new[] { TimeSpan.FromMinutes(5) }));
    }

    [Test]
    public async Task ReadFaultsAsync_NoFaultList_ReadsNoFaults()
    {
        using var dir = new TempDirectory();
        dir.Copy(Nezha.Rca("trace", "08_43_trace.csv"), Nezha.InRca("trace", "08_43_trace.csv"));
        var dataset = new NezhaDataset(dir.Path);

        var faults = await dataset.ReadFaultsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(faults, Is.Empty);
            Assert.That(dataset.FaultFiles, Is.Empty);
            Assert.That(dataset.Report.Faults.Files, Is.Zero);
            Assert.That(dataset.Report.Faults.Rows, Is.Zero);
        });
    }

    [Test]
    public async Task ReadAllKinds_WholeDayLenient_TotalsMatchIndependentCounts()
    {
        var dataset = new NezhaDataset(Nezha.Root, new NezhaDatasetOptions { Mode = ReadMode.Lenient });

        var metrics = await dataset.ReadMetricsAsync().CountAsync();
        var logs = await dataset.ReadLogsAsync().CountAsync();
        var spans = await dataset.ReadSpansAsync().CountAsync();
        var faults = await dataset.ReadFaultsAsync().CountAsync();

        var metricFiles = Directory.GetFiles(Nezha.Rca("metric"));
        var metricRows = metricFiles.Sum(Nezha.CountDataLines);
        var metricValues = metricFiles.Sum(f => File.ReadLines(f).Skip(1).Sum(l => l.Split(',').Length - 3));
        var metricNaN = metricFiles.Sum(f => File.ReadLines(f).Skip(1).Sum(l => l.Split(',').Count(v => v == "NaN")));
        string[] logFiles = [.. Directory.GetFiles(Nezha.Rca("log")), .. Directory.GetFiles(Nezha.Construct("log"))];
        string[] traceFiles = [.. Directory.GetFiles(Nezha.Rca("trace")), .. Directory.GetFiles(Nezha.Construct("trace"))];
        var report = dataset.Report;
        Assert.Multiple(() =>
        {
            Assert.That((report.Metrics.Files, report.Logs.Files, report.Spans.Files, report.Faults.Files), Is.EqualTo((47, 85, 85, 1)));
            Assert.That(report.Metrics.Rows, Is.EqualTo(metricRows).And.EqualTo(43193));
            Assert.That(report.Metrics.Records + report.Metrics.SkippedTotal, Is.EqualTo(metricValues).And.EqualTo(807801));
            Assert.That(report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.NaNValue] = metricNaN }));
            Assert.That(report.Metrics.Records, Is.EqualTo(metrics).And.EqualTo(767559));
            Assert.That(report.Logs.Rows, Is.EqualTo(logFiles.Sum(Nezha.CountDataLines)).And.EqualTo(175211));
            Assert.That(report.Logs.Records + report.Logs.SkippedTotal, Is.EqualTo(report.Logs.Rows));
            Assert.That(report.Logs.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.MalformedCsv] = 2 }));
            Assert.That(report.Logs.Records, Is.EqualTo(logs));
            Assert.That(report.Spans.Rows, Is.EqualTo(traceFiles.Sum(Nezha.CountDataLines)).And.EqualTo(333738));
            Assert.That(report.Spans.Records, Is.EqualTo(report.Spans.Rows).And.EqualTo(spans));
            Assert.That(faults, Is.EqualTo(28));
        });
    }

    [Test]
    public void ReadLogsAsync_WholeDayStrict_ThrowsAtTheFirstCorruptedRow()
    {
        var dataset = new NezhaDataset(Nezha.Root, new NezhaDatasetOptions { Dates = { Nezha.Date }, IncludeConstructData = false });

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await dataset.ReadLogsAsync().CountAsync());

        var file = Nezha.Rca("log", "10_06_log.csv");
        Assert.Multiple(() =>
        {
            Assert.That(e!.SourceName, Is.EqualTo(file));
            Assert.That(e.Line, Is.EqualTo(631));
            Assert.That(e.Field, Is.EqualTo("Log"));
            Assert.That(e.Problem, Is.EqualTo("malformed CSV: a character follows a closing quote"));
            Assert.That(e.Message, Does.StartWith(
                file + ":631: field 'Log' malformed CSV: a character follows a closing quote: '2023-01-29T10:06:03.361647039Z,1674986763361647039,"));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_NaNValues_AreLoggedOncePerFile()
    {
        using var loggers = new ListLoggerFactory();
        using var dir = new TempDirectory();
        dir.Copy(Nezha.Rca("metric", ContactsPod + "_metric.csv"), Nezha.InRca("metric", ContactsPod + "_metric.csv"));
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { LoggerFactory = loggers });

        await dataset.ReadMetricsAsync().CountAsync();

        var file = Path.Combine(dataset.RootPath, Nezha.InRca("metric", ContactsPod + "_metric.csv"));
        Assert.That(loggers.Entries, Is.EqualTo(new[]
        {
            ("MstGad.Datasets", LogLevel.Warning, 3001, $"Skipped 1780 metric rows or values in {file}: 1780 NaN value"),
        }));
    }

    [Test]
    public void Constructor_RealRoot_ListsFilesInNameOrder()
    {
        var dataset = new NezhaDataset(Nezha.Root);
        var rcaOnly = new NezhaDataset(Nezha.Root, new NezhaDatasetOptions { IncludeConstructData = false });

        Assert.Multiple(() =>
        {
            Assert.That(dataset.Dates, Is.EqualTo(new[] { Nezha.Date }));
            Assert.That(dataset.MetricFiles, Has.Count.EqualTo(47));
            Assert.That(dataset.SpanFiles, Has.Count.EqualTo(85));
            Assert.That(dataset.LogFiles, Has.Count.EqualTo(85));
            Assert.That(dataset.SpanFiles[^1], Is.EqualTo(Nezha.Construct("trace", "08_50_trace.csv")));
            Assert.That(dataset.SpanFiles.Take(84), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(dataset.FaultFiles, Is.EqualTo(new[] { Nezha.Rca("2023-01-29-fault_list.json") }));
            Assert.That(rcaOnly.SpanFiles, Has.Count.EqualTo(84));
            Assert.That(rcaOnly.LogFiles, Has.Count.EqualTo(84));
        });
    }

    [Test]
    public async Task Constructor_DatesOption_ReadsOnlyThoseDates()
    {
        using var dir = new TempDirectory();
        dir.Write(Path.Combine("rca_data", "2023-01-29", "trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\nt1,s1,root,pod-a,op,1,2,0\n");
        dir.Write(Path.Combine("rca_data", "2023-01-30", "trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\nt2,s2,root,pod-a,op,1,2,0\n");
        dir.Write(Path.Combine("construct_data", "2023-01-30", "trace", "08_50_trace.csv"), $"{Nezha.TraceHeader}\nt3,s3,root,pod-a,op,1,2,0\n");
        dir.Write(Path.Combine("rca_data", "2023-01-29", "2023-01-29-fault_list.json"), "{}");
        var all = new NezhaDataset(dir.Path);
        var one = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Dates = { "2023-01-30" } });

        var spans = await one.ReadSpansAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(all.Dates, Is.EqualTo(new[] { "2023-01-29", "2023-01-30" }));
            Assert.That(all.SpanFiles.Select(f => Path.GetRelativePath(dir.Path, f)), Is.EqualTo(new[]
            {
                Path.Combine("rca_data", "2023-01-29", "trace", "08_43_trace.csv"),
                Path.Combine("rca_data", "2023-01-30", "trace", "08_43_trace.csv"),
                Path.Combine("construct_data", "2023-01-30", "trace", "08_50_trace.csv"),
            }));
            Assert.That(all.FaultFiles, Has.Count.EqualTo(1));
            Assert.That(one.Dates, Is.EqualTo(new[] { "2023-01-30" }));
            Assert.That(spans.Select(s => s.TraceId), Is.EqualTo(new[] { "t2", "t3" }));
            Assert.That(one.FaultFiles, Is.Empty);
        });
    }

    [Test]
    public void Constructor_MissingFolder_ThrowsDirectoryNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), "mstgad-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var e = Assert.Throws<DirectoryNotFoundException>(() => _ = new NezhaDataset(path));

        Assert.That(e!.Message, Is.EqualTo($"The Nezha folder '{path}' does not exist."));
    }

    [Test]
    public void Constructor_FolderWithoutNezhaLayout_ThrowsDirectoryNotFound()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<DirectoryNotFoundException>(() => _ = new NezhaDataset(dir.Path));

        Assert.That(e!.Message, Is.EqualTo($"The Nezha folder '{dir.Path}' has neither 'rca_data' nor 'construct_data'."));
    }

    [Test]
    public void Constructor_UnknownDate_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new NezhaDataset(Nezha.Root, new NezhaDatasetOptions { Dates = { "2023-01-30" } }));

        Assert.That(e!.Message, Is.EqualTo($"Dates not found under '{Nezha.Root}': 2023-01-30; found: 2023-01-29. (Parameter 'options')"));
    }

    [Test]
    public void ReadSpansAsync_Cancelled_ThrowsOperationCanceled()
    {
        var dataset = new NezhaDataset(Nezha.Root);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.That(async () => await dataset.ReadSpansAsync(cancellation.Token).CountAsync(), Throws.InstanceOf<OperationCanceledException>());
    }
}
