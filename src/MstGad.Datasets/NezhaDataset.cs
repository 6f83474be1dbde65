using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MstGad.Datasets.Csv;
using MstGad.Datasets.Json;
using MstGad.Datasets.Text;
using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>
/// Reads the Nezha data set layout (Yu et al., FSE 2023; <c>github.com/IntelligentDDS/Nezha</c>): a root
/// folder with <c>rca_data/&lt;date&gt;/{metric,trace,log}/*.csv</c>, the fault list
/// <c>rca_data/&lt;date&gt;/&lt;date&gt;-fault_list.json</c> and the fault-free windows
/// <c>construct_data/&lt;date&gt;/{log,trace}/*.csv</c>. Files may be gzip-compressed (<c>*.csv.gz</c>).
/// </summary>
/// <remarks>
/// <para>
/// Every read streams its files (in file name order) and adds to <see cref="Report"/>; reading a kind twice counts it
/// twice. Different kinds may be read concurrently. Every data row is counted: for logs and spans
/// <see cref="RecordReport.Rows"/> = records + skipped. A CSV record that breaks RFC 4180 is a bad record
/// (<see cref="SkipReasons.MalformedCsv"/>): the real 2023-01-29 day has two, in <c>log/10_06_log.csv</c>.
/// </para>
/// <para>
/// A file whose header lacks a column that its kind requires is not telemetry of that kind (the study publishes
/// <c>dependency.csv</c>, <c>source_50.csv</c> and <c>destination_50.csv</c> beside the metric files): lenient
/// mode skips it and names it in <see cref="RecordReport.SkippedFiles"/>, strict mode throws. A date's missing
/// <c>metric</c>, <c>trace</c> or <c>log</c> folder (or one without CSV files) and a missing fault list are noted
/// in <see cref="RecordReport.Absent"/> and read as nothing.
/// </para>
/// <para>
/// <b>Metrics</b> (<c>metric/*.csv</c>, requiring <c>Time</c> and <c>PodName</c> or <c>ServiceName</c>): one
/// <see cref="MetricSample"/> per metric column of each row, named by the column header (for example
/// <c>CpuUsage(m)</c>); every column except <c>Time</c>, <c>TimeStamp</c>, <c>PodName</c> and <c>ServiceName</c> is a
/// metric, whatever its name, except a text column: one none of whose values is a number and that has at least
/// two values, which is ignored and counted in <see cref="RecordReport.IgnoredColumns"/> (and logged as a
/// warning). The instance is <c>PodName</c>, or <c>ServiceName</c>
/// in <c>front_service.csv</c>. The time is the date-time of Go's <c>Time</c> text
/// (<c>2023-01-29 08:41:09.104907624 +0000 UTC m=+0.18</c>), and <see cref="MetricSample.Coverage"/> is
/// <see cref="NezhaDatasetOptions.MetricCoverage"/> (a row summarises the minute before its time).
/// <see cref="RecordReport.Rows"/> counts rows, <see cref="RecordReport.Records"/> samples; a row with a bad
/// time or instance is skipped once, a bad value (NaN, infinite, not a number) once per value.
/// </para>
/// <para>
/// <b>Spans</b> (<c>trace/*.csv</c>): <c>TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano</c>;
/// <c>ParentID</c> <c>root</c> (or empty) is a root span; the duration is end − start (ns, truncated to 100 ns).
/// </para>
/// <para>
/// <b>Logs</b> (<c>log/*.csv</c>): the time is <c>Timestamp</c> (ISO-8601, UTC when it has no offset;
/// <c>TimeUnixNano</c> is never used), the instance <c>PodName</c>, the trace and span ids <c>TraceID</c> and
/// <c>SpanID</c>. The <c>Log</c> cell is Docker JSON whose <c>log</c> text (without its trailing line break) starts
/// with a local clock time and a level: <see cref="LogRecord.Level"/> is that level and
/// <see cref="LogRecord.Message"/> the text after it; a text without a clock time and level is kept whole.
/// </para>
/// <para>
/// <b>Faults</b>: <c>inject_pod</c> (an instance), <c>inject_time</c> (UTC, the data's clock),
/// <c>inject_type</c>; the duration is <see cref="NezhaDatasetOptions.FaultDuration"/>. <c>inject_timestamp</c> is
/// ignored (it is unreliable upstream). A date without a fault list has no faults.
/// </para>
/// </remarks>
public sealed class NezhaDataset : ITelemetrySource
{
    private const string RcaFolder = "rca_data";
    private const string ConstructFolder = "construct_data";
    private static readonly string[][] MetricColumnsRequired = [["Time"], ["PodName", "ServiceName"]];
    private static readonly string[][] SpanColumnsRequired =
        [["TraceID"], ["SpanID"], ["ParentID"], ["PodName"], ["OperationName"], ["StartTimeUnixNano"], ["EndTimeUnixNano"]];

    private static readonly string[][] LogColumnsRequired = [["Timestamp"], ["PodName"], ["Log"]];
    private readonly NezhaDatasetOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a reader over a Nezha root folder; the files are listed now.</summary>
    /// <param name="rootPath">The folder that holds <c>rca_data</c> (and optionally <c>construct_data</c>).</param>
    /// <param name="options">The options (copied); <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="rootPath"/> is empty, or a date of <see cref="NezhaDatasetOptions.Dates"/> is not found.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder, or both <c>rca_data</c> and <c>construct_data</c>, do not exist.</exception>
    public NezhaDataset(string rootPath, NezhaDatasetOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        _options = (options ?? new NezhaDatasetOptions()).Clone();
        _logger = _options.LoggerFactory.CreateLogger(Log.Category);
        RootPath = Path.GetFullPath(rootPath);
        if (!Directory.Exists(RootPath))
        {
            throw new DirectoryNotFoundException($"The Nezha folder '{RootPath}' does not exist.");
        }

        var rca = Path.Combine(RootPath, RcaFolder);
        var construct = Path.Combine(RootPath, ConstructFolder);
        if (!Directory.Exists(rca) && !Directory.Exists(construct))
        {
            throw new DirectoryNotFoundException($"The Nezha folder '{RootPath}' has neither '{RcaFolder}' nor '{ConstructFolder}'.");
        }

        var roots = new List<string> { rca };
        if (_options.IncludeConstructData)
        {
            roots.Add(construct);
        }

        var found = roots.Where(Directory.Exists)
            .SelectMany(r => Directory.EnumerateDirectories(r).Select(Path.GetFileName))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var missing = _options.Dates.Where(d => !found.Contains(d, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException(
                $"Dates not found under '{RootPath}': {string.Join(", ", missing)}; found: {string.Join(", ", found)}.", nameof(options));
        }

        Dates = _options.Dates.Count == 0 ? found : [.. found.Where(_options.Dates.Contains)];
        MetricFiles = ListCsv(roots, "metric");
        SpanFiles = ListCsv(roots, "trace");
        LogFiles = ListCsv(roots, "log");
        FaultFiles = [.. Dates.Select(d => Path.Combine(rca, d, d + "-fault_list.json")).Where(File.Exists)];
        NoteAbsent(rca);
    }

    /// <summary>The absolute root folder.</summary>
    public string RootPath { get; }

    /// <summary>The dates read, in order.</summary>
    public IReadOnlyList<string> Dates { get; }

    /// <summary>The metric files, in reading order.</summary>
    public IReadOnlyList<string> MetricFiles { get; }

    /// <summary>The trace files, in reading order (<c>rca_data</c> first, then <c>construct_data</c>).</summary>
    public IReadOnlyList<string> SpanFiles { get; }

    /// <summary>The log files, in reading order (<c>rca_data</c> first, then <c>construct_data</c>).</summary>
    public IReadOnlyList<string> LogFiles { get; }

    /// <summary>The fault lists found (one per date at most).</summary>
    public IReadOnlyList<string> FaultFiles { get; }

    /// <inheritdoc/>
    public TelemetryReadReport Report { get; } = new();

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">
    /// A file is unreadable, or (strict mode) lacks a required column or holds a bad record.
    /// </exception>
    public async IAsyncEnumerable<MetricSample> ReadMetricsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var issues = new RecordIssues(Report.Metrics, _options.Mode, _logger, "metric");
        var cache = new Utf8StringCache();
        var samples = new List<MetricSample>(32);
        foreach (var path in MetricFiles)
        {
            issues.BeginFile(path);
            using (var file = await CsvFile.OpenAsync(path, issues, StringComparison.Ordinal, cancellationToken).ConfigureAwait(false))
            {
                if (file is null || !file.HasColumns(MetricColumnsRequired))
                {
                    issues.EndFile();
                    continue;
                }

                var text = await TextColumnsAsync(path, file.Header, issues, cancellationToken).ConfigureAwait(false);
                foreach (var column in text)
                {
                    issues.IgnoreColumn(file.Header[column]);
                }

                var columns = MetricColumns.Of(file, text, _options);
                while (await file.NextAsync(cancellationToken).ConfigureAwait(false))
                {
                    issues.Report.CountRow();
                    if (!file.CheckStructure())
                    {
                        continue;
                    }

                    if (columns.IsFrontend && !_options.IncludeFrontend)
                    {
                        issues.Skip(file.Line, SkipReasons.FrontendExcluded, (string?)null);
                        continue;
                    }

                    samples.Clear();
                    ConvertMetricRow(file, columns, issues, cache, samples);
                    issues.Report.CountRecords(samples.Count);
                    foreach (var sample in samples)
                    {
                        yield return sample;
                    }
                }
            }

            issues.EndFile();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">
    /// A file is unreadable, or (strict mode) lacks a required column or holds a bad record.
    /// </exception>
    public async IAsyncEnumerable<Span> ReadSpansAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var issues = new RecordIssues(Report.Spans, _options.Mode, _logger, "span");
        var cache = new Utf8StringCache();
        foreach (var path in SpanFiles)
        {
            issues.BeginFile(path);
            using (var file = await CsvFile.OpenAsync(path, issues, StringComparison.Ordinal, cancellationToken).ConfigureAwait(false))
            {
                if (file is null || !file.HasColumns(SpanColumnsRequired))
                {
                    issues.EndFile();
                    continue;
                }

                var columns = new SpanColumns(file);
                while (await file.NextAsync(cancellationToken).ConfigureAwait(false))
                {
                    issues.Report.CountRow();
                    if (file.CheckStructure() && ConvertSpanRow(file, columns, issues, cache, out var span))
                    {
                        issues.Report.CountRecords();
                        yield return span;
                    }
                }
            }

            issues.EndFile();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">
    /// A file is unreadable, or (strict mode) lacks a required column or holds a bad record.
    /// </exception>
    public async IAsyncEnumerable<LogRecord> ReadLogsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var issues = new RecordIssues(Report.Logs, _options.Mode, _logger, "log");
        var cache = new Utf8StringCache();
        var scratch = new byte[4096];
        foreach (var path in LogFiles)
        {
            issues.BeginFile(path);
            using (var file = await CsvFile.OpenAsync(path, issues, StringComparison.Ordinal, cancellationToken).ConfigureAwait(false))
            {
                if (file is null || !file.HasColumns(LogColumnsRequired))
                {
                    issues.EndFile();
                    continue;
                }

                var columns = new LogColumns(file);
                while (await file.NextAsync(cancellationToken).ConfigureAwait(false))
                {
                    issues.Report.CountRow();
                    if (file.CheckStructure() && ConvertLogRow(file, columns, issues, cache, ref scratch, out var record))
                    {
                        issues.Report.CountRecords();
                        yield return record;
                    }
                }
            }

            issues.EndFile();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="TelemetryFormatException">A fault list is unreadable, or (strict mode) holds a bad entry.</exception>
    public async IAsyncEnumerable<FaultLabel> ReadFaultsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var issues = new RecordIssues(Report.Faults, _options.Mode, _logger, "fault");
        foreach (var path in FaultFiles)
        {
            issues.BeginFile(path);
            using (var stream = new JsonElementStream(TelemetryFile.Open(path), JsonStreamShape.ArrayElements))
            {
                while (await stream.ReadAsync(issues, cancellationToken).ConfigureAwait(false))
                {
                    issues.Report.CountRow();
                    if (ConvertFault(stream, issues, out var fault))
                    {
                        issues.Report.CountRecords();
                        yield return fault;
                    }
                }
            }

            issues.EndFile();
        }
    }

    // The metric columns (all but Time, TimeStamp, PodName and ServiceName) of a file that hold text: none of
    // their values is a number (NaN and ±Infinity are numbers) and at least two are not empty. The file is
    // read a second time for this, up to the row where every column has shown a number: the first row for
    // TrainTicket's files. One value cannot tell a text column from a bad value, so it is left a metric.
    private static async Task<IReadOnlyList<int>> TextColumnsAsync(string path, string[] header, RecordIssues issues, CancellationToken cancellationToken)
    {
        var open = Enumerable.Range(0, header.Length).Where(i => !IsKeyColumn(header[i])).ToList();
        var texts = new int[header.Length];
        using (var scan = await CsvFile.OpenAsync(path, issues, StringComparison.Ordinal, cancellationToken).ConfigureAwait(false))
        {
            while (scan is not null && open.Count > 0 && await scan.NextAsync(cancellationToken).ConfigureAwait(false))
            {
                var reader = scan.Reader;
                if (reader.Error != CsvError.None || reader.FieldCount != header.Length)
                {
                    continue;
                }

                open.RemoveAll(column =>
                {
                    var value = reader[column];
                    if (value.IsEmpty)
                    {
                        return false;
                    }

                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    {
                        return true;
                    }

                    texts[column]++;
                    return false;
                });
            }
        }

        return [.. open.Where(column => texts[column] >= 2)];
    }

    private static bool IsKeyColumn(string name) => name is "Time" or "TimeStamp" or "PodName" or "ServiceName";

    private void NoteAbsent(string rca)
    {
        foreach (var date in Dates)
        {
            var day = Path.Combine(rca, date);
            if (!Directory.Exists(day))
            {
                continue;
            }

            foreach (var (kind, report) in new[] { ("metric", Report.Metrics), ("trace", Report.Spans), ("log", Report.Logs) })
            {
                var folder = Path.Combine(day, kind);
                if (!Directory.Exists(folder))
                {
                    report.NoteAbsent(folder);
                }
                else if (!Directory.EnumerateFiles(folder).Any(IsCsv))
                {
                    report.NoteAbsent(Path.Combine(folder, "*.csv"));
                }
            }

            var faults = Path.Combine(day, date + "-fault_list.json");
            if (!File.Exists(faults))
            {
                Report.Faults.NoteAbsent(faults);
            }
        }
    }

    private static bool IsCsv(string file) =>
        file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase);

    private IReadOnlyList<string> ListCsv(List<string> roots, string kind) =>
        [.. roots.SelectMany(root => Dates
            .Select(date => Path.Combine(root, date, kind))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder)
                .Where(IsCsv)
                .Order(StringComparer.Ordinal)))];

    private static void ConvertMetricRow(CsvFile file, MetricColumns columns, RecordIssues issues, Utf8StringCache cache, List<MetricSample> samples)
    {
        var reader = file.Reader;
        var timeText = reader[columns.Time];
        if (!Utf8Time.TryParseGoTime(timeText, out var time))
        {
            issues.Bad(file.Line, SkipReasons.UnparsableTime, "Time", timeText, Messages.UnparsableGoTime);
            return;
        }

        var instanceText = reader[columns.Instance];
        if (instanceText.IsEmpty)
        {
            issues.Bad(file.Line, SkipReasons.MissingValue, file.Header[columns.Instance], instanceText, Messages.MissingValue);
            return;
        }

        var instance = cache.Get(instanceText);
        for (var m = 0; m < columns.Metrics.Length; m++)
        {
            var column = columns.Metrics[m];
            if (MetricValue.TryParse(reader[column], file.Line, columns.Names[m], issues, columns.SkipNaN, out var value))
            {
                samples.Add(new MetricSample(instance, time, columns.Names[m], value) { Coverage = columns.Coverage });
            }
        }
    }

    private static bool ConvertSpanRow(CsvFile file, SpanColumns columns, RecordIssues issues, Utf8StringCache cache, out Span span)
    {
        span = null!;
        var reader = file.Reader;
        var line = file.Line;
        var traceId = reader[columns.TraceId];
        var spanId = reader[columns.SpanId];
        var pod = reader[columns.Pod];
        if (traceId.IsEmpty || spanId.IsEmpty || pod.IsEmpty)
        {
            var field = traceId.IsEmpty ? "TraceID" : spanId.IsEmpty ? "SpanID" : "PodName";
            issues.Bad(line, SkipReasons.MissingValue, field, string.Empty, Messages.MissingValue);
            return false;
        }

        var startText = reader[columns.Start];
        if (!Utf8Time.TryParseInt64(startText, out var start))
        {
            issues.Bad(line, SkipReasons.UnparsableTime, "StartTimeUnixNano", startText, Messages.UnparsableUnixNanoseconds);
            return false;
        }

        var endText = reader[columns.End];
        if (!Utf8Time.TryParseInt64(endText, out var end))
        {
            issues.Bad(line, SkipReasons.UnparsableTime, "EndTimeUnixNano", endText, Messages.UnparsableUnixNanoseconds);
            return false;
        }

        if (end < start)
        {
            issues.Bad(line, SkipReasons.NegativeDuration, "EndTimeUnixNano", endText, Messages.NegativeDuration);
            return false;
        }

        var parent = reader[columns.Parent];
        var parentId = parent.IsEmpty || parent.SequenceEqual("root"u8) ? null : Encoding.UTF8.GetString(parent);
        span = new Span(
            cache.GetRepeated(traceId),
            Encoding.UTF8.GetString(spanId),
            parentId,
            cache.Get(pod),
            cache.Get(reader[columns.Operation]),
            Utf8Time.FromUnixNanoseconds(start),
            TimeSpan.FromTicks((end - start) / 100));
        return true;
    }

    private static bool ConvertLogRow(CsvFile file, LogColumns columns, RecordIssues issues, Utf8StringCache cache, ref byte[] scratch, out LogRecord record)
    {
        record = null!;
        var reader = file.Reader;
        var line = file.Line;
        var timeText = reader[columns.Time];
        if (!Utf8Time.TryParseIso(timeText, out var time))
        {
            issues.Bad(line, SkipReasons.UnparsableTime, "Timestamp", timeText, Messages.UnparsableIsoTime);
            return false;
        }

        var pod = reader[columns.Pod];
        if (pod.IsEmpty)
        {
            issues.Bad(line, SkipReasons.MissingValue, "PodName", pod, Messages.MissingValue);
            return false;
        }

        var json = reader[columns.Log];
        var status = DockerLog.TryReadLogText(json, ref scratch, out var length, out var error);
        if (status != DockerLog.Status.Ok)
        {
            var problem = status == DockerLog.Status.InvalidJson ? Messages.InvalidJson : Messages.MissingLogText;
            var reason = status == DockerLog.Status.InvalidJson ? SkipReasons.InvalidJson : SkipReasons.MissingValue;
            issues.Bad(line, reason, "Log", Encoding.UTF8.GetString(json), problem, error);
            return false;
        }

        DockerLog.Split(scratch.AsSpan(0, length), out var level, out var message);
        var traceId = columns.TraceId >= 0 ? reader[columns.TraceId] : default;
        var spanId = columns.SpanId >= 0 ? reader[columns.SpanId] : default;
        record = new LogRecord(cache.Get(pod), time, Encoding.UTF8.GetString(message))
        {
            Level = level.IsEmpty ? null : cache.Get(level),
            TraceId = traceId.IsEmpty ? null : cache.GetRepeated(traceId),
            SpanId = spanId.IsEmpty ? null : Encoding.UTF8.GetString(spanId),
        };
        return true;
    }

    private bool ConvertFault(JsonElementStream stream, RecordIssues issues, out FaultLabel fault)
    {
        fault = null!;
        var line = stream.Line;
        if (stream.Error is not null || stream.TokenType != JsonTokenType.StartObject)
        {
            var reason = stream.Error is not null && stream.TokenType == JsonTokenType.None ? SkipReasons.InvalidJson : SkipReasons.UnexpectedJson;
            issues.Bad(line, reason, null, Encoding.UTF8.GetString(stream.Current.Span), stream.Error ?? Messages.NotAJsonObject, stream.ErrorException);
            return false;
        }

        using var document = JsonDocument.Parse(stream.Current);
        var root = document.RootElement;
        string? pod = null, type = null, timeText = null;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            switch (property.Name)
            {
                case "inject_pod":
                    pod = property.Value.GetString();
                    break;
                case "inject_type":
                    type = property.Value.GetString();
                    break;
                case "inject_time":
                    timeText = property.Value.GetString();
                    break;
            }
        }

        if (string.IsNullOrEmpty(pod) || string.IsNullOrEmpty(type) || string.IsNullOrEmpty(timeText))
        {
            var field = string.IsNullOrEmpty(pod) ? "inject_pod" : string.IsNullOrEmpty(type) ? "inject_type" : "inject_time";
            issues.Bad(line, SkipReasons.MissingValue, field, root.GetRawText(), Messages.MissingValue);
            return false;
        }

        if (!Utf8Time.TryParseIso(Encoding.UTF8.GetBytes(timeText), out var start))
        {
            issues.Bad(line, SkipReasons.UnparsableTime, "inject_time", timeText, Messages.UnparsableIsoTime);
            return false;
        }

        fault = new FaultLabel(pod, start, _options.FaultDuration, type);
        return true;
    }

    private sealed class MetricColumns
    {
        public int Time { get; private init; }

        public int Instance { get; private init; }

        public bool IsFrontend { get; private init; }

        public int[] Metrics { get; private init; } = [];

        public string[] Names { get; private init; } = [];

        public TimeSpan Coverage { get; private init; }

        public bool SkipNaN { get; private init; }

        // The header has Time and PodName or ServiceName (HasColumns); text columns are no metrics.
        public static MetricColumns Of(CsvFile file, IReadOnlyList<int> text, NezhaDatasetOptions options)
        {
            var time = file.Required("Time");
            var instance = file.Optional("PodName");
            var frontend = false;
            if (instance < 0)
            {
                instance = file.Required("ServiceName");
                frontend = true;
            }

            var metrics = Enumerable.Range(0, file.Header.Length)
                .Where(i => !IsKeyColumn(file.Header[i]) && !text.Contains(i))
                .ToArray();
            return new MetricColumns
            {
                Time = time,
                Instance = instance,
                IsFrontend = frontend,
                Metrics = metrics,
                Names = [.. metrics.Select(i => file.Header[i])],
                Coverage = options.MetricCoverage,
                SkipNaN = options.SkipNaNValues,
            };
        }
    }

    private sealed class SpanColumns(CsvFile file)
    {
        public int TraceId { get; } = file.Required("TraceID");

        public int SpanId { get; } = file.Required("SpanID");

        public int Parent { get; } = file.Required("ParentID");

        public int Pod { get; } = file.Required("PodName");

        public int Operation { get; } = file.Required("OperationName");

        public int Start { get; } = file.Required("StartTimeUnixNano");

        public int End { get; } = file.Required("EndTimeUnixNano");
    }

    private sealed class LogColumns(CsvFile file)
    {
        public int Time { get; } = file.Required("Timestamp");

        public int Pod { get; } = file.Required("PodName");

        public int Log { get; } = file.Required("Log");

        public int TraceId { get; } = file.Optional("TraceID");

        public int SpanId { get; } = file.Optional("SpanID");
    }
}
