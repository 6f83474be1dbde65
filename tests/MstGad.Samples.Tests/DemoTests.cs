using System.Text.RegularExpressions;
using MstGad.Cli;

namespace MstGad.Samples.Tests;

[TestFixture]
[NonParallelizable]
public sealed partial class DemoTests
{
    [Test]
    public async Task RunAsync_ShortSettings_PrintsTheEvaluationAndEndsWithTheSummaryLine()
    {
        using var output = new StringWriter();
        using var progress = new StringWriter();
        var settings = new DemoSettings { TrainingHours = 1, TestHours = 0.5, Epochs = 2 };

        var outcome = await DemoCommand.RunAsync(settings, output, progress);

        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Multiple(() =>
        {
            Assert.That(lines[^1], Does.Match(SummaryLine()));
            Assert.That(lines[^1], Is.EqualTo(outcome.Line));
            Assert.That(output.ToString(), Does.Contain("  point-wise:  precision "));
            Assert.That(output.ToString(), Does.Contain("  event-level: recall "));
            Assert.That(lines.Count(l => FaultLine().IsMatch(l)), Is.EqualTo(3), "three faults of the half-hour test period");
            Assert.That(outcome.EventRecall, Is.InRange(0.0, 1.0));
            Assert.That(progress.ToString(), Does.Contain("epoch 2/2"));
        });
    }

    [Test]
    public void RunAsync_AnImpossiblePeriod_ThrowsAClearError()
    {
        using var output = new StringWriter();

        var ex = Assert.ThrowsAsync<ArgumentException>(() => DemoCommand.RunAsync(new DemoSettings { TrainingHours = 0 }, output, TextWriter.Null));

        Assert.That(ex!.Message, Is.EqualTo("Simulated periods must last more than 0 and at most 48 hours; one lasts 0 h."));
    }

    [GeneratedRegex(@"^  \d\d:\d\d:\d\d  \w+ +ts-[\w-]+ +(detected after \d+ s|missed)$")]
    private static partial Regex FaultLine();

    [GeneratedRegex(@"^event recall \d\.\d\d, point F1 \d\.\d\d, false alarms per hour \d+\.\d\d$")]
    private static partial Regex SummaryLine();
}
