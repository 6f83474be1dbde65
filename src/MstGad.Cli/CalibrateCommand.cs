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
        command.SetGuardedAction(async (result, cancellationToken) =>
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
                throw new CliException(ex.Message, "see mstgad calibrate --help", CliErrors.Usage, ex);
            }

            var path = OutputFiles.Check(result.GetRequiredValue(output), "--out");
            var source = DataFolder.Open(result.GetRequiredValue(data), ReadMode.Lenient);
            using var detector = DetectorFiles.Load(result.GetRequiredValue(model));
            var aggregator = detector.CreateAggregator();
            var faults = await TelemetrySources.LoadAsync(source, aggregator, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<double> thresholds;
            try
            {
                thresholds = detector.Recalibrate(aggregator.Complete(), faults, options, rule);
            }
            catch (DetectorConfigurationException ex)
            {
                throw new CliException(CliErrors.OneLine(ex.Message), "see mstgad calibrate --help", CliErrors.Usage, ex);
            }

            OutputFiles.Write(path, "--out", detector.Save);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{DetectorFiles.AnomalyThresholds(thresholds, options.AlarmBudgetPerHour)}{DetectorFiles.ClassifierThreshold(detector)}; decision {detector.DecisionRule}, threshold {detector.Threshold:G4}"));
            Console.WriteLine($"saved {path}");
            return 0;
        });
        return command;
    }
}
