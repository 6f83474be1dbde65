using MstGad.Features;

namespace MstGad.Datasets;

/// <summary>Opens a folder of recorded telemetry in whichever supported layout it uses.</summary>
public static class TelemetryDirectory
{
    private static readonly string[] Extensions = [".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"];

    /// <summary>
    /// Opens <paramref name="path"/>: the Nezha/TrainTicket layout when it has an <c>rca_data</c> folder;
    /// OpenTelemetry OTLP/JSON exports when it has <c>*.otlp.json</c>/<c>*.otlp.jsonl</c> files (or an
    /// <c>otlp</c> folder); otherwise the generic layout, files whose names start with <c>metrics</c>,
    /// <c>logs</c>, <c>spans</c> and <c>faults</c> (CSV or JSON Lines, optionally gzip-compressed).
    /// </summary>
    /// <remarks>
    /// In lenient mode a file of the layout that is not telemetry of its kind (judged by its header, or its
    /// first record or property) is skipped and named in <see cref="RecordReport.SkippedFiles"/>; strict mode
    /// throws for it. A kind that the folder lacks is noted in <see cref="RecordReport.Absent"/> (Nezha: a date's
    /// <c>metric</c>, <c>trace</c> or <c>log</c> folder or fault list; generic: <c>logs*</c> and so on).
    /// </remarks>
    /// <param name="path">The folder.</param>
    /// <param name="mode">Strict or lenient reading.</param>
    /// <returns>The source.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The folder holds no telemetry in a known layout.</exception>
    public static ITelemetrySource Open(string path, ReadMode mode = ReadMode.Strict)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"Telemetry folder not found: {path}");
        }

        if (Directory.Exists(Path.Combine(path, "rca_data")))
        {
            return new NezhaDataset(path, new NezhaDatasetOptions { Mode = mode });
        }

        var otlp = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => f.Contains(".otlp.json", StringComparison.OrdinalIgnoreCase) || f.Contains($"{Path.DirectorySeparatorChar}otlp{Path.DirectorySeparatorChar}", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (otlp.Count > 0)
        {
            return new OtlpJsonSource(otlp, new OtlpJsonSourceOptions { Mode = mode });
        }

        var options = new FileTelemetrySourceOptions { Mode = mode };
        foreach (var file in Directory.EnumerateFiles(path).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file).ToLowerInvariant();
            if (!Extensions.Any(name.EndsWith))
            {
                continue;
            }

            var list = name.StartsWith("metrics", StringComparison.Ordinal) ? options.MetricFiles
                : name.StartsWith("logs", StringComparison.Ordinal) ? options.LogFiles
                : name.StartsWith("spans", StringComparison.Ordinal) ? options.SpanFiles
                : name.StartsWith("faults", StringComparison.Ordinal) ? options.FaultFiles
                : null;
            list?.Add(file);
        }

        if (options.MetricFiles.Count + options.LogFiles.Count + options.SpanFiles.Count == 0)
        {
            throw new InvalidDataException(
                $"{path} holds no telemetry in a known layout: expected an rca_data folder (Nezha), *.otlp.json files (OpenTelemetry), " +
                "or files named metrics*, logs*, spans*, faults* (.csv or .jsonl, optionally .gz).");
        }

        var source = new FileTelemetrySource(options);
        var folder = Path.GetFullPath(path);
        foreach (var (files, report, pattern) in new[]
        {
            (options.MetricFiles, source.Report.Metrics, "metrics*"),
            (options.LogFiles, source.Report.Logs, "logs*"),
            (options.SpanFiles, source.Report.Spans, "spans*"),
            (options.FaultFiles, source.Report.Faults, "faults*"),
        })
        {
            if (files.Count == 0)
            {
                report.NoteAbsent(Path.Combine(folder, pattern));
            }
        }

        return source;
    }

    /// <summary>Reads every record of a source into memory (metrics, then logs, spans and faults, each in the source's order).</summary>
    /// <param name="source">The source.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records.</returns>
    public static async Task<RecordedTelemetry> ReadAllAsync(ITelemetrySource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var metrics = new List<MetricSample>();
        var logs = new List<LogRecord>();
        var spans = new List<Span>();
        var faults = await TelemetrySources.ReadAsync(source, metrics.Add, logs.Add, spans.Add, cancellationToken).ConfigureAwait(false);
        return new RecordedTelemetry(metrics, logs, spans, faults);
    }
}

/// <summary>Every record of a telemetry source, in memory.</summary>
/// <param name="Metrics">The metric samples.</param>
/// <param name="Logs">The log records.</param>
/// <param name="Spans">The spans.</param>
/// <param name="Faults">The fault labels.</param>
public sealed record RecordedTelemetry(IReadOnlyList<MetricSample> Metrics, IReadOnlyList<LogRecord> Logs, IReadOnlyList<Span> Spans, IReadOnlyList<FaultLabel> Faults);
