using System.Globalization;

namespace MstGad.Model;

/// <summary>Sizes, switches (the paper's ablations) and loss settings of the MSTGAD network.</summary>
public sealed class ModelOptions
{
    /// <summary>Width of the metric embedding.</summary>
    /// <value>Default 16. A positive multiple of <see cref="Heads"/>.</value>
    public int MetricDimension { get; set; } = 16;

    /// <summary>Width of the log embedding.</summary>
    /// <value>Default 16. A positive multiple of <see cref="Heads"/>.</value>
    public int LogDimension { get; set; } = 16;

    /// <summary>Width of the trace (edge) embedding.</summary>
    /// <value>Default 8. A positive multiple of <see cref="Heads"/> and of <see cref="EdgeHeads"/>.</value>
    public int TraceDimension { get; set; } = 8;

    /// <summary>Attention heads of node attention, TAM and CAM.</summary>
    /// <value>Default 4.</value>
    public int Heads { get; set; } = 4;

    /// <summary>Attention heads of the edge-update layer of SAM.</summary>
    /// <value>Default 2.</value>
    public int EdgeHeads { get; set; } = 2;

    /// <summary>Encoder layers.</summary>
    /// <value>Default 2. At least 1.</value>
    public int EncoderLayers { get; set; } = 2;

    /// <summary>Decoder layers.</summary>
    /// <value>Default 2. At least 1.</value>
    public int DecoderLayers { get; set; } = 2;

    /// <summary>Dropout probability.</summary>
    /// <value>Default 0.2. In [0, 1).</value>
    public double Dropout { get; set; } = 0.2;

    /// <summary>Width multiplier of the feed-forward layers.</summary>
    /// <value>Default 4. At least 1.</value>
    public int FeedForwardMultiplier { get; set; } = 4;

    /// <summary>Whether metrics are used (off: the paper's MSTGAD−Metric ablation).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseMetrics { get; set; } = true;

    /// <summary>Whether logs are used (off: MSTGAD−Log).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseLogs { get; set; } = true;

    /// <summary>Whether traces are used (off: MSTGAD−Trace; graph attention then sees no edge features).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseTraces { get; set; } = true;

    /// <summary>Whether the spatial attention module runs (off: MSTGAD−SAM).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseSpatialAttention { get; set; } = true;

    /// <summary>Whether the temporal attention module runs (off: MSTGAD−TAM).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseTemporalAttention { get; set; } = true;

    /// <summary>Whether TAM adds the shared bias C (off: MSTGAD−C).</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseCommonBias { get; set; } = true;

    /// <summary>η, the weight of unlabelled instances in the reconstruction loss (Eq. 15).</summary>
    /// <value>Default 0.01. Zero or more.</value>
    public double UnlabelledWeight { get; set; } = 0.01;

    /// <summary>ε in <c>1/(RE + ε)</c> for abnormal instances (Eq. 15).</summary>
    /// <value>Default 1e-6. Greater than zero.</value>
    public double ReconstructionEpsilon { get; set; } = 1e-6;

    /// <summary>Checks every setting and returns one message per problem.</summary>
    /// <returns>The problems (empty when valid).</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString s) => problems.Add(s.ToString(CultureInfo.InvariantCulture));
        if (Heads < 1)
        {
            Add($"Heads must be at least 1; it is {Heads}.");
        }

        if (EdgeHeads < 1)
        {
            Add($"EdgeHeads must be at least 1; it is {EdgeHeads}.");
        }

        foreach (var (name, value) in new[] { ("MetricDimension", MetricDimension), ("LogDimension", LogDimension), ("TraceDimension", TraceDimension) })
        {
            if (value < 1 || (Heads >= 1 && value % Heads != 0))
            {
                Add($"{name} must be a positive multiple of Heads ({Heads}); it is {value}.");
            }
        }

        if (EdgeHeads >= 1 && TraceDimension % EdgeHeads != 0)
        {
            Add($"TraceDimension must be a multiple of EdgeHeads ({EdgeHeads}); it is {TraceDimension}.");
        }

        if (EncoderLayers < 1)
        {
            Add($"EncoderLayers must be at least 1; it is {EncoderLayers}.");
        }

        if (DecoderLayers < 1)
        {
            Add($"DecoderLayers must be at least 1; it is {DecoderLayers}.");
        }

        if (double.IsNaN(Dropout) || Dropout < 0 || Dropout >= 1)
        {
            Add($"Dropout must be in [0, 1); it is {Dropout}.");
        }

        if (FeedForwardMultiplier < 1)
        {
            Add($"FeedForwardMultiplier must be at least 1; it is {FeedForwardMultiplier}.");
        }

        if (!UseMetrics && !UseLogs)
        {
            Add($"At least one node modality (UseMetrics or UseLogs) must be on.");
        }

        if (double.IsNaN(UnlabelledWeight) || UnlabelledWeight < 0)
        {
            Add($"UnlabelledWeight must be zero or more; it is {UnlabelledWeight}.");
        }

        if (double.IsNaN(ReconstructionEpsilon) || ReconstructionEpsilon <= 0)
        {
            Add($"ReconstructionEpsilon must be greater than zero; it is {ReconstructionEpsilon}.");
        }

        return problems;
    }

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid model options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }
    }

    /// <summary>A copy (later changes to either do not affect the other).</summary>
    /// <returns>The copy.</returns>
    public ModelOptions Clone() => (ModelOptions)MemberwiseClone();
}

/// <summary>The input widths of the network.</summary>
/// <param name="MetricFeatures">F_m: metric features per node (0 allowed).</param>
/// <param name="LogFeatures">F_l: log features per node (0 allowed).</param>
/// <param name="EdgeFeatures">F_s: features per edge (0 allowed).</param>
public readonly record struct InputShape(int MetricFeatures, int LogFeatures, int EdgeFeatures)
{
    /// <summary>F_m + F_l, the node features of a graph.</summary>
    public int NodeFeatures => MetricFeatures + LogFeatures;
}
