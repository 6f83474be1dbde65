namespace MstGad.Features;

/// <summary>
/// The normalised features of one step for the instances active in it, keyed by instance key: what both
/// batch and online detection turn into the step's graph. Made only by <see cref="FeatureSpace.TransformStep"/>.
/// </summary>
public sealed class StepFeatures
{
    /// <summary>The features of one step.</summary>
    /// <param name="step">The step.</param>
    /// <param name="instances">The keys of the active instances.</param>
    /// <param name="node">Node features <c>[instance · F + feature]</c>.</param>
    /// <param name="mask">The <see cref="ModalityMask"/> of each instance.</param>
    /// <param name="edges">The call edges, as positions into <paramref name="instances"/>.</param>
    public StepFeatures(long step, string[] instances, float[] node, byte[] mask, FrameEdges edges)
    {
        Step = step;
        Instances = instances;
        Node = node;
        Mask = mask;
        Edges = edges;
    }

    /// <summary>The step.</summary>
    public long Step { get; }

    /// <summary>The keys of the active instances.</summary>
    public string[] Instances { get; }

    /// <summary>Node features <c>[instance · F + feature]</c>.</summary>
    public float[] Node { get; }

    /// <summary>The <see cref="ModalityMask"/> of each instance.</summary>
    public byte[] Mask { get; }

    /// <summary>The call edges, as positions into <see cref="Instances"/>.</summary>
    public FrameEdges Edges { get; }

    /// <summary>
    /// With <see cref="FeatureOptions.TemplateSequenceLength"/> L &gt; 0, each active instance's first L templates of the
    /// step in the order they were logged, as positions in <see cref="FeatureSpace.Vocabulary"/> (a template outside it:
    /// the vocabulary's count), −1 after the last: <c>[instance · L + position]</c>; otherwise <see langword="null"/>.
    /// </summary>
    public int[]? Templates { get; init; }

    /// <summary>The length L of each instance's row of <see cref="Templates"/> (0 without them).</summary>
    public int TemplateSequenceLength => Templates is null || Instances.Length == 0 ? 0 : Templates.Length / Instances.Length;

    /// <summary>A step in which nothing was active.</summary>
    /// <param name="step">The step.</param>
    /// <returns>The empty features.</returns>
    public static StepFeatures Empty(long step) => new(step, [], [], [], FrameEdges.Empty);
}
