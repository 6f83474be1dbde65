using MstGad.Features;
using MstGad.Samples.Streaming;
using MstGad.Tests.Detection;
using static MstGad.Tests.Online.OnlineTesting;

namespace MstGad.Tests.Online;

[NonParallelizable]
public sealed class StreamingSampleTests
{
    [Test]
    public async Task RunAsync_ThreeProducersAndARestart_GiveTheVerdictsOfBatchDetection()
    {
        using var detector = TrainTiny();
        var records = TinySystem.Records(60);
        var feed = new TelemetryFeed(
            [.. records.OfType<MetricSample>().OrderBy(m => m.Time)],
            [.. records.OfType<LogRecord>().OrderBy(l => l.Time)],
            [.. records.OfType<Span>().OrderBy(s => s.End)]);
        var checkpoint = Path.Combine(Path.GetTempPath(), $"mstgad-sample-{Guid.NewGuid():N}.checkpoint");
        using var output = new StringWriter();
        try
        {
            var summary = await StreamingSample.RunAsync(
                detector,
                feed,
                new StreamingSampleOptions { Lateness = TimeSpan.FromSeconds(60), Slice = TimeSpan.FromSeconds(10), CheckpointPath = checkpoint },
                output);

            var text = output.ToString();
            Assert.Multiple(() =>
            {
                Assert.That(summary.Restarted, Is.True);
                Assert.That(text, Does.Contain("restart at 2024-01-01T00:05:"));
                Assert.That(summary.Steps.Select(s => s.Step), Is.Ordered.And.Unique);
                Assert.That(summary.Steps, Has.Count.EqualTo(60));
                Assert.That(summary.Steps.SelectMany(s => s.Verdicts).Select(Row), Is.EqualTo(Batch(detector, records)));
                Assert.That(summary.Report.StepsClosed, Is.EqualTo(60));
                Assert.That(summary.Report.Aggregation.MetricsUsed + summary.Report.Aggregation.LogsUsed + summary.Report.Aggregation.SpansUsed, Is.EqualTo(records.Count));
                Assert.That(summary.Incidents, Is.Not.Empty);
                Assert.That(text, Does.Contain("incident 1 (group 1) opened"));
                Assert.That(text, Does.Contain("60 steps, 174 verdicts"));
            });
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }
}
