using MstGad.Evaluation;
using MstGad.Features;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class EvaluateCommandTests
{
    private static readonly DateTimeOffset Eleven = new(2023, 1, 29, 11, 0, 0, TimeSpan.Zero);
    private static readonly Evidence NoEvidence = new([], [], []);

    [Test]
    public void Redecide_AThreshold_FlagsExactlyTheScoresAtOrAboveIt()
    {
        var verdicts = new List<InstanceVerdict>
        {
            Verdict("a", 1, 0.4, false),
            Verdict("a", 2, 0.5, false),
            Verdict("a", 3, 0.995, true),
        };

        var redecided = EvaluateCommand.Redecide(verdicts, 0.5);

        Assert.Multiple(() =>
        {
            Assert.That(redecided.Select(v => v.IsAbnormal), Is.EqualTo(new[] { false, true, true }));
            Assert.That(redecided.Select(v => (v.Instance, v.Time, v.Score)), Is.EqualTo(verdicts.Select(v => (v.Instance, v.Time, v.Score))));
            Assert.That(EvaluateCommand.Redecide(verdicts, null), Is.SameAs(verdicts));
        });
    }

    [Test]
    public void PlotData_ReconstructionRule_PlotsRePerInstanceWithItsFaultsInRange()
    {
        // Two instances, verdicts out of order; faults: one on ts-order-service inside the range, one
        // on it long before, one on an instance without verdicts.
        var verdicts = new List<InstanceVerdict>
        {
            Verdict("ts-order-service", 3, 40.0, true),
            Verdict("ts-auth-service", 1, 5.0, false),
            Verdict("ts-order-service", 1, 6.0, false),
            Verdict("ts-order-service", 2, 7.0, false),
            Verdict("ts-auth-service", 2, 5.5, false),
            Verdict("ts-auth-service", 3, 4.5, false),
        };
        var events = new[]
        {
            new FaultEvent("ts-order-service", Eleven.AddMinutes(2), Eleven.AddMinutes(5)),
            new FaultEvent("ts-order-service", Eleven.AddHours(-2), Eleven.AddHours(-1)),
            new FaultEvent("ts-food-service", Eleven.AddMinutes(1), Eleven.AddMinutes(2)),
        };

        var data = EvaluateCommand.PlotData(verdicts, events, Report(), DecisionRule.ReconstructionThreshold, TimeSpan.FromMinutes(1), "title");

        var order = data.Series.Single(s => s.Instance == "ts-order-service");
        var auth = data.Series.Single(s => s.Instance == "ts-auth-service");
        Assert.Multiple(() =>
        {
            Assert.That(data.ScoreName, Is.EqualTo("RE"));
            Assert.That(data.Scale, Is.EqualTo(ScoreScale.Logarithmic));
            Assert.That(data.Threshold, Is.EqualTo(24.88));
            Assert.That((data.From, data.To), Is.EqualTo((Eleven, Eleven.AddMinutes(3))));
            Assert.That(data.Series, Has.Count.EqualTo(2));
            Assert.That(order.Times, Is.EqualTo(new[] { Eleven.AddMinutes(1), Eleven.AddMinutes(2), Eleven.AddMinutes(3) }));
            Assert.That(order.Scores, Is.EqualTo(new[] { 6.0, 7.0, 40.0 }));
            Assert.That(order.Flagged, Is.EqualTo(new[] { false, false, true }));
            Assert.That(order.Faults, Is.EqualTo(new[] { new FaultWindow(Eleven.AddMinutes(2), Eleven.AddMinutes(5)) }));
            Assert.That(auth.Faults, Is.Empty);
            Assert.That(data.Notes, Is.EqualTo(new[]
            {
                "2023-01-29 11:00 – 11:03 UTC: 3 steps of 1 min × 2 instances, 1 labelled abnormal points.  Score: reconstruction error RE (log scale); decision: best-F1 threshold of RE on validation, RE ≥ 24.88.",
                "Point-wise: precision 1.000, recall 1.000, F1 1.000, ROC-AUC 1.000, AP 1.000.   Events: 1 of 1 detected, mean time to detect 60 s, 0 false alarms (0.00/h).",
            }));
        });
    }

    [TestCase(DecisionRule.Classifier, "P", false)]
    [TestCase(DecisionRule.CalibratedClassifier, "P", false)]
    [TestCase(DecisionRule.ValidationThreshold, "P", false)]
    [TestCase(DecisionRule.ReconstructionThreshold, "RE", true)]
    [TestCase(DecisionRule.ExtremeValue, "RE", true)]
    public void PlotData_DecisionRule_PlotsTheScoreTheRuleDecidesOn(DecisionRule rule, string name, bool logarithmic)
    {
        var data = EvaluateCommand.PlotData([Verdict("a", 1, 0.2, false)], [], Report(), rule, TimeSpan.FromMinutes(1), "title");

        Assert.That((data.ScoreName, data.Scale), Is.EqualTo((name, logarithmic ? ScoreScale.Logarithmic : ScoreScale.Probability)));
    }

    [Test]
    public async Task Evaluate_PlotInAMissingFolder_FailsBeforeLoadingAnything()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mstgad-no-such-folder-" + Guid.NewGuid().ToString("N"));
        var plot = Path.Combine(missing, "eval.png");
        var command = EvaluateCommand.Create();
        using var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exitCode;
        try
        {
            exitCode = await command.Parse(["--model", "no-such.mstgad", "--data", "no-such-folder", "--plot", plot]).InvokeAsync();
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(error.ToString(), Is.EqualTo($"error: Cannot write the plot to '{plot}': the folder '{missing}' does not exist.{Environment.NewLine}"));
        });
    }

    [Test]
    public async Task Evaluate_MissingModelFile_PrintsOneErrorLine()
    {
        using var dir = new TempDirectory();
        var model = dir.File("no-such.mstgad");

        var run = await Support.CommandRun.InvokeAsync(EvaluateCommand.Create(), "--model", model, "--data", dir.Path);

        Assert.That((run.ExitCode, run.Error), Is.EqualTo((1, $"error: the model file does not exist: {model}; check --model, or train one with mstgad train --out{Environment.NewLine}")));
    }

    [Test]
    public void Evaluate_NoVerdicts_SaysToUseAll()
    {
        var clock = new StepClock(TimeSpan.FromMinutes(1));

        Assert.That(() => EvaluateCommand.Evaluate([], [], InstanceKey.Identity, clock, TimeSpan.FromSeconds(60), 0.5), Throws.InstanceOf<CliException>()
            .With.Message.EqualTo("nothing to evaluate: no step of the data ends a full window after the training part")
            .And.Property(nameof(CliException.WhatToDo)).EqualTo("use --all to evaluate every step, or give --data a longer period"));
    }

    private static InstanceVerdict Verdict(string instance, int minute, double score, bool abnormal) =>
        new(instance, Eleven.AddMinutes(minute), score, abnormal, NoEvidence) { Details = new Dictionary<string, double> { [VerdictDetails.Probability] = 0.5, [VerdictDetails.Error] = score } };

    private static EvaluationReport Report() => new(
        Eleven,
        Eleven.AddMinutes(3),
        3,
        2,
        1,
        24.88,
        new PointFigures(1, 1, 1, 1, 1),
        new EventFigures(1, 1, 1, 60, 0, 0),
        1);
}
