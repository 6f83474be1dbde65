using System.Globalization;
using MstGad.Datasets;

namespace MstGad.Cli;

/// <summary>A kind of fault that <c>mstgad inject</c> adds to a copy of a Nezha day.</summary>
internal enum InjectedKind
{
    /// <summary>Calls into the target take longer: the callers' client spans and their enclosing spans grow; metrics and logs unchanged.</summary>
    NetworkDelay,

    /// <summary>The target's CPU usage and rate rise and its server latency rises moderately; logs and traces unchanged.</summary>
    Cpu,

    /// <summary>The target writes extra ERROR log lines; metrics and traces unchanged.</summary>
    ErrorBurst,

    /// <summary>No fault: a window of copied telemetry without a fault or a label (<c>--decoys</c>).</summary>
    Decoy,
}

/// <summary>The settings of <c>mstgad inject</c>, with their defaults.</summary>
internal sealed record InjectSettings
{
    /// <summary>How long every injected fault lasts: the duration that <see cref="NezhaDataset"/> gives each fault of a fault list.</summary>
    public static readonly TimeSpan FaultDuration = new NezhaDatasetOptions().FaultDuration;

    /// <summary>Copied telemetry before the fault starts.</summary>
    public static readonly TimeSpan Lead = TimeSpan.FromMinutes(1);

    /// <summary>Copied telemetry after the fault ends.</summary>
    public static readonly TimeSpan Tail = TimeSpan.FromMinutes(1);

    /// <summary>The least distance between an injected fault window and any other fault window or recorded telemetry.</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    /// <summary>The range of the factor on the target's server latency during a CPU fault.</summary>
    public static readonly (double Min, double Max) LatencyFactor = (1.5, 2.0);

    /// <summary>The message for an empty list of kinds.</summary>
    private const string NoKind = "no fault kind given; the kinds are network-delay, cpu and error-burst.";

    /// <summary>Every kind, in the order of the default <c>--kinds</c>.</summary>
    public static readonly IReadOnlyList<InjectedKind> AllKinds = [InjectedKind.NetworkDelay, InjectedKind.Cpu, InjectedKind.ErrorBurst];

    /// <summary>The source folder (a Nezha root with <c>rca_data</c>).</summary>
    public string Data { get; init; } = Path.Combine("..", "shared", "data", "nezha-trainticket");

    /// <summary>The output folder (new or empty).</summary>
    public string Output { get; init; } = string.Empty;

    /// <summary>The seed: the same seed writes the same bytes.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The kinds to inject.</summary>
    public IReadOnlyList<InjectedKind> Kinds { get; init; } = AllKinds;

    /// <summary>Faults of each kind.</summary>
    public int Count { get; init; } = 4;

    /// <summary>
    /// Windows of copied telemetry with no fault and no label, placed like the faults' windows: with them a
    /// detector that flags whatever has traces and logs pays for it in false alarms.
    /// </summary>
    public int Decoys { get; init; }

    /// <summary>Injected telemetry starts at or after this time of day (UTC); <see langword="null"/>: when the last original fault ends.</summary>
    public TimeOnly? After { get; init; }

    /// <summary>The date folder to use; <see langword="null"/>: the only one.</summary>
    public string? Date { get; init; }

    /// <summary>The delay added to each call into the target (network delay).</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Each call's delay is <see cref="Delay"/> × (1 + u), u uniform in [−jitter, jitter].</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>
    /// Whether the target's own calls to other pods are delayed too, as a delay on all the pod's outgoing packets
    /// (Chaos Mesh's default direction) delays both its answers and its requests; by default only the calls into it.
    /// </summary>
    public bool DelayOutgoing { get; init; }

    /// <summary>The CPU columns rise by f × the column's median in the target's file, f uniform in this range (one f per fault).</summary>
    public (double Min, double Max) CpuFactor { get; init; } = (50, 150);

    /// <summary>Mean extra ERROR lines per minute of an error burst.</summary>
    public double ErrorRate { get; init; } = 20;

    /// <summary>Only these instances (pod or service names) are targets; empty: every instance with incoming calls.</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Whether the original faults after <see cref="After"/> stay in the fault list (by default they are replaced).</summary>
    public bool KeepFaults { get; init; }

    /// <summary>The names of the kinds on the command line.</summary>
    public static string KindName(InjectedKind kind) => kind switch
    {
        InjectedKind.NetworkDelay => "network-delay",
        InjectedKind.Cpu => "cpu",
        InjectedKind.ErrorBurst => "error-burst",
        _ => "decoy",
    };

    /// <summary>The <c>inject_type</c> of a kind in the fault list.</summary>
    public static string InjectType(InjectedKind kind) => kind switch
    {
        InjectedKind.NetworkDelay => "network_delay",
        InjectedKind.Cpu => "cpu_contention",
        InjectedKind.ErrorBurst => "error_burst",
        _ => string.Empty,
    };

    /// <summary>Parses a comma-separated list of kinds (duplicates are ignored).</summary>
    /// <exception cref="ArgumentException">An unknown kind, or no kind.</exception>
    public static IReadOnlyList<InjectedKind> ParseKinds(string text)
    {
        var kinds = new List<InjectedKind>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kind = AllKinds.Cast<InjectedKind?>().FirstOrDefault(k => string.Equals(KindName(k!.Value), part, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"unknown fault kind '{part}'; the kinds are network-delay, cpu and error-burst.");
            if (!kinds.Contains(kind))
            {
                kinds.Add(kind);
            }
        }

        return kinds.Count > 0 ? kinds : throw new ArgumentException(NoKind);
    }

    /// <summary>Parses <c>HH:MM</c> (UTC).</summary>
    /// <exception cref="ArgumentException">Not a time of day.</exception>
    public static TimeOnly ParseTimeOfDay(string text) =>
        TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : throw new ArgumentException($"'{text}' is not a time of day; use HH:MM (UTC, the data's clock), such as 16:00.");

    /// <summary>Parses <c>MIN-MAX</c> or one number.</summary>
    /// <exception cref="ArgumentException">Not a range with 0 &lt; MIN ≤ MAX.</exception>
    public static (double Min, double Max) ParseRange(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        var ok = parts.Length is 1 or 2;
        var values = new double[parts.Length];
        for (var i = 0; ok && i < parts.Length; i++)
        {
            ok = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && double.IsFinite(values[i]);
        }

        if (ok && values[0] > 0 && values[0] <= values[^1])
        {
            return (values[0], values[^1]);
        }

        throw new ArgumentException($"'{text}' is not a range; use MIN-MAX with 0 < MIN <= MAX, such as 3-6.");
    }

    /// <summary>Every problem of the settings, in one line each; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var c = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        if (Kinds.Count == 0)
        {
            problems.Add("--kinds: " + NoKind);
        }

        if (Count < 1)
        {
            problems.Add(string.Create(c, $"--count must be at least 1 (was {Count})."));
        }

        if (Decoys < 0)
        {
            problems.Add(string.Create(c, $"--decoys must be 0 or more (was {Decoys})."));
        }

        if (Delay <= TimeSpan.Zero)
        {
            problems.Add($"--delay must be greater than 0 (was {Durations.Format(Delay)}).");
        }

        if (!(Jitter >= 0 && Jitter < 1))
        {
            problems.Add(string.Create(c, $"--jitter must be in [0, 1) (was {Jitter})."));
        }

        if (!(ErrorRate > 0 && double.IsFinite(ErrorRate)))
        {
            problems.Add(string.Create(c, $"--error-rate must be greater than 0 (was {ErrorRate})."));
        }

        if (string.IsNullOrWhiteSpace(Output))
        {
            problems.Add("--out names no folder.");
        }

        return problems;
    }
}
