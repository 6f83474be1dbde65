namespace MstGad.Features;

/// <summary>Which modalities were observed for an instance in a step (bit flags).</summary>
[Flags]
public enum ModalityMask : byte
{
    /// <summary>Nothing observed.</summary>
    None = 0,

    /// <summary>At least one kept metric had a value (aggregated or carried forward).</summary>
    Metrics = 1,

    /// <summary>Logs were collected in the step (an instance without lines then has zero activity).</summary>
    Logs = 2,

    /// <summary>Spans were collected in the step (an instance without calls then has zero activity).</summary>
    Traces = 4,
}

/// <summary>The call edges of one step: parallel arrays of caller and callee instance indices and features.</summary>
/// <param name="Sources">Caller instance index per edge.</param>
/// <param name="Targets">Callee instance index per edge.</param>
/// <param name="Features">Edge features, <c>[edge · F_s + feature]</c>.</param>
public sealed record FrameEdges(int[] Sources, int[] Targets, float[] Features)
{
    /// <summary>No edges.</summary>
    public static FrameEdges Empty { get; } = new([], [], []);

    /// <summary>The number of edges.</summary>
    public int Count => Sources.Length;
}

/// <summary>
/// Normalised features of consecutive steps: node features <c>[T × N × F]</c> (metrics first, then logs),
/// a modality mask <c>[T × N]</c> and the edges of each step.
/// </summary>
public sealed class FeatureFrame
{
    internal FeatureFrame(StepClock clock, long firstStep, int stepCount, IReadOnlyList<string> instances, int nodeFeatureCount, int metricFeatureCount, float[] nodeFeatures, byte[] mask, int edgeFeatureCount, FrameEdges[] edges)
    {
        Clock = clock;
        FirstStep = firstStep;
        StepCount = stepCount;
        Instances = instances;
        NodeFeatureCount = nodeFeatureCount;
        MetricFeatureCount = metricFeatureCount;
        NodeFeatures = nodeFeatures;
        Mask = mask;
        EdgeFeatureCount = edgeFeatureCount;
        Edges = edges;
    }

    /// <summary>The step clock.</summary>
    public StepClock Clock { get; }

    /// <summary>The first step.</summary>
    public long FirstStep { get; }

    /// <summary>The number of steps T.</summary>
    public int StepCount { get; }

    /// <summary>The instance keys N (indices used by <see cref="Edges"/> and the node arrays).</summary>
    public IReadOnlyList<string> Instances { get; }

    /// <summary>The number of node features F.</summary>
    public int NodeFeatureCount { get; }

    /// <summary>The number of metric features (the first ones).</summary>
    public int MetricFeatureCount { get; }

    /// <summary>Node features, <c>[(t · N + n) · F + f]</c>.</summary>
    public float[] NodeFeatures { get; }

    /// <summary>Observed modalities (<see cref="ModalityMask"/> bits), <c>[t · N + n]</c>.</summary>
    public byte[] Mask { get; }

    /// <summary>The number of edge features F_s.</summary>
    public int EdgeFeatureCount { get; }

    /// <summary>The edges of each step.</summary>
    public IReadOnlyList<FrameEdges> Edges { get; }

    /// <summary>
    /// Each instance's template sequence per step as vocabulary positions, −1 after the last
    /// (<c>[(t · N + instance) · L + position]</c>, see <see cref="StepFeatures.Templates"/>); <see langword="null"/> unless
    /// <see cref="FeatureOptions.TemplateSequenceLength"/> L is above 0.
    /// </summary>
    public int[]? Templates { get; init; }

    /// <summary>The length L of a row of <see cref="Templates"/> (0 without them).</summary>
    public int TemplateSequenceLength { get; init; }

    /// <summary>The node features of one instance in one step.</summary>
    /// <param name="t">The step offset from <see cref="FirstStep"/>.</param>
    /// <param name="instance">The instance index.</param>
    /// <returns>The F features.</returns>
    public ReadOnlySpan<float> Node(int t, int instance) =>
        NodeFeatures.AsSpan((int)((((long)t * Instances.Count) + instance) * NodeFeatureCount), NodeFeatureCount);
}
