using System.Text;
using System.Text.Json;
using MstGad.Features;
using MstGad.Simulation;

namespace MstGad.Samples.Tests.Support;

/// <summary>Writes a simulation as an OpenTelemetry collector's file exporter would: OTLP/JSON, one export per line.</summary>
internal static class OtlpFiles
{
    private const int Batch = 500;

    public static async Task WriteAsync(TelemetrySimulator simulator, string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" };
        var spans = new List<Span>();
        await foreach (var span in simulator.ReadSpansAsync())
        {
            spans.Add(span);
            if (spans.Count == Batch)
            {
                await writer.WriteLineAsync(Export("resourceSpans", "scopeSpans", "spans", spans, s => s.Instance, SpanJson));
                spans.Clear();
            }
        }

        await writer.WriteLineAsync(Export("resourceSpans", "scopeSpans", "spans", spans, s => s.Instance, SpanJson));

        var logs = new List<LogRecord>();
        await foreach (var log in simulator.ReadLogsAsync())
        {
            logs.Add(log);
            if (logs.Count == Batch)
            {
                await writer.WriteLineAsync(Export("resourceLogs", "scopeLogs", "logRecords", logs, l => l.Instance, LogJson));
                logs.Clear();
            }
        }

        await writer.WriteLineAsync(Export("resourceLogs", "scopeLogs", "logRecords", logs, l => l.Instance, LogJson));

        var metrics = new List<MetricSample>();
        await foreach (var sample in simulator.ReadMetricsAsync())
        {
            metrics.Add(sample);
        }

        foreach (var chunk in metrics.Chunk(Batch))
        {
            await writer.WriteLineAsync(Export("resourceMetrics", "scopeMetrics", "metrics", chunk, m => m.Instance, MetricJson));
        }
    }

    private static string Export<T>(string resources, string scopes, string items, IEnumerable<T> records, Func<T, string> instance, Func<T, object> toJson) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            [resources] = records.GroupBy(instance).Select(g => new Dictionary<string, object>
            {
                ["resource"] = new { attributes = new[] { new { key = "k8s.pod.name", value = new { stringValue = g.Key } } } },
                [scopes] = new[] { new Dictionary<string, object> { ["scope"] = new { name = "mstgad.simulation" }, [items] = g.Select(toJson).ToArray() } },
            }).ToArray(),
        });

    private static object SpanJson(Span s) => new
    {
        traceId = s.TraceId,
        spanId = s.SpanId,
        parentSpanId = s.ParentSpanId ?? string.Empty,
        name = s.Operation,
        kind = s.Kind == SpanKind.Client ? 3 : 2,
        startTimeUnixNano = Nanos(s.Start),
        endTimeUnixNano = Nanos(s.End),
        status = new { code = s.Status == SpanStatus.Error ? 2 : 1 },
    };

    private static object LogJson(LogRecord l) => new
    {
        timeUnixNano = Nanos(l.Time),
        severityText = l.Level,
        body = new { stringValue = l.Message },
        traceId = l.TraceId ?? string.Empty,
        spanId = l.SpanId ?? string.Empty,
    };

    private static object MetricJson(MetricSample m) => new
    {
        name = m.Name,
        sum = new
        {
            aggregationTemporality = 1,
            isMonotonic = false,
            dataPoints = new[] { new { startTimeUnixNano = Nanos(m.Time - m.Coverage), timeUnixNano = Nanos(m.Time), asDouble = m.Value } },
        },
    };

    private static string Nanos(DateTimeOffset time) => ((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
