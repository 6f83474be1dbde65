using System.Text.Json;
using MstGad.Cli.Tests.Support;

namespace MstGad.Cli.Tests;

/// <summary><c>mstgad baseline</c>: the robust z-score method through the facade, on the real TrainTicket day.</summary>
[TestFixture]
public sealed class BaselineCommandTests
{
    [Test]
    public async Task Baseline_SplitByFaults_ReportsTheFiguresOfDocsEvaluation()
    {
        var run = await CommandRun.InvokeAsync(BaselineCommand.Create(),
            "--data", SharedData.PathOf("nezha-trainticket"), "--interval", "1m", "--split-by", "faults", "--train-fraction", "0.6", "--validation-fraction", "0.1", "--json");

        using var report = JsonDocument.Parse(run.Output);
        var root = report.RootElement;
        var events = root.GetProperty("Event");
        Assert.Multiple(() =>
        {
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Error);
            Assert.That(root.GetProperty("From").GetString(), Is.EqualTo("2023-01-29T11:19:00+00:00"), "from k − 1 steps after the validation part");
            Assert.That(root.GetProperty("Instances").GetInt32(), Is.EqualTo(47));
            Assert.That(events.GetProperty("Events").GetInt32(), Is.EqualTo(7));
            Assert.That(events.GetProperty("Detected").GetInt32(), Is.EqualTo(2), "the row of docs/evaluation.md");
            Assert.That(root.GetProperty("Threshold").GetDouble(), Is.EqualTo(4660.709).Within(0.01), "best F1 on the validation split");
            Assert.That(root.GetProperty("Scores").GetProperty("ProbabilityRocAuc").GetString(), Is.EqualTo("NaN"), "no classifier");
        });
    }
}
