using MstGad.Datasets.Tests.Support;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

/// <summary>Each kind of bad record in small Nezha-layout files: strict mode throws, lenient mode counts.</summary>
public sealed partial class NezhaDatasetTests
{
    private const string GoodMetricRow = "2023-01-29 08:42:09.469327655 +0000 UTC m=+60.5,1674981729,pod-a,1.5,2.5,3.5";
    private const string GoodSpanRow = "t1,s1,root,pod-a,GET /x,1674981768697000000,1674981769015316530,318316";

    private static readonly string[] LogPath = [Nezha.InRca("log", "08_43_log.csv")];

    [Test]
    public void ReadMetricsAsync_UnparsableTimeStrict_ThrowsWithLocation()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), $"{Nezha.MetricHeader}\nyesterday,1674981729,pod-a,1,2,3\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadMetricsAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'Time' not a time such as '2023-01-29 08:41:09.104907624 +0000 UTC': 'yesterday'"));
    }

    [Test]
    public async Task ReadMetricsAsync_UnparsableTimeLenient_SkipsTheRowOnce()
    {
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), $"{Nezha.MetricHeader}\nyesterday,1674981729,pod-a,1,2,3\n{GoodMetricRow}\n");
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Value), Is.EqualTo(new[] { 1.5, 2.5, 3.5 }));
            Assert.That(dataset.Report.Metrics.Rows, Is.EqualTo(2));
            Assert.That(dataset.Report.Metrics.Records, Is.EqualTo(3));
            Assert.That(dataset.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.UnparsableTime] = 1 }));
        });
    }

    [Test]
    public void ReadMetricsAsync_NaNWhenNotSkippedStrict_Throws()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), $"{Nezha.MetricHeader}\n{GoodMetricRow.Replace(",1.5,", ",NaN,", StringComparison.Ordinal)}\n");
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { SkipNaNValues = false });

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await dataset.ReadMetricsAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'CpuUsage(m)' NaN value: 'NaN'"));
    }

    [TestCase(ReadMode.Strict, true)]
    [TestCase(ReadMode.Lenient, true)]
    [TestCase(ReadMode.Lenient, false)]
    public async Task ReadMetricsAsync_NaNSkippedOrLenient_CountsEachValue(ReadMode mode, bool skipNaN)
    {
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), $"{Nezha.MetricHeader}\n{GoodMetricRow.Replace(",1.5,2.5,", ",NaN,NaN,", StringComparison.Ordinal)}\n");
        var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = mode, SkipNaNValues = skipNaN });

        var samples = await dataset.ReadMetricsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Name), Is.EqualTo(new[] { "MemoryUsage(Mi)" }));
            Assert.That(dataset.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.NaNValue] = 2 }));
        });
    }

    [TestCase("Infinity", "infinite value", SkipReasons.InfiniteValue)]
    [TestCase("-Infinity", "infinite value", SkipReasons.InfiniteValue)]
    [TestCase("abc", "not a number", SkipReasons.UnparsableNumber)]
    [TestCase("", "missing value", SkipReasons.MissingValue)]
    public async Task ReadMetricsAsync_BadValue_StrictThrowsLenientCountsPerValue(string value, string problem, string reason)
    {
        using var dir = new TempDirectory();
        var row = GoodMetricRow.Replace(",2.5,", $",{value},", StringComparison.Ordinal);
        var file = dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), $"{Nezha.MetricHeader}\n{row}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadMetricsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var samples = await lenient.ReadMetricsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'CpuUsageRate(%)' {problem}: '{value}'"));
            Assert.That(samples.Select(s => s.Value), Is.EqualTo(new[] { 1.5, 3.5 }));
            Assert.That(lenient.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [reason] = 1 }));
        });
    }

    [Test]
    public async Task ReadMetricsAsync_NoInstanceColumn_StrictThrowsLenientSkipsTheFile()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("metric", "pod-a_metric.csv"), "Time,TimeStamp,CpuUsage(m)\n2023-01-29 08:42:09 +0000 UTC,1,2\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadMetricsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var samples = await lenient.ReadMetricsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:1: not a metric file: its header lacks 'PodName' (or 'ServiceName'): 'Time,TimeStamp,CpuUsage(m)'; use lenient mode to skip it"));
            Assert.That(samples, Is.Zero);
            Assert.That(lenient.Report.Metrics.SkippedFiles, Is.EqualTo(new[] { new SkippedFile(file, "not a metric file: its header lacks 'PodName' (or 'ServiceName')") }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_MissingColumn_StrictThrowsLenientSkipsTheFile()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), "TraceID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano\n");
        dir.Write(Nezha.InRca("trace", "08_44_trace.csv"), $"{Nezha.TraceHeader}\n{GoodSpanRow}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadSpansAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:1: not a span file: its header lacks 'SpanID': 'TraceID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano'; use lenient mode to skip it"));
            Assert.That(e.SourceName, Is.EqualTo(file));
            Assert.That(e.Line, Is.EqualTo(1));
            Assert.That(e.Field, Is.Null);
            Assert.That(e.Problem, Is.EqualTo("not a span file: its header lacks 'SpanID'"));
            Assert.That(e.Hint, Is.EqualTo("use lenient mode to skip it"));
            Assert.That(spans, Is.EqualTo(1));
            Assert.That(lenient.Report.Spans.ToString(), Is.EqualTo("files 2, rows 1, records 1, skipped 1 file (08_43_trace.csv)"));
        });
    }

    [Test]
    public async Task ReadSpansAsync_NegativeDuration_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\nt1,s2,s1,pod-b,op,1674981769015316530,1674981768697000000,-318316\n{GoodSpanRow}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadSpansAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'EndTimeUnixNano' negative duration (the end is before the start): '1674981768697000000'"));
            Assert.That(spans.Select(s => s.SpanId), Is.EqualTo(new[] { "s1" }));
            Assert.That(lenient.Report.Spans.Rows, Is.EqualTo(2));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.NegativeDuration] = 1 }));
            Assert.That(lenient.Report.Spans.Examples, Is.EqualTo(new[] { $"{file}:2: negative duration: 1674981768697000000" }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_UnparsableStart_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\nt1,s2,s1,pod-b,op,16749817.5,1674981768697000000,0\n{GoodSpanRow}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadSpansAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'StartTimeUnixNano' not an integer number of Unix epoch nanoseconds: '16749817.5'"));
            Assert.That(spans, Is.EqualTo(1));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.UnparsableTime] = 1 }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_EmptyParent_IsARootSpan()
    {
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\n{GoodSpanRow.Replace(",root,", ",,", StringComparison.Ordinal)}\n");

        var span = await new NezhaDataset(dir.Path).ReadSpansAsync().SingleAsync();

        Assert.That(span.ParentSpanId, Is.Null);
    }

    [Test]
    public async Task ReadLogsAsync_UnparsableTimestamp_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(LogPath[0], $"{Nezha.LogHeader}\n{Nezha.LogRow("29/01/2023 08:42", Nezha.DockerJson("16:42:22.382 INFO  x\n"))}\n{Nezha.LogRow("2023-01-29T08:42:22Z", Nezha.DockerJson("16:42:22.382 WARN  y\n"))}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadLogsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var logs = await lenient.ReadLogsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'Timestamp' not an ISO-8601 time: '29/01/2023 08:42'"));
            Assert.That(logs.Select(l => (l.Level, l.Message)), Is.EqualTo(new[] { ((string?)"WARN", "y") }));
            Assert.That(lenient.Report.Logs.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.UnparsableTime] = 1 }));
        });
    }

    [Test]
    public async Task ReadLogsAsync_BadJsonInLogCell_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(LogPath[0], $"{Nezha.LogHeader}\n{Nezha.LogRow("2023-01-29T08:42:22Z", "{\"log\":\"16:42:22.382 INFO  cut")}\n{Nezha.LogRow("2023-01-29T08:42:23Z", Nezha.DockerJson("ok\n"))}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadLogsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var logs = await lenient.ReadLogsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'Log' invalid JSON: '{{\"log\":\"16:42:22.382 INFO  cut'"));
            Assert.That(e.InnerException, Is.InstanceOf<System.Text.Json.JsonException>());
            Assert.That(logs.Select(l => (l.Level, l.Message)), Is.EqualTo(new[] { ((string?)null, "ok") }));
            Assert.That(lenient.Report.Logs.Rows, Is.EqualTo(2));
            Assert.That(lenient.Report.Logs.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.InvalidJson] = 1 }));
        });
    }

    [Test]
    public async Task ReadLogsAsync_JsonWithoutLogText_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(LogPath[0], $"{Nezha.LogHeader}\n{Nezha.LogRow("2023-01-29T08:42:22Z", "{\"stream\":\"stdout\"}")}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadLogsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        await lenient.ReadLogsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'Log' the Docker JSON has no 'log' string: '{{\"stream\":\"stdout\"}}'"));
            Assert.That(lenient.Report.Logs.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.MissingValue] = 1 }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_UnterminatedQuote_StrictThrowsLenientSkipsOneLineAndGoesOn()
    {
        // A quote that is never closed runs to the end of the input (CSV cannot tell where it should have
        // ended); the record is then cut back to its first physical line and reading resumes after it.
        using var dir = new TempDirectory();
        const string Broken = "t1,s9,root,pod-a,\"GET /x,1674981768697000000,1674981769015316530,318316";
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\n{Broken}\n{GoodSpanRow}\n{GoodSpanRow.Replace(",s1,", ",s2,", StringComparison.Ordinal)}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadSpansAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'OperationName' malformed CSV: unterminated quoted field: '{Broken}'"));
            Assert.That(spans.Select(s => s.SpanId), Is.EqualTo(new[] { "s1", "s2" }));
            Assert.That(lenient.Report.Spans.Rows, Is.EqualTo(3));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.MalformedCsv] = 1 }));
        });
    }

    [Test]
    public async Task ReadLogsAsync_QuoteOpenedAndClosedOnALaterLine_SkipsTheMergedRecord()
    {
        // The unclosed quote swallows the next line up to that line's first quote, which is then followed
        // by a character: one malformed record covering two physical lines.
        using var dir = new TempDirectory();
        var good = Nezha.LogRow("2023-01-29T08:42:23Z", Nezha.DockerJson("16:42:23.000 INFO  after\n"));
        var broken = "2023-01-29T08:42:22Z,1,n,pod-a,server,t,s,\"{\"\"log\"\":\"\"never closed";
        var file = dir.Write(LogPath[0], $"{Nezha.LogHeader}\n{broken}\n{good}\n{good}\n");
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });

        var logs = await lenient.ReadLogsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(logs.Select(l => l.Message), Is.EqualTo(new[] { "after" }));
            Assert.That(lenient.Report.Logs.Rows, Is.EqualTo(2));
            Assert.That(lenient.Report.Logs.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.MalformedCsv] = 1 }));
            Assert.That(lenient.Report.Logs.Examples.Single(), Does.StartWith($"{file}:2: malformed CSV: {broken}\n2023-01-29T08:42:23Z,"));
        });
    }

    [Test]
    public async Task ReadSpansAsync_WrongFieldCount_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), $"{Nezha.TraceHeader}\nt1,s2,s1,pod-b,op,1\n{GoodSpanRow}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadSpansAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: wrong field count: expected 8 fields as in the header, found 6: 't1,s2,s1,pod-b,op,1'"));
            Assert.That(spans, Is.EqualTo(1));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.WrongFieldCount] = 1 }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_EmptyFile_StrictThrowsLenientCountsTheFile()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), string.Empty);
        dir.Write(Nezha.InRca("trace", "08_44_trace.csv"), $"{Nezha.TraceHeader}\n{GoodSpanRow}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadSpansAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}: empty file (no header row): ''"));
            Assert.That(spans, Is.EqualTo(1));
            Assert.That(lenient.Report.Spans.Files, Is.EqualTo(2));
            Assert.That(lenient.Report.Spans.Rows, Is.EqualTo(1));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.EmptyFile] = 1 }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_HeaderOnlyFile_HasNoRowsAndNoSkips()
    {
        using var dir = new TempDirectory();
        dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), Nezha.TraceHeader + "\n");
        var dataset = new NezhaDataset(dir.Path);

        var spans = await dataset.ReadSpansAsync().CountAsync();

        Assert.That((spans, dataset.Report.Spans.Files, dataset.Report.Spans.Rows, dataset.Report.Spans.SkippedTotal), Is.EqualTo((0, 1L, 0L, 0L)));
    }

    [Test]
    public async Task ReadAllKinds_GzipFiles_ReadAsTheOriginals()
    {
        using var dir = new TempDirectory();
        dir.WriteGzip(Nezha.InRca("trace", "08_43_trace.csv.gz"), File.ReadAllBytes(Nezha.Rca("trace", "08_43_trace.csv")));
        dir.WriteGzip(Nezha.InRca("log", "08_43_log.csv.gz"), File.ReadAllBytes(Nezha.Rca("log", "08_43_log.csv")));
        dir.WriteGzip(Nezha.InRca("metric", ContactsPod + "_metric.csv.gz"), File.ReadAllBytes(Nezha.Rca("metric", ContactsPod + "_metric.csv")));
        using var plain = new TempDirectory();
        plain.Copy(Nezha.Rca("trace", "08_43_trace.csv"), Nezha.InRca("trace", "08_43_trace.csv"));
        plain.Copy(Nezha.Rca("log", "08_43_log.csv"), Nezha.InRca("log", "08_43_log.csv"));
        plain.Copy(Nezha.Rca("metric", ContactsPod + "_metric.csv"), Nezha.InRca("metric", ContactsPod + "_metric.csv"));
        var gzip = new NezhaDataset(dir.Path);
        var original = new NezhaDataset(plain.Path);

        Assert.Multiple(async () =>
        {
            Assert.That(await gzip.ReadSpansAsync().ToListAsync(), Is.EqualTo(await original.ReadSpansAsync().ToListAsync()));
            Assert.That(await gzip.ReadLogsAsync().ToListAsync(), Is.EqualTo(await original.ReadLogsAsync().ToListAsync()));
            Assert.That(await gzip.ReadMetricsAsync().ToListAsync(), Is.EqualTo(await original.ReadMetricsAsync().ToListAsync()));
            Assert.That(gzip.Report.Spans.ToString(), Is.EqualTo(original.Report.Spans.ToString()));
            Assert.That(gzip.Report.Metrics.ToString(), Is.EqualTo(original.Report.Metrics.ToString()));
        });
    }

    [Test]
    public void ReadSpansAsync_CorruptGzip_ThrowsInBothModes()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Nezha.InRca("trace", "08_43_trace.csv.gz"), "this is not gzip data"u8.ToArray());

        foreach (var mode in new[] { ReadMode.Strict, ReadMode.Lenient })
        {
            var dataset = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = mode });

            var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await dataset.ReadSpansAsync().CountAsync());

            Assert.Multiple(() =>
            {
                Assert.That(e!.SourceName, Is.EqualTo(file));
                Assert.That(e.Problem, Does.StartWith("unreadable file: "));
                Assert.That(e.InnerException, Is.InstanceOf<InvalidDataException>());
            });
        }
    }

    [Test]
    public async Task ReadFaultsAsync_BadEntries_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Path.Combine("rca_data", Nezha.Date, Nezha.Date + "-fault_list.json"), """
            {
                "08": [
                    { "inject_time": "2023-01-29 08:43:04", "inject_pod": "pod-a", "inject_type": "return" },
                    { "inject_time": "2023-01-29 08:52:06", "inject_type": "return" },
                    { "inject_time": "29/01/2023", "inject_pod": "pod-b", "inject_type": "exception" },
                    42
                ]
            }
            """);

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadFaultsAsync().CountAsync());
        var lenient = new NezhaDataset(dir.Path, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var faults = await lenient.ReadFaultsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:4: field 'inject_pod' missing value: '{{ \"inject_time\": \"2023-01-29 08:52:06\", \"inject_type\": \"return\" }}'"));
            Assert.That(faults.Select(f => f.Target), Is.EqualTo(new[] { "pod-a" }));
            Assert.That(lenient.Report.Faults.Rows, Is.EqualTo(4));
            Assert.That(lenient.Report.Faults.Skipped, Is.EqualTo(new Dictionary<string, long>
            {
                [SkipReasons.MissingValue] = 1,
                [SkipReasons.UnparsableTime] = 1,
                [SkipReasons.UnexpectedJson] = 1,
            }));
        });
    }

    [Test]
    public void ReadFaultsAsync_InvalidJson_StrictThrows()
    {
        using var dir = new TempDirectory();
        var file = dir.Write(Path.Combine("rca_data", Nezha.Date, Nezha.Date + "-fault_list.json"), "{\n \"08\": [ { \"inject_pod\": } ]\n}\n");
        dir.Write(Nezha.InRca("trace", "08_43_trace.csv"), Nezha.TraceHeader + "\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new NezhaDataset(dir.Path).ReadFaultsAsync().CountAsync());

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: invalid JSON: '{{ \"inject_pod\": }} ]'"));
            Assert.That(e.InnerException, Is.InstanceOf<System.Text.Json.JsonException>());
        });
    }
}
