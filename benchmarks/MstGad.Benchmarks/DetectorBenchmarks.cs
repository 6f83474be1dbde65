using BenchmarkDotNet.Attributes;
using MstGad.Datasets;
using MstGad.Features;
using MstGad.Graph;
using MstGad.Model;

namespace MstGad.Benchmarks;

/// <summary>
/// What an online detector does for every closed step, through the facade: one window of the TrainTicket day
/// (47 instances, its node and edge features) scored by the network, then the anomaly score (each error against
/// its own distribution, the step-relative correction, persistence), the decision and the evidence. The detector
/// is trained in the set-up on the first 15 % of the day (08:40–11:00) for one epoch (the shapes are what cost; the
/// weights do not change the arithmetic), or loaded from <c>MSTGAD_BENCHMARK_MODEL</c> when that names a
/// detector trained on the day. One intra-op thread.
/// </summary>
[MemoryDiagnoser]
public class DetectorBenchmarks
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
        var saved = Environment.GetEnvironmentVariable("MSTGAD_BENCHMARK_MODEL");
        if (!string.IsNullOrEmpty(saved))
        {
            _detector = Detector.Load(saved);
        }
        else
        {
            _detector = new DetectorBuilder()
                .WithInterval(TimeSpan.FromMinutes(1))
                .ConfigureTraining(o => o.MaxEpochs = 1)
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

        // The window that ends at 10:06 (a fault window of the day: logs and traces present).
        _step = _clock.StepOf(new DateTimeOffset(2023, 1, 29, 10, 6, 0, TimeSpan.Zero));
        for (var s = _step - _detector.Window + 1; s <= _step; s++)
        {
            _windows.Add(_detector.Features.TransformStep(day.Sealed(s), day.Operations, metrics));
        }

        _window = _windows.WindowEndingAt(_step, out _) ?? throw new InvalidOperationException("No window ends at 10:06.");
    }

    [GlobalCleanup]
    public void Cleanup() => _detector.Dispose();

    /// <summary>Scores the step: network, anomaly score, decision and evidence for every instance.</summary>
    [Benchmark]
    public int ScoreOneStep() => _detector.ScoreStep(_windows, _step, _clock).Count;

    /// <summary>The network alone on the same window (on the CPU: the managed inference).</summary>
    [Benchmark]
    public float ScoreOneWindow() => _detector.Network!.Score([_window])[0].Probability[0];

    /// <summary>The libtorch network on the same window (what the CPU used before the managed inference).</summary>
    [Benchmark]
    public float ScoreOneWindowWithNetwork() => _detector.Network!.ScoreWithNetwork([_window])[0].Probability[0];
}
