using MstGad.Datasets;
using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Benchmarks;

/// <summary>
/// The TrainTicket step the detector benchmarks score: the window that ends at 10:06 (a fault window of the day: 47
/// instances, logs and traces present), with a detector trained in the set-up or loaded from a file.
/// </summary>
internal sealed class TrainTicketStep
{
    private TrainTicketStep(Detector detector, DetectionWindows windows, StepClock clock, long step, GraphWindow window) =>
        (Detector, Windows, Clock, Step, Window) = (detector, windows, clock, step, window);

    public Detector Detector { get; }

    public DetectionWindows Windows { get; }

    public StepClock Clock { get; }

    public long Step { get; }

    public GraphWindow Window { get; }

    /// <summary>
    /// Loads the detector the environment variable names, or builds one with <paramref name="configure"/> and trains
    /// it on the first 15 % of the day (validating on the next 5 %), one thread; then fills the windows up to 10:06.
    /// </summary>
    public static TrainTicketStep Prepare(string environmentVariable, Func<DetectorBuilder, DetectorBuilder> configure)
    {
        var root = SharedData.PathOf("nezha-trainticket");
        var saved = Environment.GetEnvironmentVariable(environmentVariable);
        Detector detector;
        if (!string.IsNullOrEmpty(saved))
        {
            detector = Detector.Load(saved);
        }
        else
        {
            detector = configure(new DetectorBuilder())
                .WithInterval(TimeSpan.FromMinutes(1))
                .ConfigureSplit(o =>
                {
                    o.TrainFraction = 0.15;
                    o.ValidationFraction = 0.05;
                })
                .UseDevice("cpu", 1)
                .Build();
            var aggregator = new TelemetryAggregator(detector.FeatureSettings);
            var faults = TelemetrySources.LoadAsync(new NezhaDataset(root, new NezhaDatasetOptions { Mode = ReadMode.Lenient }), aggregator).GetAwaiter().GetResult();
            detector.Fit(aggregator.Complete(), faults);
        }

        var live = detector.CreateAggregator();
        TelemetrySources.LoadAsync(new NezhaDataset(root, new NezhaDatasetOptions { Mode = ReadMode.Lenient }), live).GetAwaiter().GetResult();
        var day = live.Complete();
        var windows = detector.CreateWindowBuilder(day.Clock);
        var metrics = detector.Features.ResolveMetrics(day.Metrics);
        var step = day.Clock.StepOf(new DateTimeOffset(2023, 1, 29, 10, 6, 0, TimeSpan.Zero));
        for (var s = step - detector.Window + 1; s <= step; s++)
        {
            windows.Add(detector.Features.TransformStep(day.Sealed(s), day.Operations, metrics));
        }

        var window = windows.WindowEndingAt(step, out _) ?? throw new InvalidOperationException("No window ends at 10:06.");
        return new TrainTicketStep(detector, windows, day.Clock, step, window);
    }
}
