using System.Globalization;

namespace MstGad.Features.Tests.Support;

/// <summary>Hand-made telemetry on 2024-05-06 (UTC) with a 10 s step clock, so times read like a log.</summary>
internal static class Telemetry
{
    /// <summary>The day all test times fall on.</summary>
    public static readonly DateTimeOffset Day = new(2024, 5, 6, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The 10 s clock (the <see cref="FeatureOptions"/> default).</summary>
    public static readonly StepClock Clock = new(TimeSpan.FromSeconds(10));

    /// <summary>A time of <see cref="Day"/>, such as <c>08:42:09</c> or <c>08:42:09.5</c>.</summary>
    public static DateTimeOffset At(string time) => Day + TimeSpan.Parse(time, CultureInfo.InvariantCulture);

    /// <summary>The 10 s step that contains a time of <see cref="Day"/>.</summary>
    public static long Step(string time) => Clock.StepOf(At(time));

    public static MetricSample Metric(string instance, string time, string name, double value, double coverageSeconds = 0) =>
        new(instance, At(time), name, value) { Coverage = TimeSpan.FromSeconds(coverageSeconds) };

    public static LogRecord Log(string instance, string time, string message, string? level = null) =>
        new(instance, At(time), message) { Level = level };

    public static Span Span(string trace, string id, string? parent, string instance, string operation, string start, double durationMs, SpanStatus status = SpanStatus.Ok) =>
        new(trace, id, parent, instance, operation, At(start), TimeSpan.FromMilliseconds(durationMs)) { Status = status };

    /// <summary>Feeds records (metric samples, log records, spans) in the given order to a new aggregator.</summary>
    public static TelemetryAggregator Feed(Action<FeatureOptions>? configure, IEnumerable<object> records)
    {
        var options = new FeatureOptions();
        configure?.Invoke(options);
        var aggregator = new TelemetryAggregator(options);
        AddAll(aggregator, records);
        return aggregator;
    }

    /// <summary>Adds records (metric samples, log records, spans) to an aggregator, in order.</summary>
    public static void AddAll(TelemetryAggregator aggregator, IEnumerable<object> records)
    {
        foreach (var record in records)
        {
            switch (record)
            {
                case MetricSample sample:
                    aggregator.Add(sample);
                    break;
                case LogRecord log:
                    aggregator.Add(log);
                    break;
                case Span span:
                    aggregator.Add(span);
                    break;
                default:
                    throw new ArgumentException($"Not a record: {record}", nameof(records));
            }
        }
    }

    /// <summary>Feeds records to a new aggregator and completes it.</summary>
    public static TelemetryAggregate Aggregate(Action<FeatureOptions>? configure, params object[] records) =>
        Feed(configure, records).Complete();

    /// <summary>Feeds records with the default options and completes the aggregator.</summary>
    public static TelemetryAggregate Aggregate(params object[] records) => Aggregate(null, records);

    /// <summary>The aggregated (and carried-forward) metric value of an instance in a step, NaN when missing.</summary>
    public static double MetricValue(TelemetryAggregate data, long step, string instance, string metric)
    {
        int n = data.Instances.Count, m = data.Metrics.Count;
        var row = (step - data.FirstStep) * n * m;
        return data.MetricValues()[row + (data.IndexOfInstance(instance) * m) + data.Metrics.ToList().IndexOf(metric)];
    }
}
