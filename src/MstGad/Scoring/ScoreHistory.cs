namespace MstGad.Scoring;

/// <summary>
/// The recent scores of every instance, so that a decision can ask for persistence: a modality's score counts only as
/// far as it has stayed up over the modality's last k steps (<see cref="UnsupervisedOptions.PersistenceSteps"/> for
/// metrics and the classifier, <see cref="UnsupervisedOptions.EventPersistenceSteps"/> for logs and traces). Keeps the
/// last steps before the current one; a step in which the instance or the modality has no score counts as a score of 0
/// (nothing unusual), so that it breaks persistence for any positive threshold.
/// </summary>
internal sealed class ScoreHistory
{
    private readonly SortedDictionary<long, Dictionary<string, Entry>> _steps = [];
    private readonly int[] _lengths;

    /// <summary>Creates a history.</summary>
    /// <param name="metricSteps">k of the metrics and of the classifier.</param>
    /// <param name="eventSteps">k of the logs and the traces.</param>
    public ScoreHistory(int metricSteps, int eventSteps)
    {
        MetricSteps = Math.Max(1, metricSteps);
        EventSteps = Math.Max(1, eventSteps);
        _lengths = [MetricSteps, EventSteps, EventSteps];
        Length = Math.Max(MetricSteps, EventSteps);
    }

    /// <summary>k of the metrics and of the classifier.</summary>
    public int MetricSteps { get; }

    /// <summary>k of the logs and the traces.</summary>
    public int EventSteps { get; }

    /// <summary>How many steps are kept (the larger k).</summary>
    public int Length { get; }

    /// <summary>The retained steps, oldest first (for checkpoints and tests).</summary>
    public IEnumerable<(long Step, IReadOnlyDictionary<string, Entry> Scores)> Steps =>
        _steps.Select(p => (p.Key, (IReadOnlyDictionary<string, Entry>)p.Value));

    /// <summary>Records an instance's per-modality anomaly scores (NaN where absent) and probability at a step, and forgets steps
    /// older than the longest k before it.</summary>
    public void Add(long step, string key, ReadOnlySpan<double> modalities, double probability)
    {
        if (!_steps.TryGetValue(step, out var scores))
        {
            scores = new Dictionary<string, Entry>(StringComparer.Ordinal);
            _steps.Add(step, scores);
            var oldest = step - Length + 1;
            while (_steps.Count > 0 && _steps.Keys.First() < oldest)
            {
                _steps.Remove(_steps.Keys.First());
            }
        }

        scores[key] = new Entry(modalities.Length > 0 ? modalities[0] : double.NaN, modalities.Length > 1 ? modalities[1] : double.NaN, modalities.Length > 2 ? modalities[2] : double.NaN, probability);
    }

    /// <summary>
    /// The persistent scores at a step: per modality the smallest of its last k scores, and the smallest of the last k
    /// (event k: the classifier reads the whole window, not one metric sample) probabilities; a missing or absent score
    /// counts as 0.
    /// </summary>
    public Entry Persistent(long step, string key)
    {
        Span<double> smallest = [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity];
        for (var m = 0; m <= ErrorProfile.Modalities; m++)
        {
            var length = m < ErrorProfile.Modalities ? _lengths[m] : EventSteps;
            for (var s = step - length + 1; s <= step; s++)
            {
                var value = _steps.TryGetValue(s, out var scores) && scores.TryGetValue(key, out var entry) ? entry[m] : 0;
                smallest[m] = Math.Min(smallest[m], double.IsNaN(value) ? 0 : value);
            }
        }

        return new Entry(smallest[0], smallest[1], smallest[2], smallest[3]);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_steps.Count);
        foreach (var (step, scores) in _steps)
        {
            writer.Write(step);
            writer.Write(scores.Count);
            foreach (var (key, entry) in scores.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.Write(key);
                writer.Write(entry.Metrics);
                writer.Write(entry.Logs);
                writer.Write(entry.Traces);
                writer.Write(entry.Probability);
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
                Add(step, key, [reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble()], reader.ReadDouble());
            }
        }
    }

    /// <summary>An instance's scores at one step.</summary>
    internal readonly record struct Entry(double Metrics, double Logs, double Traces, double Probability)
    {
        /// <summary>0 metrics, 1 logs, 2 traces, 3 the probability.</summary>
        public double this[int index] => index switch { 0 => Metrics, 1 => Logs, 2 => Traces, _ => Probability };
    }
}
