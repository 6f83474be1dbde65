using BenchmarkDotNet.Attributes;
using MstGad.Datasets;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;

namespace MstGad.Benchmarks;

/// <summary>
/// Hades scoring one step of the TrainTicket day: the window that ends at 10:06 (47 instances), through the facade
/// (Hades's network for every instance, the decision and the evidence) and the method alone. The detector is trained
/// in the set-up on the first 15 % of the day for one epoch of phase 1 (the shapes are what cost), or loaded from
/// <c>MSTGAD_BENCHMARK_HADES</c> when that names a Hades detector trained on the day. One intra-op thread.
/// </summary>
[MemoryDiagnoser]
public class HadesBenchmarks
{
    private Detector _detector = null!;
    private DetectionWindows _windows = null!;
    private StepClock _clock;
    private long _step;
    private GraphWindow _window = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoadable();
        var root = SharedData.PathOf("nezha-trainticket");
        var saved = Environment.GetEnvironmentVariable("MSTGAD_BENCHMARK_HADES");
        if (!string.IsNullOrEmpty(saved))
        {
            _detector = Detector.Load(saved);
        }
        else
        {
            _detector = new DetectorBuilder()
                .UseHades(o =>
                {
                    o.Phase1Epochs = 1;
                    o.Phase2Epochs = 0;
                })
                .WithInterval(TimeSpan.FromMinutes(1))
                .ConfigureSplit(o =>
                {
                    o.TrainFraction = 0.15;
                    o.ValidationFraction = 0.05;
                })
                .UseDevice("cpu", 1)
                .Build();
            var aggregator = new TelemetryAggregator(_detector.FeatureSettings);
            var source = new NezhaDataset(root, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
            var faults = TelemetrySources.LoadAsync(source, aggregator).GetAwaiter().GetResult();
            _detector.Fit(aggregator.Complete(), faults);
        }

        var live = _detector.CreateAggregator();
        TelemetrySources.LoadAsync(new NezhaDataset(root, new NezhaDatasetOptions { Mode = ReadMode.Lenient }), live).GetAwaiter().GetResult();
        var day = live.Complete();
        _clock = day.Clock;
        _windows = _detector.CreateWindowBuilder(_clock);
        var metrics = _detector.Features.ResolveMetrics(day.Metrics);
        _step = _clock.StepOf(new DateTimeOffset(2023, 1, 29, 10, 6, 0, TimeSpan.Zero));
        for (var s = _step - _detector.Window + 1; s <= _step; s++)
        {
            _windows.Add(_detector.Features.TransformStep(day.Sealed(s), day.Operations, metrics));
        }

        _window = _windows.WindowEndingAt(_step, out _) ?? throw new InvalidOperationException("No window ends at 10:06.");
    }

    [GlobalCleanup]
    public void Cleanup() => _detector.Dispose();

    /// <summary>Scores the step through the facade: Hades for every instance, the decision and the evidence.</summary>
    [Benchmark]
    public int ScoreOneStep() => _detector.ScoreStep(_windows, _step, _clock).Count;

    /// <summary>Hades alone on the same 47-instance window (P and the attributions of every instance).</summary>
    [Benchmark]
    public float ScoreOneWindow() => _detector.TrainedMethod.Score([_window])[0].Probability[0];
}
