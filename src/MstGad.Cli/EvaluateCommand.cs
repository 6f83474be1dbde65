using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MstGad.Datasets;
using MstGad.Evaluation;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary><c>mstgad evaluate</c>: score labelled telemetry with a trained detector and report point-wise, event-level and point-adjusted figures.</summary>
internal static class EvaluateCommand
{
    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A detector saved by mstgad train.", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "Labelled telemetry (with a fault list).", Required = true };
        var all = new Option<bool>("--all") { Description = "Evaluate every step, also those the detector was trained or validated on (default: only steps after its validation part when the data covers them)." };
        var fromTime = new Option<DateTimeOffset?>("--from") { Description = "Evaluate only steps that end after this time (ISO-8601, UTC when no offset is given), for example the start of injected faults; implies --all before it is applied." };
        var tolerance = new Option<string>("--tolerance") { Description = "Event tolerance around each fault.", DefaultValueFactory = _ => "60s" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var verdicts = new Option<FileInfo?>("--verdicts") { Description = "Also write the verdicts CSV." };
        var threshold = new Option<double?>("--threshold") { Description = "Decide at this threshold on the model's decision score instead of its own (e.g. 0.5 for the paper's P ≥ 0.5 with a model trained with --decision calibrated)." };
        var plot = new Option<FileInfo?>("--plot") { Description = "Also draw a PNG: each instance's score over time, the threshold, its labelled fault windows shaded and its flagged steps marked." };
        var perFault = new Option<bool>("--faults") { Description = "Also print one line per fault: detected or not, when, the largest anomaly score and probability of its instance in the window, and the root-cause ranking at the trigger." };
        var command = new Command("evaluate", "Score labelled telemetry and report precision, recall, F1, ROC-AUC, AP, event recall, time to detect and false alarms per hour.")
        {
            model, data, all, fromTime, tolerance, json, verdicts, threshold, plot, perFault,
        };
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            var plotFile = result.GetValue(plot);
            if (plotFile is not null)
            {
                try
                {
                    ScorePlot.CheckPath(plotFile.FullName);
                }
                catch (Exception ex) when (ex is ArgumentException or IOException)
                {
                    Console.Error.WriteLine("error: " + ex.Message);
                    return 1;
                }
            }

            var given = result.GetValue(threshold);
            if (given is { } t && !double.IsFinite(t))
            {
                Console.Error.WriteLine($"error: --threshold must be a finite number; it is {t}.");
                return 1;
            }

            var verdictsPath = result.GetValue(verdicts) is { } verdictsFile ? OutputFiles.Check(verdictsFile, "--verdicts") : null;
            var toleranceValue = Durations.Parse(result.GetValue(tolerance)!);
            using var detector = DetectorFiles.Load(result.GetRequiredValue(model));
            var source = DataFolder.Open(result.GetRequiredValue(data), ReadMode.Lenient);
            var aggregator = detector.CreateAggregator();
            var faults = await TelemetrySources.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
            var aggregate = aggregator.Complete();
            foreach (var note in ReadReports.Notes(source.Report))
            {
                Console.Error.WriteLine("warning: " + note);
            }

            var clock = aggregate.Clock;
            long? from = null;
            if (result.GetValue(fromTime) is { } fromValue)
            {
                from = clock.StepOf(fromValue.ToUniversalTime()) + 1;
            }
            else if (!result.GetValue(all) && clock.StepOf(detector.TrainedUntil) < aggregate.FirstStep + aggregate.StepCount - detector.Window)
            {
                from = clock.StepOf(detector.TrainedUntil) + (detector.Window - 1);
            }

            var decideAt = given ?? detector.Threshold;
            var steps = detector.DetectSteps(aggregate, from);
            if (given is not null)
            {
                steps = [.. steps.Select(s => s with { Verdicts = Redecide(s.Verdicts, given) })];
            }

            var list = steps.SelectMany(s => s.Verdicts).ToList();
            if (verdictsPath is not null)
            {
                OutputFiles.Write(verdictsPath, "--verdicts", p =>
                {
                    using var writer = new StreamWriter(p);
                    DetectCommand.WriteVerdicts(writer, list);
                });
            }

            var key = detector.Features.Options.InstanceKey;
            var report = Evaluate(list, faults, key, clock, toleranceValue, decideAt);
            var events = VerdictEvaluation.InRange(VerdictEvaluation.FaultEvents(faults, key), list, clock.Interval);
            var rootCause = RootCauseMetrics.Evaluate(steps, events, toleranceValue);
            report = report with { RootCause = new RootCauseFigures(rootCause.Faults, rootCause.Triggered, rootCause.AccuracyAt1, rootCause.AccuracyAt3) };
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Indented));
            }
            else
            {
                Print(report);
            }

            if (result.GetValue(perFault))
            {
                PrintFaults(list, rootCause, toleranceValue, result.GetValue(json) ? Console.Error : Console.Out);
            }

            if (plotFile is not null)
            {
                var title = $"mstgad evaluate: {result.GetRequiredValue(model).Name} on {result.GetRequiredValue(data).Name}";
                var plotData = PlotData(list, VerdictEvaluation.FaultEvents(faults, key), report, detector.DecisionRule, clock.Interval, title);
                try
                {
                    var layout = ScorePlot.Save(plotData, plotFile.FullName);
                    if (!layout.HasText)
                    {
                        Console.Error.WriteLine("warning: no font was found under /usr/share/fonts, so the plot has no text (on Debian: apt-get install fonts-dejavu-core).");
                    }

                    // With --json, stdout holds only the JSON object.
                    (result.GetValue(json) ? Console.Error : Console.Out).WriteLine($"plot: {layout.Panels.Count} instances → {plotFile.FullName}");
                }
                catch (IOException ex)
                {
                    Console.Error.WriteLine("error: " + ex.Message);
                    return 1;
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>The verdicts decided again at <paramref name="threshold"/> on their score (unchanged when it is null).</summary>
    internal static IReadOnlyList<InstanceVerdict> Redecide(IReadOnlyList<InstanceVerdict> verdicts, double? threshold) =>
        threshold is { } t ? [.. verdicts.Select(v => v with { IsAbnormal = v.Score >= t })] : verdicts;

    internal static EvaluationReport Evaluate(IReadOnlyList<InstanceVerdict> verdicts, IReadOnlyList<FaultLabel> faults, InstanceKey key, StepClock clock, TimeSpan tolerance, double threshold) =>
        verdicts.Count == 0
            ? throw new CliException("nothing to evaluate: no step of the data ends a full window after the training part", "use --all to evaluate every step, or give --data a longer period")
            : VerdictEvaluation.Evaluate(verdicts, faults, key, clock.Interval, tolerance, threshold);

    /// <summary>One line per fault: detected or not, the largest scores of its instance in its window, and the root-cause ranking at the trigger.</summary>
    internal static void PrintFaults(IReadOnlyList<InstanceVerdict> verdicts, RootCauseMetrics rootCause, TimeSpan tolerance, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        var byInstance = verdicts.ToLookup(v => v.Instance, StringComparer.Ordinal);
        foreach (var o in rootCause.Outcomes)
        {
            var e = o.Event;
            var window = byInstance[e.Instance].Where(v => v.Time >= e.Start - tolerance && v.Time - TimeSpan.Zero <= e.End + tolerance).ToList();
            var firstFlag = window.Where(v => v.IsAbnormal).Select(v => (DateTimeOffset?)v.Time).Min();
            var maxAnomaly = window.Select(v => v.AnomalyScore).Where(a => !double.IsNaN(a)).DefaultIfEmpty(double.NaN).Max();
            var maxP = window.Select(v => v.Probability).DefaultIfEmpty(double.NaN).Max();
            var maxScore = window.Select(v => v.Score).DefaultIfEmpty(double.NaN).Max();
            output.WriteLine(string.Create(c,
                $"fault {e.Start.UtcDateTime:HH:mm:ss} {e.Instance}: {(firstFlag is { } f ? $"detected at {f.UtcDateTime:HH:mm:ss}" : "missed")}; max score {maxScore:0.###}, anomaly {maxAnomaly:0.##}, P {maxP:0.###}; " +
                $"{(o.Trigger is { } t ? $"trigger {t.UtcDateTime:HH:mm:ss}, rank {o.Rank?.ToString(c) ?? "-"}, top {o.Top}" : "no trigger")}"));
        }
    }

    /// <summary>What <c>--plot</c> draws: every instance's decision score, its flags and its labelled faults, under the report's figures.</summary>
    internal static ScorePlotData PlotData(IReadOnlyList<InstanceVerdict> verdicts, IReadOnlyList<FaultEvent> events, EvaluationReport r, DecisionRule rule, TimeSpan interval, string title)
    {
        var c = CultureInfo.InvariantCulture;
        var byInstance = events.ToLookup(e => e.Instance, StringComparer.Ordinal);
        var series = verdicts
            .GroupBy(v => v.Instance, StringComparer.Ordinal)
            .Select(g =>
            {
                var ordered = g.OrderBy(v => v.Time).ToList();
                var faults = byInstance[g.Key].Where(e => e.End > r.From && e.Start <= r.To).Select(e => new FaultWindow(e.Start, e.End)).ToList();
                return new ScoreSeries(g.Key, ordered.Select(v => v.Time).ToList(), ordered.Select(v => v.Score).ToList(), ordered.Select(v => v.IsAbnormal).ToList(), faults);
            })
            .ToList();
        var onError = rule is DecisionRule.ExtremeValue or DecisionRule.ReconstructionThreshold;
        var (scoreName, scoreText) = onError ? ("RE", "reconstruction error RE (log scale)") : ("P", "abnormal probability P");
        var ruleText = rule switch
        {
            DecisionRule.Classifier => "classifier",
            DecisionRule.CalibratedClassifier => "classifier, class-weight corrected",
            DecisionRule.ValidationThreshold => "best-F1 threshold on validation",
            DecisionRule.ReconstructionThreshold => "best-F1 threshold of RE on validation",
            DecisionRule.ExtremeValue => "extreme-value threshold (SPOT) of RE",
            _ => rule.ToString(),
        };
        var sameDay = r.From.UtcDateTime.Date == r.To.AddTicks(-1).UtcDateTime.Date;
        var period = sameDay
            ? string.Create(c, $"{r.From.UtcDateTime:yyyy-MM-dd HH:mm} – {(r.To.UtcDateTime.TimeOfDay == TimeSpan.Zero ? "24:00" : r.To.UtcDateTime.ToString("HH:mm", c))} UTC")
            : string.Create(c, $"{r.From.UtcDateTime:yyyy-MM-dd HH:mm} – {r.To.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
        string[] notes =
        [
            string.Create(c, $"{period}: {r.Steps} steps of {Durations.Format(interval)} × {r.Instances} instances, {r.AbnormalPoints} labelled abnormal points.  Score: {scoreText}; decision: {ruleText}, {scoreName} ≥ {r.Threshold:G4}."),
            string.Create(c, $"Point-wise: precision {r.Point.Precision:0.000}, recall {r.Point.Recall:0.000}, F1 {r.Point.F1:0.000}, ROC-AUC {r.Point.RocAuc:0.000}, AP {r.Point.AveragePrecision:0.000}.   Events: {r.Event.Detected} of {r.Event.Events} detected, mean time to detect {r.Event.MeanTimeToDetectSeconds?.ToString("0", c) ?? "-"} s, {r.Event.FalseAlarms} false alarms ({r.Event.FalseAlarmsPerHour:0.00}/h)."),
        ];
        return new ScorePlotData(title, notes, scoreName, onError ? ScoreScale.Logarithmic : ScoreScale.Probability, r.Threshold, r.From, r.To, series);
    }

    internal static void Print(EvaluationReport r)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"evaluated {r.From:O} – {r.To:O}: {r.Steps} steps × {r.Instances} instances, {r.AbnormalPoints} abnormal points, threshold {r.Threshold:G4}"));
        Console.WriteLine(string.Create(c, $"point-wise:     precision {r.Point.Precision:0.000}  recall {r.Point.Recall:0.000}  F1 {r.Point.F1:0.000}  ROC-AUC {r.Point.RocAuc:0.000}  AP {r.Point.AveragePrecision:0.000}"));
        Console.WriteLine(string.Create(c, $"event-level:    recall {r.Event.Recall:0.000} ({r.Event.Detected}/{r.Event.Events})  mean time to detect {r.Event.MeanTimeToDetectSeconds?.ToString("0", c) ?? "-"} s  false alarms {r.Event.FalseAlarms} ({r.Event.FalseAlarmsPerHour:0.00}/h)"));
        Console.WriteLine(string.Create(c, $"point-adjusted: F1 {r.PointAdjustedF1:0.000} (inflated by construction; shown only beside the figures above)"));
        if (r.Scores is { } s)
        {
            Console.WriteLine(string.Create(c, $"ranking:        anomaly score ROC-AUC {s.AnomalyRocAuc:0.000} AP {s.AnomalyAveragePrecision:0.000}; classifier P ROC-AUC {s.ProbabilityRocAuc:0.000} AP {s.ProbabilityAveragePrecision:0.000}"));
        }

        if (r.RootCause is { } rc)
        {
            Console.WriteLine(string.Create(c, $"root cause:     AC@1 {rc.AccuracyAt1:0.000}  AC@3 {rc.AccuracyAt3:0.000} over {rc.Faults} faults ({rc.Triggered} with a trigger: a flag within the fault window ± tolerance)"));
        }
    }
}
