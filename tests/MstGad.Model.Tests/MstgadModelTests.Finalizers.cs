using MstGad.Model.Tests.Support;

namespace MstGad.Model.Tests;

/// <summary>
/// Training and scoring while other threads collect garbage and run finalizers without pause: a number turned into a
/// TorchSharp scalar that nothing keeps alive can be freed by its finalizer while libtorch still reads it (see
/// <see cref="Scalars"/>), which shows as an exception from <c>c10::Scalar</c> or a wrong result.
/// </summary>
public sealed partial class MstgadModelTests
{
    [Test]
    public void TrainAndScore_WhileFinalizersRun_GiveTheResultsOfAQuietRun()
    {
        var training = Synthetic.Windows(6, seed: 34);
        var options = Quick(epochs: 6);
        float[] Run()
        {
            using var model = Small(seed: 7);
            model.Train(training, [], options);
            return [.. model.Score(training, batchSize: 2).SelectMany(s => s.ReconstructionError)];
        }

        var quiet = Run();
        using var stop = new CancellationTokenSource();
        var collectors = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        })).ToArray();

        try
        {
            for (var i = 0; i < 15; i++)
            {
                Assert.That(Run(), Is.EqualTo(quiet), $"run {i}");
            }
        }
        finally
        {
            stop.Cancel();
            Task.WaitAll(collectors);
        }
    }
}
