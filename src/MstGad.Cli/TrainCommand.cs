using System.CommandLine;
using System.Globalization;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary><c>mstgad train</c>: train a detector on a telemetry folder and save the artifact.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "The telemetry folder (labels from its fault list when present).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the trained detector.", Required = true };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first bad record instead of counting and skipping it." };
        var shared = new DetectorCommandOptions();
        var command = new Command("train", "Train a detector on a telemetry folder (chronological training/validation split) and save it.") { data, output, strict };
        shared.AddTo(command);
        command.SetGuardedAction(
            async (result, cancellationToken) =>
            {
                // Everything that can be checked without training is checked first.
                var path = OutputFiles.Check(result.GetRequiredValue(output), "--out");
                var source = DataFolder.Open(result.GetRequiredValue(data), result.GetValue(strict) ? ReadMode.Strict : ReadMode.Lenient);
                MstGad.Model.TorchNative.EnsureLoadable();
                Detector detector;
                try
                {
                    detector = shared.CreateBuilder(result).Build();
                }
                catch (Exception ex) when (ex is FormatException or ArgumentException and not DetectorConfigurationException)
                {
                    throw new CliException(ex.Message, "see mstgad train --help", CliErrors.Usage, ex);
                }

                using (detector)
                {
                    FitReport report;
                    try
                    {
                        report = await detector.FitAsync(source, new ConsoleProgress(), cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidOperationException ex) when (ex.Message.StartsWith("Too little data", StringComparison.Ordinal))
                    {
                        // Detector.Fit: the training part is shorter than the window (any other InvalidOperationException is a bug).
                        Console.Error.WriteLine();
                        throw new CliException(ex.Message, "give --data a longer period, or a shorter --window or --interval, or other --train-fraction/--validation-fraction", CliErrors.Failed, ex);
                    }

                    OutputFiles.Write(path, "--out", detector.Save);
                    Console.Error.WriteLine();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"trained {report.Training.Epochs.Count} epochs (best {report.Training.BestEpoch}{(report.Training.StoppedEarly ? ", stopped early" : "")}{(report.Training.StoppedByTimeBudget ? ", stopped by the time budget" : "")}) on {report.TrainingWindows} windows, validated on {report.ValidationWindows}; " +
                        $"{report.Instances} instances, {report.NodeFeatures} node and {report.EdgeFeatures} edge features; class weight w {report.Training.ClassWeight:0.#}; threshold {report.Threshold:G4}; {report.Elapsed.TotalSeconds:0} s"));
                    Console.WriteLine($"training {report.TrainingStart:O} – {report.TrainingEnd:O}, validation until {report.ValidationEnd:O}");
                    if (detector.AnomalyThresholds is { } thresholds)
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"decision {detector.DecisionRule} ({detector.Method}); {DetectorFiles.AnomalyThresholds(thresholds, detector.AlarmBudgetPerHour!.Value)}{DetectorFiles.ClassifierThreshold(detector)}"));
                    }
                    Console.WriteLine($"read: metrics {source.Report.Metrics}; logs {source.Report.Logs}; spans {source.Report.Spans}; faults {source.Report.Faults}");
                    foreach (var note in ReadReports.Notes(source.Report))
                    {
                        Console.WriteLine(note);
                    }

                    Console.WriteLine($"saved {path}");
                    return 0;
                }
            },
            strict);
        return command;
    }
}

/// <summary>A one-line progress display on standard error.</summary>
internal sealed class ConsoleProgress : IProgress<FitProgress>
{
    public void Report(FitProgress value)
    {
        if (value.Stage != "training")
        {
            Console.Error.WriteLine($"[{value.Stage}]");
            return;
        }

        const int width = 30;
        var done = (int)Math.Round(width * (double)value.Epoch / value.MaxEpochs);
        var bar = new string('#', done) + new string('.', width - done);
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{bar}] epoch {value.Epoch}/{value.MaxEpochs}  train {value.TrainingLoss:0.0000}  valid {value.ValidationLoss?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-"}   "));
    }
}
