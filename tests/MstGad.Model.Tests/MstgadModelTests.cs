using MstGad.Methods;
using MstGad.Graph;
using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

[TestFixture]
public sealed partial class MstgadModelTests
{
    private static MstgadModel Small(long seed = 42, Action<ModelOptions>? configure = null) =>
        new(Synthetic.SmallOptions(configure), Synthetic.Shape, seed);

    private static TrainingOptions Quick(int epochs = 3) => new() { MaxEpochs = epochs, BatchSize = 4, LearningRate = 1e-2 };

    [Test]
    public void Score_Windows_GivesOneResultPerWindowWithPerNodeArrays()
    {
        using var model = Small();
        var windows = Synthetic.Windows(5, seed: 1);
        windows[4].Last.Mask[2] = 0;

        var scores = model.Score(windows, batchSize: 2);

        Assert.Multiple(() =>
        {
            Assert.That(scores, Has.Count.EqualTo(5));
            Assert.That(scores.Select(s => s.Step), Is.EqualTo(windows.Select(w => w.Last.Step)));
            Assert.That(scores.Select(s => s.Probability.Length), Is.All.EqualTo(5));
            Assert.That(scores.Select(s => s.ReconstructionError.Length), Is.All.EqualTo(5));
            Assert.That(scores.Select(s => s.Errors.Length), Is.All.EqualTo(5 * 7));
            Assert.That(scores.Select(s => s.ErrorWidth), Is.All.EqualTo(7));
            Assert.That(scores.SelectMany(s => s.Probability), Is.All.InRange(0f, 1f));
            Assert.That(scores[4].Present, Is.EqualTo(new[] { true, true, false, true, true }));
            Assert.That(scores[0].Present, Is.All.True);
            Assert.That(scores[0].ReconstructionError[1], Is.EqualTo(scores[0].Errors.Skip(7).Take(7).Sum()).Within(1e-5));
            // Window 0 covers steps 0–3: every call edge occurs in one of them.
            Assert.That(scores[0].EdgeErrors.Select(e => (e.Source, e.Target)), Is.EquivalentTo(Synthetic.CallGraph));
            Assert.That(scores[0].EdgeErrors.Select(e => e.Error), Is.All.GreaterThanOrEqualTo(0f));
        });
    }

    [Test]
    public void Score_EdgeFeatureErrors_AreTheEdgeErrorPerFeatureInEdgeOrder()
    {
        using var model = Small();
        var windows = Synthetic.Windows(3, seed: 1);
        var fs = Synthetic.Shape.EdgeFeatures;

        var scores = model.Score(windows, batchSize: 2);

        Assert.Multiple(() =>
        {
            foreach (var score in scores)
            {
                Assert.That(score.EdgeFeatureErrors, Has.Length.EqualTo(score.EdgeErrors.Count * fs));
                Assert.That(score.EdgeFeatureErrors, Is.All.GreaterThanOrEqualTo(0f));
                Assert.That(score.EdgeErrors.Select((e, i) => score.EdgeFeatureErrors.Skip(i * fs).Take(fs).Sum()), Is.EqualTo(score.EdgeErrors.Select(e => e.Error)).Within(1e-4));
            }
        });
    }

    [Test]
    public void Score_BatchSize_DoesNotChangeTheScores()
    {
        using var model = Small();
        var windows = Synthetic.Windows(6, seed: 2);

        var one = model.Score(windows, batchSize: 1);
        var all = model.Score(windows, batchSize: 50);

        Assert.Multiple(() =>
        {
            Assert.That(all.SelectMany(s => s.Probability), Is.EqualTo(one.SelectMany(s => s.Probability)).Within(1e-5));
            Assert.That(all.SelectMany(s => s.ReconstructionError), Is.EqualTo(one.SelectMany(s => s.ReconstructionError)).Within(1e-4));
        });
    }

    [Test]
    public void Score_AWindowBesideAnExtremeWindow_ScoresAsItDoesAlone()
    {
        // An anomaly a thousand times the training range in one window must not change the scores of
        // the other windows of its batch (a batch-wide softmax shift once zeroed their graph attention).
        using var model = Small();
        var windows = Synthetic.Windows(2, seed: 3);
        var extreme = new GraphWindow([.. windows[1].Graphs.Select(g => Synthetic.With(g, x => x * 1000, x => x * 1000))], windows[1].Labels);

        var alone = model.Score([windows[0]]);
        var beside = model.Score([windows[0], extreme]);

        Assert.Multiple(() =>
        {
            Assert.That(beside[0].Probability, Is.EqualTo(alone[0].Probability).Within(1e-5));
            Assert.That(beside[0].ReconstructionError, Is.EqualTo(alone[0].ReconstructionError).Within(1e-4));
            Assert.That(beside[1].ReconstructionError.All(float.IsFinite), Is.True);
        });
    }

    [Test]
    public void Score_WindowsWithoutAnyEdge_Work()
    {
        // A quiet period: the model has trace features but no call happened in any step.
        using var model = Small();
        var graphs = Synthetic.Graphs(6, seed: 4).Select(g => new MstGraph(g.Step, Synthetic.Clock, 5, 5, g.NodeFeatures, g.Mask, [], [], 2, [])).ToList();
        var windows = GraphWindow.Slide(graphs, 4).ToList();

        var scores = model.Score(windows);

        Assert.Multiple(() =>
        {
            Assert.That(scores, Has.Count.EqualTo(3));
            Assert.That(scores.SelectMany(s => s.Probability).All(float.IsFinite), Is.True);
            Assert.That(scores.SelectMany(s => s.EdgeErrors), Is.Empty);
            Assert.That(scores.SelectMany(s => s.EdgeFeatureErrors), Is.Empty);
        });
    }

    [Test]
    public void Score_WindowsOfDifferentNodeCounts_AreBatchedSeparately()
    {
        using var model = Small();
        var windows = Synthetic.Windows(2, seed: 5, nodes: 5).Concat(Synthetic.Windows(2, seed: 6, nodes: 3)).ToList();

        var scores = model.Score(windows);

        Assert.That(scores.Select(s => s.Probability.Length), Is.EqualTo(new[] { 5, 5, 3, 3 }));
    }

    [Test]
    public void Score_SameSeed_GivesIdenticalScores_AndAnotherSeedDoesNot()
    {
        var windows = Synthetic.Windows(4, seed: 7);
        using var a = Small(seed: 11);
        using var b = Small(seed: 11);
        using var c = Small(seed: 12);

        var sa = a.Score(windows);
        var sb = b.Score(windows);
        var sc = c.Score(windows);

        Assert.Multiple(() =>
        {
            Assert.That(sb.SelectMany(s => s.Probability), Is.EqualTo(sa.SelectMany(s => s.Probability)));
            Assert.That(sb.SelectMany(s => s.Errors), Is.EqualTo(sa.SelectMany(s => s.Errors)));
            Assert.That(sc.SelectMany(s => s.Probability), Is.Not.EqualTo(sa.SelectMany(s => s.Probability)));
            Assert.That(a.Score(windows).SelectMany(s => s.Errors), Is.EqualTo(sa.SelectMany(s => s.Errors)), "scoring twice");
        });
    }

    [Test]
    public void Train_SameSeedOneThread_GivesIdenticalLossesAndScores()
    {
        var windows = Synthetic.Windows(8, seed: 8);
        var options = Quick(epochs: 3);
        options.Seed = 5;
        using var a = Small(seed: 1, o => o.Dropout = 0.2);
        using var b = Small(seed: 1, o => o.Dropout = 0.2);

        var ra = a.Train(windows, [], options);
        var rb = b.Train(windows, [], options);

        Assert.Multiple(() =>
        {
            Assert.That(rb.Epochs.Select(e => e.TrainingLoss), Is.EqualTo(ra.Epochs.Select(e => e.TrainingLoss)));
            Assert.That(b.Score(windows).SelectMany(s => s.Probability), Is.EqualTo(a.Score(windows).SelectMany(s => s.Probability)));
        });
    }

    [Test]
    public void Train_AnotherSeed_ShufflesAndDropsOutDifferently()
    {
        var windows = Synthetic.Windows(8, seed: 8);
        using var a = Small(seed: 1, o => o.Dropout = 0.2);
        using var b = Small(seed: 1, o => o.Dropout = 0.2);

        var ra = a.Train(windows, [], new TrainingOptions { MaxEpochs = 2, BatchSize = 4, Seed = 1 });
        var rb = b.Train(windows, [], new TrainingOptions { MaxEpochs = 2, BatchSize = 4, Seed = 2 });

        Assert.That(rb.Epochs.Select(e => e.TrainingLoss), Is.Not.EqualTo(ra.Epochs.Select(e => e.TrainingLoss)));
    }

    [Test]
    public void Train_Report_DescribesEveryEpoch()
    {
        using var model = Small();
        var windows = Synthetic.Windows(8, seed: 9);
        var progress = new List<EpochReport>();

        var report = model.Train(windows, [], new TrainingOptions { MaxEpochs = 5, BatchSize = 3, LearningRate = 0.01, LearningRateStep = 2, LearningRateDecay = 0.5 }, new SyncProgress(progress));

        // Class weight: last-step labels cycle (unknown, normal, normal, abnormal) over t·N + node; N = 5
        // and windows end at steps 3 … 10, so the 40 last-step nodes hold 20 normal and 10 abnormal.
        Assert.Multiple(() =>
        {
            Assert.That(report.Epochs.Select(e => e.Epoch), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
            Assert.That(progress, Is.EqualTo(report.Epochs));
            Assert.That(report.Epochs.Select(e => e.LearningRate), Is.EqualTo(new[] { 0.01, 0.01, 0.005, 0.005, 0.0025 }).Within(1e-12));
            Assert.That(report.Epochs.Select(e => e.ValidationLoss), Is.All.NaN);
            Assert.That(report.Epochs.Select(e => e.TrainingLoss).All(double.IsFinite), Is.True);
            Assert.That(report.BestEpoch, Is.EqualTo(5), "without validation data the last epoch is kept");
            Assert.That(report.StoppedEarly, Is.False);
            Assert.That(report.ClassWeight, Is.EqualTo(2.0));
        });
    }

    [Test]
    public void Train_WithValidation_KeepsTheWeightsOfTheBestEpochAndStopsAfterPatience()
    {
        using var model = Small();
        var training = Synthetic.Windows(8, seed: 10);
        // Validation windows of another distribution, so that the validation loss soon stops improving.
        var validation = Synthetic.Windows(4, seed: 11).Select(w => new GraphWindow([.. w.Graphs.Select(g => Synthetic.With(g, x => 3 * x * x))], w.Labels)).ToList();

        var report = model.Train(training, validation, new TrainingOptions { MaxEpochs = 40, BatchSize = 4, LearningRate = 0.02, Patience = 3 });

        var best = report.Epochs.MinBy(e => e.ValidationLoss)!;
        Assert.Multiple(() =>
        {
            Assert.That(report.BestEpoch, Is.EqualTo(best.Epoch));
            Assert.That(report.Epochs.Where(e => e.IsBest).Last().Epoch, Is.EqualTo(best.Epoch));
            Assert.That(ValidationLoss(model, validation, report.ClassWeight), Is.EqualTo(best.ValidationLoss).Within(1e-5), "the kept weights are the best epoch's");
            Assert.That(report.StoppedEarly, Is.True);
            Assert.That(report.Epochs, Has.Count.EqualTo(report.BestEpoch + 3), "three epochs without improvement, then stop");
            Assert.That(report.BestEpoch, Is.GreaterThan(1));
        });
    }

    /// <summary>L1 + L2 of the model on windows (the trainer's validation criterion), computed here.</summary>
    private static double ValidationLoss(MstgadModel model, IReadOnlyList<GraphWindow> windows, double classWeight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.Network.eval();
        using var batch = WindowBatch.Create(windows, model.Shape, model.Device);
        using var output = model.Network.Forward(batch);
        var (_, l1, l2) = MstgadLoss.Compute(output.ReconstructionError, output.Logits, batch.Labels, batch.NodePresent, 1, 0.01, 1e-6, classWeight);
        return l1.item<float>() + l2.item<float>();
    }

    [Test]
    public void Train_NoTrainingWindows_Throws()
    {
        using var model = Small();

        var e = Assert.Throws<ArgumentException>(() => model.Train([], []));

        Assert.That(e!.Message, Is.EqualTo("There are no training windows. (Parameter 'training')"));
    }

    [Test]
    public void Train_CancelledToken_StopsWithOperationCanceledException()
    {
        using var model = Small();
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() => model.Train(Synthetic.Windows(4, seed: 1), [], Quick(), cancellationToken: cancellation.Token));
    }

    [Test]
    public void ClassWeight_IsNormalOverAbnormalOfPresentLabelledNodes_AndOneWithoutAbnormal()
    {
        var windows = Synthetic.Windows(8, seed: 9);
        var normalOnly = windows.Select(w => new GraphWindow(w.Graphs, [.. w.Labels!.Select(l => l == Labels.Abnormal ? Labels.Normal : l)])).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(MstgadModel.ClassWeight(windows), Is.EqualTo(2.0));
            Assert.That(MstgadModel.ClassWeight(normalOnly), Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Disposed_EveryMemberThrowsObjectDisposedException()
    {
        var model = Small();
        model.Dispose();
        model.Dispose();
        var windows = Synthetic.Windows(1, seed: 1);

        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => model.Score(windows));
            Assert.Throws<ObjectDisposedException>(() => model.Train(windows, []));
            Assert.Throws<ObjectDisposedException>(() => model.Save(new MemoryStream()));
        });
    }

    [Test]
    public void Score_InvalidArguments_Throw()
    {
        using var model = Small();

        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => model.Score(null!));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Score(Synthetic.Windows(1, seed: 1), batchSize: 0));
            Assert.That(model.Score([]), Is.Empty);
        });
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SyncProgress(List<EpochReport> reports) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => reports.Add(value);
    }
}
