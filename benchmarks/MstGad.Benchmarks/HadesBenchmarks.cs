using BenchmarkDotNet.Attributes;
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
    private TrainTicketStep _at = null!;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoadable();
        _at = TrainTicketStep.Prepare("MSTGAD_BENCHMARK_HADES", b => b.UseHades(o =>
        {
            o.Phase1Epochs = 1;
            o.Phase2Epochs = 0;
        }));
    }

    [GlobalCleanup]
    public void Cleanup() => _at.Detector.Dispose();

    /// <summary>Scores the step through the facade: Hades for every instance, the decision and the evidence.</summary>
    [Benchmark]
    public int ScoreOneStep() => _at.Detector.ScoreStep(_at.Windows, _at.Step, _at.Clock).Count;

    /// <summary>Hades alone on the same 47-instance window (P and the attributions of every instance).</summary>
    [Benchmark]
    public float ScoreOneWindow() => _at.Detector.TrainedMethod.Score([_at.Window])[0].Probability[0];
}
