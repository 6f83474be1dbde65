using System.CommandLine;
using System.Globalization;

namespace MstGad.Cli;

/// <summary>
/// <c>mstgad inject</c>: writes a copy of a Nezha day with injected faults of kinds the original day does
/// not have (network delay, a CPU-like metric shift, error bursts) and their labels, to measure whether a
/// detector catches fault kinds it was never shown.
/// </summary>
internal static class InjectCommand
{
    public static Command Create()
    {
        var d = new InjectSettings();
        var data = new Option<DirectoryInfo>("--data") { Description = "The Nezha folder (with rca_data); only read.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where to write the copy: a new or empty folder outside --data.", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of every random choice: the same seed writes the same bytes.", DefaultValueFactory = _ => d.Seed };
        var kinds = new Option<string>("--kinds") { Description = "Fault kinds, comma-separated: network-delay, cpu, error-burst.", DefaultValueFactory = _ => "network-delay,cpu,error-burst" };
        var count = new Option<int>("--count") { Description = "Faults of each kind.", DefaultValueFactory = _ => d.Count };
        var after = new Option<string?>("--after") { Description = "HH:MM (UTC): inject only after this time and replace the original faults from it on (default: when the last original fault ends)." };
        var date = new Option<string?>("--date") { Description = "The date folder (default: the only one)." };
        var delay = new Option<string>("--delay") { Description = "Network delay added to each call into the target.", DefaultValueFactory = _ => "200ms" };
        var jitter = new Option<double>("--jitter") { Description = "Each call's delay is the delay × (1 + u), u uniform in [-jitter, jitter].", DefaultValueFactory = _ => d.Jitter };
        var cpuFactor = new Option<string>("--cpu-factor") { Description = "CPU usage and rate rise by f × their median in the target's file, f uniform in MIN-MAX (one f per fault). The default, 50–150, is below what the real day's cpu_contention faults did (CPU at its 500 m limit, 147–235 × the pod's median).", DefaultValueFactory = _ => "50-150" };
        var errorRate = new Option<double>("--error-rate") { Description = "Mean extra ERROR lines per minute of an error burst.", DefaultValueFactory = _ => d.ErrorRate };
        var targets = new Option<string?>("--targets") { Description = "Only these targets, comma-separated pod or service names (default: every pod with at least one incoming call a minute in the copied window, and a metric file)." };
        var decoys = new Option<int>("--decoys") { Description = "Also this many windows of copied telemetry with no fault and no label, placed like the faults' windows.", DefaultValueFactory = _ => d.Decoys };
        var delayOutgoing = new Option<bool>("--delay-outgoing") { Description = "Also delay the target's own calls to other pods (a delay on all its outgoing packets delays its answers and its requests); by default only the calls into it." };
        var keepFaults = new Option<bool>("--keep-faults") { Description = "Keep the original faults after --after in the fault list (by default the injected faults replace them)." };
        var command = new Command("inject", "Write a copy of a Nezha day with injected faults (network delay, CPU, error bursts) and their labels.")
        {
            data, output, seed, kinds, count, decoys, after, date, delay, jitter, delayOutgoing, cpuFactor, errorRate, targets, keepFaults,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var problems = new List<string>();
            T Parse<T>(string option, Func<T> parse, T fallback)
            {
                try
                {
                    return parse();
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException)
                {
                    problems.Add($"{option}: {ex.Message}");
                    return fallback;
                }
            }

            var settings = new InjectSettings
            {
                Data = result.GetRequiredValue(data).FullName,
                Output = result.GetRequiredValue(output).FullName,
                Seed = result.GetValue(seed),
                Kinds = Parse("--kinds", () => InjectSettings.ParseKinds(result.GetValue(kinds)!), InjectSettings.AllKinds),
                Count = result.GetValue(count),
                Decoys = result.GetValue(decoys),
                After = result.GetValue(after) is { } a ? Parse<TimeOnly?>("--after", () => InjectSettings.ParseTimeOfDay(a), null) : null,
                Date = result.GetValue(date),
                Delay = Parse("--delay", () => Durations.Parse(result.GetValue(delay)!), d.Delay),
                Jitter = result.GetValue(jitter),
                DelayOutgoing = result.GetValue(delayOutgoing),
                CpuFactor = Parse("--cpu-factor", () => InjectSettings.ParseRange(result.GetValue(cpuFactor)!), d.CpuFactor),
                ErrorRate = result.GetValue(errorRate),
                Targets = result.GetValue(targets) is { } t ? t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [],
                KeepFaults = result.GetValue(keepFaults),
            };
            problems.AddRange(settings.Problems());
            if (problems.Count > 0)
            {
                Console.Error.WriteLine("error: " + string.Join(" ", problems));
                return Task.FromResult(2);
            }

            return Task.FromResult(Run(settings, Console.Out, Console.Error, cancellationToken));
        });
        return command;
    }

    /// <summary>Runs the injection and prints its summary; returns the exit code.</summary>
    internal static int Run(InjectSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        InjectionResult result;
        try
        {
            result = NezhaInjector.Run(settings, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            error.WriteLine("error: " + ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine("error: " + ex.Message);
            return 1;
        }

        Print(result, output);
        return 0;
    }

    /// <summary>Prints what was injected and changed.</summary>
    internal static void Print(InjectionResult r, TextWriter w)
    {
        var c = CultureInfo.InvariantCulture;
        var donor = r.Donor;
        var donorSpans = donor.Traces.Sum(t => t.Count);
        var decoys = r.Decoys.Count > 0 ? $" and {Plural(r.Decoys.Count, "decoy window")}" : string.Empty;
        w.WriteLine(string.Create(c, $"Injected {Plural(r.Faults.Count, "fault")}{decoys} into a copy of {r.Day.Date} of {r.Day.Root} → {r.Output}"));
        w.WriteLine(string.Create(c,
            $"Original faults: {r.KeptOriginalFaults} kept, {r.ReplacedOriginalFaults} from {r.After:HH:mm} UTC on replaced by the injected ones (injected telemetry starts at {r.After:HH:mm} or later)."));
        w.WriteLine(string.Create(c,
            $"Each window: a copy of {Path.GetRelativePath(r.Day.Root, donor.Folder)} ({NezhaText.ToTime(donor.Start):HH:mm:ss}–{NezhaText.ToTime(donor.End):HH:mm:ss} UTC: {donor.Traces.Count} traces, {donorSpans} spans, {donor.Logs.Count} log lines{(donor.SkippedRows > 0 ? $", {donor.SkippedRows} unreadable rows left out" : string.Empty)}) with new ids, from {Durations.Format(InjectSettings.Lead)} before the fault to {Durations.Format(InjectSettings.Tail)} after it; faults last {Durations.Format(InjectSettings.FaultDuration)}."));
        w.WriteLine(string.Create(c, $"{"id",-4} {"start (UTC)",-20} {"kind",-14} {"pod",-46} changed"));
        foreach (var f in r.Faults.Concat(r.Decoys).OrderBy(f => f.Start))
        {
            var changed = f.Kind switch
            {
                InjectedKind.NetworkDelay => string.Create(c,
                    $"{Plural(f.DelayedCalls, "call")} delayed by {f.DelayRange.Min / 1000.0:0.#}–{f.DelayRange.Max / 1000.0:0.#} ms: {f.ChangedSpans} of {f.CopiedSpans} copied spans end later"),
                InjectedKind.Cpu => string.Create(c,
                    $"{Plural(f.MetricRows, "metric row")}: CPU usage and rate + {f.CpuFactor:0.00} × median, server latency × {f.LatencyFactor:0.00}"),
                InjectedKind.ErrorBurst => string.Create(c, $"{Plural(f.ErrorLines, "ERROR line")} added to {f.CopiedLogs} copied (shapes: {f.ShapeSource})"),
                _ => string.Create(c, $"no fault and no label: {f.CopiedSpans} copied spans and {f.CopiedLogs} log lines only"),
            };
            w.WriteLine(string.Create(c, $"{f.Id,-4} {f.Start:yyyy-MM-dd HH:mm:ss}  {InjectSettings.KindName(f.Kind),-14} {(f.Pod.Length > 0 ? f.Pod : "-"),-46} {changed}"));
        }

        w.WriteLine(string.Create(c,
            $"Wrote {r.TraceFiles} trace, {r.LogFiles} log and {r.TraceIdFiles} trace id files, {r.MetricFiles} metric files, the fault list ({r.KeptOriginalFaults + r.Faults.Count} faults: {r.KeptOriginalFaults} original, {r.Faults.Count} injected), {(r.WroteFaultsCsv ? $"faults-{r.Day.Date}.csv, " : string.Empty)}injected.json and injected.csv; copied {r.CopiedFiles} files as they are; {r.Elapsed.TotalSeconds:0.0} s."));
    }

    private static string Plural(int count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
