using MstGad.Simulation;

namespace MstGad.Samples.QuickStart;

/// <summary>The quick start: train a detector on six simulated hours with labelled faults, then find the faults of a fresh hour.</summary>
public static class QuickStart
{
    /// <summary>Runs the quick start.</summary>
    /// <param name="output">Receives what was found.</param>
    /// <param name="trainingHours">Hours of simulated training telemetry.</param>
    /// <param name="epochs">The most training epochs.</param>
    /// <param name="cancellationToken">Cancels training or detection.</param>
    /// <returns>The verdicts on the fresh hour.</returns>
    public static async Task<IReadOnlyList<InstanceVerdict>> RunAsync(TextWriter output, double trainingHours = 6, int epochs = 40, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);

        // Telemetry with labelled faults: here simulated; for your own, TelemetryDirectory.Open("folder").
        var start = new DateTimeOffset(2024, 3, 4, 10, 0, 0, TimeSpan.Zero);
        var training = new TelemetrySimulator(new() { Seed = 1, Start = start, Duration = TimeSpan.FromHours(trainingHours), MetricInterval = TimeSpan.FromSeconds(30), FaultCount = (int)(trainingHours * 6) });
        var nextDay = new TelemetrySimulator(new() { Seed = 2, Start = start.AddDays(1), Duration = TimeSpan.FromHours(1), MetricInterval = TimeSpan.FromSeconds(30), FaultCount = 4 });

        using var detector = new DetectorBuilder()
            .WithInterval(TimeSpan.FromSeconds(30))                       // one graph of the instances every 30 s
            .WithWindow(5)                                                 // scored on windows of 5 graphs
            .ConfigureFeatures(o => o.MaxFeatureMagnitude = 5)
            .ConfigureModel(o =>                                           // a small network: trains in about half a minute
            {
                o.EncoderLayers = o.DecoderLayers = 1;
                o.MetricDimension = o.LogDimension = 8;
                o.Heads = 2;
            })
            .ConfigureTraining(o =>
            {
                o.MaxEpochs = epochs;
                o.LearningRate = 3e-3;
                o.Patience = 12;
            })
            .ConfigureSplit(o => o.HiddenLabelFraction = 0)               // learn from every labelled fault
            .UseDevice("cpu", threads: 1)
            .Build();                                                      // validates every setting at once

        var fit = await detector.FitAsync(training, cancellationToken: cancellationToken).ConfigureAwait(false);
        output.WriteLine($"Trained {fit.Training.Epochs.Count} epochs on {fit.TrainingWindows} windows of {fit.Instances} instances.");

        var result = await detector.DetectAsync(nextDay, cancellationToken).ConfigureAwait(false);
        foreach (var fault in nextDay.Faults)
        {
            var instance = detector.Features.Options.InstanceKey.Map(fault.Target);   // pods map to their service
            var hit = result.Verdicts.FirstOrDefault(v => v.IsAbnormal && v.Instance == instance && v.Time > fault.Start && v.Time - detector.Interval < fault.End);
            output.WriteLine(hit is null
                ? $"{fault.Start:HH:mm:ss} {fault.Type} on {instance}: missed"
                : $"{fault.Start:HH:mm:ss} {fault.Type} on {instance}: flagged at {hit.Time:HH:mm:ss} (P = {hit.Probability:F2}); evidence: {Describe(hit.Evidence)}");
        }

        output.WriteLine($"{result.Verdicts.Count(v => v.IsAbnormal)} of {result.Verdicts.Count} verdicts abnormal.");
        return result.Verdicts;
    }

    private static string Describe(Evidence e) => string.Join("; ", [
        .. e.Metrics.Take(1).Select(m => $"metric {m.Name}"),
        .. e.Logs.Take(1).Select(l => $"log \"{l.Template ?? l.Feature}\""),
        .. e.Edges.Take(1).Select(c => c.Describe())]);
}
