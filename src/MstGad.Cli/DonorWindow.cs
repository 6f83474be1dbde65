using System.Globalization;

namespace MstGad.Cli;

/// <summary>A span of the donor window: its CSV fields as read and the values the injection needs.</summary>
internal sealed record DonorSpan(string[] Fields, string TraceId, string SpanId, string? ParentId, string Pod, long Start, long End);

/// <summary>A log row of the donor window: its CSV fields as read and its time (Unix ns).</summary>
internal sealed record DonorLog(string[] Fields, long Time, string TraceId, string SpanId, string Pod);

/// <summary>
/// The fault-free telemetry that <c>mstgad inject</c> copies into each injection window: the trace and
/// log files of <c>construct_data/&lt;date&gt;</c> (the real 2023-01-29 day has one such window, 08:48–08:51),
/// read once into memory (a window is a few MB).
/// </summary>
internal sealed class DonorWindow
{
    private DonorWindow()
    {
    }

    /// <summary>The folder read (for messages).</summary>
    public string Folder { get; private init; } = string.Empty;

    /// <summary>The trace files' header.</summary>
    public IReadOnlyList<string> SpanHeader { get; private init; } = [];

    /// <summary>The log files' header.</summary>
    public IReadOnlyList<string> LogHeader { get; private init; } = [];

    /// <summary>The spans, de-duplicated on (TraceID, SpanID), grouped by trace in order of first appearance.</summary>
    public IReadOnlyList<IReadOnlyList<DonorSpan>> Traces { get; private init; } = [];

    /// <summary>The log rows in file order.</summary>
    public IReadOnlyList<DonorLog> Logs { get; private init; } = [];

    /// <summary>The earliest span start or log time (Unix ns).</summary>
    public long Start { get; private init; }

    /// <summary>The latest span start or log time (Unix ns).</summary>
    public long End { get; private init; }

    /// <summary>The whole seconds one copy of the window lasts (copies are laid end to end).</summary>
    public long LengthSeconds => Math.Max(1, (End - Start + 999_999_999) / 1_000_000_000);

    /// <summary>Calls into each pod: spans whose parent span is on another pod.</summary>
    public IReadOnlyDictionary<string, int> IncomingCalls { get; private init; } = new Dictionary<string, int>();

    /// <summary>The <c>Node</c> and <c>Container</c> of the first log row of each pod.</summary>
    public IReadOnlyDictionary<string, (string Node, string Container)> LogPods { get; private init; } = new Dictionary<string, (string, string)>();

    /// <summary>Rows that could not be read (not one CSV record per line, a bad time) and were left out of the copies.</summary>
    public int SkippedRows { get; private init; }

    /// <summary>Column indices of the trace header.</summary>
    public (int TraceId, int SpanId, int Parent, int Pod, int Start, int End, int Duration) SpanColumns { get; private init; }

    /// <summary>Column indices of the log header.</summary>
    public (int Timestamp, int UnixNano, int Node, int Pod, int Container, int TraceId, int SpanId, int Log) LogColumns { get; private init; }

    /// <summary>Reads <c>trace/*.csv</c> and <c>log/*.csv</c> of a fault-free window folder.</summary>
    /// <exception cref="InvalidDataException">No trace or log file, or a header without a required column.</exception>
    public static DonorWindow Load(string folder)
    {
        var traceFiles = CsvFiles(Path.Combine(folder, "trace"));
        var logFiles = CsvFiles(Path.Combine(folder, "log"));
        if (traceFiles.Count == 0 || logFiles.Count == 0)
        {
            throw new InvalidDataException(
                $"'{folder}' has no trace or no log files: mstgad inject copies that fault-free window into every injection window (the original day has traces and logs only around its own faults).");
        }

        var skipped = 0;
        var fields = new List<string>();
        string[]? spanHeader = null;
        (int TraceId, int SpanId, int Parent, int Pod, int Start, int End, int Duration) spanColumns = default;
        var byTrace = new Dictionary<string, List<DonorSpan>>(StringComparer.Ordinal);
        var traceOrder = new List<string>();
        var seen = new HashSet<(string, string)>();
        long start = long.MaxValue, end = long.MinValue;
        foreach (var path in traceFiles)
        {
            foreach (var (line, row) in Rows(path, fields))
            {
                if (line == 1)
                {
                    spanHeader ??= row;
                    if (!row.SequenceEqual(spanHeader))
                    {
                        throw new InvalidDataException($"{path}: the header differs from the first trace file's.");
                    }

                    spanColumns = (Required(path, row, "TraceID"), Required(path, row, "SpanID"), Required(path, row, "ParentID"), Required(path, row, "PodName"),
                        Required(path, row, "StartTimeUnixNano"), Required(path, row, "EndTimeUnixNano"), NezhaText.Column(row, "Duration"));
                    continue;
                }

                var c = spanColumns;
                if (row.Length != spanHeader!.Length ||
                    !long.TryParse(row[c.Start], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ||
                    !long.TryParse(row[c.End], NumberStyles.None, CultureInfo.InvariantCulture, out var e) ||
                    row[c.TraceId].Length == 0 || row[c.SpanId].Length == 0)
                {
                    skipped++;
                    continue;
                }

                if (!seen.Add((row[c.TraceId], row[c.SpanId])))
                {
                    continue; // neighbouring files overlap
                }

                var parent = row[c.Parent] is "" or "root" ? null : row[c.Parent];
                if (!byTrace.TryGetValue(row[c.TraceId], out var list))
                {
                    byTrace[row[c.TraceId]] = list = [];
                    traceOrder.Add(row[c.TraceId]);
                }

                list.Add(new DonorSpan(row, row[c.TraceId], row[c.SpanId], parent, row[c.Pod], s, e));
                start = Math.Min(start, s);
                end = Math.Max(end, s);
            }
        }

        var incoming = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var trace in byTrace.Values)
        {
            var pods = trace.ToDictionary(x => x.SpanId, x => x.Pod, StringComparer.Ordinal);
            foreach (var span in trace)
            {
                if (span.ParentId is not null && pods.TryGetValue(span.ParentId, out var callerPod) && callerPod != span.Pod)
                {
                    incoming[span.Pod] = incoming.GetValueOrDefault(span.Pod) + 1;
                }
            }
        }

        string[]? logHeader = null;
        (int Timestamp, int UnixNano, int Node, int Pod, int Container, int TraceId, int SpanId, int Log) logColumns = default;
        var logs = new List<DonorLog>();
        var logPods = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var path in logFiles)
        {
            foreach (var (line, row) in Rows(path, fields))
            {
                if (line == 1)
                {
                    logHeader ??= row;
                    if (!row.SequenceEqual(logHeader))
                    {
                        throw new InvalidDataException($"{path}: the header differs from the first log file's.");
                    }

                    logColumns = (Required(path, row, "Timestamp"), NezhaText.Column(row, "TimeUnixNano"), NezhaText.Column(row, "Node"), Required(path, row, "PodName"),
                        NezhaText.Column(row, "Container"), NezhaText.Column(row, "TraceID"), NezhaText.Column(row, "SpanID"), Required(path, row, "Log"));
                    continue;
                }

                var c = logColumns;
                if (row.Length != logHeader!.Length || !NezhaText.TryParseIso(row[c.Timestamp], out var time) || row[c.Pod].Length == 0)
                {
                    skipped++;
                    continue;
                }

                var pod = row[c.Pod];
                logs.Add(new DonorLog(row, time, c.TraceId >= 0 ? row[c.TraceId] : string.Empty, c.SpanId >= 0 ? row[c.SpanId] : string.Empty, pod));
                logPods.TryAdd(pod, (c.Node >= 0 ? row[c.Node] : string.Empty, c.Container >= 0 ? row[c.Container] : string.Empty));
                start = Math.Min(start, time);
                end = Math.Max(end, time);
            }
        }

        if (traceOrder.Count == 0)
        {
            throw new InvalidDataException($"'{folder}' has no readable span.");
        }

        return new DonorWindow
        {
            Folder = folder,
            SpanHeader = spanHeader!,
            LogHeader = logHeader ?? [],
            Traces = [.. traceOrder.Select(id => (IReadOnlyList<DonorSpan>)byTrace[id])],
            Logs = logs,
            Start = start,
            End = end,
            IncomingCalls = incoming,
            LogPods = logPods,
            SkippedRows = skipped,
            SpanColumns = spanColumns,
            LogColumns = logColumns,
        };
    }

    private static List<string> CsvFiles(string folder) =>
        Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.csv").Order(StringComparer.Ordinal)] : [];

    private static int Required(string path, string[] header, string name)
    {
        var column = NezhaText.Column(header, name);
        return column >= 0 ? column : throw new InvalidDataException($"{path}: the header has no {name} column.");
    }

    /// <summary>The rows of a file (line 1 is the header); lines that are not one CSV record are skipped silently here and counted by the caller through the field count.</summary>
    private static IEnumerable<(long Line, string[] Row)> Rows(string path, List<string> fields)
    {
        using var reader = new StreamReader(path, NezhaText.Utf8);
        string? line;
        long number = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            yield return (number, NezhaText.TrySplit(line, fields) ? [.. fields] : []);
        }
    }
}
