using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using MstGad.Datasets.Generic;
using MstGad.Datasets.Text;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>
/// Reads telemetry from plain files, one or several per kind, in CSV (with a header row) or JSON Lines
/// (one object per line), gzip-compressed when a name ends in <c>.gz</c>. Column (or property) names are
/// matched ignoring ASCII case; other columns are ignored.
/// </summary>
/// <remarks>
/// <para>Columns per kind (<c>docs/formats.md</c> has examples):</para>
/// <list type="bullet">
/// <item><description>metrics: <c>time,instance,metric,value[,coverage_s]</c>, one sample per row;</description></item>
/// <item><description>logs: <c>time,instance,message[,level][,trace_id][,span_id]</c>;</description></item>
/// <item><description>spans: <c>trace_id,span_id,parent_span_id,instance,operation,start,end</c> or
/// <c>…,start,duration_ms</c>, optional <c>status</c> (<c>ok</c>, <c>error</c>, <c>unset</c>) and <c>kind</c>
/// (<c>internal</c>, <c>server</c>, <c>client</c>, <c>producer</c>, <c>consumer</c>); an empty parent is a root span;</description></item>
/// <item><description>faults: <c>target,start,end,type</c> or <c>target,start,duration_s,type</c>, optional
/// <c>target_kind</c> (<c>instance</c>, the default, or <c>service</c>).</description></item>
/// </list>
/// <para>
/// Times (<c>time</c>, <c>start</c>, <c>end</c>) are ISO-8601 (UTC when without offset) or Unix epoch seconds
/// with optional decimals; in JSON they may be strings or numbers. A CSV file whose header lacks a required column,
/// or a JSON Lines file whose first record is not an object or has none of the required properties, is not a
/// file of the kind: strict mode throws a <see cref="TelemetryFormatException"/>, lenient mode skips the file and
/// names it in <see cref="RecordReport.SkippedFiles"/>. Otherwise, in JSON Lines a missing required property is
/// a bad record. Optional values that are empty count as absent.
/// </para>
/// <para>
/// Every row is counted in <see cref="Report"/> (<see cref="RecordReport.Rows"/> = records + skipped, one record per row;
/// an empty file in lenient mode counts one <see cref="SkipReasons.EmptyFile"/> and no row). Each read adds to the
/// report; different kinds may be read concurrently.
/// </para>
/// </remarks>
public sealed class FileTelemetrySource : ITelemetrySource
{
    private static readonly RowSchema MetricSchema = new(
        ["time", "instance", "metric", "value", "coverage_s"], ["time", "instance", "metric", "value"], []);

    private static readonly RowSchema LogSchema = new(
        ["time", "instance", "message", "level", "trace_id", "span_id"], ["time", "instance", "message"], []);

    private static readonly RowSchema SpanSchema = new(
        ["trace_id", "span_id", "parent_span_id", "instance", "operation", "start", "end", "duration_ms", "status", "kind"],
        ["trace_id", "span_id", "parent_span_id", "instance", "operation", "start"],
        [("end", "duration_ms")]);

    private static readonly RowSchema FaultSchema = new(
        ["target", "start", "end", "duration_s", "type", "target_kind"], ["target", "start", "type"], [("end", "duration_s")]);

    private readonly ReadMode _mode;
    private readonly TelemetryFileFormat _format;
    private readonly bool _skipNaN;
    private readonly ILogger _logger;

    /// <summary>Creates a source over the files named in the options.</summary>
    /// <param name="options">The options (copied).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="ArgumentException">The format is <see cref="TelemetryFileFormat.Auto"/> and a file name has no known extension.</exception>
    public FileTelemetrySource(FileTelemetrySourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _mode = options.Mode;
        _format = options.Format;
        _skipNaN = options.SkipNaNValues;
        _logger = options.LoggerFactory.CreateLogger(Log.Category);
        MetricFiles = Check(options.MetricFiles);
        LogFiles = Check(options.LogFiles);
        SpanFiles = Check(options.SpanFiles);
        FaultFiles = Check(options.FaultFiles);
    }

    private delegate bool Converter<T>(FieldRow row, long line, RecordIssues issues, Utf8StringCache cache, bool skipNaN, out T record);

    /// <summary>The metric files.</summary>
    public IReadOnlyList<string> MetricFiles { get; }

    /// <summary>The log files.</summary>
    public IReadOnlyList<string> LogFiles { get; }

    /// <summary>The span files.</summary>
    public IReadOnlyList<string> SpanFiles { get; }

    /// <summary>The fault files.</summary>
    public IReadOnlyList<string> FaultFiles { get; }

    /// <inheritdoc/>
    public TelemetryReadReport Report { get; } = new();

    /// <summary>The format of a file under <see cref="TelemetryFileFormat.Auto"/>, or <see langword="null"/> when its name has no known extension.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The format.</returns>
    public static TelemetryFileFormat? FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(TelemetryFile.NameWithoutGzip(path)).ToUpperInvariant();
        return extension switch
        {
            ".CSV" => TelemetryFileFormat.Csv,
            ".JSONL" or ".NDJSON" or ".JSON" => TelemetryFileFormat.JsonLines,
            _ => null,
        };
    }

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not of the kind or holds a bad record.</exception>
    public IAsyncEnumerable<MetricSample> ReadMetricsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<MetricSample>(MetricFiles, Report.Metrics, "metric", MetricSchema, ConvertMetric, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not of the kind or holds a bad record.</exception>
    public IAsyncEnumerable<LogRecord> ReadLogsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<LogRecord>(LogFiles, Report.Logs, "log", LogSchema, ConvertLog, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not of the kind or holds a bad record.</exception>
    public IAsyncEnumerable<Span> ReadSpansAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<Span>(SpanFiles, Report.Spans, "span", SpanSchema, ConvertSpan, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) is not of the kind or holds a bad record.</exception>
    public IAsyncEnumerable<FaultLabel> ReadFaultsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<FaultLabel>(FaultFiles, Report.Faults, "fault", FaultSchema, ConvertFault, cancellationToken);

    private static bool ConvertMetric(FieldRow row, long line, RecordIssues issues, Utf8StringCache cache, bool skipNaN, out MetricSample record)
    {
        record = default;
        if (!TryTime(row, 0, line, issues, out var time)
            || !TryRequired(row, 1, line, issues, out var instance)
            || !TryRequired(row, 2, line, issues, out var metric)
            || !MetricValue.TryParse(row[3], line, "value", issues, skipNaN, out var value))
        {
            return false;
        }

        var coverage = TimeSpan.Zero;
        var coverageText = row[4];
        if (!coverageText.IsEmpty)
        {
            if (!Utf8Time.TryParseSecondsAsTicks(coverageText, out var ticks))
            {
                issues.Bad(line, SkipReasons.UnparsableNumber, "coverage_s", coverageText, Messages.UnparsableNumber);
                return false;
            }

            if (ticks < 0)
            {
                issues.Bad(line, SkipReasons.InvalidValue, "coverage_s", coverageText, Messages.NegativeCoverage);
                return false;
            }

            coverage = TimeSpan.FromTicks(ticks);
        }

        record = new MetricSample(cache.Get(instance), time, cache.Get(metric), value) { Coverage = coverage };
        return true;
    }

    private static bool ConvertLog(FieldRow row, long line, RecordIssues issues, Utf8StringCache cache, bool skipNaN, out LogRecord record)
    {
        record = null!;
        if (!TryTime(row, 0, line, issues, out var time) || !TryRequired(row, 1, line, issues, out var instance))
        {
            return false;
        }

        if (!row.IsPresent(2))
        {
            issues.Bad(line, SkipReasons.MissingValue, "message", string.Empty, Messages.MissingValue);
            return false;
        }

        record = new LogRecord(cache.Get(instance), time, Encoding.UTF8.GetString(row[2]))
        {
            Level = Optional(row[3], cache),
            TraceId = Optional(row[4], cache),
            SpanId = row[5].IsEmpty ? null : Encoding.UTF8.GetString(row[5]),
        };
        return true;
    }

    private static bool ConvertSpan(FieldRow row, long line, RecordIssues issues, Utf8StringCache cache, bool skipNaN, out Span record)
    {
        record = null!;
        if (!TryRequired(row, 0, line, issues, out var traceId)
            || !TryRequired(row, 1, line, issues, out var spanId)
            || !TryRequired(row, 3, line, issues, out var instance)
            || !TryTime(row, 5, line, issues, out var start)
            || !TryDuration(row, start, 6, 7, TimeSpan.TicksPerMillisecond, line, issues, out var duration))
        {
            return false;
        }

        if (!row.IsPresent(4))
        {
            issues.Bad(line, SkipReasons.MissingValue, "operation", string.Empty, Messages.MissingValue);
            return false;
        }

        var status = SpanStatus.Unset;
        var statusText = row[8];
        if (!statusText.IsEmpty && !TryStatus(statusText, out status))
        {
            issues.Bad(line, SkipReasons.InvalidValue, "status", statusText, Messages.InvalidStatus);
            return false;
        }

        var kind = SpanKind.Unspecified;
        var kindText = row[9];
        if (!kindText.IsEmpty && !TryKind(kindText, out kind))
        {
            issues.Bad(line, SkipReasons.InvalidValue, "kind", kindText, Messages.InvalidKind);
            return false;
        }

        var parent = row[2];
        record = new Span(
            cache.GetRepeated(traceId),
            Encoding.UTF8.GetString(spanId),
            parent.IsEmpty ? null : Encoding.UTF8.GetString(parent),
            cache.Get(instance),
            cache.Get(row[4]),
            start,
            duration)
        {
            Status = status,
            Kind = kind,
        };
        return true;
    }

    private static bool ConvertFault(FieldRow row, long line, RecordIssues issues, Utf8StringCache cache, bool skipNaN, out FaultLabel record)
    {
        record = null!;
        if (!TryRequired(row, 0, line, issues, out var target)
            || !TryTime(row, 1, line, issues, out var start)
            || !TryDuration(row, start, 2, 3, TimeSpan.TicksPerSecond, line, issues, out var duration)
            || !TryRequired(row, 4, line, issues, out var type))
        {
            return false;
        }

        var targetKind = FaultTarget.Instance;
        var kindText = row[5];
        if (!kindText.IsEmpty)
        {
            if (Ascii.EqualsIgnoreCase(kindText, "service"u8))
            {
                targetKind = FaultTarget.Service;
            }
            else if (!Ascii.EqualsIgnoreCase(kindText, "instance"u8))
            {
                issues.Bad(line, SkipReasons.InvalidValue, "target_kind", kindText, Messages.InvalidTargetKind);
                return false;
            }
        }

        record = new FaultLabel(cache.Get(target), start, duration, cache.Get(type)) { TargetKind = targetKind };
        return true;
    }

    private static string? Optional(ReadOnlySpan<byte> value, Utf8StringCache cache) => value.IsEmpty ? null : cache.Get(value);

    private static bool TryRequired(FieldRow row, int slot, long line, RecordIssues issues, out ReadOnlySpan<byte> value)
    {
        value = row[slot];
        if (value.IsEmpty)
        {
            issues.Bad(line, SkipReasons.MissingValue, row.Names[slot], string.Empty, Messages.MissingValue);
            return false;
        }

        return true;
    }

    private static bool TryTime(FieldRow row, int slot, long line, RecordIssues issues, out DateTimeOffset time)
    {
        time = default;
        if (!TryRequired(row, slot, line, issues, out var text))
        {
            return false;
        }

        if (!Utf8Time.TryParseIsoOrUnixSeconds(text, out time))
        {
            issues.Bad(line, SkipReasons.UnparsableTime, row.Names[slot], text, Messages.UnparsableIsoOrUnixTime);
            return false;
        }

        return true;
    }

    // The end (a time) when present, else the duration in units of ticksPerUnit.
    private static bool TryDuration(FieldRow row, DateTimeOffset start, int endSlot, int durationSlot, long ticksPerUnit, long line, RecordIssues issues, out TimeSpan duration)
    {
        duration = default;
        if (!row[endSlot].IsEmpty)
        {
            if (!TryTime(row, endSlot, line, issues, out var end))
            {
                return false;
            }

            duration = end - start;
        }
        else
        {
            var text = row[durationSlot];
            if (text.IsEmpty)
            {
                issues.Bad(line, SkipReasons.MissingValue, row.Names[endSlot], text, Messages.MissingOneOfValue(row.Names[endSlot], row.Names[durationSlot]));
                return false;
            }

            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var units) || !double.IsFinite(units)
                || Math.Abs(units * ticksPerUnit) >= TimeSpan.MaxValue.Ticks)
            {
                issues.Bad(line, SkipReasons.UnparsableNumber, row.Names[durationSlot], text, Messages.UnparsableNumber);
                return false;
            }

            duration = TimeSpan.FromTicks((long)Math.Round(units * ticksPerUnit));
        }

        if (duration < TimeSpan.Zero)
        {
            var slot = row[endSlot].IsEmpty ? durationSlot : endSlot;
            issues.Bad(line, SkipReasons.NegativeDuration, row.Names[slot], row[slot], Messages.NegativeDuration);
            return false;
        }

        return true;
    }

    private static bool TryStatus(ReadOnlySpan<byte> text, out SpanStatus status)
    {
        status = text switch
        {
            _ when Ascii.EqualsIgnoreCase(text, "ok"u8) => SpanStatus.Ok,
            _ when Ascii.EqualsIgnoreCase(text, "error"u8) => SpanStatus.Error,
            _ when Ascii.EqualsIgnoreCase(text, "unset"u8) => SpanStatus.Unset,
            _ => (SpanStatus)(-1),
        };
        return status >= 0;
    }

    private static bool TryKind(ReadOnlySpan<byte> text, out SpanKind kind)
    {
        kind = text switch
        {
            _ when Ascii.EqualsIgnoreCase(text, "unspecified"u8) => SpanKind.Unspecified,
            _ when Ascii.EqualsIgnoreCase(text, "internal"u8) => SpanKind.Internal,
            _ when Ascii.EqualsIgnoreCase(text, "server"u8) => SpanKind.Server,
            _ when Ascii.EqualsIgnoreCase(text, "client"u8) => SpanKind.Client,
            _ when Ascii.EqualsIgnoreCase(text, "producer"u8) => SpanKind.Producer,
            _ when Ascii.EqualsIgnoreCase(text, "consumer"u8) => SpanKind.Consumer,
            _ => (SpanKind)(-1),
        };
        return kind >= 0;
    }

    private List<string> Check(IList<string> files)
    {
        var copy = new List<string>(files.Count);
        foreach (var file in files)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(file);
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"The telemetry file '{file}' does not exist.", file);
            }

            if (_format == TelemetryFileFormat.Auto && FormatOf(file) is null)
            {
                throw new ArgumentException(
                    $"The format of '{file}' cannot be told from its name (.csv, .jsonl, .ndjson or .json, optionally .gz); set Format.", nameof(files));
            }

            copy.Add(file);
        }

        return copy;
    }

    private async IAsyncEnumerable<T> ReadAsync<T>(
        IReadOnlyList<string> files,
        RecordReport report,
        string kind,
        RowSchema schema,
        Converter<T> convert,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var issues = new RecordIssues(report, _mode, _logger, kind);
        var cache = new Utf8StringCache();
        foreach (var path in files)
        {
            issues.BeginFile(path);
            var format = _format == TelemetryFileFormat.Auto ? FormatOf(path)!.Value : _format;
            using (var file = await RowFile.OpenAsync(path, format, schema, issues, cancellationToken).ConfigureAwait(false))
            {
                if (file is null)
                {
                    issues.EndFile();
                    continue;
                }

                while (await file.NextAsync(cancellationToken).ConfigureAwait(false))
                {
                    report.CountRow();
                    if (file.TryFillRow() && convert(file.Row, file.Line, issues, cache, _skipNaN, out var record))
                    {
                        report.CountRecords();
                        yield return record;
                    }
                }
            }

            issues.EndFile();
        }
    }
}
