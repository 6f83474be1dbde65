using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MstGad.Features;
using MstGad.Methods;
using MstGad.Model;
using MstGad.Simulation;

namespace MstGad.Cli;

/// <summary>
/// <c>mstgad leave-kind-out</c>: how well the default detector finds a fault kind that nobody labelled. For each
/// fault kind K of the simulator it trains on the demo's simulated training period with the labels of every kind
/// but K (K's faults stay in the telemetry, unlabelled), detects on a fresh test period with faults of every kind,
/// and reports the recall of K beside the other kinds', false alarms per hour, point-wise figures and time to detect.
/// </summary>
internal static class LeaveKindOutCommand
{
    internal const string Help = "see mstgad leave-kind-out --help";

    public static Command Create()
    {
        var demo = new DemoCommandOptions();
        var unsupervised = new UnsupervisedCommandOptions();
        var detectorOptions = new DetectorCommandOptions();
        var seed = new Option<long>("--seed") { Description = "Seed of the simulated training period (the test period uses seed + 1) and of training.", DefaultValueFactory = _ => 1 };
        var seeds = new Option<string?>("--seeds") { Description = "Several seeds, comma-separated (such as 1,2,3): every run is repeated for each, and the table gives the mean ± standard deviation over seeds with the pooled fault counts." };
        var kinds = new Option<string?>("--kinds") { Description = "The fault kinds to hold out, comma-separated (default: all): " + string.Join(", ", LeaveKindOutSettings.AllKinds.Select(LeaveKindOutSettings.KindName)) + "." };
        var labels = new Option<string>("--labels") { Description = "hold-out (train with the labels of every kind but the held-out one; one training per kind), none (no labels at all: purely unsupervised) or all (every kind labelled); none and all train once per seed, for reference.", DefaultValueFactory = _ => "hold-out" };
        var drop = new Option<bool>("--drop-unlabelled-faults") { Description = "Simulate the training period without the faults that have no label instead of keeping them in the telemetry: with --labels hold-out the held-out kind's, with --labels none every fault (fault-free training). The other faults keep their times and targets; see docs/evaluation.md." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with every run (the table then goes to standard error)." };
        var command = new Command("leave-kind-out", "Measure how well the default detector finds fault kinds that were never labelled: per simulated fault kind, train without its labels and detect on fresh simulated time.")
        {
            seed, seeds, kinds, labels, drop, detectorOptions.Method, unsupervised.AlarmBudget,
        };
        demo.AddTo(command);
        command.Add(json);
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            var settings = LeaveKindOutSettings.Read(
                demo.Read(result),
                result.GetValue(seed),
                result.GetResult(seed) is { Implicit: false },
                result.GetValue(seeds),
                result.GetValue(kinds),
                result.GetValue(labels)!,
                result.GetValue(drop),
                result.GetValue(detectorOptions.Method)!,
                result.GetValue(unsupervised.AlarmBudget)!);
            MstGad.Model.TorchNative.EnsureLoadable();
            var asJson = result.GetValue(json);
            var report = await RunAsync(settings, Console.Error, cancellationToken).ConfigureAwait(false);
            Print(report, asJson ? Console.Error : Console.Out);
            if (asJson)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, CliJsonContext.Default.LeaveKindOutReport)).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    /// <summary>Runs every training and detection of the settings and returns the figures.</summary>
    /// <param name="settings">Valid settings (<see cref="LeaveKindOutSettings.Read"/>).</param>
    /// <param name="progress">Receives a line as each run starts and ends.</param>
    /// <param name="cancellationToken">Cancels simulation, training or detection.</param>
    internal static async Task<LeaveKindOutReport> RunAsync(LeaveKindOutSettings settings, TextWriter progress, CancellationToken cancellationToken = default)
    {
        var c = CultureInfo.InvariantCulture;
        var watch = Stopwatch.StartNew();
        var runs = new List<LeaveKindOutRun>();
        foreach (var seed in settings.Seeds)
        {
            var demo = settings.Demo with { Seed = seed };
            var training = new TelemetrySimulator(demo.TrainingPeriod());
            var test = new TelemetrySimulator(demo.TestPeriod());
            IReadOnlyList<FaultKind?> heldOut = settings.Labels == LabelMode.HoldOut ? [.. settings.Kinds.Select(k => (FaultKind?)k)] : [null];
            foreach (var kind in heldOut)
            {
                var what = kind is { } k ? LeaveKindOutSettings.KindName(k) + " held out" : "labels " + LeaveKindOutSettings.ModeName(settings.Labels);
                progress.WriteLine(string.Create(c, $"[seed {seed}, {what}] training ({watch.Elapsed.TotalSeconds:0} s)"));
                var run = await RunOnceAsync(settings, demo, training, test, kind, cancellationToken).ConfigureAwait(false);
                var row = kind is { } held ? run.Kinds.Single(r => r.Kind == LeaveKindOutSettings.KindName(held)) : null;
                progress.WriteLine(string.Create(c,
                    $"[seed {seed}, {what}] {run.LabelledTrainingFaults} labelled, {run.UnlabelledTrainingFaults} unlabelled and {run.DroppedTrainingFaults} dropped training faults; {run.Epochs} epochs; " +
                    $"{(row is null ? string.Empty : $"held-out recall {row.Detected}/{row.Faults}, ")}all {run.DetectedEvents}/{run.Events}, {run.FalseAlarmsPerHour:0.00} false alarms/h, point F1 {run.F1:0.00}; {run.Seconds:0} s"));
                runs.Add(run);
            }
        }

        return new LeaveKindOutReport(
            LeaveKindOutSettings.ModeName(settings.Labels),
            settings.DropUnlabelledFaults,
            settings.Method,
            settings.AlarmBudgetPerHour,
            settings.Seeds,
            settings.Demo.TrainingHours,
            settings.Demo.TestHours,
            settings.Demo.Services,
            settings.Demo.Epochs,
            settings.Demo.Tolerance.TotalSeconds,
            Rows(settings, runs),
            runs,
            watch.Elapsed.TotalSeconds);
    }

    /// <summary>Trains once (with the labels the settings leave for <paramref name="heldOut"/>) and evaluates on the test period.</summary>
    private static async Task<LeaveKindOutRun> RunOnceAsync(LeaveKindOutSettings settings, DemoSettings demo, TelemetrySimulator training, TelemetrySimulator test, FaultKind? heldOut, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var (source, labelled, unlabelled, dropped) = TrainingSource(settings, demo, training, heldOut);
        using var detector = settings.CreateBuilder(demo.Seed).Build();
        var fit = await detector.FitAsync(source, progress: null, cancellationToken).ConfigureAwait(false);
        var detection = await detector.DetectAsync(test, cancellationToken).ConfigureAwait(false);
        var evaluation = DemoCommand.Evaluate(detection.Verdicts, test.Faults, detector.Features.Options.InstanceKey, detector.Interval, detector.Threshold, demo.Tolerance);
        var events = evaluation.Events;

        // A detected fault counts as found by the anomaly score when a step of its instance flagged in its window
        // has an anomaly score (a multiple of its modality's threshold) of at least 1 (otherwise only the classifier's P raised it).
        var anomalyThreshold = detector.AnomalyThresholds is null ? double.PositiveInfinity : 1.0;
        var flagged = detection.Verdicts.Where(v => v.IsAbnormal).ToLookup(v => v.Instance, StringComparer.Ordinal);
        var kinds = new List<KindRecall>();
        foreach (var kind in LeaveKindOutSettings.AllKinds)
        {
            var outcomes = Enumerable.Range(0, test.Faults.Count).Where(i => test.Faults[i].Kind == kind).Select(i => events.Outcomes[i]).ToList();
            var detected = outcomes.Where(o => o.Detected).ToList();
            var byAnomaly = detected.Count(o => flagged[o.Event.Instance].Any(v =>
                v.Time >= o.Event.Start - demo.Tolerance && v.Time <= o.Event.End + demo.Tolerance && v.AnomalyScore >= anomalyThreshold));
            kinds.Add(new KindRecall(
                LeaveKindOutSettings.KindName(kind),
                detected.Count,
                outcomes.Count,
                byAnomaly,
                detected.Count == 0 ? null : detected.Average(o => Math.Max(0, o.TimeToDetect!.Value.TotalSeconds))));
        }

        return new LeaveKindOutRun(
            demo.Seed,
            heldOut is { } k ? LeaveKindOutSettings.KindName(k) : null,
            labelled,
            unlabelled,
            dropped,
            fit.Training.Epochs.Count,
            fit.Training.BestEpoch,
            kinds,
            events.Events,
            events.DetectedEvents,
            evaluation.Point.Precision,
            evaluation.Point.Recall,
            evaluation.Point.F1,
            double.IsNaN(evaluation.Point.RocAuc) ? null : evaluation.Point.RocAuc,
            detector.AnomalyThresholds?[0],
            events.FalseAlarms,
            events.FalseAlarmsPerHour,
            events.MeanTimeToDetect?.TotalSeconds,
            watch.Elapsed.TotalSeconds);
    }

    /// <summary>The training source of one run and how many of its faults are labelled, unlabelled and dropped.</summary>
    private static (ITelemetrySource Source, int Labelled, int Unlabelled, int Dropped) TrainingSource(LeaveKindOutSettings settings, DemoSettings demo, TelemetrySimulator training, FaultKind? heldOut)
    {
        var all = training.Faults.Count;
        switch (settings.Labels)
        {
            case LabelMode.All:
                return (training, all, 0, 0);
            case LabelMode.None:
                return settings.DropUnlabelledFaults
                    ? (Without(demo, training, _ => true), 0, 0, all)
                    : (HiddenLabelsSource.WithoutLabels(training), 0, all, 0);
        }

        var kind = heldOut!.Value;
        var hidden = training.Faults.Count(f => f.Kind == kind);
        return settings.DropUnlabelledFaults
            ? (Without(demo, training, f => f.Kind == kind), all - hidden, 0, hidden)
            : (HiddenLabelsSource.WithoutTypes(training, [LeaveKindOutSettings.KindName(kind)]), all - hidden, hidden, 0);
    }

    /// <summary>
    /// The training period simulated again with an explicit schedule of the faults not dropped: the same seed gives
    /// the same records wherever no fault acts, so only the dropped faults' telemetry turns normal.
    /// </summary>
    private static TelemetrySimulator Without(DemoSettings demo, TelemetrySimulator training, Func<SimulatedFault, bool> drop)
    {
        var options = demo.TrainingPeriod();
        foreach (var fault in training.Faults.Where(f => !drop(f)))
        {
            options.Faults.Add(fault);
        }

        if (options.Faults.Count == 0)
        {
            options.FaultCount = 0;
        }

        return new TelemetrySimulator(options);
    }

    /// <summary>One row per held-out kind (per kind with --labels none or all), over the seeds.</summary>
    private static List<LeaveKindOutRow> Rows(LeaveKindOutSettings settings, IReadOnlyList<LeaveKindOutRun> runs)
    {
        var rows = new List<LeaveKindOutRow>();
        foreach (var kind in settings.Kinds.Select(LeaveKindOutSettings.KindName))
        {
            var mine = settings.Labels == LabelMode.HoldOut ? runs.Where(r => r.HeldOut == kind).ToList() : [.. runs];
            var own = mine.Select(r => r.Kinds.Where(k => k.Kind == kind)).ToList();
            var other = mine.Select(r => r.Kinds.Where(k => k.Kind != kind)).ToList();
            var ownTimes = own.Select(ks => ks.Single().MeanTimeToDetectSeconds).OfType<double>().ToList();
            var times = mine.Select(r => r.MeanTimeToDetectSeconds).OfType<double>().ToList();
            rows.Add(new LeaveKindOutRow(
                kind,
                Ratio(own),
                Ratio(other),
                Ratio(mine.Select(r => r.Kinds.AsEnumerable()).ToList()),
                own.Sum(ks => ks.Sum(k => k.ByAnomalyScore)),
                Spread([.. mine.Select(r => r.FalseAlarmsPerHour)]),
                Spread([.. mine.Select(r => r.Precision)]),
                Spread([.. mine.Select(r => r.Recall)]),
                Spread([.. mine.Select(r => r.F1)]),
                times.Count == 0 ? null : Spread(times),
                ownTimes.Count == 0 ? null : Spread(ownTimes)));
        }

        return rows;
    }

    /// <summary>Detected / faults pooled over the seeds, with the mean and spread of the per-seed recall (seeds without such faults left out).</summary>
    private static RecallFigure Ratio(IReadOnlyList<IEnumerable<KindRecall>> perSeed)
    {
        var counts = perSeed.Select(ks => (Detected: ks.Sum(k => k.Detected), Faults: ks.Sum(k => k.Faults))).ToList();
        var recalls = counts.Where(x => x.Faults > 0).Select(x => (double)x.Detected / x.Faults).ToList();
        var spread = recalls.Count == 0 ? null : Spread(recalls);
        return new RecallFigure(counts.Sum(x => x.Detected), counts.Sum(x => x.Faults), spread?.Mean, spread?.StandardDeviation);
    }

    /// <summary>The mean and, over more than one value, the sample standard deviation.</summary>
    internal static SpreadFigure Spread(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        double? sd = values.Count < 2 ? null : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new SpreadFigure(mean, sd);
    }

    /// <summary>Prints the settings, one row per held-out kind and the summary line (the last line).</summary>
    internal static void Print(LeaveKindOutReport r, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var labels = r.Labels switch
        {
            "hold-out" when r.DropUnlabelledFaults => "every kind's but the held-out one's; the held-out kind's faults are left out of the training simulation",
            "hold-out" => "every kind's but the held-out one's; the held-out kind's faults stay in the training telemetry, unlabelled",
            "none" when r.DropUnlabelledFaults => "none, and no fault in the training simulation (fault-free training; one training per seed, every row reads the same run)",
            "none" => "none; the faults stay in the training telemetry, unlabelled (one training per seed; every row reads the same run)",
            _ => "every kind's (one training per seed; every row reads the same run)",
        };
        output.WriteLine(string.Create(c,
            $"Leave-kind-out on the simulator: {r.Services} services, {r.TrainingHours:0.##} h of training (seed s), {r.TestHours:0.##} h of test (seed s + 1) with faults of every kind; method {r.Method}, decision unsupervised, alarm budget {r.AlarmBudgetPerHour:0.###}/h, at most {r.Epochs} epochs; event tolerance {r.ToleranceSeconds:0} s; seeds {string.Join(",", r.Seeds)}."));
        output.WriteLine("Training labels: " + labels + ".");
        var multi = r.Seeds.Count > 1;
        string[] header = [r.Labels == "hold-out" ? "held out" : "kind", "its recall", "by anomaly", "other kinds", "all kinds", "false alarms/h", "precision", "recall", "F1", "MTTD", "its MTTD"];
        var table = new List<string[]> { header };
        foreach (var row in r.Rows)
        {
            table.Add(
            [
                row.Kind,
                Format(row.KindRecall, multi),
                row.KindRecall.Detected == 0 ? "-" : string.Create(c, $"{row.ByAnomalyScore}/{row.KindRecall.Detected}"),
                Format(row.OtherKindsRecall, multi),
                Format(row.AllKindsRecall, multi),
                Format(row.FalseAlarmsPerHour, multi, "0.00"),
                Format(row.Precision, multi, "0.00"),
                Format(row.Recall, multi, "0.00"),
                Format(row.F1, multi, "0.00"),
                row.MeanTimeToDetectSeconds is { } t ? Format(t, multi, "0") + " s" : "-",
                row.KindMeanTimeToDetectSeconds is { } k ? Format(k, multi, "0") + " s" : "-",
            ]);
        }

        var widths = Enumerable.Range(0, header.Length).Select(i => table.Max(cells => cells[i].Length)).ToArray();
        foreach (var cells in table)
        {
            output.WriteLine(string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd());
        }

        output.WriteLine(SummaryLine(r));
    }

    /// <summary>The last line: the row kinds' recall pooled over rows and seeds, the rest as means over rows.</summary>
    internal static string SummaryLine(LeaveKindOutReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var detected = r.Rows.Sum(x => x.KindRecall.Detected);
        var faults = r.Rows.Sum(x => x.KindRecall.Faults);
        var own = faults == 0 ? "-" : string.Create(c, $"{(double)detected / faults:0.00} ({detected}/{faults})");
        var others = r.Rows.Select(x => x.OtherKindsRecall.Mean).OfType<double>().DefaultIfEmpty(double.NaN).Average();
        var name = r.Labels == "hold-out" ? "held-out" : "row-kind";
        return string.Create(c,
            $"labels {r.Labels}{(r.DropUnlabelledFaults ? " (dropped)" : string.Empty)}, {Plural(r.Rows.Count, "kind")}, {Plural(r.Seeds.Count, "seed")}: {name} recall {own}, other kinds {others:0.00}, " +
            $"false alarms per hour {r.Rows.Average(x => x.FalseAlarmsPerHour.Mean):0.00}, point F1 {r.Rows.Average(x => x.F1.Mean):0.00}; {r.Seconds:0} s");
    }

    private static string Plural(int count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string Format(RecallFigure f, bool multi)
    {
        var c = CultureInfo.InvariantCulture;
        if (f.Faults == 0)
        {
            return "-";
        }

        var mean = multi && f.StandardDeviation is { } sd ? string.Create(c, $"{f.Mean:0.00}±{sd:0.00}") : string.Create(c, $"{(double)f.Detected / f.Faults:0.00}");
        return string.Create(c, $"{mean} ({f.Detected}/{f.Faults})");
    }

    private static string Format(SpreadFigure f, bool multi, string format) =>
        multi && f.StandardDeviation is { } sd
            ? f.Mean.ToString(format, CultureInfo.InvariantCulture) + "±" + sd.ToString(format, CultureInfo.InvariantCulture)
            : f.Mean.ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>Which training labels <c>mstgad leave-kind-out</c> keeps.</summary>
internal enum LabelMode
{
    /// <summary>Every kind's labels but the held-out kind's; one training per held-out kind.</summary>
    HoldOut,

    /// <summary>No labels: the anomaly score alone.</summary>
    None,

    /// <summary>Every kind's labels.</summary>
    All,
}

/// <summary>The settings of <c>mstgad leave-kind-out</c>: the demo's system and detector, the library's default decision.</summary>
internal sealed record LeaveKindOutSettings
{
    /// <summary>Every fault kind of the simulator.</summary>
    public static IReadOnlyList<FaultKind> AllKinds { get; } = Enum.GetValues<FaultKind>();

    /// <summary>The simulated periods and the detector's configuration (its seed is replaced by each of <see cref="Seeds"/>).</summary>
    public DemoSettings Demo { get; init; } = new();

    public IReadOnlyList<long> Seeds { get; init; } = [1];

    /// <summary>The kinds held out in turn (the rows).</summary>
    public IReadOnlyList<FaultKind> Kinds { get; init; } = AllKinds;

    public LabelMode Labels { get; init; } = LabelMode.HoldOut;

    public bool DropUnlabelledFaults { get; init; }

    public string Method { get; init; } = MstgadMethod.MethodName;

    public double AlarmBudgetPerHour { get; init; } = new UnsupervisedOptions().AlarmBudgetPerHour;

    /// <summary>The label name of a kind, as the simulator labels its faults (<c>cpu_hog</c>, …).</summary>
    public static string KindName(FaultKind kind) => new SimulatedFault(kind, "-", default, TimeSpan.Zero).Type;

    public static string ModeName(LabelMode mode) => mode switch
    {
        LabelMode.None => "none",
        LabelMode.All => "all",
        _ => "hold-out",
    };

    /// <summary>The demo's detector with the library's default decision (unsupervised), the method and the alarm budget.</summary>
    public DetectorBuilder CreateBuilder(long seed) => (Demo with { Seed = seed, Method = Method }).CreateBuilder()
        .WithDecisionRule(DecisionRule.Unsupervised)
        .WithAlarmBudget(AlarmBudgetPerHour);

    /// <summary>Reads and checks the command's values.</summary>
    /// <exception cref="CliException">One or more values are not valid; the message names every problem on one line.</exception>
    public static LeaveKindOutSettings Read(DemoSettings demo, long seed, bool seedGiven, string? seeds, string? kinds, string labels, bool drop, string method, string alarmBudget)
    {
        var problems = new List<string>();
        T Parse<T>(Func<T> parse, T fallback)
        {
            try
            {
                return parse();
            }
            catch (FormatException ex)
            {
                problems.Add(ex.Message.TrimEnd('.'));
                return fallback;
            }
        }

        if (seedGiven && seeds is not null)
        {
            problems.Add("give --seed or --seeds, not both");
        }

        var settings = new LeaveKindOutSettings
        {
            Demo = demo,
            Seeds = seeds is null ? [seed] : Parse(() => ParseSeeds(seeds), [seed]),
            Kinds = kinds is null ? AllKinds : Parse(() => ParseKinds(kinds), AllKinds),
            Labels = Parse(() => ParseLabels(labels), LabelMode.HoldOut),
            DropUnlabelledFaults = drop,
            Method = Parse(() => DetectorCommandOptions.ParseMethod(method), MstgadMethod.MethodName),
            AlarmBudgetPerHour = Parse(() => UnsupervisedCommandOptions.ParseRate(alarmBudget), new UnsupervisedOptions().AlarmBudgetPerHour),
        };
        problems.AddRange(settings.Problems());
        if (problems.Count > 0)
        {
            throw new CliException(CliErrors.OneLine(string.Join("; ", problems.Distinct())), LeaveKindOutCommand.Help, CliErrors.Usage);
        }

        return settings;
    }

    /// <summary>What is wrong with the numbers and their combination, one message per problem (empty when valid).</summary>
    public IReadOnlyList<string> Problems()
    {
        var c = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        if (Demo.Services is < 2 or > SimulationOptions.MaxServices)
        {
            problems.Add(string.Create(c, $"--services must be from 2 to {SimulationOptions.MaxServices}; it is {Demo.Services}"));
        }

        if (Demo.Epochs < 1)
        {
            problems.Add(string.Create(c, $"--epochs must be at least 1; it is {Demo.Epochs}"));
        }

        if (Demo.Threads < 1)
        {
            problems.Add(string.Create(c, $"--threads must be at least 1; it is {Demo.Threads}"));
        }

        // The periods are checked with a valid number of services, so that a bad --services is named once.
        var sized = Demo with { Services = Math.Clamp(Demo.Services, 2, SimulationOptions.MaxServices) };
        Period("--hours", sized.TrainingPeriod);
        Period("--test-hours", sized.TestPeriod);

        if (DropUnlabelledFaults && Labels == LabelMode.All)
        {
            problems.Add("--drop-unlabelled-faults has nothing to drop with --labels all (every fault is labelled)");
        }

        return problems;

        void Period(string option, Func<SimulationOptions> period)
        {
            try
            {
                problems.AddRange(period().Validate().Select(p => option + ": " + p.TrimEnd('.')));
            }
            catch (ArgumentException ex)
            {
                problems.Add(option + ": " + ex.Message.TrimEnd('.'));
            }
        }
    }

    /// <summary>Parses <c>--kinds</c>: label names (<c>cpu_hog</c>) or with hyphens (<c>cpu-hog</c>), any case; duplicates count once.</summary>
    /// <exception cref="FormatException">An unknown name, or none.</exception>
    public static IReadOnlyList<FaultKind> ParseKinds(string text)
    {
        var kinds = new List<FaultKind>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = part.Replace('-', '_');
            var kind = AllKinds.Cast<FaultKind?>().FirstOrDefault(k => string.Equals(KindName(k!.Value), name, StringComparison.OrdinalIgnoreCase))
                ?? throw new FormatException($"--kinds: unknown fault kind '{part}' (the kinds are {string.Join(", ", AllKinds.Select(KindName))})");
            if (!kinds.Contains(kind))
            {
                kinds.Add(kind);
            }
        }

        return kinds.Count > 0 ? kinds : throw new FormatException($"--kinds names no fault kind (the kinds are {string.Join(", ", AllKinds.Select(KindName))})");
    }

    /// <summary>Parses <c>--seeds</c>: distinct integers, comma-separated.</summary>
    /// <exception cref="FormatException">Not such a list.</exception>
    public static IReadOnlyList<long> ParseSeeds(string text)
    {
        var seeds = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
            {
                throw new FormatException($"--seeds '{text}' is not a comma-separated list of integers, such as 1,2,3");
            }

            if (seeds.Contains(seed))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"--seeds '{text}' names seed {seed} twice"));
            }

            seeds.Add(seed);
        }

        return seeds;
    }

    /// <summary>Parses <c>--labels</c>.</summary>
    /// <exception cref="FormatException">Not a mode's name.</exception>
    public static LabelMode ParseLabels(string text) => text switch
    {
        "hold-out" => LabelMode.HoldOut,
        "none" => LabelMode.None,
        "all" => LabelMode.All,
        _ => throw new FormatException($"--labels '{text}' is not one of hold-out, none, all"),
    };
}

/// <summary>Everything <c>mstgad leave-kind-out</c> measured.</summary>
/// <param name="Labels">hold-out, none or all.</param>
/// <param name="DropUnlabelledFaults">Whether the faults without a label (the held-out kind's, or with labels none every fault) were left out of the training simulation.</param>
/// <param name="Method">mstgad or statistical.</param>
/// <param name="AlarmBudgetPerHour">The alarm budget of the anomaly score.</param>
/// <param name="Seeds">The seeds of the training periods (each test period: seed + 1).</param>
/// <param name="TrainingHours">Hours of each training period.</param>
/// <param name="TestHours">Hours of each test period.</param>
/// <param name="Services">Services of the simulated system.</param>
/// <param name="Epochs">The most epochs of a training.</param>
/// <param name="ToleranceSeconds">The event tolerance.</param>
/// <param name="Rows">One row per held-out kind (per kind with labels none or all), over the seeds.</param>
/// <param name="Runs">Every training and its evaluation.</param>
/// <param name="Seconds">Wall time.</param>
internal sealed record LeaveKindOutReport(
    string Labels,
    bool DropUnlabelledFaults,
    string Method,
    double AlarmBudgetPerHour,
    IReadOnlyList<long> Seeds,
    double TrainingHours,
    double TestHours,
    int Services,
    int Epochs,
    double ToleranceSeconds,
    IReadOnlyList<LeaveKindOutRow> Rows,
    IReadOnlyList<LeaveKindOutRun> Runs,
    double Seconds);

/// <summary>One row of the table.</summary>
/// <param name="Kind">The held-out kind (with labels none or all: the kind whose recall <paramref name="KindRecall"/> is).</param>
/// <param name="KindRecall">The recall of the row's kind on the test periods.</param>
/// <param name="OtherKindsRecall">The recall of the other kinds.</param>
/// <param name="AllKindsRecall">The recall of every test fault.</param>
/// <param name="ByAnomalyScore">Of the row kind's detected faults, those with a flag from the anomaly score (the rest only from the classifier).</param>
/// <param name="FalseAlarmsPerHour">Runs of flagged steps of an instance that touch no fault window of it (± tolerance), per hour.</param>
/// <param name="Precision">Point-wise precision.</param>
/// <param name="Recall">Point-wise recall.</param>
/// <param name="F1">Point-wise F1.</param>
/// <param name="MeanTimeToDetectSeconds">Mean time to detect over the detected test faults; null when none was.</param>
/// <param name="KindMeanTimeToDetectSeconds">Mean time to detect over the row kind's detected faults; null when none was.</param>
internal sealed record LeaveKindOutRow(
    string Kind,
    RecallFigure KindRecall,
    RecallFigure OtherKindsRecall,
    RecallFigure AllKindsRecall,
    int ByAnomalyScore,
    SpreadFigure FalseAlarmsPerHour,
    SpreadFigure Precision,
    SpreadFigure Recall,
    SpreadFigure F1,
    SpreadFigure? MeanTimeToDetectSeconds,
    SpreadFigure? KindMeanTimeToDetectSeconds);

/// <summary>A recall over seeds.</summary>
/// <param name="Detected">Detected faults, summed over the seeds.</param>
/// <param name="Faults">Faults, summed over the seeds.</param>
/// <param name="Mean">The mean of the per-seed recalls (seeds with such faults); null when there were none.</param>
/// <param name="StandardDeviation">Their sample standard deviation; null with fewer than two.</param>
internal sealed record RecallFigure(int Detected, int Faults, double? Mean, double? StandardDeviation);

/// <summary>A figure over seeds: its mean and, with more than one seed, its sample standard deviation.</summary>
internal sealed record SpreadFigure(double Mean, double? StandardDeviation);

/// <summary>The test faults of one kind in one run.</summary>
/// <param name="Kind">The kind's label name.</param>
/// <param name="Detected">Detected faults (a flag of the faulty instance within the fault window ± tolerance).</param>
/// <param name="Faults">Faults of the kind in the test period.</param>
/// <param name="ByAnomalyScore">Detected faults with a flag from the anomaly score.</param>
/// <param name="MeanTimeToDetectSeconds">Mean of max(0, time to detect) over the detected faults; null when none was.</param>
internal sealed record KindRecall(string Kind, int Detected, int Faults, int ByAnomalyScore, double? MeanTimeToDetectSeconds);

/// <summary>One training and its evaluation on the test period.</summary>
/// <param name="Seed">The training period's seed.</param>
/// <param name="HeldOut">The held-out kind; null with labels none or all.</param>
/// <param name="LabelledTrainingFaults">Training faults with a label.</param>
/// <param name="UnlabelledTrainingFaults">Training faults in the telemetry without a label.</param>
/// <param name="DroppedTrainingFaults">Faults left out of the training simulation.</param>
/// <param name="Epochs">Epochs trained (0 for the statistical method).</param>
/// <param name="BestEpoch">The epoch kept.</param>
/// <param name="Kinds">The test faults per kind.</param>
/// <param name="Events">Test faults.</param>
/// <param name="DetectedEvents">Detected test faults.</param>
/// <param name="Precision">Point-wise precision.</param>
/// <param name="Recall">Point-wise recall.</param>
/// <param name="F1">Point-wise F1.</param>
/// <param name="RocAuc">Point-wise ROC-AUC of the decision score (threshold-free); null when undefined.</param>
/// <param name="AnomalyThreshold">The threshold of the metrics' anomaly score the alarm budget gave.</param>
/// <param name="FalseAlarms">False alarms.</param>
/// <param name="FalseAlarmsPerHour">False alarms per hour of the test period.</param>
/// <param name="MeanTimeToDetectSeconds">Mean time to detect; null when nothing was detected.</param>
/// <param name="Seconds">Wall time of the run.</param>
internal sealed record LeaveKindOutRun(
    long Seed,
    string? HeldOut,
    int LabelledTrainingFaults,
    int UnlabelledTrainingFaults,
    int DroppedTrainingFaults,
    int Epochs,
    int BestEpoch,
    IReadOnlyList<KindRecall> Kinds,
    int Events,
    int DetectedEvents,
    double Precision,
    double Recall,
    double F1,
    double? RocAuc,
    double? AnomalyThreshold,
    int FalseAlarms,
    double FalseAlarmsPerHour,
    double? MeanTimeToDetectSeconds,
    double Seconds);
