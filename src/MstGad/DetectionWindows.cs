using MstGad.Features;
using MstGad.Graph;
using MstGad.Scoring;

namespace MstGad;

/// <summary>The windows a detector scores (<see cref="WindowBuilder"/>) with the instances' recent scores, for batch and online detection alike.</summary>
/// <param name="builder">The windows.</param>
/// <param name="history">The recent scores (for decisions that ask for persistence).</param>
internal sealed class DetectionWindows(WindowBuilder builder, ScoreHistory history)
{
    /// <summary>The instances' recent scores (for decisions that ask for persistence).</summary>
    public ScoreHistory History { get; } = history;

    /// <summary>The retained steps, oldest first (for checkpoints).</summary>
    public IEnumerable<StepFeatures> Steps => builder.Steps;

    /// <summary>Adds the next step (see <see cref="WindowBuilder.Add"/>).</summary>
    public void Add(StepFeatures step) => builder.Add(step);

    /// <summary>The window that ends at a step (see <see cref="WindowBuilder.WindowEndingAt"/>).</summary>
    public GraphWindow? WindowEndingAt(long step, out IReadOnlyList<string> keys) => builder.WindowEndingAt(step, out keys);
}
