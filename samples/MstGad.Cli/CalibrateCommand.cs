using System.CommandLine;
using System.Globalization;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary><c>mstgad calibrate</c>: set the anomaly score's alarm budget (and the decision rule) of a trained detector again, without retraining.</summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model") { Description = "A detector saved by mstgad train.", Required = true };
        var data = new Option<DirectoryInfo>("--data") { Description = "The telemetry folder the detector was trained on (the same training/validation split is used).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the recalibrated detector (may be the same file).", Required = true };
        var decision = new Option<string?>("--decision") { Description = "Also change the decision rule: " + DetectorCommandOptions.DecisionDescription };
        var unsupervised = new UnsupervisedCommandOptions();
        var command = new Command("calibrate", "Fit the unsupervised anomaly score and its alarm-budget threshold again on a trained detector's training and validation time, without retraining the network.") { model, data, output, decision };
        unsupervised.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            UnsupervisedOptions options;
            DecisionRule? rule;
            try
            {
                options = unsupervised.Create(result);
                rule = result.GetValue(decision) is { } name ? DetectorCommandOptions.ParseDecision(name) : null;
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 2;
            }

            using var detector = DetectorFiles.Load(result.GetRequiredValue(model));
            if (detector is null)
            {
                return 1;
            }

            var source = TelemetryDirectory.Open(result.GetRequiredValue(data).FullName, ReadMode.Lenient);
            var aggregator = detector.CreateAggregator();
            var faults = await TelemetryDirectory.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
            var threshold = detector.Recalibrate(aggregator.Complete(), faults, options, rule);
            var path = result.GetRequiredValue(output).FullName;
            detector.Save(path);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"anomaly threshold {threshold:G4} for an alarm budget of {options.AlarmBudgetPerHour:G4} per hour; decision {detector.DecisionRule}, threshold {detector.Threshold:G4}"));
            Console.WriteLine($"saved {path}");
            return 0;
        });
        return command;
    }
}
