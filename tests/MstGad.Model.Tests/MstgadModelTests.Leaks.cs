using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

/// <summary>
/// No tensor outlives a call. <see cref="torch.Tensor.TotalCount"/> is process-wide and a finalised
/// leak would lower it again, so the per-thread <see cref="DisposeScopeManager.Statistics"/> (which
/// finalisers on other threads do not touch) is checked too.
/// </summary>
public sealed partial class MstgadModelTests
{
    private static (long Total, long ThreadLive) Counters()
    {
        return (torch.Tensor.TotalCount, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Test]
    public void Score_Repeatedly_LeaksNoTensors()
    {
        using var model = Small();
        var windows = Synthetic.Windows(5, seed: 30);
        model.Score(windows, batchSize: 2); // warm-up
        Settle();
        var before = Counters();

        for (var i = 0; i < 10; i++)
        {
            model.Score(windows, batchSize: 2);
        }

        var after = Counters();
        Assert.Multiple(() =>
        {
            Assert.That(after.Total - before.Total, Is.Zero, "Tensor.TotalCount");
            Assert.That(after.ThreadLive - before.ThreadLive, Is.Zero, "live tensors of this thread");
        });
    }

    [Test]
    public void ForwardAndBackward_InADisposeScope_LeaveNoTensorsBehind()
    {
        using var model = Small();
        var network = model.Network;
        network.train();
        var windows = Synthetic.Windows(4, seed: 31);
        void Step()
        {
            using var scope = NewDisposeScope();
            using var batch = WindowBatch.Create(windows, model.Shape, model.Device);
            var output = network.Forward(batch);
            var (loss, _, _) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, batch.Labels, batch.NodePresent, 0.5, 0.01, 1e-6, 2);
            loss.backward();
        }

        Step(); // the first backward creates the gradients, which live with the parameters
        Settle();
        var before = Counters();

        for (var i = 0; i < 5; i++)
        {
            Step();
        }

        var after = Counters();
        Assert.Multiple(() =>
        {
            Assert.That(after.Total - before.Total, Is.Zero, "Tensor.TotalCount");
            Assert.That(after.ThreadLive - before.ThreadLive, Is.Zero, "live tensors of this thread");
        });
    }

    [Test]
    public void Train_Repeatedly_LeaksNoTensors([Values] bool withValidation)
    {
        using var model = Small();
        var training = Synthetic.Windows(6, seed: 32);
        var validation = withValidation ? Synthetic.Windows(3, seed: 33) : [];
        var options = Quick(epochs: 3);
        model.Train(training, validation, options); // warm-up: gradients now exist
        Settle();
        var before = Counters();

        model.Train(training, validation, options);
        model.Train(training, validation, options);

        var after = Counters();
        Assert.Multiple(() =>
        {
            Assert.That(after.Total - before.Total, Is.Zero, "Tensor.TotalCount");
            Assert.That(after.ThreadLive - before.ThreadLive, Is.Zero, "live tensors of this thread");
        });
    }

    [Test]
    public void SaveAndLoad_LeakNothingButTorchSharpsParameterCounterArtefact()
    {
        // TorchSharp's Parameter(Tensor) moves the handle out of its source tensor without lowering
        // Tensor.TotalCount, so every model built (here: loaded) raises the counter by its number of
        // parameter tensors for good, even after Dispose (the per-thread statistics are not affected).
        // Anything beyond that would be a leak.
        using var model = Small();
        var parameterTensors = model.Network.parameters().Count();
        var bytes = Saved(model);
        LoadBytes(bytes).Dispose(); // warm-up
        Settle();
        var before = Counters();

        for (var i = 0; i < 3; i++)
        {
            Saved(model);
            LoadBytes(bytes).Dispose();
        }

        var after = Counters();
        Assert.Multiple(() =>
        {
            Assert.That(after.Total - before.Total, Is.EqualTo(3 * parameterTensors));
            Assert.That(after.ThreadLive - before.ThreadLive, Is.Zero, "the per-thread statistics do not see the artefact");
        });
    }

    [Test]
    public void Save_Repeatedly_LeaksNoTensors()
    {
        using var model = Small();
        Saved(model);
        Settle();
        var before = Counters();

        for (var i = 0; i < 3; i++)
        {
            Saved(model);
        }

        Assert.That(Counters(), Is.EqualTo(before));
    }
}
