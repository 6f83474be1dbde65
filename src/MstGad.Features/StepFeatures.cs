namespace MstGad.Features;

/// <summary>
/// The normalised features of one step for the instances active in it, keyed by instance key: what both
/// batch and online detection turn into the step's graph. Made only by <see cref="FeatureSpace.TransformStep"/>.
/// </summary>
internal sealed class StepFeatures
{
    public StepFeatures(long step, string[] instances, float[] node, byte[] mask, FrameEdges edges)
    {
        Step = step;
        Instances = instances;
        Node = node;
        Mask = mask;
        Edges = edges;
    }

    public long Step { get; }

    /// <summary>The keys of the active instances.</summary>
    public string[] Instances { get; }

    /// <summary>Node features <c>[instance · F + feature]</c>.</summary>
    public float[] Node { get; }

    /// <summary>The <see cref="ModalityMask"/> of each instance.</summary>
    public byte[] Mask { get; }

    /// <summary>The call edges, as positions into <see cref="Instances"/>.</summary>
    public FrameEdges Edges { get; }

    /// <summary>A step in which nothing was active.</summary>
    public static StepFeatures Empty(long step) => new(step, [], [], [], FrameEdges.Empty);
}
