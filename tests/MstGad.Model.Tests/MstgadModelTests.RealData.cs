using System.Diagnostics;
using System.Globalization;
using MstGad.Graph;
using MstGad.Model.Tests.Support;

namespace MstGad.Model.Tests;

public sealed partial class MstgadModelTests
{
    [Test]
    public async Task Train_TinyRealBatch_OverfitsAndSeparatesTheLabelledNodes()
    {
        // Two minutes of Nezha TrainTicket during fault F01 (ts-contacts-service returns errors from
        // 08:43:04; its ERROR logs start 08:43:17): 10 s steps 08:43:20–08:45:20, windows of 5 steps.
        var watch = Stopwatch.StartNew();
        var from = new DateTimeOffset(2023, 1, 29, 8, 43, 20, TimeSpan.Zero);
        var slice = await NezhaSlice.LoadAsync(from, from.AddSeconds(120), TimeSpan.FromSeconds(10), k: 5);
        var windows = slice.Windows;
        var read = watch.Elapsed;
        using var model = new MstgadModel(Synthetic.SmallOptions(o => { o.MetricDimension = 16; o.LogDimension = 16; o.TraceDimension = 8; }), slice.Shape, seed: 42);

        watch.Restart();
        var report = model.Train(windows, [], new TrainingOptions { MaxEpochs = 60, LearningRate = 1e-2, Patience = 1000, BatchSize = 8 });
        var scores = model.Score(windows);

        var abnormal = new List<(string Node, float P)>();
        var normal = new List<float>();
        for (var w = 0; w < windows.Count; w++)
        {
            for (var n = 0; n < windows[w].NodeCount; n++)
            {
                if (!scores[w].Present[n])
                {
                    continue;
                }

                switch (windows[w].LastLabel(n))
                {
                    case Labels.Abnormal:
                        abnormal.Add((slice.Registry.KeyOf(n), scores[w].Probability[n]));
                        break;
                    case Labels.Normal:
                        normal.Add(scores[w].Probability[n]);
                        break;
                }
            }
        }

        var losses = report.Epochs.Select(e => e.TrainingLoss).ToList();
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"read {read.TotalSeconds:F1} s, trained {watch.Elapsed.TotalSeconds:F1} s; N = {slice.Registry.Count}, {slice.Shape}; " +
            $"loss {losses[0]:G3} → {losses[^1]:G3}; abnormal P ≥ {abnormal.Min(a => a.P):F3}, normal P ≤ {normal.Max():F3}"));
        Assert.Multiple(() =>
        {
            Assert.That(windows, Has.Count.EqualTo(8));
            Assert.That(abnormal.Select(a => a.Node), Is.EqualTo(Enumerable.Repeat("ts-contacts-service", 8)), "one abnormal node per window");
            Assert.That(normal, Has.Count.GreaterThan(300));
            Assert.That(report.Epochs, Has.Count.EqualTo(60));
            Assert.That(losses[^1], Is.LessThan(0.2 * losses[0]));
            Assert.That(abnormal.Select(a => a.P), Is.All.GreaterThan(0.5f));
            Assert.That(normal, Is.All.LessThan(0.5f));
        });
    }
}
