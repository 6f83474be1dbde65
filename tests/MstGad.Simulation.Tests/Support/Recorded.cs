using System.Text.RegularExpressions;
using MstGad.Features;

namespace MstGad.Simulation.Tests.Support;

/// <summary>Everything one simulator emits, read once, with helpers to slice it.</summary>
internal sealed partial class Recorded
{
    public Recorded(TelemetrySimulator simulator)
    {
        Simulator = simulator;
        Metrics = [.. simulator.Metrics()];
        Logs = [.. simulator.Logs()];
        Spans = [.. simulator.Spans()];
        SpanIndex = Spans.ToDictionary(s => (s.TraceId, s.SpanId));
    }

    public TelemetrySimulator Simulator { get; }

    public List<MetricSample> Metrics { get; }

    public List<LogRecord> Logs { get; }

    public List<Span> Spans { get; }

    public Dictionary<(string TraceId, string SpanId), Span> SpanIndex { get; }

    /// <summary>The instance of a service (its first replica).</summary>
    public string InstanceOf(string service) => Simulator.Instances.First(i => i.StartsWith(service + "-", StringComparison.Ordinal));

    public static bool In(DateTimeOffset time, DateTimeOffset from, DateTimeOffset to) => time >= from && time < to;

    public IEnumerable<MetricSample> MetricsOf(string instance, string name, DateTimeOffset from, DateTimeOffset to) =>
        Metrics.Where(m => m.Instance == instance && m.Name == name && m.Time > from && m.Time <= to);

    public double MeanMetric(string instance, string name, DateTimeOffset from, DateTimeOffset to) =>
        MetricsOf(instance, name, from, to).Average(m => m.Value);

    /// <summary>Server spans of an instance that start in [from, to).</summary>
    public IEnumerable<Span> ServerSpans(string instance, DateTimeOffset from, DateTimeOffset to) =>
        Spans.Where(s => s.Instance == instance && s.Kind == SpanKind.Server && In(s.Start, from, to));

    /// <summary>Client spans (on any instance) whose child server span is on <paramref name="callee"/>, or whose call to it failed.</summary>
    public IEnumerable<Span> CallsTo(string callee, DateTimeOffset from, DateTimeOffset to)
    {
        var children = Spans.Where(s => s.Kind == SpanKind.Server && s.Instance == callee && s.ParentSpanId is not null)
            .Select(s => (s.TraceId, s.ParentSpanId!))
            .ToHashSet();
        return Spans.Where(s => s.Kind == SpanKind.Client && In(s.Start, from, to) && children.Contains((s.TraceId, s.SpanId)));
    }

    /// <summary>A log message with its variable parts (ids, numbers) replaced by <c>#</c>: roughly its template.</summary>
    public static string Shape(string message) => Variable().Replace(message, "#");

    public static List<string> Shapes(IEnumerable<LogRecord> logs) =>
        [.. logs.Select(l => $"{l.Instance} {l.Level} {Shape(l.Message)}").Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{16,}\b|\d+(\.\d+)?")]
    private static partial Regex Variable();
}
