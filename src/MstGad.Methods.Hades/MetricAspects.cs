namespace MstGad.Methods.Hades;

/// <summary>One aspect of an instance's metrics (Hades groups metrics by what they measure before its convolutions).</summary>
/// <param name="Name">The aspect's name, such as <c>cpu</c>.</param>
/// <param name="Metrics">The positions of its metrics among the metric names grouped, ascending.</param>
public sealed record MetricAspect(string Name, IReadOnlyList<int> Metrics);

/// <summary>An aspect and the words of a metric name that put a metric into it.</summary>
/// <param name="Name">The aspect's name.</param>
/// <param name="Keywords">Lower-case words (see <see cref="MetricAspects.Words"/>); a metric with one of them belongs to the aspect.</param>
public sealed record AspectRule(string Name, IReadOnlyList<string> Keywords);

/// <summary>
/// Groups metrics into aspects by the words of their names: CPU, memory, disk I/O, network, and "other" for the rest,
/// the first aspect (in the rules' order) with a matching word winning; aspects without a metric are dropped.
/// </summary>
public static class MetricAspects
{
    /// <summary>The name of the aspect of metrics no rule matches.</summary>
    public const string Other = "other";

    /// <summary>The default rules: cpu, memory, disk (incl. system calls reading and writing) and network, in that order.</summary>
    public static IReadOnlyList<AspectRule> Defaults { get; } =
    [
        new("cpu", ["cpu", "cpus", "processor"]),
        new("memory", ["memory", "mem", "rss", "heap", "swap", "oom"]),
        new("disk", ["disk", "fs", "filesystem", "io", "iops", "blkio", "syscall", "read", "reads", "write", "writes", "inode", "inodes"]),
        new("network", ["network", "net", "receive", "received", "transmit", "transmitted", "rx", "tx", "tcp", "udp", "packet", "packets", "socket", "sockets"]),
    ];

    /// <summary>Groups metric names into aspects.</summary>
    /// <param name="metricNames">The metric names, in feature order.</param>
    /// <param name="rules">The aspects to recognise, in priority order (default <see cref="Defaults"/>); every other metric is <see cref="Other"/>.</param>
    /// <returns>The non-empty aspects, in the rules' order, then <see cref="Other"/>.</returns>
    /// <exception cref="ArgumentException">Two rules share a name, or a rule is named <see cref="Other"/>.</exception>
    public static IReadOnlyList<MetricAspect> Group(IReadOnlyList<string> metricNames, IReadOnlyList<AspectRule>? rules = null)
    {
        ArgumentNullException.ThrowIfNull(metricNames);
        rules ??= Defaults;
        var names = rules.Select(r => r.Name).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count || names.Contains(Other, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Aspect names must be distinct and not '{Other}': {string.Join(", ", names)}.", nameof(rules));
        }

        var members = new List<int>[rules.Count + 1];
        for (var a = 0; a < members.Length; a++)
        {
            members[a] = [];
        }

        var keywords = rules.Select(r => r.Keywords.ToHashSet(StringComparer.Ordinal)).ToList();
        for (var m = 0; m < metricNames.Count; m++)
        {
            var words = Words(metricNames[m]);
            var aspect = keywords.FindIndex(k => words.Any(k.Contains));
            members[aspect < 0 ? rules.Count : aspect].Add(m);
        }

        return [.. members
            .Select((list, a) => new MetricAspect(a < rules.Count ? rules[a].Name : Other, list))
            .Where(g => g.Metrics.Count > 0)];
    }

    /// <summary>The lower-case words of a metric name: split at every character that is not a letter and between a
    /// lower-case letter and an upper-case one (<c>NodeCpuUsageRate(%)</c> → node, cpu, usage, rate;
    /// <c>container_fs_reads_total</c> → container, fs, reads, total).</summary>
    /// <param name="metricName">The name.</param>
    /// <returns>The words.</returns>
    public static IReadOnlyList<string> Words(string metricName)
    {
        ArgumentNullException.ThrowIfNull(metricName);
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= metricName.Length; i++)
        {
            var c = i < metricName.Length ? metricName[i] : ' ';
            var boundary = !char.IsLetter(c) || (start >= 0 && char.IsUpper(c) && char.IsLower(metricName[i - 1]));
            if (boundary && start >= 0)
            {
                words.Add(metricName[start..i].ToLowerInvariant());
                start = -1;
            }

            if (char.IsLetter(c) && start < 0)
            {
                start = i;
            }
        }

        return words;
    }
}
