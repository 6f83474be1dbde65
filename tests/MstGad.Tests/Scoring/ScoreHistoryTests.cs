using MstGad.Scoring;

namespace MstGad.Tests.Scoring;

[TestFixture]
public sealed class ScoreHistoryTests
{
    [Test]
    public void Persistent_PerModality_IsTheSmallestOfItsLastKScores()
    {
        // Metrics over 3 steps; logs, traces and the probability over 1.
        var history = new ScoreHistory(3, 1);
        history.Add(10, "a", [5, 9, 1], 0.9);
        history.Add(11, "a", [7, 1, 8], 0.2);
        history.Add(12, "a", [6, 2, 3], 0.8);

        Assert.That(history.Persistent(12, "a"), Is.EqualTo(new ScoreHistory.Entry(5, 2, 3, 0.8)));
    }

    [Test]
    public void Persistent_AMissingStepInstanceOrModality_CountsAsZero()
    {
        var history = new ScoreHistory(2, 2);
        history.Add(10, "a", [5, 5, 5], 0.9);
        history.Add(12, "a", [6, 6, 6], 0.8);
        history.Add(11, "b", [6, double.NaN, 6], 0.8);
        history.Add(12, "b", [6, 6, 6], 0.8);

        Assert.Multiple(() =>
        {
            Assert.That(history.Persistent(12, "a"), Is.EqualTo(new ScoreHistory.Entry(0, 0, 0, 0)));
            Assert.That(history.Persistent(12, "b"), Is.EqualTo(new ScoreHistory.Entry(6, 0, 6, 0.8)));
            Assert.That(history.Persistent(12, "c"), Is.EqualTo(new ScoreHistory.Entry(0, 0, 0, 0)));
        });
    }

    [Test]
    public void Add_KeepsOnlyTheStepsTheLongestPersistenceNeeds()
    {
        var history = new ScoreHistory(2, 1);
        for (var step = 0; step < 10; step++)
        {
            history.Add(step, "a", [step, step, step], 0);
        }

        Assert.Multiple(() =>
        {
            Assert.That(history.Length, Is.EqualTo(2));
            Assert.That(history.Steps.Select(s => s.Step), Is.EqualTo(new long[] { 8, 9 }));
            Assert.That(history.Persistent(9, "a"), Is.EqualTo(new ScoreHistory.Entry(8, 9, 9, 0)));
        });
    }

    [Test]
    public void WriteThenRead_RestoresEveryScore()
    {
        var history = new ScoreHistory(3, 1);
        history.Add(1, "b", [2, double.NaN, 1], 0.1);
        history.Add(2, "a", [double.NaN, 3, 2], 0.3);
        history.Add(3, "a", [4, 4, 4], 0.4);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            history.Write(writer);
        }

        buffer.Position = 0;
        var restored = new ScoreHistory(3, 1);
        using (var reader = new BinaryReader(buffer))
        {
            restored.Read(reader);
        }

        Assert.That(
            restored.Steps.SelectMany(s => s.Scores.Select(p => (s.Step, p.Key, p.Value))),
            Is.EqualTo(history.Steps.SelectMany(s => s.Scores.Select(p => (s.Step, p.Key, p.Value)))));
    }
}
