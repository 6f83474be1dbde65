using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MstGad.Datasets.Json;
using MstGad.Datasets.Text;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>
/// Reads OpenTelemetry OTLP/JSON export files (the protobuf JSON mapping): one export document per file, or
/// JSON Lines with one export per line as the collector's file exporter writes them; <c>.gz</c> files are
/// decompressed. Files are streamed one <c>resourceSpans</c>/<c>resourceLogs</c>/<c>resourceMetrics</c> element at
/// a time, so a file need not fit in memory, only each element.
/// </summary>
/// <remarks>
/// <para>
/// The instance of a record is the first of <see cref="OtlpJsonSourceOptions.InstanceAttributes"/> found among its
/// resource's attributes. Ids are the hex strings of the OTLP/JSON mapping; times are
/// <c>*UnixNano</c> as strings or numbers; enums (<c>kind</c>, <c>status.code</c>) as numbers or names.
/// </para>
/// <list type="bullet">
/// <item><description><b>Spans</b> (<c>resourceSpans[].scopeSpans[].spans[]</c>): <c>traceId</c>, <c>spanId</c>,
/// <c>parentSpanId</c> (empty for a root), <c>name</c>, <c>kind</c>, <c>startTimeUnixNano</c>, <c>endTimeUnixNano</c>,
/// <c>status.code</c>; one row per span.</description></item>
/// <item><description><b>Logs</b> (<c>resourceLogs[].scopeLogs[].logRecords[]</c>): the time is <c>timeUnixNano</c>, or
/// <c>observedTimeUnixNano</c> when that is absent or zero; the message is <c>body.stringValue</c> (another body type
/// as its JSON text, no body as an empty message); the level is <c>severityText</c>, or derived from
/// <c>severityNumber</c>; <c>traceId</c> and <c>spanId</c> when not empty.</description></item>
/// <item><description><b>Metrics</b> (<c>resourceMetrics[].scopeMetrics[].metrics[]</c>): one row per data point.
/// A <c>gauge</c> or <c>sum</c> point (<c>asDouble</c> or <c>asInt</c>) gives one sample named after the metric; a
/// <c>histogram</c>, <c>exponentialHistogram</c> or <c>summary</c> point gives <c>&lt;name&gt;.mean</c> (sum ÷ count)
/// and <c>&lt;name&gt;.count</c>. A delta <c>sum</c> or <c>histogram</c> point covers
/// [<c>startTimeUnixNano</c>, <c>timeUnixNano</c>] (<see cref="MetricSample.Coverage"/>); others are point samples.
/// Data-point attributes are not part of the sample name. A NaN value is a bad value unless
/// <see cref="OtlpJsonSourceOptions.SkipNaNValues"/>. A point with count zero has no mean
/// (<see cref="SkipReasons.EmptyHistogram"/>), nor one without a sum (<see cref="SkipReasons.MissingValue"/>); a metric
/// of another type counts one row under <see cref="SkipReasons.UnsupportedMetricType"/>: these are skipped in
/// both modes.</description></item>
/// </list>
/// <para>There are no fault labels in OTLP: <see cref="ReadFaultsAsync"/> yields nothing.</para>
/// <para>
/// A file that does not start with a JSON object, or whose first property is not <c>resourceSpans</c>,
/// <c>resourceLogs</c> or <c>resourceMetrics</c>, is not an export: lenient mode skips it and names it in
/// <see cref="RecordReport.SkippedFiles"/> (of each kind read), strict mode throws.
/// Invalid JSON is a bad record: strict mode throws; lenient mode counts it under <see cref="SkipReasons.InvalidJson"/>
/// and resumes on the next line (which re-synchronises JSON Lines). Each read adds to <see cref="Report"/>; different
/// kinds may be read concurrently.
/// </para>
/// </remarks>
public sealed class OtlpJsonSource : ITelemetrySource
{
    private static readonly JsonElement EmptyArray = ParseEmptyArray();
    private static readonly string[] MetricTypes = ["gauge", "sum", "histogram", "exponentialHistogram", "summary"];
    private readonly ReadMode _mode;
    private readonly string[] _instanceAttributes;
    private readonly bool _includeSpanAttributes;
    private readonly bool _skipNaN;
    private readonly ILogger _logger;

    /// <summary>Creates a source over OTLP/JSON files.</summary>
    /// <param name="paths">Files, or folders whose <c>*.json</c>, <c>*.jsonl</c> and <c>*.ndjson</c> files (optionally <c>.gz</c>) are read in name order.</param>
    /// <param name="options">The options (copied); <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="paths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No instance attribute is configured.</exception>
    /// <exception cref="FileNotFoundException">A path is neither a file nor a folder.</exception>
    public OtlpJsonSource(IEnumerable<string> paths, OtlpJsonSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        options ??= new OtlpJsonSourceOptions();
        _mode = options.Mode;
        _instanceAttributes = [.. options.InstanceAttributes];
        if (_instanceAttributes.Length == 0 || _instanceAttributes.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("At least one instance attribute is needed, and none may be empty.", nameof(options));
        }

        _includeSpanAttributes = options.IncludeSpanAttributes;
        _skipNaN = options.SkipNaNValues;
        _logger = options.LoggerFactory.CreateLogger(Log.Category);
        var files = new List<string>();
        foreach (var path in paths)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(path);
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path)
                    .Where(f => FileTelemetrySource.FormatOf(f) == TelemetryFileFormat.JsonLines)
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new FileNotFoundException($"The OTLP file or folder '{path}' does not exist.", path);
            }
        }

        Files = files;
    }

    private delegate void ElementConverter<T>(JsonElement element, long line, RecordIssues issues, List<T> output);

    /// <summary>The files, in reading order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <inheritdoc/>
    public TelemetryReadReport Report { get; } = new();

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not an export or holds a bad record.</exception>
    public IAsyncEnumerable<MetricSample> ReadMetricsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<MetricSample>("resourceMetrics", Report.Metrics, "metric", ConvertMetrics, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not an export or holds a bad record.</exception>
    public IAsyncEnumerable<LogRecord> ReadLogsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<LogRecord>("resourceLogs", Report.Logs, "log", ConvertLogs, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not an export or holds a bad record.</exception>
    public IAsyncEnumerable<Span> ReadSpansAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<Span>("resourceSpans", Report.Spans, "span", ConvertSpans, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<FaultLabel> ReadFaultsAsync(CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<FaultLabel>();

    private static JsonElement ParseEmptyArray()
    {
        using var document = JsonDocument.Parse("[]");
        return document.RootElement.Clone();
    }

    private static JsonElement.ArrayEnumerator Children(JsonElement parent, string arrayName, string? legacyName, string field, long line, RecordIssues issues)
    {
        if (!parent.TryGetProperty(arrayName, out var array) && (legacyName is null || !parent.TryGetProperty(legacyName, out array)))
        {
            return EmptyArray.EnumerateArray();
        }

        if (array.ValueKind == JsonValueKind.Null)
        {
            return EmptyArray.EnumerateArray();
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            issues.Report.CountRow();
            issues.Bad(line, SkipReasons.UnexpectedJson, field, array.GetRawText(), Messages.UnexpectedJsonType + ": an array was expected");
            return EmptyArray.EnumerateArray();
        }

        return array.EnumerateArray();
    }

    // The JSON mapping writes 64-bit integers as strings; numbers are accepted too.
    private static bool TryInt64(JsonElement value, out long result)
    {
        result = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out result),
            JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out result),
            _ => false,
        };
    }

    private static bool TryDouble(JsonElement value, out double result)
    {
        result = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetDouble(out result),
            JsonValueKind.String => double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out result),
            _ => false,
        };
    }

    private static bool TryNanos(JsonElement parent, string name, long line, RecordIssues issues, bool required, out long nanos)
    {
        nanos = 0;
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                issues.Bad(line, SkipReasons.MissingValue, name, string.Empty, Messages.MissingValue);
            }

            return !required;
        }

        if (!TryInt64(value, out nanos))
        {
            issues.Bad(line, SkipReasons.UnparsableTime, name, Text(value), Messages.UnparsableUnixNanoseconds);
            return false;
        }

        return true;
    }

    private static string? StringProperty(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();

    // An OTLP AnyValue as text: stringValue as is, other kinds as their JSON text.
    private static string AnyValueText(JsonElement anyValue)
    {
        if (anyValue.ValueKind != JsonValueKind.Object)
        {
            return Text(anyValue);
        }

        // One property: stringValue, boolValue, intValue, doubleValue, arrayValue, kvlistValue or bytesValue.
        foreach (var property in anyValue.EnumerateObject())
        {
            return Text(property.Value);
        }

        return string.Empty;
    }

    private static bool TryEnum(JsonElement parent, string name, string prefix, int max, out int value, out string? text)
    {
        value = 0;
        text = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        text = Text(element);
        if (element.ValueKind == JsonValueKind.Number)
        {
            return element.TryGetInt32(out value) && value >= 0 && value <= max;
        }

        return element.ValueKind == JsonValueKind.String && TryEnumName(element.GetString()!, prefix, out value) && value <= max;
    }

    private static bool TryEnumName(string text, string prefix, out int value)
    {
        value = 0;
        var name = text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? text[prefix.Length..] : text;
        string[] names = prefix == "SPAN_KIND_"
            ? ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"]
            : ["UNSET", "OK", "ERROR"];
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                value = i;
                return true;
            }
        }

        return false;
    }

    private static string? LevelOf(JsonElement record)
    {
        var text = StringProperty(record, "severityText");
        if (!string.IsNullOrEmpty(text))
        {
            return text;
        }

        if (!record.TryGetProperty("severityNumber", out var number))
        {
            return null;
        }

        var n = 0;
        if (number.ValueKind == JsonValueKind.Number)
        {
            number.TryGetInt32(out n);
        }
        else if (number.ValueKind == JsonValueKind.String)
        {
            var name = number.GetString()!;
            const string Prefix = "SEVERITY_NUMBER_";
            return name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length > Prefix.Length
                ? name[Prefix.Length..].TrimEnd('2', '3', '4')
                : null;
        }

        return LogLevels.FromOtlpSeverity(n);
    }

    private string? InstanceOf(JsonElement resourceElement)
    {
        if (!resourceElement.TryGetProperty("resource", out var resource) || resource.ValueKind != JsonValueKind.Object
            || !resource.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var wanted in _instanceAttributes)
        {
            foreach (var attribute in attributes.EnumerateArray())
            {
                if (attribute.ValueKind == JsonValueKind.Object && StringProperty(attribute, "key") == wanted
                    && attribute.TryGetProperty("value", out var value))
                {
                    var text = AnyValueText(value);
                    if (!string.IsNullOrEmpty(text))
                    {
                        return text;
                    }
                }
            }
        }

        return null;
    }

    private bool CheckInstance(string? instance, long line, RecordIssues issues)
    {
        if (instance is null)
        {
            issues.Bad(line, SkipReasons.MissingInstance, "resource.attributes", string.Join(", ", _instanceAttributes), Messages.MissingInstance);
            return false;
        }

        return true;
    }

    private void ConvertSpans(JsonElement element, long line, RecordIssues issues, List<Span> output)
    {
        var instance = InstanceOf(element);
        foreach (var scope in Children(element, "scopeSpans", "instrumentationLibrarySpans", "scopeSpans", line, issues))
        {
            foreach (var span in Children(scope, "spans", null, "spans", line, issues))
            {
                issues.Report.CountRow();
                if (!CheckInstance(instance, line, issues))
                {
                    continue;
                }

                if (span.ValueKind != JsonValueKind.Object)
                {
                    issues.Bad(line, SkipReasons.UnexpectedJson, "spans", span.GetRawText(), Messages.NotAJsonObject);
                    continue;
                }

                var traceId = StringProperty(span, "traceId");
                var spanId = StringProperty(span, "spanId");
                var name = StringProperty(span, "name");
                if (string.IsNullOrEmpty(traceId) || string.IsNullOrEmpty(spanId) || name is null)
                {
                    var field = string.IsNullOrEmpty(traceId) ? "traceId" : string.IsNullOrEmpty(spanId) ? "spanId" : "name";
                    issues.Bad(line, SkipReasons.MissingValue, field, string.Empty, Messages.MissingValue);
                    continue;
                }

                if (!TryNanos(span, "startTimeUnixNano", line, issues, required: true, out var start)
                    || !TryNanos(span, "endTimeUnixNano", line, issues, required: true, out var end))
                {
                    continue;
                }

                if (end < start)
                {
                    issues.Bad(line, SkipReasons.NegativeDuration, "endTimeUnixNano", end.ToString(CultureInfo.InvariantCulture), Messages.NegativeDuration);
                    continue;
                }

                if (!TryEnum(span, "kind", "SPAN_KIND_", 5, out var kind, out var kindText))
                {
                    issues.Bad(line, SkipReasons.InvalidValue, "kind", kindText, Messages.InvalidKind);
                    continue;
                }

                var status = 0;
                string? statusText = null;
                if (span.TryGetProperty("status", out var statusElement) && statusElement.ValueKind == JsonValueKind.Object
                    && !TryEnum(statusElement, "code", "STATUS_CODE_", 2, out status, out statusText))
                {
                    issues.Bad(line, SkipReasons.InvalidValue, "status.code", statusText, Messages.InvalidStatus);
                    continue;
                }

                Dictionary<string, string>? attributes = null;
                if (_includeSpanAttributes && span.TryGetProperty("attributes", out var attributeArray) && attributeArray.ValueKind == JsonValueKind.Array)
                {
                    attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var attribute in attributeArray.EnumerateArray())
                    {
                        var key = attribute.ValueKind == JsonValueKind.Object ? StringProperty(attribute, "key") : null;
                        if (key is not null && attribute.TryGetProperty("value", out var value))
                        {
                            attributes[key] = AnyValueText(value);
                        }
                    }
                }

                var parent = StringProperty(span, "parentSpanId");
                output.Add(new Span(
                    traceId,
                    spanId,
                    string.IsNullOrEmpty(parent) ? null : parent,
                    instance!,
                    name,
                    Utf8Time.FromUnixNanoseconds(start),
                    TimeSpan.FromTicks((end - start) / 100))
                {
                    Kind = (SpanKind)kind,
                    Status = status switch { 1 => SpanStatus.Ok, 2 => SpanStatus.Error, _ => SpanStatus.Unset },
                    Attributes = attributes,
                });
            }
        }
    }

    private void ConvertLogs(JsonElement element, long line, RecordIssues issues, List<LogRecord> output)
    {
        var instance = InstanceOf(element);
        foreach (var scope in Children(element, "scopeLogs", "instrumentationLibraryLogs", "scopeLogs", line, issues))
        {
            foreach (var record in Children(scope, "logRecords", null, "logRecords", line, issues))
            {
                issues.Report.CountRow();
                if (!CheckInstance(instance, line, issues))
                {
                    continue;
                }

                if (record.ValueKind != JsonValueKind.Object)
                {
                    issues.Bad(line, SkipReasons.UnexpectedJson, "logRecords", record.GetRawText(), Messages.NotAJsonObject);
                    continue;
                }

                if (!TryNanos(record, "timeUnixNano", line, issues, required: false, out var nanos)
                    || (nanos == 0 && !TryNanos(record, "observedTimeUnixNano", line, issues, required: false, out nanos)))
                {
                    continue;
                }

                if (nanos == 0)
                {
                    issues.Bad(line, SkipReasons.MissingValue, "timeUnixNano", string.Empty, Messages.MissingValue);
                    continue;
                }

                var message = record.TryGetProperty("body", out var body) ? AnyValueText(body) : string.Empty;
                var traceId = StringProperty(record, "traceId");
                var spanId = StringProperty(record, "spanId");
                var level = LevelOf(record);
                output.Add(new LogRecord(instance!, Utf8Time.FromUnixNanoseconds(nanos), message)
                {
                    Level = level,
                    TraceId = string.IsNullOrEmpty(traceId) ? null : traceId,
                    SpanId = string.IsNullOrEmpty(spanId) ? null : spanId,
                });
            }
        }
    }

    private void ConvertMetrics(JsonElement element, long line, RecordIssues issues, List<MetricSample> output)
    {
        var instance = InstanceOf(element);
        foreach (var scope in Children(element, "scopeMetrics", "instrumentationLibraryMetrics", "scopeMetrics", line, issues))
        {
            foreach (var metric in Children(scope, "metrics", null, "metrics", line, issues))
            {
                if (metric.ValueKind != JsonValueKind.Object)
                {
                    issues.Report.CountRow();
                    issues.Bad(line, SkipReasons.UnexpectedJson, "metrics", metric.GetRawText(), Messages.NotAJsonObject);
                    continue;
                }

                var name = StringProperty(metric, "name");
                JsonElement data = default;
                string? type = null;
                foreach (var candidate in MetricTypes)
                {
                    if (metric.TryGetProperty(candidate, out data) && data.ValueKind == JsonValueKind.Object)
                    {
                        type = candidate;
                        break;
                    }
                }

                if (type is null)
                {
                    issues.Report.CountRow();
                    issues.Skip(line, SkipReasons.UnsupportedMetricType, name);
                    continue;
                }

                var delta = type is "sum" or "histogram" && data.TryGetProperty("aggregationTemporality", out var temporality)
                    && ((temporality.ValueKind == JsonValueKind.Number && temporality.TryGetInt32(out var t) && t == 1)
                        || (temporality.ValueKind == JsonValueKind.String && temporality.GetString() == "AGGREGATION_TEMPORALITY_DELTA"));
                foreach (var point in Children(data, "dataPoints", null, "dataPoints", line, issues))
                {
                    issues.Report.CountRow();
                    if (!CheckInstance(instance, line, issues))
                    {
                        continue;
                    }

                    if (string.IsNullOrEmpty(name))
                    {
                        issues.Bad(line, SkipReasons.MissingValue, "name", string.Empty, Messages.MissingValue);
                        continue;
                    }

                    if (point.ValueKind != JsonValueKind.Object)
                    {
                        issues.Bad(line, SkipReasons.UnexpectedJson, "dataPoints", point.GetRawText(), Messages.NotAJsonObject);
                        continue;
                    }

                    if (!TryNanos(point, "timeUnixNano", line, issues, required: true, out var nanos)
                        || !TryNanos(point, "startTimeUnixNano", line, issues, required: false, out var startNanos))
                    {
                        continue;
                    }

                    var time = Utf8Time.FromUnixNanoseconds(nanos);
                    var coverage = delta && startNanos > 0 && startNanos <= nanos ? TimeSpan.FromTicks((nanos - startNanos) / 100) : TimeSpan.Zero;
                    var instanceName = instance!;
                    if (type is "gauge" or "sum")
                    {
                        if (TryPointValue(point, line, issues, out var value))
                        {
                            output.Add(new MetricSample(instanceName, time, name, value) { Coverage = coverage });
                        }

                        continue;
                    }

                    if (!point.TryGetProperty("count", out var countElement) || !TryInt64(countElement, out var count) || count < 0)
                    {
                        issues.Bad(line, SkipReasons.UnparsableNumber, "count", countElement.ValueKind == JsonValueKind.Undefined ? string.Empty : Text(countElement), Messages.UnparsableNumber);
                        continue;
                    }

                    output.Add(new MetricSample(instanceName, time, name + ".count", count) { Coverage = coverage });
                    if (count == 0)
                    {
                        issues.Skip(line, SkipReasons.EmptyHistogram, name);
                    }
                    else if (!point.TryGetProperty("sum", out var sumElement) || sumElement.ValueKind == JsonValueKind.Null)
                    {
                        issues.Skip(line, SkipReasons.MissingValue, name + ".sum");
                    }
                    else if (TryFinite(sumElement, "sum", line, issues, out var sum))
                    {
                        output.Add(new MetricSample(instanceName, time, name + ".mean", sum / count) { Coverage = coverage });
                    }
                }
            }
        }
    }

    private bool TryPointValue(JsonElement point, long line, RecordIssues issues, out double value)
    {
        value = 0;
        if (point.TryGetProperty("asDouble", out var asDouble))
        {
            return TryFinite(asDouble, "asDouble", line, issues, out value);
        }

        if (point.TryGetProperty("asInt", out var asInt))
        {
            if (!TryInt64(asInt, out var integer))
            {
                issues.Bad(line, SkipReasons.UnparsableNumber, "asInt", Text(asInt), Messages.UnparsableNumber);
                return false;
            }

            value = integer;
            return true;
        }

        issues.Bad(line, SkipReasons.MissingValue, "asDouble", string.Empty, Messages.MissingValue);
        return false;
    }

    private bool TryFinite(JsonElement element, string field, long line, RecordIssues issues, out double value)
    {
        if (!TryDouble(element, out value))
        {
            issues.Bad(line, SkipReasons.UnparsableNumber, field, Text(element), Messages.UnparsableNumber);
            return false;
        }

        if (double.IsNaN(value))
        {
            if (_skipNaN)
            {
                issues.Skip(line, SkipReasons.NaNValue, Text(element));
            }
            else
            {
                issues.Bad(line, SkipReasons.NaNValue, field, Text(element), Messages.NaNValue);
            }

            return false;
        }

        if (double.IsInfinity(value))
        {
            issues.Bad(line, SkipReasons.InfiniteValue, field, Text(element), Messages.InfiniteValue);
            return false;
        }

        return true;
    }

    private async IAsyncEnumerable<T> ReadAsync<T>(
        string property,
        RecordReport report,
        string kind,
        ElementConverter<T> convert,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var issues = new RecordIssues(report, _mode, _logger, kind);
        var output = new List<T>();
        foreach (var path in Files)
        {
            issues.BeginFile(path);
            using (var stream = new JsonElementStream(TelemetryFile.Open(path), JsonStreamShape.ArrayElements, property))
            {
                if (!await IsExportAsync(stream, issues, cancellationToken).ConfigureAwait(false))
                {
                    issues.EndFile();
                    continue;
                }

                while (await stream.ReadAsync(issues, cancellationToken).ConfigureAwait(false))
                {
                    output.Clear();
                    ConvertElement(stream, issues, convert, output);
                    report.CountRecords(output.Count);
                    foreach (var record in output)
                    {
                        yield return record;
                    }
                }
            }

            issues.EndFile();
        }
    }

    // An OTLP/JSON export (or a line of the collector's JSON Lines) is an object whose one property is
    // resourceSpans, resourceLogs or resourceMetrics: a file that starts otherwise is not telemetry (an empty
    // file, an empty object or invalid JSON are left to the reading).
    private static async ValueTask<bool> IsExportAsync(JsonElementStream stream, RecordIssues issues, CancellationToken cancellationToken)
    {
        var peek = await stream.PeekAsync(issues, cancellationToken).ConfigureAwait(false);
        if (peek.Start == JsonStart.Other)
        {
            issues.NotTelemetry(peek.Line, peek.FirstLine, Messages.NotOtlpStart);
            return false;
        }

        if (peek.FirstProperty is { } first && first is not ("resourceSpans" or "resourceLogs" or "resourceMetrics"))
        {
            issues.NotTelemetry(peek.Line, peek.FirstLine, Messages.NotOtlpProperty(first));
            return false;
        }

        return true;
    }

    private static void ConvertElement<T>(JsonElementStream stream, RecordIssues issues, ElementConverter<T> convert, List<T> output)
    {
        var line = stream.Line;
        if (stream.Error is not null || stream.TokenType != JsonTokenType.StartObject)
        {
            issues.Report.CountRow();
            var reason = stream.TokenType == JsonTokenType.None ? SkipReasons.InvalidJson : SkipReasons.UnexpectedJson;
            issues.Bad(line, reason, null, Encoding.UTF8.GetString(stream.Current.Span), stream.Error ?? Messages.NotAJsonObject, stream.ErrorException);
            return;
        }

        using var document = JsonDocument.Parse(stream.Current);
        convert(document.RootElement, line, issues, output);
    }
}
