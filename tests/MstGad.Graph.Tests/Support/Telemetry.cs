using System.Globalization;
using MstGad.Features;

namespace MstGad.Graph.Tests.Support;

/// <summary>Hand-made telemetry on 2024-05-06 (UTC) with a 10 s step clock.</summary>
internal static class Telemetry
{
    public static readonly DateTimeOffset Day = new(2024, 5, 6, 0, 0, 0, TimeSpan.Zero);

    public static readonly StepClock Clock = new(TimeSpan.FromSeconds(10));

    public static DateTimeOffset At(string time) => Day + TimeSpan.Parse(time, CultureInfo.InvariantCulture);

    public static long Step(string time) => Clock.StepOf(At(time));

    /// <summary>Aggregates records with identity instance keys, fits on <c>[from, to)</c> and transforms the same steps.</summary>
    public static FeatureFrame Frame(string from, string to, params object[] records)
    {
        var aggregator = new TelemetryAggregator(new FeatureOptions { InstanceKey = InstanceKey.Identity });
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

        var data = aggregator.Complete();
        var space = FeatureSpace.Fit(data, Step(from), Step(to));
        return space.Transform(data, Step(from), Step(to));
    }

    public static MetricSample Metric(string instance, string time, string name, double value) => new(instance, At(time), name, value);

    public static Span Span(string trace, string id, string? parent, string instance, string operation, string start, double durationMs) =>
        new(trace, id, parent, instance, operation, At(start), TimeSpan.FromMilliseconds(durationMs));

    /// <summary>A graph of <paramref name="n"/> nodes with one zero feature each and no edges.</summary>
    public static MstGraph EmptyGraph(long step, int n) => new(step, Clock, n, 1, new float[n], new byte[n], [], [], 0, []);
}
