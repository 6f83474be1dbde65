using BenchmarkDotNet.Attributes;
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
    private TrainTicketStep _at = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoadable();
        _at = TrainTicketStep.Prepare("MSTGAD_BENCHMARK_MODEL", b => b.ConfigureTraining(o => o.MaxEpochs = 1));
    }

    [GlobalCleanup]
    public void Cleanup() => _at.Detector.Dispose();

    /// <summary>Scores the step: network, anomaly score, decision and evidence for every instance.</summary>
    [Benchmark]
    public int ScoreOneStep() => _at.Detector.ScoreStep(_at.Windows, _at.Step, _at.Clock).Count;

    /// <summary>The network alone on the same window (on the CPU: the managed inference).</summary>
    [Benchmark]
    public float ScoreOneWindow() => _at.Detector.Network!.Score([_at.Window])[0].Probability[0];

    /// <summary>The libtorch network on the same window (what the CPU used before the managed inference).</summary>
    [Benchmark]
    public float ScoreOneWindowWithNetwork() => _at.Detector.Network!.ScoreWithNetwork([_at.Window])[0].Probability[0];
}
