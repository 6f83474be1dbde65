using System.Globalization;

namespace MstGad.Parsing;

/// <summary>
/// Settings of the Drain template miner. The defaults are those of the Drain3 package.
/// </summary>
/// <remarks>
/// Options are validated and copied when a <see cref="DrainParser"/> is created, so changing an
/// options instance afterwards has no effect on that parser.
/// </remarks>
public sealed class DrainOptions
{
    /// <summary>Depth of the prefix tree, counting the root and the leaf level.</summary>
    /// <value>Default 4: messages are routed by token count and then by their first token. At least 3.</value>
    public int Depth { get; set; } = 4;

    /// <summary>Similarity threshold: the share of a template's non-parameter tokens that a message
    /// must equal to join it.</summary>
    /// <value>Default 0.4. Between 0 and 1.</value>
    public double SimilarityThreshold { get; set; } = 0.4;

    /// <summary>Maximum number of children of an inner tree node; tokens beyond it share the
    /// <c>&lt;*&gt;</c> branch.</summary>
    /// <value>Default 100. At least 2.</value>
    public int MaxChildren { get; set; } = 100;

    /// <summary>Maximum number of templates kept; when exceeded, the least recently used template is
    /// evicted (its id is never reused).</summary>
    /// <value>Default <see langword="null"/>: unbounded. When set, at least 1.</value>
    public int? MaxTemplates { get; set; }

    /// <summary>Whether tokens that contain a digit are routed through the <c>&lt;*&gt;</c> branch of the tree.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool ParametrizeNumericTokens { get; set; } = true;

    /// <summary>Strings that separate tokens in addition to white space (for example <c>=</c> or <c>,</c>).</summary>
    /// <value>Default: none.</value>
    public IList<string> ExtraDelimiters { get; } = new List<string>();

    /// <summary>Masking rules, applied in order before tokenisation.</summary>
    /// <value>Default: none.</value>
    public IList<MaskingRule> Masks { get; } = new List<MaskingRule>();

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems found, in a stable order.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Depth < 3)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Depth must be at least 3; it is {Depth}."));
        }

        if (double.IsNaN(SimilarityThreshold) || SimilarityThreshold < 0 || SimilarityThreshold > 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"SimilarityThreshold must be between 0 and 1; it is {SimilarityThreshold}."));
        }

        if (MaxChildren < 2)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxChildren must be at least 2; it is {MaxChildren}."));
        }

        if (MaxTemplates is < 1)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"MaxTemplates must be at least 1 when set; it is {MaxTemplates}."));
        }

        for (var i = 0; i < ExtraDelimiters.Count; i++)
        {
            if (string.IsNullOrEmpty(ExtraDelimiters[i]))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"ExtraDelimiters[{i}] is empty."));
            }
        }

        for (var i = 0; i < Masks.Count; i++)
        {
            if (Masks[i] is null)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"Masks[{i}] is null."));
                continue;
            }

            if (Masks[i].Validate(i) is { } problem)
            {
                problems.Add(problem);
            }
        }

        return problems;
    }

    /// <summary>A copy (later changes to either do not affect the other).</summary>
    /// <returns>The copy.</returns>
    public DrainOptions Clone()
    {
        var copy = new DrainOptions
        {
            Depth = Depth,
            SimilarityThreshold = SimilarityThreshold,
            MaxChildren = MaxChildren,
            MaxTemplates = MaxTemplates,
            ParametrizeNumericTokens = ParametrizeNumericTokens,
        };
        foreach (var d in ExtraDelimiters)
        {
            copy.ExtraDelimiters.Add(d);
        }

        foreach (var m in Masks)
        {
            copy.Masks.Add(m);
        }

        return copy;
    }
}
