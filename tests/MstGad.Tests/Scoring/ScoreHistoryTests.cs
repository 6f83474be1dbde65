using MstGad.Scoring;

namespace MstGad.Tests.Scoring;

[TestFixture]
public sealed class ScoreHistoryTests
{
    [Test]
    public void Persistent_ThreeConsecutiveSteps_IsTheSmallestOfThem()
    {
        var history = new ScoreHistory(3);
        history.Add(10, "a", 5, 0.9);
        history.Add(11, "a", 7, 0.2);
        history.Add(12, "a", 6, 0.8);

        Assert.That(history.Persistent(12, "a"), Is.EqualTo((5.0, 0.2)));
    }

    [Test]
    public void Persistent_AMissingStepOrInstance_CountsAsZero()
    {
        var history = new ScoreHistory(3);
        history.Add(10, "a", 5, 0.9);
        history.Add(12, "a", 6, 0.8);
        history.Add(11, "b", 6, 0.8);
        history.Add(12, "b", 6, 0.8);

        Assert.Multiple(() =>
        {
            Assert.That(history.Persistent(12, "a"), Is.EqualTo((0.0, 0.0)));
            Assert.That(history.Persistent(12, "b"), Is.EqualTo((0.0, 0.0)));
            Assert.That(history.Persistent(12, "c"), Is.EqualTo((0.0, 0.0)));
        });
    }

    [Test]
    public void Add_KeepsOnlyTheLastSteps()
    {
        var history = new ScoreHistory(2);
        for (var step = 0; step < 10; step++)
        {
            history.Add(step, "a", step, 0);
        }

        Assert.Multiple(() =>
        {
            Assert.That(history.Steps.Select(s => s.Step), Is.EqualTo(new long[] { 8, 9 }));
            Assert.That(history.Persistent(9, "a").Anomaly, Is.EqualTo(8));
        });
    }

    [Test]
    public void Length_One_IsTheScoreItself()
    {
        var history = new ScoreHistory(1);
        history.Add(4, "a", 3, 0.5);

        Assert.That(history.Persistent(4, "a"), Is.EqualTo((3.0, 0.5)));
    }

    [Test]
    public void WriteThenRead_RestoresEveryScore()
    {
        var history = new ScoreHistory(3);
        history.Add(1, "b", 2, 0.1);
        history.Add(2, "a", double.NaN, 0.3);
        history.Add(3, "a", 4, 0.4);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            history.Write(writer);
        }

        buffer.Position = 0;
        var restored = new ScoreHistory(3);
        using (var reader = new BinaryReader(buffer))
        {
            restored.Read(reader);
        }

        Assert.That(
            restored.Steps.SelectMany(s => s.Scores.Select(p => (s.Step, p.Key, p.Value))),
            Is.EqualTo(history.Steps.SelectMany(s => s.Scores.Select(p => (s.Step, p.Key, p.Value)))));
    }
}
