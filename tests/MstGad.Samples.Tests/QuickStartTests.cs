using MstGad.Samples.QuickStart;

namespace MstGad.Samples.Tests;

[TestFixture]
[NonParallelizable]
public sealed class QuickStartTests
{
    [Test]
    public async Task RunAsync_ShortTraining_RunsToCompletionAndReportsEveryFault()
    {
        using var output = new StringWriter();

        var verdicts = await QuickStart.QuickStart.RunAsync(output, trainingHours: 1, epochs: 2);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Does.StartWith("Trained 2 epochs on "));
            Assert.That(lines.Count(l => l.Contains(": flagged at", StringComparison.Ordinal) || l.EndsWith(": missed", StringComparison.Ordinal)), Is.EqualTo(4), "one line per fault");
            Assert.That(lines[^1], Does.EndWith(" verdicts abnormal."));
            Assert.That(verdicts, Is.Not.Empty);
            Assert.That(verdicts.Select(v => v.Instance).Distinct().Count(), Is.EqualTo(8));
        });
    }
}
