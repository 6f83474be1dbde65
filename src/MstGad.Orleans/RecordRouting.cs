using MstGad.Features;

namespace MstGad.Orleans;

/// <summary>Records split by the system they belong to, renamed to their instance names there.</summary>
internal sealed class RecordParts
{
    public List<MetricSample> Metrics { get; } = [];

    public List<LogRecord> Logs { get; } = [];

    public List<Span> Spans { get; } = [];

    public int Count => Metrics.Count + Logs.Count + Spans.Count;

    /// <summary>Splits records by <paramref name="route"/> (system and instance name there), keeping their order per kind.</summary>
    public static Dictionary<string, RecordParts> Split(IEnumerable<MetricSample> metrics, IEnumerable<LogRecord> logs, IEnumerable<Span> spans, Func<string, (string System, string Instance)> route)
    {
        var parts = new Dictionary<string, RecordParts>(StringComparer.Ordinal);
        RecordParts Part(string system)
        {
            if (!parts.TryGetValue(system, out var part))
            {
                part = new RecordParts();
                parts.Add(system, part);
            }

            return part;
        }

        foreach (var sample in metrics)
        {
            var (system, instance) = route(sample.Instance);
            Part(system).Metrics.Add(sample.Instance == instance ? sample : sample with { Instance = instance });
        }

        foreach (var log in logs)
        {
            var (system, instance) = route(log.Instance);
            Part(system).Logs.Add(log.Instance == instance ? log : log with { Instance = instance });
        }

        foreach (var span in spans)
        {
            var (system, instance) = route(span.Instance);
            Part(system).Spans.Add(span.Instance == instance ? span : span with { Instance = instance });
        }

        return parts;
    }
}
