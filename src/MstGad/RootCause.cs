using System.Globalization;

namespace MstGad;

/// <summary>A candidate for where an incident started, with the path along which it spread.</summary>
/// <param name="Instance">The instance key.</param>
/// <param name="Rank">1 for the most likely root cause.</param>
/// <param name="Score">Its anomaly score in the step (the decision score when the artifact has no anomaly score).</param>
/// <param name="AffectedCallers">Flagged instances that call it, directly or through other flagged instances: the part of the
/// incident it explains.</param>
/// <param name="FlaggedCallees">Flagged instances it calls itself (a candidate with none is a sink of the incident: nothing
/// flagged below it explains it).</param>
/// <param name="Path">The evidence path, one line per hop from the farthest affected caller to the candidate, then the candidate's
/// own top evidence: <c>caller → callee</c> and which feature.</param>
public sealed record RootCauseCandidate(string Instance, int Rank, double Score, int AffectedCallers, int FlaggedCallees, IReadOnlyList<string> Path);

/// <summary>
/// Ranks the flagged instances of a step by how likely each is where the trouble started. A slow or failing
/// callee makes its callers slow or failing, so anomalies spread from callee to caller: an instance whose
/// flagged callers are explained by it, and which has no flagged callee of its own, is the likeliest root.
/// </summary>
/// <remarks>
/// Among the flagged instances of the step and the calls between them: sinks (no flagged callee) first, then
/// by the number of flagged instances upstream of them (that they explain), then by anomaly score, then by name.
/// Nothing is fitted. Instances that are not flagged are not candidates.
/// </remarks>
public static class RootCauseRanker
{
    /// <summary>Ranks the flagged instances of one step.</summary>
    /// <param name="step">The step's verdicts and call edges.</param>
    /// <returns>The candidates, most likely first; empty when nothing is flagged.</returns>
    public static IReadOnlyList<RootCauseCandidate> Rank(StepVerdicts step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var flagged = step.Verdicts.Where(v => v.IsAbnormal).GroupBy(v => v.Instance, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        if (flagged.Count == 0)
        {
            return [];
        }

        var callers = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var callees = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var (caller, callee) in step.Calls)
        {
            if (caller == callee || !flagged.ContainsKey(caller) || !flagged.ContainsKey(callee))
            {
                continue;
            }

            Add(callers, callee, caller);
            Add(callees, caller, callee);
        }

        var ranked = flagged.Values
            .Select(v =>
            {
                var upstream = Upstream(v.Instance, callers);
                return (Verdict: v, Upstream: upstream, Callees: callees.GetValueOrDefault(v.Instance)?.Count ?? 0, Score: ScoreOf(v));
            })
            .OrderBy(c => c.Callees > 0)
            .ThenByDescending(c => c.Upstream.Count)
            .ThenByDescending(c => c.Score)
            .ThenBy(c => c.Verdict.Instance, StringComparer.Ordinal)
            .ToList();
        return [.. ranked.Select((c, i) => new RootCauseCandidate(c.Verdict.Instance, i + 1, c.Score, c.Upstream.Count, c.Callees, PathOf(c.Verdict, c.Upstream)))];
    }

    private static double ScoreOf(InstanceVerdict v) => double.IsNaN(v.AnomalyScore) ? v.Score : v.AnomalyScore;

    private static void Add(Dictionary<string, SortedSet<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var set))
        {
            set = new SortedSet<string>(StringComparer.Ordinal);
            map.Add(key, set);
        }

        set.Add(value);
    }

    /// <summary>The flagged instances that reach <paramref name="instance"/> through calls between flagged instances, with their distance.</summary>
    private static Dictionary<string, (int Distance, string Next)> Upstream(string instance, Dictionary<string, SortedSet<string>> callers)
    {
        var found = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
        var queue = new Queue<(string Instance, int Distance)>();
        queue.Enqueue((instance, 0));
        while (queue.Count > 0)
        {
            var (current, distance) = queue.Dequeue();
            foreach (var caller in callers.GetValueOrDefault(current) ?? [])
            {
                if (caller != instance && found.TryAdd(caller, (distance + 1, current)))
                {
                    queue.Enqueue((caller, distance + 1));
                }
            }
        }

        return found;
    }

    private static List<string> PathOf(InstanceVerdict verdict, Dictionary<string, (int Distance, string Next)> upstream)
    {
        var path = new List<string>();
        if (upstream.Count > 0)
        {
            var farthest = upstream.OrderByDescending(u => u.Value.Distance).ThenBy(u => u.Key, StringComparer.Ordinal).First().Key;
            var current = farthest;
            while (current != verdict.Instance)
            {
                var next = upstream[current].Next;
                path.Add($"{current} → {next}");
                current = next;
            }
        }

        var e = verdict.Evidence;
        if (e.Metrics.Count > 0 && e.Metrics[0] is var metric)
        {
            path.Add(string.Create(CultureInfo.InvariantCulture, $"{verdict.Instance}: metric {metric.Name}{Standard(metric.StandardScore)}"));
        }

        if (e.Logs.Count > 0 && e.Logs[0] is var log)
        {
            path.Add(string.Create(CultureInfo.InvariantCulture, $"{verdict.Instance}: log {log.Template ?? log.Feature}{Standard(log.StandardScore)}"));
        }

        if (e.Edges.Count > 0 && e.Edges[0] is var edge)
        {
            path.Add($"{verdict.Instance}: call {edge.Caller} → {edge.Callee}");
        }

        return path;
    }

    private static string Standard(double? z) => z is { } v ? string.Create(CultureInfo.InvariantCulture, $" ({v:0.#} spreads above normal)") : "";
}
