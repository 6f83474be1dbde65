using MstGad.Datasets.Tests.Support;
using MstGad.Features;

namespace MstGad.Datasets.Tests;

public sealed class OtlpJsonSourceTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1674981669);

    private static string TestFile(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "otlp", name);

    [Test]
    public async Task ReadSpansAsync_SingleDocumentLenient_ReadsSpansAndCountsTheResourceWithoutInstance()
    {
        var source = new OtlpJsonSource([TestFile("traces.json")], new OtlpJsonSourceOptions { Mode = ReadMode.Lenient });

        var spans = await source.ReadSpansAsync().ToListAsync();

        Assert.That(spans, Is.EqualTo(new[]
        {
            new Span("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", null, "frontend-6b9f7c-x2k4p", "GET /cart", T0, TimeSpan.FromMilliseconds(250))
            {
                Kind = SpanKind.Server,
            },
            new Span("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b175", "eee19b7ec3c1b174", "frontend-6b9f7c-x2k4p", "GET cart-service", T0.AddMilliseconds(10), TimeSpan.FromMilliseconds(190))
            {
                Kind = SpanKind.Client,
                Status = SpanStatus.Error,
            },
            new Span("5b8efff798038103d269b633813fc60c", "aaa19b7ec3c1b176", "eee19b7ec3c1b175", "node-7", "HGET", T0.AddMilliseconds(20), TimeSpan.FromMilliseconds(130))
            {
                Status = SpanStatus.Ok,
            },
        }));
        Assert.Multiple(() =>
        {
            Assert.That(source.Report.Spans.ToString(), Is.EqualTo("files 1, rows 4, records 3, skipped 1 (missing instance)"));
            Assert.That(source.Report.Spans.Examples, Is.EqualTo(new[]
            {
                $"{TestFile("traces.json")}:65: missing instance: k8s.pod.name, service.instance.id, host.name, service.name",
            }));
        });
    }

    [Test]
    public void ReadSpansAsync_ResourceWithoutInstanceStrict_Throws()
    {
        var source = new OtlpJsonSource([TestFile("traces.json")]);

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await source.ReadSpansAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo(
            $"{TestFile("traces.json")}:65: field 'resource.attributes' the resource has none of the instance attributes: 'k8s.pod.name, service.instance.id, host.name, service.name'"));
    }

    [Test]
    public async Task ReadSpansAsync_IncludeSpanAttributesAndCustomInstanceAttribute_AreApplied()
    {
        var options = new OtlpJsonSourceOptions { IncludeSpanAttributes = true, Mode = ReadMode.Lenient };
        options.InstanceAttributes.Clear();
        options.InstanceAttributes.Add("service.name");
        var source = new OtlpJsonSource([TestFile("traces.json")], options);

        var spans = await source.ReadSpansAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(spans.Select(s => s.Instance), Is.EqualTo(new[] { "frontend", "frontend", "cart" }));
            Assert.That(spans[0].Attributes, Is.EqualTo(new Dictionary<string, string> { ["http.method"] = "GET", ["http.status_code"] = "200" }));
            Assert.That(spans[1].Attributes, Is.Null);
        });
    }

    [Test]
    public async Task ReadLogsAsync_JsonLines_ReadsEachExportLine()
    {
        var source = new OtlpJsonSource([TestFile("logs.jsonl")]);

        var logs = await source.ReadLogsAsync().ToListAsync();

        Assert.That(logs, Is.EqualTo(new[]
        {
            new LogRecord("cart-1", T0, "GetCart called for user 42")
            {
                Level = "Information",
                TraceId = "5b8efff798038103d269b633813fc60c",
                SpanId = "aaa19b7ec3c1b176",
            },
            new LogRecord("cart-1", T0.AddMilliseconds(500), "{\"values\":[{\"key\":\"event\",\"value\":{\"stringValue\":\"redis timeout\"}}]}") { Level = "ERROR" },
            new LogRecord("checkout", T0.AddSeconds(1), "retrying payment") { Level = "WARN" },
            new LogRecord("checkout", T0.AddSeconds(2), string.Empty),
        }));
        Assert.That(source.Report.Logs.ToString(), Is.EqualTo("files 1, rows 4, records 4"));
    }

    [Test]
    public async Task ReadMetricsAsync_GaugeSumHistogramSummary_GiveSamples()
    {
        var source = new OtlpJsonSource([TestFile("metrics.json")], new OtlpJsonSourceOptions { SkipNaNValues = true });

        var samples = await source.ReadMetricsAsync().ToListAsync();

        const string Pod = "cart-7d4f-abcde";
        Assert.That(samples, Is.EqualTo(new[]
        {
            new MetricSample(Pod, T0, "process.cpu.utilization", 0.25),
            new MetricSample(Pod, T0, "http.server.requests", 120) { Coverage = TimeSpan.FromSeconds(60) },
            new MetricSample(Pod, T0, "http.server.duration.count", 4),
            new MetricSample(Pod, T0, "http.server.duration.mean", 25),
            new MetricSample(Pod, T0.AddSeconds(60), "http.server.duration.count", 0),
            new MetricSample(Pod, T0, "rpc.latency.count", 2),
            new MetricSample(Pod, T0, "rpc.latency.mean", 1.5),
        }));
        Assert.That(source.Report.Metrics.ToString(), Is.EqualTo(
            "files 1, rows 7, records 7, skipped 1 (NaN value), skipped 1 (empty histogram), skipped 1 (unsupported metric type)"));
    }

    [Test]
    public void ReadMetricsAsync_NaNStrict_Throws()
    {
        var source = new OtlpJsonSource([TestFile("metrics.json")]);

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await source.ReadMetricsAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo($"{TestFile("metrics.json")}:3: field 'asDouble' NaN value: 'NaN'"));
    }

    [Test]
    public async Task ReadAllKinds_MixedExportFile_ReadsOnlyTheRequestedSignal()
    {
        var source = new OtlpJsonSource([TestFile("mixed.jsonl")]);

        var spans = await source.ReadSpansAsync().ToListAsync();
        var logs = await source.ReadLogsAsync().ToListAsync();
        var metrics = await source.ReadMetricsAsync().ToListAsync();
        var faults = await source.ReadFaultsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(spans, Is.EqualTo(new[] { new Span("01", "02", null, "node-1", "op", T0, TimeSpan.FromMicroseconds(1)) }));
            Assert.That(logs, Is.EqualTo(new[] { new LogRecord("node-1", T0, "first") { Level = "INFO" } }));
            Assert.That(metrics, Is.EqualTo(new[] { new MetricSample("node-1", T0, "load", 3) }));
            Assert.That(faults, Is.Empty);
            Assert.That(source.Report.Spans.ToString(), Is.EqualTo("files 1, rows 1, records 1"));
            Assert.That(source.Report.Metrics.ToString(), Is.EqualTo("files 1, rows 1, records 1"));
        });
    }

    [Test]
    public async Task ReadSpansAsync_GzipFileAndFolder_ReadAsThePlainFile()
    {
        using var dir = new TempDirectory();
        dir.WriteGzip("traces.json.gz", File.ReadAllBytes(TestFile("traces.json")));
        dir.Write("notes.txt", "not telemetry");
        var options = new OtlpJsonSourceOptions { Mode = ReadMode.Lenient };
        var fromFolder = new OtlpJsonSource([dir.Path], options);
        var plain = new OtlpJsonSource([TestFile("traces.json")], options);

        Assert.That(fromFolder.Files, Is.EqualTo(new[] { Path.Combine(dir.Path, "traces.json.gz") }));
        Assert.That(await fromFolder.ReadSpansAsync().ToListAsync(), Is.EqualTo(await plain.ReadSpansAsync().ToListAsync()));
    }

    [Test]
    public async Task ReadSpansAsync_FilesThatAreNoExportsLenient_AreSkippedAndNamed()
    {
        using var dir = new TempDirectory();
        var otlp = Path.Combine("otlp", "traces.json");
        dir.Copy(TestFile("traces.json"), otlp);
        var readme = dir.Write(Path.Combine("otlp", "README.md"), "# Exports of 2023-01-29\n\nOne file per signal.\n");
        var dependency = dir.Write(Path.Combine("otlp", "dependency.json"), "{\"Source\": \"frontend\", \"Target\": \"cartservice\", \"Weight\": 12}\n");
        var source = (OtlpJsonSource)TelemetryDirectory.Open(dir.Path, ReadMode.Lenient);

        var spans = await source.ReadSpansAsync().CountAsync();
        var metrics = await source.ReadMetricsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(spans, Is.EqualTo(3));
            Assert.That(metrics, Is.Zero);
            Assert.That(source.Report.Spans.SkippedFiles, Is.EqualTo(new[]
            {
                new SkippedFile(readme, "not an OTLP/JSON export: it does not start with a JSON object"),
                new SkippedFile(dependency, "not an OTLP/JSON export: its first property is 'Source', not resourceSpans, resourceLogs or resourceMetrics"),
            }));
            Assert.That(source.Report.Spans.ToString(), Is.EqualTo("files 3, rows 4, records 3, skipped 1 (missing instance), skipped 2 files (README.md, dependency.json)"));
            Assert.That(source.Report.Metrics.ToString(), Is.EqualTo("files 3, rows 0, records 0, skipped 2 files (README.md, dependency.json)"));
        });
    }

    [Test]
    public void ReadLogsAsync_FileThatIsNoExportStrict_ThrowsNamingTheFileAndWhy()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("dependency.json", "\n{\"Source\": \"frontend\", \"Target\": \"cartservice\"}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new OtlpJsonSource([file]).ReadLogsAsync().CountAsync());

        Assert.That(e!.Message, Is.EqualTo(
            $"{file}:2: not an OTLP/JSON export: its first property is 'Source', not resourceSpans, resourceLogs or resourceMetrics: '{{\"Source\": \"frontend\", \"Target\": \"cartservice\"}}'; use lenient mode to skip it"));
    }

    [Test]
    public async Task ReadLogsAsync_EmptyFileAndByteOrderMark_AreReadAsExports()
    {
        using var dir = new TempDirectory();
        dir.Write("empty.jsonl", string.Empty);
        dir.Write("bom.jsonl", [.. System.Text.Encoding.UTF8.Preamble, .. File.ReadAllBytes(TestFile("logs.jsonl"))]);

        var source = new OtlpJsonSource([dir.Path]);
        var logs = await source.ReadLogsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(logs, Is.EqualTo(4));
            Assert.That(source.Report.Logs.SkippedFiles, Is.Empty);
        });
    }

    [Test]
    public async Task ReadLogsAsync_InvalidJsonLine_StrictThrowsLenientResynchronises()
    {
        using var dir = new TempDirectory();
        var good = File.ReadLines(TestFile("logs.jsonl")).First();
        var file = dir.Write("logs.jsonl", $"{good}\n{{\"resourceLogs\":[{{\"resource\": nonsense}}]}}\n{good}\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new OtlpJsonSource([file]).ReadLogsAsync().CountAsync());
        var lenient = new OtlpJsonSource([file], new OtlpJsonSourceOptions { Mode = ReadMode.Lenient });
        var logs = await lenient.ReadLogsAsync().CountAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:2: invalid JSON: '{{\"resource\": nonsense}}]}}'"));
            Assert.That(e.InnerException, Is.InstanceOf<System.Text.Json.JsonException>());
            Assert.That(logs, Is.EqualTo(4));
            Assert.That(lenient.Report.Logs.ToString(), Is.EqualTo("files 1, rows 5, records 4, skipped 1 (invalid JSON)"));
        });
    }

    [Test]
    public async Task ReadSpansAsync_BadSpans_StrictThrowsLenientCountsEach()
    {
        using var dir = new TempDirectory();
        const string Resource = "{\"resource\":{\"attributes\":[{\"key\":\"host.name\",\"value\":{\"stringValue\":\"h\"}}]},\"scopeSpans\":[{\"spans\":[";
        var file = dir.Write("spans.jsonl", string.Join('\n',
            "{\"resourceSpans\":[" + Resource + "{\"traceId\":\"t\",\"spanId\":\"a\",\"name\":\"n\",\"startTimeUnixNano\":\"20\",\"endTimeUnixNano\":\"10\"}]}]}]}",
            "{\"resourceSpans\":[" + Resource + "{\"traceId\":\"t\",\"spanId\":\"b\",\"name\":\"n\",\"startTimeUnixNano\":\"soon\",\"endTimeUnixNano\":\"10\"}]}]}]}",
            "{\"resourceSpans\":[" + Resource + "{\"traceId\":\"t\",\"spanId\":\"c\",\"name\":\"n\",\"kind\":9,\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"10\"}]}]}]}",
            "{\"resourceSpans\":[" + Resource + "{\"spanId\":\"d\",\"name\":\"n\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"10\"}]}]}]}",
            "{\"resourceSpans\":[" + Resource + "{\"traceId\":\"t\",\"spanId\":\"e\",\"name\":\"n\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"10\",\"status\":{\"code\":\"BAD\"}}]}]}]}",
            "{\"resourceSpans\":[" + Resource + "7]}]}]}",
            "{\"resourceSpans\":[" + Resource + "{\"traceId\":\"t\",\"spanId\":\"f\",\"name\":\"n\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"10\"}]}]}]}") + "\n");

        var e = Assert.ThrowsAsync<TelemetryFormatException>(async () => await new OtlpJsonSource([file]).ReadSpansAsync().CountAsync());
        var lenient = new OtlpJsonSource([file], new OtlpJsonSourceOptions { Mode = ReadMode.Lenient });
        var spans = await lenient.ReadSpansAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Is.EqualTo($"{file}:1: field 'endTimeUnixNano' negative duration (the end is before the start): '10'"));
            Assert.That(spans.Select(s => s.SpanId), Is.EqualTo(new[] { "f" }));
            Assert.That(lenient.Report.Spans.Rows, Is.EqualTo(7));
            Assert.That(lenient.Report.Spans.Skipped, Is.EqualTo(new Dictionary<string, long>
            {
                [SkipReasons.InvalidValue] = 2,
                [SkipReasons.MissingValue] = 1,
                [SkipReasons.NegativeDuration] = 1,
                [SkipReasons.UnexpectedJson] = 1,
                [SkipReasons.UnparsableTime] = 1,
            }));
        });
    }

    [Test]
    public void Constructor_MissingPath_ThrowsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => _ = new OtlpJsonSource(["/no/such/otlp.json"]));

        Assert.That(e!.Message, Is.EqualTo("The OTLP file or folder '/no/such/otlp.json' does not exist."));
    }

    [Test]
    public void Constructor_NoInstanceAttributes_ThrowsArgumentException()
    {
        var options = new OtlpJsonSourceOptions();
        options.InstanceAttributes.Clear();

        var e = Assert.Throws<ArgumentException>(() => _ = new OtlpJsonSource([TestFile("traces.json")], options));

        Assert.That(e!.Message, Is.EqualTo("At least one instance attribute is needed, and none may be empty. (Parameter 'options')"));
    }
}
