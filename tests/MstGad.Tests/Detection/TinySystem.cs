using MstGad.Features;

namespace MstGad.Tests.Detection;

/// <summary>A tiny hand-made system: three instances (a calls b, b calls c), 10-s steps, one fault on b.</summary>
internal static class TinySystem
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static DetectorBuilder Builder() => new DetectorBuilder()
        .WithInterval(TimeSpan.FromSeconds(10))
        .WithWindow(3)
        .ConfigureFeatures(o => o.InstanceKey = InstanceKey.Identity)
        .ConfigureModel(o =>
        {
            o.MetricDimension = 4;
            o.LogDimension = 4;
            o.TraceDimension = 4;
            o.Heads = 2;
            o.EdgeHeads = 2;
            o.EncoderLayers = 1;
            o.DecoderLayers = 1;
        })
        .ConfigureTraining(o =>
        {
            o.MaxEpochs = 2;
            o.BatchSize = 8;
        })
        .ConfigureSplit(o =>
        {
            o.TrainFraction = 0.6;
            o.ValidationFraction = 0.2;
        })
        .UseDevice("cpu", 1);

    /// <summary>The detector's verdicts on a fresh copy of the tiny system's 60 steps, read with its own aggregator.</summary>
    public static IReadOnlyList<InstanceVerdict> DetectLive(Detector detector) => detector.Detect(Create(detector.CreateAggregator()).Data);

    /// <summary>The detector saved to an artifact in memory and loaded back.</summary>
    public static Detector SaveAndLoad(Detector detector)
    {
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        buffer.Position = 0;
        return Detector.Load(buffer);
    }

    /// <summary>The fault of the tiny system.</summary>
    public static readonly FaultLabel Fault = new("b", Start.AddSeconds(400), TimeSpan.FromSeconds(50), "cpu");

    /// <summary>60 steps of telemetry; b is faulty from step 40 for 50 s (cpu jumps, errors logged, calls slow).</summary>
    public static (TelemetryAggregate Data, IReadOnlyList<FaultLabel> Faults) Create(TelemetryAggregator aggregator, int steps = 60)
    {
        Feed(aggregator, Records(steps));
        return (aggregator.Complete(), [Fault]);
    }

    /// <summary>Adds records of any kind to an aggregator, in order.</summary>
    public static void Feed(TelemetryAggregator aggregator, IEnumerable<object> records)
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

    /// <summary>The records of <see cref="Create"/>, in the order it feeds them (metrics, logs, spans per step).</summary>
    /// <param name="steps">How many 10-s steps.</param>
    /// <param name="first">The first step (offset from <see cref="Start"/>).</param>
    /// <param name="seed">The seed of the noise.</param>
    public static List<object> Records(int steps = 60, int first = 0, int seed = 5)
    {
        var random = new Random(seed);
        var records = new List<object>();
        for (var t = first; t < first + steps; t++)
        {
            var time = Start.AddSeconds((t * 10) + 5);
            var faulty = t is >= 40 and < 45;
            foreach (var instance in new[] { "a", "b", "c" })
            {
                var cpu = 10 + random.NextDouble() + (faulty && instance == "b" ? 50 : 0);
                records.Add(new MetricSample(instance, time, "cpu", cpu));
                records.Add(new MetricSample(instance, time, "memory", 100 + (random.NextDouble() * 5)));
                records.Add(new LogRecord(instance, time, faulty && instance == "b" ? "request failed code 500" : "request ok in 12 ms") { Level = faulty && instance == "b" ? "ERROR" : "INFO" });
            }

            var trace = $"trace{t}";
            // a's span is the client side of the call a → b (10 ms more than b's); b's own client span for its call to c
            // (as OpenTelemetry's HTTP and gRPC clients record one) is 5 ms more than c's, whatever b's own work takes.
            records.Add(new Span(trace, "s1", null, "a", "GET /", time, TimeSpan.FromMilliseconds(faulty ? 410 : 30)));
            records.Add(new Span(trace, "s2", "s1", "b", "GET /b", time, TimeSpan.FromMilliseconds(faulty ? 400 : 20)));
            records.Add(new Span(trace, "s2c", "s2", "b", "HTTP GET", time, TimeSpan.FromMilliseconds(15)));
            records.Add(new Span(trace, "s3", "s2c", "c", "GET /c", time, TimeSpan.FromMilliseconds(10)));
        }

        return records;
    }
}
