using MstGad.Graph;
using MstGad.Model;

namespace MstGad.Methods;

/// <summary>
/// The seam behind the facade: a detection method scores windows and returns, per instance, its errors by feature
/// (metrics, then logs, then traces) and, where it has one, a classifier's probability. Thresholds, the anomaly
/// score, evidence, the artifact, online detection, incidents and evaluation belong to the facade and work for
/// every method.
/// </summary>
internal interface IAnomalyModel : IDisposable
{
    /// <summary>The widths of the metric, log and trace parts of <see cref="WindowScores.Errors"/>.</summary>
    (int Metrics, int Logs, int Traces) ErrorLayout { get; }

    /// <summary>Scores the last step of every window.</summary>
    IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows, int batchSize = 50);

    /// <summary>Writes what the method learnt (versioned).</summary>
    void Save(Stream stream);
}

/// <summary>The MSTGAD network as a method.</summary>
internal sealed class MstgadMethod(MstgadModel model) : IAnomalyModel
{
    public MstgadModel Model { get; } = model;

    public (int Metrics, int Logs, int Traces) ErrorLayout => Model.ErrorLayout;

    public IReadOnlyList<WindowScores> Score(IReadOnlyList<GraphWindow> windows, int batchSize = 50) => Model.Score(windows, batchSize);

    public void Save(Stream stream) => Model.Save(stream);

    public void Dispose() => Model.Dispose();
}
