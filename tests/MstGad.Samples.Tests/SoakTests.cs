using MstGad.Cli;

namespace MstGad.Samples.Tests;

[TestFixture]
[NonParallelizable]
public sealed class SoakTests
{
    [Test]
    public async Task RunAsync_TenInstancesForTwoHours_AccountsForEveryRecordAndEmitsVerdicts()
    {
        using var output = new StringWriter();
        var settings = new SoakSettings { Services = 5, Replicas = 2, Hours = 2, TrainingHours = 1, Epochs = 1, CheckpointAtHour = 1 };

        var result = await SoakCommand.RunAsync(settings, output, TextWriter.Null);

        var a = result.Accounting;
        Assert.Multiple(() =>
        {
            Assert.That(result.Instances, Is.EqualTo(10));
            Assert.That(a.Metrics, Is.EqualTo(a.MetricsUsed + a.MetricsNotUsed));
            Assert.That(a.Logs, Is.EqualTo(a.LogsUsed + a.LogsNotUsed));
            Assert.That(a.Spans, Is.EqualTo(a.SpansUsed + a.SpansNotUsed));
            Assert.That(a.PushResultsUsed, Is.EqualTo(a.MetricsUsed + a.LogsUsed + a.SpansUsed));
            Assert.That(a.Balanced, Is.True);
            Assert.That(result.Records, Is.EqualTo(a.Metrics + a.Logs + a.Spans));

            // Every live instance reports its 8 metrics once a minute.
            Assert.That(a.Metrics, Is.InRange(9_000, 9_600), "at most 10 × 8 × 120: a crashed instance reports none");
            Assert.That(a.Logs, Is.GreaterThan(0));
            Assert.That(a.Spans, Is.GreaterThan(0));

            // 120 one-minute steps; the first k − 1 = 4 of the stream end no full window.
            Assert.That(result.StepsClosed, Is.EqualTo(120));
            Assert.That(result.StepsScored, Is.EqualTo(116));
            // 10 pods in every scored step, and 11 verdicts of a node named after the service of a crashed pod (peer.service
            // of the callers' client spans that found no callee span).
            Assert.That(result.Verdicts, Is.EqualTo((116 * 10) + 11));
            Assert.That(result.Checkpoint, Is.Not.Null);
            Assert.That(result.Checkpoint!.Bytes, Is.GreaterThan(0));
            Assert.That(result.Memory.Select(m => m.Hour), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(result.Final.OpenSteps, Is.Zero);
            Assert.That(output.ToString(), Does.Contain("nothing lost"));
        });
    }

    [Test]
    public void Slope_AStraightLine_IsItsGradient()
    {
        var samples = Enumerable.Range(1, 5).Select(h => new SoakMemorySample(h, h, h, 10 + (2.5 * h), 100, 0, 0, 0)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(SoakCommand.Slope(samples, s => s.GcHeapMb), Is.EqualTo(2.5).Within(1e-12));
            Assert.That(SoakCommand.Slope(samples, s => s.WorkingSetMb), Is.Zero.Within(1e-12));
        });
    }
}
