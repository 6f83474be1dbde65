using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary><c>mstgad inspect</c>: read a telemetry folder, bucket it into steps and report what was read, used and skipped.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The telemetry folder (Nezha layout, OTLP/JSON exports, or generic metrics/logs/spans/faults files).", Required = true };
        var interval = new Option<string>("--interval") { Description = "Step length Δ, such as 10s or 1m (the default of train and detect).", DefaultValueFactory = _ => "1m" };
        var lateness = new Option<string?>("--lateness") { Description = "Records older than the newest event time minus this are counted as late (default: unbounded)." };
        var instanceKey = new Option<string>("--instance-key") { Description = "How pod names map to graph nodes: kubernetes-workload (strip ReplicaSet/pod suffixes) or identity.", DefaultValueFactory = _ => "kubernetes-workload" };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad record (file, line, field, value) instead of counting and skipping it." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("inspect", "Read telemetry, bucket it into steps and report instances, edges, steps, templates and every skipped or late record.")
        {
            data, interval, lateness, instanceKey, strict, json,
        };
        command.SetGuardedAction(
            async (result, cancellationToken) =>
            {
                FeatureOptions options;
                try
                {
                    options = new FeatureOptions
                    {
                        Interval = Durations.Parse(result.GetValue(interval)!),
                        Lateness = result.GetValue(lateness) is { } l ? Durations.Parse(l) : null,
                        InstanceKey = InstanceKey.FromName(result.GetValue(instanceKey)!),
                    };
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException)
                {
                    throw new CliException(ex.Message, "see mstgad inspect --help", CliErrors.Usage, ex);
                }

                return await RunAsync(result.GetRequiredValue(data), options, result.GetValue(strict) ? ReadMode.Strict : ReadMode.Lenient, result.GetValue(json), Console.Out, cancellationToken).ConfigureAwait(false);
            },
            strict);
        return command;
    }

    /// <summary>Reads and reports a folder on <paramref name="output"/>.</summary>
    /// <exception cref="CliException">The folder does not exist or holds no telemetry in a known layout.</exception>
    /// <exception cref="TelemetryFormatException">A file is unreadable, or (strict mode) not telemetry of its kind or holds a bad record.</exception>
    internal static async Task<int> RunAsync(DirectoryInfo data, FeatureOptions options, ReadMode mode, bool asJson, TextWriter output, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var source = DataFolder.Open(data, mode);
        var aggregator = new TelemetryAggregator(options);
        var faults = await TelemetrySources.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
        var aggregate = aggregator.Complete();

        var read = source.Report;
        var used = aggregate.Report;
        var edges = aggregate.Edges;
        var clock = aggregate.Clock;
        if (!asJson)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.FullName}: {aggregate.Instances.Count} instances, {edges.Count} edges ({edges.Count(e => e.Caller == e.Callee)} self-edges), {aggregate.StepCount} steps of {clock.Interval}, {aggregate.LogParser.TemplateCount} log templates, {faults.Count} faults"));
            output.WriteLine($"  metrics: {read.Metrics}");
            output.WriteLine($"  logs:    {read.Logs}");
            output.WriteLine($"  spans:   {read.Spans}");
            output.WriteLine($"  faults:  {read.Faults}");
            output.WriteLine($"  used:    {used}");
            foreach (var note in ReadReports.Notes(read))
            {
                output.WriteLine($"  {note}");
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {watch.Elapsed.TotalSeconds:0.00} s"));
            return 0;
        }

        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("data", data.FullName);
        writer.WriteString("interval", clock.Interval.ToString("c", CultureInfo.InvariantCulture));
        writer.WriteString("instanceKey", options.InstanceKey.Name);
        writer.WriteStartArray("instances");
        foreach (var instance in aggregate.Instances)
        {
            writer.WriteStringValue(instance);
        }

        writer.WriteEndArray();
        writer.WriteStartObject("instanceNames");
        for (var i = 0; i < aggregate.Instances.Count; i++)
        {
            writer.WriteStartArray(aggregate.Instances[i]);
            foreach (var raw in aggregate.RawNames[i])
            {
                writer.WriteStringValue(raw);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteStartArray("edges");
        foreach (var (caller, callee) in edges)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(caller);
            writer.WriteStringValue(callee);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteNumber("edgeCount", edges.Count);
        writer.WriteNumber("selfEdges", edges.Count(e => e.Caller == e.Callee));
        writer.WriteNumber("steps", aggregate.StepCount);
        if (aggregate.StepCount > 0)
        {
            writer.WriteString("firstStepStart", clock.StartOf(aggregate.FirstStep).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteString("lastStepEnd", clock.EndOf(aggregate.FirstStep + aggregate.StepCount - 1).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        }

        writer.WriteNumber("stepsWithLogs", aggregate.StepsWithLogs);
        writer.WriteNumber("stepsWithSpans", aggregate.StepsWithSpans);

        writer.WriteStartObject("spans");
        writer.WriteNumber("files", read.Spans.Files);
        writer.WriteNumber("read", read.Spans.Rows);
        writer.WriteNumber("records", read.Spans.Records);
        writer.WriteNumber("unique", used.SpansUsed);
        writer.WriteNumber("duplicates", used.SpansDuplicate);
        writer.WriteNumber("roots", used.SpansRoot);
        writer.WriteNumber("orphans", used.SpansOrphan);
        writer.WriteNumber("calls", used.Edges);
        WriteFiles(writer, read.Spans);
        writer.WriteNumber("clientServerPairs", used.CallPairs);
        writer.WriteNumber("toPeers", used.SpansToPeers);
        writer.WriteNumber("negativeDifferences", used.NegativeGaps);
        writer.WriteEndObject();

        writer.WriteStartObject("logs");
        writer.WriteNumber("files", read.Logs.Files);
        writer.WriteNumber("read", read.Logs.Rows);
        writer.WriteNumber("records", read.Logs.Records);
        writer.WriteNumber("used", used.LogsUsed);
        WriteFiles(writer, read.Logs);
        writer.WriteEndObject();

        writer.WriteStartObject("metrics");
        writer.WriteNumber("files", read.Metrics.Files);
        writer.WriteNumber("rows", read.Metrics.Rows);
        writer.WriteNumber("samples", read.Metrics.Records);
        writer.WriteNumber("used", used.MetricsUsed);
        writer.WriteNumber("names", aggregate.Metrics.Count);
        WriteFiles(writer, read.Metrics);
        writer.WriteEndObject();

        writer.WriteStartObject("faults");
        writer.WriteNumber("files", read.Faults.Files);
        writer.WriteNumber("read", read.Faults.Rows);
        writer.WriteNumber("labels", faults.Count);
        WriteFiles(writer, read.Faults);
        writer.WriteEndObject();

        writer.WriteNumber("templates", aggregate.LogParser.TemplateCount);

        writer.WriteStartObject("skipped");
        WriteReasons(writer, "metrics", read.Metrics.Skipped, ("not finite", used.MetricsNotFinite));
        WriteReasons(writer, "logs", read.Logs.Skipped);
        WriteReasons(writer, "spans", read.Spans.Skipped, ("duplicate", used.SpansDuplicate), ("negative duration", used.SpansNegativeDuration));
        WriteReasons(writer, "faults", read.Faults.Skipped);
        writer.WriteEndObject();

        writer.WriteStartObject("late");
        writer.WriteNumber("metrics", used.MetricsLate);
        writer.WriteNumber("logs", used.LogsLate);
        writer.WriteNumber("spans", used.SpansLate);
        writer.WriteEndObject();

        writer.WriteNumber("seconds", Math.Round(watch.Elapsed.TotalSeconds, 3));
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        output.Write(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
        output.Write('\n');
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    // The files of a kind skipped as a whole, its text columns ignored and what the folder lacks.
    private static void WriteFiles(Utf8JsonWriter writer, RecordReport report)
    {
        writer.WriteStartArray("skippedFiles");
        foreach (var file in report.SkippedFiles)
        {
            writer.WriteStartObject();
            writer.WriteString("path", file.Path);
            writer.WriteString("reason", file.Reason);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartObject("ignoredColumns");
        foreach (var (column, files) in report.IgnoredColumns)
        {
            writer.WriteNumber(column, files);
        }

        writer.WriteEndObject();
        writer.WriteStartArray("absent");
        foreach (var what in report.Absent)
        {
            writer.WriteStringValue(what);
        }

        writer.WriteEndArray();
    }

    private static void WriteReasons(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, long> reasons, params (string Reason, long Count)[] more)
    {
        writer.WriteStartObject(name);
        foreach (var (reason, count) in reasons)
        {
            writer.WriteNumber(reason, count);
        }

        foreach (var (reason, count) in more)
        {
            if (count > 0)
            {
                writer.WriteNumber(reason, count);
            }
        }

        writer.WriteEndObject();
    }
}
