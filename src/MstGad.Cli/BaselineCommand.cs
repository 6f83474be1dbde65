using System.CommandLine;
using System.Text.Json;
using MstGad.Datasets;
using MstGad.Features;
using MstGad.Methods;

namespace MstGad.Cli;

/// <summary><c>mstgad baseline</c>: the robust z-score baseline under the same split, decision rule and evaluation as the detector.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Labelled telemetry.", Required = true };
        var interval = new Option<string>("--interval") { Description = "Step length Δ.", DefaultValueFactory = _ => "1m" };
        var window = new Option<int>("--window") { Description = "Evaluate from k − 1 steps after the validation part, like a detector with this window.", DefaultValueFactory = _ => 10 };
        var splitBy = new Option<string>("--split-by") { Description = "time or faults.", DefaultValueFactory = _ => "time" };
        var train = new Option<double>("--train-fraction") { DefaultValueFactory = _ => 0.6 };
        var validation = new Option<double>("--validation-fraction") { DefaultValueFactory = _ => 0.1 };
        var tolerance = new Option<string>("--tolerance") { DefaultValueFactory = _ => "60s" };
        var json = new Option<bool>("--json");
        var command = new Command("baseline", "Fit and evaluate the per-instance robust z-score of metrics (threshold chosen on the validation split).")
        {
            data, interval, window, splitBy, train, validation, tolerance, json,
        };
        command.SetGuardedAction(async (result, cancellationToken) =>
        {
            var options = new FeatureOptions { Interval = Durations.Parse(result.GetValue(interval)!) };
            var source = DataFolder.Open(result.GetRequiredValue(data), ReadMode.Lenient);
            var aggregator = new TelemetryAggregator(options);
            var faults = await TelemetrySources.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
            var aggregate = aggregator.Complete();
            foreach (var note in ReadReports.Notes(source.Report))
            {
                Console.Error.WriteLine("warning: " + note);
            }

            // The baseline is a method like any other: the facade splits, fits, chooses the threshold (best F1 on the
            // validation split) and scores, exactly as for a detector.
            var windowLength = result.GetValue(window);
            using var detector = new DetectorBuilder()
                .UseMethod(new RobustZScoreMethod())
                .WithInterval(options.Interval)
                .WithWindow(windowLength)
                .WithDecisionRule(DecisionRule.ReconstructionThreshold)
                .ConfigureFeatures(o => o.InstanceKey = options.InstanceKey)
                .ConfigureSplit(o =>
                {
                    o.By = result.GetValue(splitBy) == "faults" ? SplitBy.Faults : SplitBy.Time;
                    o.TrainFraction = result.GetValue(train);
                    o.ValidationFraction = result.GetValue(validation);
                })
                .UseDevice("cpu", 1)
                .Build();
            var fit = detector.Fit(aggregate, faults, cancellationToken: cancellationToken);
            var validationEnd = aggregate.Clock.StepOf(fit.ValidationEnd - TimeSpan.FromTicks(1));
            var verdicts = detector.Detect(aggregate, from: validationEnd + windowLength);
            var key = options.InstanceKey;
            var clock = aggregate.Clock;
            var threshold = detector.Threshold;
            var report = EvaluateCommand.Evaluate(verdicts, faults, key, clock, Durations.Parse(result.GetValue(tolerance)!), threshold);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, EvaluateCommand.Indented));
            }
            else
            {
                EvaluateCommand.Print(report);
            }

            return 0;
        });
        return command;
    }
}
