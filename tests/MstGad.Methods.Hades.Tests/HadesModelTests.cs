using MstGad.Methods.Hades;

namespace MstGad.Methods.Hades.Tests;

[TestFixture]
public sealed class HadesModelTests
{
    private static HadesShape Shape => new([[0, 1], [2]], WordDimension: 4, Width: 16, Heads: 2, Steps: 4, Dropout: 0.1, TemplateLength: 2);

    private static HadesTraining Training => new(Phase1Epochs: 40, Phase2Epochs: 10, BatchSize: 16, LearningRate: 3e-3, Patience: 8, PseudoLabelConfidence: 0.92, PseudoLabelWeight: 0.5, Seed: 7);

    /// <summary>Three templates' vectors: two ordinary ones and the error template.</summary>
    private static readonly float[] Embeddings = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1];

    [Test]
    public void Train_SeparableFaults_ClassifiesNewSamplesAndPseudoLabelsTheSureOnes()
    {
        using var model = new HadesModel(Shape, Embeddings, seed: 3);
        var random = new Random(1);

        var fit = model.Train([.. Samples(random, 60, labelled: true), .. Samples(random, 40, labelled: false)], Samples(random, 30, labelled: true), Training);
        var test = Samples(random, 100, labelled: true);
        var p = model.Predict(test);

        var correct = test.Select((s, i) => (p[i] >= 0.5 ? 1 : 0) == s.Label).Count(c => c);
        Assert.Multiple(() =>
        {
            Assert.That(correct, Is.GreaterThanOrEqualTo(95), "of 100 new samples");
            Assert.That(fit.Phase1Epochs, Is.GreaterThan(0));
            Assert.That(fit.PseudoLabels, Is.GreaterThan(20), "most of the 40 unlabelled samples are easy");
            Assert.That(fit.Phase2Epochs, Is.GreaterThan(0));
            Assert.That(fit.BestValidationLoss, Is.LessThan(0.3));
        });
    }

    [Test]
    public void Train_SameSeed_GivesTheSameBits()
    {
        float[] Run()
        {
            using var model = new HadesModel(Shape, Embeddings, seed: 5);
            var random = new Random(2);
            model.Train([.. Samples(random, 30, labelled: true), .. Samples(random, 10, labelled: false)], Samples(random, 10, labelled: true), Training with { Phase1Epochs = 3, Phase2Epochs = 2 });
            return model.Predict(Samples(new Random(9), 20, labelled: true));
        }

        var first = Run();
        var second = Run();

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void TrainAndPredict_Again_LeaveNoTensorsBehind()
    {
        using var model = new HadesModel(Shape, Embeddings, seed: 5);
        var random = new Random(4);
        var (training, validation) = (Samples(random, 30, labelled: true).Concat(Samples(random, 10, labelled: false)).ToList(), Samples(random, 10, labelled: true));
        var short_ = Training with { Phase1Epochs = 2, Phase2Epochs = 1 };
        model.Train(training, validation, short_);
        model.Predict(validation);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = (TorchSharp.torch.Tensor.TotalCount, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        model.Train(training, validation, short_);
        model.Predict(validation);

        Assert.That((TorchSharp.torch.Tensor.TotalCount, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount), Is.EqualTo(before));
    }

    /// <summary>
    /// Samples of 4 steps, 3 metrics and 2 templates per step; a quarter abnormal: in its last step metric 0 jumps to 3
    /// and the error template (2) is logged. Unlabelled samples have label −1.
    /// </summary>
    private static List<HadesSample> Samples(Random random, int count, bool labelled)
    {
        var samples = new List<HadesSample>();
        for (var i = 0; i < count; i++)
        {
            var abnormal = i % 4 == 0;
            var metrics = new float[4 * 3];
            for (var j = 0; j < metrics.Length; j++)
            {
                metrics[j] = (float)(random.NextDouble() * 0.6) - 0.3f;
            }

            int[] templates = [0, 1, 1, -1, 0, -1, random.Next(2), -1];
            if (abnormal)
            {
                metrics[3 * 3] += 3;
                templates[6] = 2;
            }

            samples.Add(new HadesSample(i, 0, metrics, templates, labelled ? (sbyte)(abnormal ? 1 : 0) : (sbyte)-1));
        }

        return samples;
    }
}
