using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MstGad.Evaluation;
using MstGad.Features;
using MstGad.Simulation;

namespace MstGad.Cli;

/// <summary>
/// <c>mstgad demo</c>: simulate a microservice system, train a detector on it, detect on freshly simulated
/// time, and print the evaluation and three explained detections. Needs no data and no arguments.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var options = new DemoCommandOptions();
        var seed = new Option<long>("--seed") { Description = "Seed of the simulated training period (the test period uses seed + 1).", DefaultValueFactory = _ => new DemoSettings().Seed };
        var method = new Option<string>("--method") { Description = "The detection method: mstgad (the default), hades or statistical.", DefaultValueFactory = _ => new DemoSettings().Method };
        var command = new Command("demo", "Simulate a microservice system with injected faults, train a detector, detect on fresh simulated time and print the evaluation (no data needed).")
        {
            seed,
            method,
        };
        options.AddTo(command);
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            try
            {
                var settings = options.Read(result) with { Seed = result.GetValue(seed), Method = DetectorCommandOptions.ParseMethod(result.GetValue(method)!) };
                MstGad.Model.TorchNative.EnsureLoadable();
                await RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }

    /// <summary>Runs the demo and returns its headline figures.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="output">Receives the report.</param>
    /// <param name="progress">Receives progress (stages and epochs).</param>
    /// <param name="cancellationToken">Cancels simulation, training or detection.</param>
    /// <returns>The event recall, point-wise F1 and false alarms per hour.</returns>
    internal static async Task<DemoOutcome> RunAsync(DemoSettings settings, TextWriter output, TextWriter progress, CancellationToken cancellationToken = default)
    {
        var c = CultureInfo.InvariantCulture;
        var watch = Stopwatch.StartNew();
        var training = new TelemetrySimulator(settings.TrainingPeriod());
        var test = new TelemetrySimulator(settings.TestPeriod());
        output.WriteLine(string.Create(c, $"Simulated system: {training.Services.Count} services, {training.Instances.Count} instances, {training.Calls.Count} service calls; every request is a trace from {training.Services[0]}."));
        output.WriteLine(string.Create(c, $"Training: {training.Start:yyyy-MM-dd HH:mm} – {training.End:HH:mm} UTC with {training.Faults.Count} labelled faults ({Kinds(training.Faults)})."));
        output.WriteLine(string.Create(c, $"Test:     {test.Start:yyyy-MM-dd HH:mm} – {test.End:HH:mm} UTC, simulated afresh (seed {settings.Seed + 1}) with {test.Faults.Count} other faults ({Kinds(test.Faults)})."));
        output.WriteLine();

        using var detector = settings.CreateBuilder().Build();
        var fit = await detector.FitAsync(training, new DemoProgress(progress, watch), cancellationToken).ConfigureAwait(false);
        output.WriteLine(string.Create(c,
            $"Trained {fit.Training.Epochs.Count} epochs (best {fit.Training.BestEpoch}) on {fit.TrainingWindows} windows, validated on {fit.ValidationWindows}: {fit.Instances} instances, {fit.NodeFeatures} node and {fit.EdgeFeatures} edge features; threshold {fit.Threshold:G3}; {watch.Elapsed.TotalSeconds:0} s so far."));
        output.WriteLine(string.Create(c, $"Read {training.Report.Metrics.Records:N0} metric samples, {training.Report.Logs.Records:N0} log lines and {training.Report.Spans.Records:N0} spans for training."));

        progress.WriteLine(string.Create(c, $"[detecting] ({watch.Elapsed.TotalSeconds:0} s)"));
        var detection = await detector.DetectAsync(test, cancellationToken).ConfigureAwait(false);
        var key = detector.Features.Options.InstanceKey;
        var report = Evaluate(detection.Verdicts, test.Faults, key, detector.Interval, detector.Threshold, settings.Tolerance);
        output.WriteLine();
        output.WriteLine(string.Create(c, $"Evaluation on the test period ({report.Steps} steps × {report.Instances} instances, {report.AbnormalPoints} abnormal points, event tolerance {settings.Tolerance.TotalSeconds:0} s):"));
        output.WriteLine(string.Create(c, $"  point-wise:  precision {report.Point.Precision:0.000}  recall {report.Point.Recall:0.000}  F1 {report.Point.F1:0.000}  ROC-AUC {report.Point.RocAuc:0.000}  AP {report.Point.AveragePrecision:0.000}"));
        output.WriteLine(string.Create(c, $"  event-level: recall {report.Events.EventRecall:0.000} ({report.Events.DetectedEvents}/{report.Events.Events})  mean time to detect {(report.Events.MeanTimeToDetect is { } mttd ? mttd.TotalSeconds.ToString("0", c) + " s" : "-")}  false alarms {report.Events.FalseAlarms} ({report.Events.FalseAlarmsPerHour:0.00} per hour)"));
        output.WriteLine();
        output.WriteLine("Faults of the test period:");
        for (var i = 0; i < test.Faults.Count; i++)
        {
            var fault = test.Faults[i];
            var outcome = report.Events.Outcomes[i];
            var found = outcome.TimeToDetect is { } ttd ? string.Create(c, $"detected after {Math.Max(0, ttd.TotalSeconds):0} s") : "missed";
            output.WriteLine(string.Create(c, $"  {fault.Start:HH:mm:ss}  {fault.Type,-16} {fault.Target,-45} {found}"));
        }

        output.WriteLine();
        Explain(output, detection.Verdicts, test.Faults, report.Events, key, detector.Interval);
        var outcomeLine = string.Create(c, $"event recall {report.Events.EventRecall:0.00}, point F1 {report.Point.F1:0.00}, false alarms per hour {report.Events.FalseAlarmsPerHour:0.00}");
        output.WriteLine(string.Create(c, $"Done in {watch.Elapsed.TotalSeconds:0} s."));
        output.WriteLine(outcomeLine);
        return new DemoOutcome(report.Events.EventRecall, report.Point.F1, report.Events.FalseAlarmsPerHour, outcomeLine);
    }

    /// <summary>Point-wise and event-level figures of verdicts against the simulated faults.</summary>
    internal static DemoEvaluation Evaluate(IReadOnlyList<InstanceVerdict> verdicts, IReadOnlyList<SimulatedFault> faults, InstanceKey key, TimeSpan interval, double threshold, TimeSpan tolerance)
    {
        if (verdicts.Count == 0)
        {
            throw new ArgumentException("The test period is too short: no step ends a full window.");
        }

        var events = faults.Select(f => new FaultEvent(key.Map(f.Target), f.Start, f.End)).ToList();
        var scores = verdicts.Select(v => v.Score).ToList();
        var labels = VerdictEvaluation.AbnormalFlags(verdicts, events, interval).Select(a => a ? 1 : 0).ToList();
        var first = verdicts.Min(v => v.Time);
        var last = verdicts.Max(v => v.Time);
        var flags = VerdictEvaluation.FlaggedSteps(verdicts);
        return new DemoEvaluation(
            verdicts.Select(v => v.Time).Distinct().Count(),
            verdicts.Select(v => v.Instance).Distinct().Count(),
            labels.Count(l => l == 1),
            PointMetrics.Evaluate(scores, labels, threshold),
            EventMetrics.Evaluate(events, flags, tolerance, last - first + interval, interval));
    }

    /// <summary>Prints up to three detected faults (of different kinds where possible) with the evidence
    /// of the strongest verdict on the faulty instance during the fault.</summary>
    private static void Explain(TextWriter output, IReadOnlyList<InstanceVerdict> verdicts, IReadOnlyList<SimulatedFault> faults, EventMetrics events, InstanceKey key, TimeSpan interval)
    {
        var c = CultureInfo.InvariantCulture;
        var detected = Enumerable.Range(0, faults.Count).Where(i => events.Outcomes[i].Detected).ToList();
        var chosen = detected.GroupBy(i => faults[i].Kind).Select(g => g.First()).Take(3).ToList();
        chosen.AddRange(detected.Except(chosen).Take(3 - chosen.Count));
        chosen.Sort();
        if (chosen.Count == 0)
        {
            output.WriteLine("No fault was detected, so there is no detection to explain.");
            output.WriteLine();
            return;
        }

        output.WriteLine("Three explained detections (the evidence of the strongest verdict during each fault):");
        var number = 0;
        foreach (var i in chosen)
        {
            var fault = faults[i];
            var instance = key.Map(fault.Target);
            var verdict = verdicts
                .Where(v => v.Instance == instance && v.IsAbnormal && v.Time > fault.Start && v.Time - interval < fault.End)
                .OrderByDescending(v => v.Score)
                .FirstOrDefault() ?? verdicts.Where(v => v.Instance == instance && v.IsAbnormal).OrderBy(v => (v.Time - fault.Start).Duration()).First();
            output.WriteLine(string.Create(c, $"  {++number}. {fault.Type} on {fault.Target} at {fault.Start:HH:mm:ss}: {instance} flagged at {verdict.Time:HH:mm:ss}, score {verdict.Score:0.000}"));
            var e = verdict.Evidence;
            if (e.Metrics.Count > 0)
            {
                output.WriteLine("     metrics: " + string.Join("; ", e.Metrics.Select(m => string.Create(c, $"{m.Name} (error {m.Error:0.00})"))));
            }

            foreach (var log in e.Logs.Take(2))
            {
                var text = log.Template is null ? log.Feature : $"\"{log.Template}\"";
                var example = log.ExampleMessage is null ? string.Empty : $", e.g. \"{Shorten(log.ExampleMessage)}\"";
                output.WriteLine(string.Create(c, $"     log:     {text} (error {log.Error:0.00}){example}"));
            }

            foreach (var edge in e.Edges)
            {
                output.WriteLine(string.Create(c, $"     call:    {edge.Describe()} (error {edge.Error:0.00})"));
            }

            foreach (var attribution in e.Attributions)
            {
                output.WriteLine($"     weight:  {Shorten(attribution.Describe())}");
            }
        }

        output.WriteLine();
    }

    private static string Shorten(string text) => text.Length <= 110 ? text : string.Concat(text.AsSpan(0, 109), "…");

    private static string Kinds(IReadOnlyList<SimulatedFault> faults) =>
        string.Join(", ", faults.GroupBy(f => f.Type).Select(g => g.Count() == 1 ? g.Key : $"{g.Count()}× {g.Key}"));

    private sealed class DemoProgress(TextWriter writer, Stopwatch watch) : IProgress<FitProgress>
    {
        private bool _inEpochLine;

        public void Report(FitProgress value)
        {
            if (value.Stage != "training")
            {
                if (_inEpochLine)
                {
                    writer.WriteLine();
                    _inEpochLine = false;
                }

                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{value.Stage}] ({watch.Elapsed.TotalSeconds:0} s)"));
                return;
            }

            _inEpochLine = true;
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"\repoch {value.Epoch}/{value.MaxEpochs}  training loss {value.TrainingLoss:0.0000}  validation loss {value.ValidationLoss?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-"}  ({watch.Elapsed.TotalSeconds:0} s)   "));
        }
    }
}

/// <summary>
/// The settings of <c>mstgad demo</c>: a small system and a detector configuration that trains in well
/// under a minute on one core. Chosen on simulated training data of seeds 1–5 (never on a test period):
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>6 h of training with a fault every 10 minutes (36 faults: every kind several times, spread over the
/// instances) and every training label visible: with fewer labelled examples per kind, or half of them
/// hidden (the paper's protocol), the classifier learnt instance-specific patterns and missed faults.</item>
/// <item>30-s steps, a window of 5, one encoder and one decoder layer of width 8, batch 32, learning rate
/// 3e-3, at most 40 epochs with patience 12: about 1 s per epoch on one core.</item>
/// <item>One CPU thread: the tensors are tiny, and with two threads on a shared 2-core machine an epoch
/// took about ten times longer.</item>
/// <item>The library's default decision, the calibrated classifier (P ≥ w/(1 + w), w the class weight of the
/// loss). The best-F1 threshold on the validation part came out at P = 1 (P saturates), which missed most
/// test faults although P was near 1 throughout them.</item>
/// <item>Normalised features clipped to ±5: cascades (callers' client spans at the 1-s timeout, 200× their
/// normal length) otherwise saturate the classifier.</item>
/// <item>A 2-h test period (12 faults) the day after training, at the same hours (so at the same load).</item>
/// </list>
/// </remarks>
internal sealed record DemoSettings
{
    /// <summary>The seed of the training period; the test period uses the next one.</summary>
    public long Seed { get; init; } = 1;

    public double TrainingHours { get; init; } = 6;

    public double TestHours { get; init; } = 2;

    public int Services { get; init; } = 8;

    public int Epochs { get; init; } = 40;

    public int Threads { get; init; } = 1;

    /// <summary>The detection method (<c>mstgad</c>, <c>hades</c>, <c>statistical</c>).</summary>
    public string Method { get; init; } = MstGad.Model.MstgadMethod.MethodName;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    public int Window { get; init; } = 5;

    public double FaultsPerHour { get; init; } = 6;

    public TimeSpan FaultDuration { get; init; } = TimeSpan.FromMinutes(4);

    /// <summary>How far before and after a fault a flag still detects it.</summary>
    public TimeSpan Tolerance { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Training starts at 10:00 on the first day; the test period is the same hours of the next day.</summary>
    public DateTimeOffset TrainingStart { get; init; } = new(2024, 3, 4, 10, 0, 0, TimeSpan.Zero);

    public DateTimeOffset TestStart => TrainingStart.AddDays(1);

    /// <summary>The training period: <see cref="TrainingHours"/> from <see cref="TrainingStart"/>, seed <see cref="Seed"/>.</summary>
    public SimulationOptions TrainingPeriod() => Simulation(Seed, TrainingStart, TrainingHours);

    /// <summary>The test period: <see cref="TestHours"/> from <see cref="TestStart"/>, seed <see cref="Seed"/> + 1.</summary>
    public SimulationOptions TestPeriod() => Simulation(Seed + 1, TestStart, TestHours);

    /// <summary>The simulation of one period: faults spread evenly, kinds in turn.</summary>
    public SimulationOptions Simulation(long seed, DateTimeOffset start, double hours)
    {
        if (!(hours > 0 && hours <= 48))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Simulated periods must last more than 0 and at most 48 hours; one lasts {hours} h."));
        }

        return new SimulationOptions
        {
            Seed = seed,
            Services = Services,
            Start = start,
            Duration = Interval * Math.Max(1, Math.Round(hours * 3600 / Interval.TotalSeconds)),
            MetricInterval = Interval,
            FaultDuration = FaultDuration,
            FaultCount = Math.Max(1, (int)Math.Round(hours * FaultsPerHour)),
        };
    }

    /// <summary>
    /// The demo's detector. Its training labels every kind of fault it simulates, and the test period has only those
    /// kinds, so it decides with the combined rule (the anomaly score or the classifier): the classifier knows every kind
    /// it will meet. The library's default, the anomaly score alone, is for kinds nobody labelled (leave-kind-out).
    /// </summary>
    public DetectorBuilder CreateBuilder() => UseMethod(new DetectorBuilder())
        .WithInterval(Interval)
        .WithWindow(Window)
        .WithDecisionRule(DecisionRule.Combined)
        .ConfigureFeatures(o => o.MaxFeatureMagnitude = 5)
        .ConfigureModel(o =>
        {
            o.MetricDimension = 8;
            o.LogDimension = 8;
            o.TraceDimension = 8;
            o.Heads = 2;
            o.EdgeHeads = 2;
            o.EncoderLayers = 1;
            o.DecoderLayers = 1;
        })
        .ConfigureTraining(o =>
        {
            o.MaxEpochs = Epochs;
            o.Patience = 12;
            o.LearningRate = 3e-3;
            o.BatchSize = 32;
            o.Seed = Seed;
        })
        .ConfigureSplit(o =>
        {
            o.TrainFraction = 0.75;
            o.ValidationFraction = 0.25;
            o.HiddenLabelFraction = 0;
            o.Seed = Seed;
        })
        .UseDevice("cpu", Threads);

    /// <summary>Chooses <see cref="Method"/>: MSTGAD and the statistical detectors as the builder's other settings say,
    /// Hades with the demo's seed, epochs and patience (its own learning rate and batch size), another method with its defaults.</summary>
    private DetectorBuilder UseMethod(DetectorBuilder builder) => Method switch
    {
        MstGad.Model.MstgadMethod.MethodName => builder.UseMstgad(),
        Methods.Hades.HadesMethod.MethodName => builder.UseHades(o =>
        {
            o.Seed = Seed;
            o.Phase1Epochs = Epochs;
            o.Patience = 12;
        }),
        _ => DetectorCommandOptions.UseMethodNamed(builder, Method),
    };
}

/// <summary>The options of the simulated system and its detector that <c>mstgad demo</c> and <c>mstgad leave-kind-out</c> share.</summary>
internal sealed class DemoCommandOptions
{
    private static readonly DemoSettings Defaults = new();

    public Option<double> Hours { get; } = new("--hours") { Description = "Hours of simulated training telemetry.", DefaultValueFactory = _ => Defaults.TrainingHours };

    public Option<double> TestHours { get; } = new("--test-hours") { Description = "Hours of freshly simulated test telemetry.", DefaultValueFactory = _ => Defaults.TestHours };

    public Option<int> Services { get; } = new("--services") { Description = "Services in the simulated system.", DefaultValueFactory = _ => Defaults.Services };

    public Option<int> Epochs { get; } = new("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => Defaults.Epochs };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads for the network.", DefaultValueFactory = _ => Defaults.Threads };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Hours, TestHours, Services, Epochs, Threads })
        {
            command.Add(option);
        }
    }

    /// <summary>The demo's settings with the values of these options.</summary>
    public DemoSettings Read(ParseResult result) => Defaults with
    {
        TrainingHours = result.GetValue(Hours),
        TestHours = result.GetValue(TestHours),
        Services = result.GetValue(Services),
        Epochs = result.GetValue(Epochs),
        Threads = result.GetValue(Threads),
    };
}

/// <summary>The figures of a test period.</summary>
internal sealed record DemoEvaluation(int Steps, int Instances, int AbnormalPoints, PointMetrics Point, EventMetrics Events);

/// <summary>The headline of a demo run.</summary>
/// <param name="EventRecall">Detected faults / faults.</param>
/// <param name="PointF1">Point-wise F1 of the abnormal class.</param>
/// <param name="FalseAlarmsPerHour">False alarms per hour of the test period.</param>
/// <param name="Line">The last line printed.</param>
internal sealed record DemoOutcome(double EventRecall, double PointF1, double FalseAlarmsPerHour, string Line);
