namespace MstGad.Scoring;

/// <summary>
/// The recent scores of every instance, so that a decision can ask for persistence: an instance is flagged only
/// when its score has been above the threshold in each of its last k steps (<see cref="UnsupervisedOptions.PersistenceSteps"/>).
/// Keeps the last k − 1 steps before the current one; a step in which the instance has no score counts as a score of 0
/// (nothing unusual), so that it breaks persistence for any positive threshold.
/// </summary>
internal sealed class ScoreHistory
{
    private readonly SortedDictionary<long, Dictionary<string, (double Anomaly, double Probability)>> _steps = [];

    public ScoreHistory(int length) => Length = Math.Max(1, length);

    /// <summary>k: how many consecutive steps a score must persist.</summary>
    public int Length { get; }

    /// <summary>The retained steps, oldest first (for checkpoints).</summary>
    public IEnumerable<(long Step, IReadOnlyDictionary<string, (double Anomaly, double Probability)> Scores)> Steps =>
        _steps.Select(p => (p.Key, (IReadOnlyDictionary<string, (double, double)>)p.Value));

    /// <summary>Records an instance's scores at a step and forgets steps older than k − 1 before it.</summary>
    public void Add(long step, string key, double anomaly, double probability)
    {
        if (!_steps.TryGetValue(step, out var scores))
        {
            scores = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
            _steps.Add(step, scores);
            var oldest = step - Length + 1;
            while (_steps.Count > 0 && _steps.Keys.First() < oldest)
            {
                _steps.Remove(_steps.Keys.First());
            }
        }

        scores[key] = (anomaly, probability);
    }

    /// <summary>The smallest of the instance's scores over the steps <c>step − k + 1 … step</c>, a missing one counting as 0.</summary>
    public (double Anomaly, double Probability) Persistent(long step, string key)
    {
        var anomaly = double.PositiveInfinity;
        var probability = double.PositiveInfinity;
        for (var s = step - Length + 1; s <= step; s++)
        {
            var value = _steps.TryGetValue(s, out var scores) && scores.TryGetValue(key, out var found) ? found : (0, 0);
            anomaly = Math.Min(anomaly, double.IsNaN(value.Anomaly) ? 0 : value.Anomaly);
            probability = Math.Min(probability, double.IsNaN(value.Probability) ? 0 : value.Probability);
        }

        return (anomaly, probability);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_steps.Count);
        foreach (var (step, scores) in _steps)
        {
            writer.Write(step);
            writer.Write(scores.Count);
            foreach (var (key, (anomaly, probability)) in scores.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.Write(key);
                writer.Write(anomaly);
                writer.Write(probability);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        _steps.Clear();
        for (var count = reader.ReadInt32(); count > 0; count--)
        {
            var step = reader.ReadInt64();
            for (var n = reader.ReadInt32(); n > 0; n--)
            {
                var key = reader.ReadString();
                Add(step, key, reader.ReadDouble(), reader.ReadDouble());
            }
        }
    }
}
