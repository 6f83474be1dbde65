using MstGad.Evaluation;

namespace MstGad.Tests.Detection;

[TestFixture]
public sealed class RootCauseRankerTests
{
    private static readonly DateTimeOffset End = new(2024, 3, 4, 10, 1, 0, TimeSpan.Zero);

    [Test]
    public void Rank_SlowCalleeMakesItsCallersSlow_TheCalleeComesFirstWithThePathFromTheFarthestCaller()
    {
        // a → b → c, all flagged; c has no flagged callee and explains b and a. a has the highest score.
        var step = Step([("a", 9.0, true), ("b", 5.0, true), ("c", 2.0, true), ("d", 20.0, false)], [("a", "b"), ("b", "c"), ("c", "d")]);

        var ranking = RootCauseRanker.Rank(step);

        Assert.Multiple(() =>
        {
            Assert.That(ranking.Select(c => c.Instance), Is.EqualTo(new[] { "c", "b", "a" }));
            Assert.That(ranking.Select(c => c.Rank), Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(ranking[0].AffectedCallers, Is.EqualTo(2));
            Assert.That(ranking[0].FlaggedCallees, Is.Zero);
            Assert.That(ranking[0].Path.Take(2), Is.EqualTo(new[] { "a → b", "b → c" }));
            Assert.That(ranking[2].FlaggedCallees, Is.EqualTo(1));
        });
    }

    [Test]
    public void Rank_UnrelatedFlaggedInstances_SinksByScore()
    {
        var step = Step([("x", 1.0, true), ("y", 3.0, true), ("z", 2.0, true)], []);

        Assert.That(RootCauseRanker.Rank(step).Select(c => c.Instance), Is.EqualTo(new[] { "y", "z", "x" }));
    }

    [Test]
    public void Rank_NothingFlagged_IsEmpty() =>
        Assert.That(RootCauseRanker.Rank(Step([("a", 9.0, false)], [])), Is.Empty);

    [Test]
    public void Rank_SelfCallsAndCallsToUnflaggedInstances_DoNotCount()
    {
        var step = Step([("a", 1.0, true), ("b", 2.0, false)], [("a", "a"), ("a", "b")]);

        var ranking = RootCauseRanker.Rank(step);

        Assert.Multiple(() =>
        {
            Assert.That(ranking.Single().Instance, Is.EqualTo("a"));
            Assert.That(ranking[0].FlaggedCallees, Is.Zero);
            Assert.That(ranking[0].AffectedCallers, Is.Zero);
        });
    }

    [Test]
    public void Evaluate_TriggerIsTheFirstFlaggedStepInTheWindow_AndTheRankThere()
    {
        var faultStart = End.AddMinutes(1);
        var events = new[]
        {
            new FaultEvent("c", faultStart, faultStart.AddMinutes(3)),
            new FaultEvent("q", faultStart.AddHours(1), faultStart.AddHours(1).AddMinutes(3)),
        };
        var steps = new[]
        {
            Step([("a", 9.0, true)], [], End),                                                   // before the window − 60 s: not the trigger
            Step([("a", 9.0, true), ("c", 1.0, true)], [("a", "c")], faultStart.AddMinutes(1)), // the trigger: c is rank 1
            Step([("a", 9.0, true)], [], faultStart.AddMinutes(2)),
        };

        var metrics = RootCauseMetrics.Evaluate(steps, events, TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Faults, Is.EqualTo(2));
            Assert.That(metrics.Triggered, Is.EqualTo(1));
            Assert.That(metrics.AccuracyAt1, Is.EqualTo(0.5));
            Assert.That(metrics.AccuracyAt3, Is.EqualTo(0.5));
            Assert.That(metrics.Outcomes[0].Trigger, Is.EqualTo(faultStart.AddMinutes(1)));
            Assert.That(metrics.Outcomes[0].Rank, Is.EqualTo(1));
            Assert.That(metrics.Outcomes[1].Trigger, Is.Null);
        });
    }

    private static StepVerdicts Step((string Instance, double Score, bool Abnormal)[] verdicts, (string, string)[] calls, DateTimeOffset? end = null)
    {
        var time = end ?? End;
        var empty = new Evidence([], [], []);
        return new StepVerdicts(
            0,
            time.AddMinutes(-1),
            time,
            true,
            [.. verdicts.Select(v => new InstanceVerdict(v.Instance, time, v.Score, v.Abnormal, empty) { AnomalyScore = v.Score })],
            calls);
    }
}
