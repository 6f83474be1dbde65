using MstGad.Datasets.Tests.Support;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

public sealed class FileTelemetrySourceTests
{
    private static readonly DateTimeOffset T0 = new(2023, 1, 29, 8, 41, 9, TimeSpan.Zero);

    [Test]
    public async Task ReadMetricsAsync_Csv_ReadsIsoAndUnixTimesAndCoverage()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.csv", "time,instance,metric,value,coverage_s\n2023-01-29T08:41:09Z,pod-a,cpu,0.5,\n1674981669.25,pod-b,\"mem,used\",1e3,60\n2023-01-29T10:41:09+02:00,pod-a,cpu,-2,0.5\n");
        var source = Source(o => o.MetricFiles.Add(file));

        var samples = await source.ReadMetricsAsync().ToListAsync();

        Assert.That(samples, Is.EqualTo(new[]
        {
            new MetricSample("pod-a", T0, "cpu", 0.5),
            new MetricSample("pod-b", T0.AddMilliseconds(250), "mem,used", 1000) { Coverage = TimeSpan.FromSeconds(60) },
            new MetricSample("pod-a", T0, "cpu", -2) { Coverage = TimeSpan.FromMilliseconds(500) },
        }));
        Assert.That(source.Report.Metrics.ToString(), Is.EqualTo("files 1, rows 3, records 3"));
    }

    [Test]
    public async Task ReadMetricsAsync_JsonLinesWithNumbersAndStrings_ReadsEachLine()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.jsonl", "{\"time\":1674981669,\"instance\":\"pod-a\",\"metric\":\"cpu\",\"value\":0.5,\"extra\":{\"a\":[1]}}\n\n{\"TIME\":\"2023-01-29T08:41:09Z\",\"instance\":\"pod-\\u0062\",\"metric\":\"cpu\",\"value\":\"2\",\"coverage_s\":null}\n");
        var source = Source(o => o.MetricFiles.Add(file));

        var samples = await source.ReadMetricsAsync().ToListAsync();

        Assert.That(samples, Is.EqualTo(new[] { new MetricSample("pod-a", T0, "cpu", 0.5), new MetricSample("pod-b", T0, "cpu", 2) }));
    }

    [Test]
    public async Task ReadMetricsAsync_BadRowsLenient_CountsEachUnderItsReason()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.csv", "time,instance,metric,value,coverage_s\nnever,pod-a,cpu,1,\n2023-01-29T08:41:09Z,,cpu,1,\n2023-01-29T08:41:09Z,pod-a,cpu,NaN,\n2023-01-29T08:41:09Z,pod-a,cpu,1,-5\n2023-01-29T08:41:09Z,pod-a,cpu,1,x\n2023-01-29T08:41:09Z,pod-a,cpu,7,\n");
        var source = Source(o =>
        {
            o.MetricFiles.Add(file);
            o.Mode = ReadMode.Lenient;
        });

        var samples = await source.ReadMetricsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Value), Is.EqualTo(new[] { 7.0 }));
            Assert.That(source.Report.Metrics.Rows, Is.EqualTo(6));
            Assert.That(source.Report.Metrics.Records + source.Report.Metrics.SkippedTotal, Is.EqualTo(6));
            Assert.That(source.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long>
            {
                [SkipReasons.InvalidValue] = 1,
                [SkipReasons.MissingValue] = 1,
                [SkipReasons.NaNValue] = 1,
                [SkipReasons.UnparsableNumber] = 1,
                [SkipReasons.UnparsableTime] = 1,
            }));
        });
    }

    [TestCase("never,pod-a,cpu,1", "field 'time' not an ISO-8601 time or Unix epoch seconds: 'never'")]
    [TestCase("2023-01-29T08:41:09Z,pod-a,cpu,NaN", "field 'value' NaN value: 'NaN'")]
    [TestCase("2023-01-29T08:41:09Z,pod-a,,1", "field 'metric' missing value: ''")]
    [TestCase("2023-01-29T08:41:09Z,pod-a,cpu,1,2", "wrong field count: expected 4 fields as in the header, found 5: '2023-01-29T08:41:09Z,pod-a,cpu,1,2'")]
    public void ReadMetricsAsync_BadRowStrict_ThrowsWithExactMessage(string row, string expected)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.csv", $"time,instance,metric,value\n{row}\n");
        var source = Source(o => o.MetricFiles.Add(file));

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await source.ReadMetricsAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo($"{file}:2: {expected}"));
    }

    [Test]
    public async Task ReadMetricsAsync_SkipNaNValues_CountsNaNInStrictMode()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.csv", "time,instance,metric,value\n2023-01-29T08:41:09Z,pod-a,cpu,NaN\n");
        var source = Source(o =>
        {
            o.MetricFiles.Add(file);
            o.SkipNaNValues = true;
        });

        Assert.That(await source.ReadMetricsAsync().CountAsync(), Is.Zero);
        Assert.That(source.Report.Metrics.Skipped, Is.EqualTo(new Dictionary<string, long> { [SkipReasons.NaNValue] = 1 }));
    }

    [Test]
    public async Task ReadMetricsAsync_MissingColumn_StrictThrowsLenientSkipsTheFile()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("m.csv", "Time,Instance,Value\n2023-01-29T08:41:09Z,pod-a,1\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.MetricFiles.Add(file)).ReadMetricsAsync().CountAsync());
        var lenient = Source(o =>
        {
            o.MetricFiles.Add(file);
            o.Mode = ReadMode.Lenient;
        });
        var samples = await lenient.ReadMetricsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:1: not a metric file: its header lacks 'metric': 'Time,Instance,Value'; use lenient mode to skip it"));
            Assert.That(samples, Is.Zero);
            Assert.That(lenient.Report.Metrics.Rows, Is.Zero);
            Assert.That(lenient.Report.Metrics.SkippedFiles, Is.EqualTo(new[] { new SkippedFile(file, "not a metric file: its header lacks 'metric'") }));
        });
    }

    [TestCase("[1, 2, 3]\n", "its first record is not a JSON object", "[1, 2, 3]")]
    [TestCase("{\"Source\": \"frontend\", \"Target\": \"cartservice\"}\n", "its first record has none of the properties 'time', 'instance', 'metric' or 'value'", "{\"Source\": \"frontend\", \"Target\": \"cartservice\"}")]
    public async Task ReadMetricsAsync_JsonLinesFileOfAnotherKind_StrictThrowsLenientSkipsIt(string content, string why, string record)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("metrics-dependency.jsonl", content);
        var good = dir.Write("metrics.jsonl", "{\"time\": 1674981669, \"instance\": \"pod-a\", \"metric\": \"cpu\", \"value\": 1}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.MetricFiles.Add(file)).ReadMetricsAsync().CountAsync());
        var lenient = Source(o =>
        {
            o.MetricFiles.Add(file);
            o.MetricFiles.Add(good);
            o.Mode = ReadMode.Lenient;
        });
        var samples = await lenient.ReadMetricsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:1: not a metric file: {why}: '{record}'; use lenient mode to skip it"));
            Assert.That(samples, Is.EqualTo(1));
            Assert.That(lenient.Report.Metrics.ToString(), Is.EqualTo("files 2, rows 1, records 1, skipped 1 file (metrics-dependency.jsonl)"));
        });
    }

    [Test]
    public async Task ReadLogsAsync_JsonLinesWithABadFirstRecord_IsStillALogFile()
    {
        // The first record has some of the required properties: a bad record, not another kind of file.
        using var dir = new TempDirectory();
        var file = dir.Write("logs.jsonl", "{\"time\": 1674981669, \"message\": \"no instance\"}\n{\"time\": 1674981669, \"instance\": \"pod-a\", \"message\": \"ok\"}\n");
        var source = Source(o =>
        {
            o.LogFiles.Add(file);
            o.Mode = ReadMode.Lenient;
        });

        var logs = await source.ReadLogsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(logs, Is.EqualTo(1));
            Assert.That(source.Report.Logs.ToString(), Is.EqualTo("files 1, rows 2, records 1, skipped 1 (missing value)"));
        });
    }

    [Test]
    public async Task TelemetryDirectoryOpen_GenericFolderWithADependencyList_SkipsItAndNotesAbsentKinds()
    {
        using var dir = new TempDirectory();
        dir.Write("metrics.csv", "time,instance,metric,value\n2023-01-29T08:41:09Z,pod-a,cpu,0.5\n");
        var dependency = dir.Write("metrics-dependency.csv", Support.Nezha.DependencyCsv);
        var source = TelemetryDirectory.Open(dir.Path, ReadMode.Lenient);

        var read = await TelemetryDirectory.ReadAllAsync(source);

        Assert.Multiple(() =>
        {
            Assert.That(read.Metrics, Has.Count.EqualTo(1));
            Assert.That(source.Report.Metrics.SkippedFiles, Is.EqualTo(new[] { new SkippedFile(dependency, "not a metric file: its header lacks 'time', 'instance', 'metric' and 'value'") }));
            Assert.That(source.Report.Logs.ToString(), Is.EqualTo($"files 0, rows 0, records 0, absent: {Path.Combine(dir.Path, "logs*")}"));
            Assert.That(source.Report.Spans.Absent, Is.EqualTo(new[] { Path.Combine(dir.Path, "spans*") }));
            Assert.That(source.Report.Faults.Absent, Is.EqualTo(new[] { Path.Combine(dir.Path, "faults*") }));
        });
    }

    [Test]
    public async Task ReadLogsAsync_CsvAndGzipJsonLines_ReadOptionalFields()
    {
        using var dir = new TempDirectory();
        var csv = dir.Write("l.csv", "time,instance,message,level,trace_id,span_id\n2023-01-29T08:41:09Z,pod-a,\"GET /x, \"\"ok\"\"\nsecond line\",WARN,t1,s1\n1674981669,pod-b,,,,\n");
        var jsonl = dir.WriteGzip("l.jsonl.gz", "{\"time\":\"2023-01-29T08:41:09Z\",\"instance\":\"pod-c\",\"message\":\"hello\",\"level\":\"ERROR\"}\n");
        var source = Source(o =>
        {
            o.LogFiles.Add(csv);
            o.LogFiles.Add(jsonl);
        });

        var logs = await source.ReadLogsAsync().ToListAsync();

        Assert.That(logs, Is.EqualTo(new[]
        {
            new LogRecord("pod-a", T0, "GET /x, \"ok\"\nsecond line") { Level = "WARN", TraceId = "t1", SpanId = "s1" },
            new LogRecord("pod-b", T0, string.Empty),
            new LogRecord("pod-c", T0, "hello") { Level = "ERROR" },
        }));
        Assert.That(source.Report.Logs.ToString(), Is.EqualTo("files 2, rows 3, records 3"));
    }

    [Test]
    public async Task ReadLogsAsync_JsonLinesBadLines_StrictThrowsLenientResynchronises()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("l.jsonl", "{\"time\":1674981669,\"instance\":\"a\",\"message\":\"1\"}\n{\"time\":1674981669,\"instance\":\"a\",\"message\":\n[1,2]\n{\"time\":1674981669,\"instance\":\"a\"}\n{\"time\":1674981669,\"instance\":\"a\",\"message\":\"5\"}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.LogFiles.Add(file)).ReadLogsAsync().CountAsync());
        var lenient = Source(o =>
        {
            o.LogFiles.Add(file);
            o.Mode = ReadMode.Lenient;
        });
        var logs = await lenient.ReadLogsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: invalid JSON: '{{\"time\":1674981669,\"instance\":\"a\",\"message\":'"));
            Assert.That(logs.Select(l => l.Message), Is.EqualTo(new[] { "1", "5" }));
            Assert.That(lenient.Report.Logs.Rows, Is.EqualTo(5));
            Assert.That(lenient.Report.Logs.Skipped, Is.EqualTo(new Dictionary<string, long>
            {
                [SkipReasons.InvalidJson] = 1,
                [SkipReasons.MissingValue] = 1,
                [SkipReasons.UnexpectedJson] = 1,
            }));
        });
    }

    [Test]
    public async Task ReadSpansAsync_EndOrDurationStatusAndKind_AreRead()
    {
        using var dir = new TempDirectory();
        var withEnd = dir.Write("s1.csv", "trace_id,span_id,parent_span_id,instance,operation,start,end,status,kind\nt1,a,,pod-a,GET /,2023-01-29T08:41:09Z,2023-01-29T08:41:09.25Z,ok,SERVER\nt1,b,a,pod-b,query,1674981669.1,1674981669.2,error,client\n");
        var withDuration = dir.Write("s2.csv", "trace_id,span_id,parent_span_id,instance,operation,start,duration_ms\nt2,c,,pod-a,op,2023-01-29T08:41:09Z,1.5\n");
        var source = Source(o =>
        {
            o.SpanFiles.Add(withEnd);
            o.SpanFiles.Add(withDuration);
        });

        var spans = await source.ReadSpansAsync().ToListAsync();

        Assert.That(spans, Is.EqualTo(new[]
        {
            new Span("t1", "a", null, "pod-a", "GET /", T0, TimeSpan.FromMilliseconds(250)) { Status = SpanStatus.Ok, Kind = SpanKind.Server },
            new Span("t1", "b", "a", "pod-b", "query", T0.AddMilliseconds(100), TimeSpan.FromMilliseconds(100)) { Status = SpanStatus.Error, Kind = SpanKind.Client },
            new Span("t2", "c", null, "pod-a", "op", T0, TimeSpan.FromTicks(15000)),
        }));
    }

    [TestCase("t1,a,,pod-a,op,1674981669.5,1674981669", "field 'end' negative duration (the end is before the start): '1674981669'", SkipReasons.NegativeDuration)]
    [TestCase("t1,a,,pod-a,op,1674981669,", "field 'end' missing value (need 'end' or 'duration_ms'): ''", SkipReasons.MissingValue)]
    [TestCase("t1,a,,pod-a,op,x,1674981669", "field 'start' not an ISO-8601 time or Unix epoch seconds: 'x'", SkipReasons.UnparsableTime)]
    [TestCase(",a,,pod-a,op,1674981669,1674981669", "field 'trace_id' missing value: ''", SkipReasons.MissingValue)]
    public async Task ReadSpansAsync_BadSpan_StrictThrowsLenientCounts(string row, string expected, string reason)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("s.csv", $"trace_id,span_id,parent_span_id,instance,operation,start,end\n{row}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.SpanFiles.Add(file)).ReadSpansAsync().CountAsync());
        var lenient = Source(o =>
        {
            o.SpanFiles.Add(file);
            o.Mode = ReadMode.Lenient;
        });
        await lenient.ReadSpansAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: {expected}"));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long> { [reason] = 1 }));
        });
    }

    [TestCase("\"status\":\"maybe\",\"duration_ms\":1", "field 'status' not a span status (ok, error or unset): 'maybe'")]
    [TestCase("\"kind\":\"sideways\",\"duration_ms\":1", "field 'kind' not a span kind (internal, server, client, producer, consumer or unspecified): 'sideways'")]
    [TestCase("\"duration_ms\":-1", "field 'duration_ms' negative duration (the end is before the start): '-1'")]
    [TestCase("\"duration_ms\":\"soon\"", "field 'duration_ms' not a number: 'soon'")]
    public void ReadSpansAsync_BadOptionalValueInJsonLines_Throws(string properties, string expected)
    {
        using var dir = new TempDirectory();
        var file = dir.Write("s.jsonl", "{\"trace_id\":\"t\",\"span_id\":\"s\",\"instance\":\"i\",\"operation\":\"o\",\"start\":1," + properties + "}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.SpanFiles.Add(file)).ReadSpansAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo($"{file}:1: {expected}"));
    }

    [Test]
    public void ReadSpansAsync_NeitherEndNorDurationColumn_StrictThrows()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("s.csv", "trace_id,span_id,parent_span_id,instance,operation,start\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.SpanFiles.Add(file)).ReadSpansAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo($"{file}:1: not a span file: its header lacks 'end' (or 'duration_ms'): 'trace_id,span_id,parent_span_id,instance,operation,start'; use lenient mode to skip it"));
    }

    [Test]
    public async Task ReadFaultsAsync_EndOrDurationAndTargetKind_AreRead()
    {
        using var dir = new TempDirectory();
        var csv = dir.Write("f.csv", "target,start,end,type,target_kind\npod-a,2023-01-29T08:41:09Z,2023-01-29T08:44:09Z,cpu,\nts-order-service,1674981669,1674981729,exception,Service\n");
        var jsonl = dir.Write("f.ndjson", "{\"target\":\"pod-b\",\"start\":\"2023-01-29T08:41:09Z\",\"duration_s\":90.5,\"type\":\"return\",\"target_kind\":\"instance\"}\n");
        var source = Source(o =>
        {
            o.FaultFiles.Add(csv);
            o.FaultFiles.Add(jsonl);
        });

        var faults = await source.ReadFaultsAsync().ToListAsync();

        Assert.That(faults, Is.EqualTo(new[]
        {
            new FaultLabel("pod-a", T0, TimeSpan.FromMinutes(3), "cpu"),
            new FaultLabel("ts-order-service", T0, TimeSpan.FromMinutes(1), "exception") { TargetKind = FaultTarget.Service },
            new FaultLabel("pod-b", T0, TimeSpan.FromSeconds(90.5), "return"),
        }));
    }

    [Test]
    public async Task ReadFaultsAsync_BadTargetKindOrNegativeDuration_StrictThrowsLenientCounts()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("f.csv", "target,start,duration_s,type,target_kind\npod-a,1674981669,60,cpu,node\npod-a,1674981669,-60,cpu,\npod-a,1674981669,60,,\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await Source(o => o.FaultFiles.Add(file)).ReadFaultsAsync().CountAsync());
        var lenient = Source(o =>
        {
            o.FaultFiles.Add(file);
            o.Mode = ReadMode.Lenient;
        });
        var faults = await lenient.ReadFaultsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: field 'target_kind' not a fault target kind (instance or service): 'node'"));
            Assert.That(faults, Is.Zero);
            Assert.That(lenient.Report.Faults.Skipped, Is.EqualTo(new Dictionary<string, long>
            {
                [SkipReasons.InvalidValue] = 1,
                [SkipReasons.MissingValue] = 1,
                [SkipReasons.NegativeDuration] = 1,
            }));
        });
    }

    [Test]
    public async Task Format_Explicit_OverridesTheExtension()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("metrics.txt", "{\"time\":1674981669,\"instance\":\"a\",\"metric\":\"m\",\"value\":1}\n");
        var source = Source(o =>
        {
            o.MetricFiles.Add(file);
            o.Format = TelemetryFileFormat.JsonLines;
        });

        Assert.That(await source.ReadMetricsAsync().CountAsync(), Is.EqualTo(1));
    }

    [Test]
    public void Constructor_UnknownExtensionWithAutoFormat_Throws()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("metrics.txt", string.Empty);

        var e = Assert.Throws<ArgumentException>(() => Source(o => o.MetricFiles.Add(file)));

        Assert.That(e!.Message, Is.EqualTo($"The format of '{file}' cannot be told from its name (.csv, .jsonl, .ndjson or .json, optionally .gz); set Format. (Parameter 'files')"));
    }

    [Test]
    public void Constructor_MissingFile_ThrowsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Source(o => o.LogFiles.Add("/no/such/file.csv")));

        Assert.That(e!.Message, Is.EqualTo("The telemetry file '/no/such/file.csv' does not exist."));
    }

    [TestCase("a.csv", TelemetryFileFormat.Csv)]
    [TestCase("a.CSV.gz", TelemetryFileFormat.Csv)]
    [TestCase("a.jsonl", TelemetryFileFormat.JsonLines)]
    [TestCase("a.ndjson.gz", TelemetryFileFormat.JsonLines)]
    [TestCase("a.json", TelemetryFileFormat.JsonLines)]
    [TestCase("a.txt", null)]
    [TestCase("a.gz", null)]
    public void FormatOf_FileName_IsChosenByExtension(string name, TelemetryFileFormat? expected) =>
        Assert.That(FileTelemetrySource.FormatOf(name), Is.EqualTo(expected));

    [Test]
    public async Task ReadAllKinds_NoFiles_YieldNothing()
    {
        var source = new FileTelemetrySource(new FileTelemetrySourceOptions());

        Assert.Multiple(async () =>
        {
            Assert.That(await source.ReadMetricsAsync().CountAsync(), Is.Zero);
            Assert.That(await source.ReadLogsAsync().CountAsync(), Is.Zero);
            Assert.That(await source.ReadSpansAsync().CountAsync(), Is.Zero);
            Assert.That(await source.ReadFaultsAsync().CountAsync(), Is.Zero);
        });
    }

    private static FileTelemetrySource Source(Action<FileTelemetrySourceOptions> configure)
    {
        var options = new FileTelemetrySourceOptions();
        configure(options);
        return new FileTelemetrySource(options);
    }
}
