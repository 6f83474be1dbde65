using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MstGad.Features;
using MstGad.Simulation;

namespace MstGad.Samples.TrainOnFiles;

/// <summary>
/// Writes simulated telemetry in the generic file layout of docs/formats.md — <c>metrics.csv</c>,
/// <c>logs.jsonl</c>, <c>spans.csv</c> (each optionally gzip-compressed, as <c>.gz</c>) and <c>faults.csv</c> —
/// to show what your own files should look like.
/// </summary>
public static class ExampleFiles
{
    /// <summary>Six hours of a simulated system of 8 services with a fault every 10 minutes, in 30-s intervals.</summary>
    /// <returns>The simulation settings.</returns>
    public static SimulationOptions Options() => new()
    {
        Seed = 7,
        Start = new DateTimeOffset(2024, 3, 4, 10, 0, 0, TimeSpan.Zero),
        Duration = TimeSpan.FromHours(6),
        MetricInterval = TimeSpan.FromSeconds(30),
        FaultCount = 36,
    };

    /// <summary>Writes the four files of a simulation into <paramref name="folder"/> (created if needed).</summary>
    /// <param name="simulator">The telemetry to write.</param>
    /// <param name="folder">The folder.</param>
    /// <param name="compress">Whether to gzip the metric, log and span files (about a tenth of the size).</param>
    /// <param name="cancellationToken">Cancels writing.</param>
    /// <returns>A task that completes when the files are written.</returns>
    public static async Task WriteAsync(TelemetrySimulator simulator, string folder, bool compress = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        Directory.CreateDirectory(folder);
        var c = CultureInfo.InvariantCulture;
        var gz = compress ? ".gz" : string.Empty;

        var metrics = Create(folder, "metrics.csv" + gz);

        await using (metrics.ConfigureAwait(false))
        {
            await metrics.WriteLineAsync("time,instance,metric,value,coverage_s").ConfigureAwait(false);
            await foreach (var m in simulator.ReadMetricsAsync(cancellationToken).ConfigureAwait(false))
            {
                await metrics.WriteLineAsync(string.Create(c, $"{Time(m.Time)},{m.Instance},{m.Name},{m.Value:R},{m.Coverage.TotalSeconds}")).ConfigureAwait(false);
            }
        }

        // Log messages may hold commas and quotes: JSON Lines needs no quoting rules.
        var logs = Create(folder, "logs.jsonl" + gz);
        await using (logs.ConfigureAwait(false))
        {
            await foreach (var l in simulator.ReadLogsAsync(cancellationToken).ConfigureAwait(false))
            {
                var line = JsonSerializer.Serialize(new Dictionary<string, string?>
                {
                    ["time"] = Time(l.Time),
                    ["instance"] = l.Instance,
                    ["level"] = l.Level,
                    ["message"] = l.Message,
                    ["trace_id"] = l.TraceId,
                    ["span_id"] = l.SpanId,
                });
                await logs.WriteLineAsync(line).ConfigureAwait(false);
            }
        }

        var spans = Create(folder, "spans.csv" + gz);

        await using (spans.ConfigureAwait(false))
        {
            await spans.WriteLineAsync("trace_id,span_id,parent_span_id,instance,operation,start,duration_ms,status,kind").ConfigureAwait(false);
            await foreach (var s in simulator.ReadSpansAsync(cancellationToken).ConfigureAwait(false))
            {
                var status = s.Status == SpanStatus.Error ? "error" : "ok";
                var kind = s.Kind == SpanKind.Client ? "client" : "server";
                await spans.WriteLineAsync(string.Create(c, $"{s.TraceId},{s.SpanId},{s.ParentSpanId},{s.Instance},{s.Operation},{Time(s.Start)},{s.Duration.TotalMilliseconds:R},{status},{kind}")).ConfigureAwait(false);
            }
        }

        var faults = Create(folder, "faults.csv");

        await using (faults.ConfigureAwait(false))
        {
            await faults.WriteLineAsync("target,start,duration_s,type,target_kind").ConfigureAwait(false);
            foreach (var f in simulator.Faults)
            {
                await faults.WriteLineAsync(string.Create(c, $"{f.Target},{Time(f.Start)},{f.Duration.TotalSeconds},{f.Type},instance")).ConfigureAwait(false);
            }
        }
    }

    private static StreamWriter Create(string folder, string name)
    {
        Stream file = File.Create(Path.Combine(folder, name));
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            file = new GZipStream(file, CompressionLevel.Fastest);
        }

        return new StreamWriter(file, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
}
