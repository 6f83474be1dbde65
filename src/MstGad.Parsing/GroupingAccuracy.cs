namespace MstGad.Parsing;

/// <summary>
/// The grouping accuracy of a log parser (Zhu et al., ICSE-SEIP 2019): the share of lines whose
/// parsed group contains exactly the lines that share their ground-truth event.
/// </summary>
public static class GroupingAccuracy
{
    /// <summary>Computes the grouping accuracy.</summary>
    /// <typeparam name="TTruth">The type of ground-truth event ids.</typeparam>
    /// <typeparam name="TParsed">The type of parsed group ids.</typeparam>
    /// <param name="truth">The ground-truth event id of each line.</param>
    /// <param name="parsed">The parsed group id of each line, in the same order.</param>
    /// <returns>A value between 0 and 1 (1 for no lines).</returns>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static double Compute<TTruth, TParsed>(IReadOnlyList<TTruth> truth, IReadOnlyList<TParsed> parsed)
        where TTruth : notnull
        where TParsed : notnull
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(parsed);
        if (truth.Count != parsed.Count)
        {
            throw new ArgumentException($"The ground truth has {truth.Count} lines but the parsed result has {parsed.Count}.", nameof(parsed));
        }

        if (truth.Count == 0)
        {
            return 1.0;
        }

        var truthSize = new Dictionary<TTruth, int>();
        foreach (var t in truth)
        {
            truthSize[t] = truthSize.GetValueOrDefault(t) + 1;
        }

        // For each parsed group: its size and whether all its lines share one ground-truth event.
        var groups = new Dictionary<TParsed, (int Size, TTruth Event, bool Pure)>();
        for (var i = 0; i < parsed.Count; i++)
        {
            if (groups.TryGetValue(parsed[i], out var g))
            {
                groups[parsed[i]] = (g.Size + 1, g.Event, g.Pure && EqualityComparer<TTruth>.Default.Equals(g.Event, truth[i]));
            }
            else
            {
                groups[parsed[i]] = (1, truth[i], true);
            }
        }

        long correct = 0;
        foreach (var g in groups.Values)
        {
            if (g.Pure && truthSize[g.Event] == g.Size)
            {
                correct += g.Size;
            }
        }

        return (double)correct / truth.Count;
    }
}
