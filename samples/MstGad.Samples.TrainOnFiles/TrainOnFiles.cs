using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Samples.TrainOnFiles;

/// <summary>Trains a detector on a folder of recorded telemetry and saves it as one file.</summary>
public static class TrainOnFiles
{
    /// <summary>Trains on <paramref name="folder"/> and saves the detector to <paramref name="modelPath"/>.</summary>
    /// <param name="folder">Telemetry in any layout <see cref="TelemetryDirectory.Open"/> knows: files named
    /// <c>metrics*</c>, <c>logs*</c>, <c>spans*</c> and <c>faults*</c> (CSV or JSON Lines, see docs/formats.md),
    /// OpenTelemetry <c>*.otlp.json</c> exports, or the Nezha layout.</param>
    /// <param name="modelPath">Where to save the trained detector.</param>
    /// <param name="output">Receives what was read and learnt.</param>
    /// <param name="interval">The step length Δ (default 30 s).</param>
    /// <param name="epochs">The most training epochs.</param>
    /// <param name="cancellationToken">Cancels reading or training.</param>
    /// <returns>What training reported.</returns>
    public static async Task<FitReport> RunAsync(string folder, string modelPath, TextWriter output, TimeSpan? interval = null, int epochs = 40, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);

        // Lenient: bad rows are skipped and counted (source.Report) instead of stopping at the first.
        var source = TelemetryDirectory.Open(folder, ReadMode.Lenient);

        // The default decision works with and without labels: an instance is flagged when its anomaly score (each
        // reconstruction error against its own spread on normal training time) or, when training has labelled faults,
        // the classifier's probability is above its threshold; both thresholds come from an alarm budget (false alarms
        // per hour) on normal training time.
        var labels = 0;
        await foreach (var _ in source.ReadFaultsAsync(cancellationToken).ConfigureAwait(false))
        {
            labels++;
        }

        output.WriteLine(labels > 0
            ? $"{labels} labelled faults: the anomaly score and the classifier decide, each under its share of the alarm budget."
            : "No fault labels: the anomaly score decides under the alarm budget.");

        using var detector = new DetectorBuilder()
            .WithInterval(interval ?? TimeSpan.FromSeconds(30))
            .WithWindow(5)
            .WithAlarmBudget(1)
            .ConfigureFeatures(o => o.MaxFeatureMagnitude = 5)
            .ConfigureModel(o =>
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
            .ConfigureSplit(o => o.HiddenLabelFraction = 0)
            .UseDevice("cpu", threads: 1)
            .Build();

        var fit = await detector.FitAsync(source, cancellationToken: cancellationToken).ConfigureAwait(false);
        output.WriteLine($"Read metrics: {source.Report.Metrics}");
        output.WriteLine($"Read logs:    {source.Report.Logs}");
        output.WriteLine($"Read spans:   {source.Report.Spans}");
        output.WriteLine($"Trained {fit.Training.Epochs.Count} epochs (best {fit.Training.BestEpoch}) on {fit.TrainingWindows} windows of {fit.Instances} instances " +
            $"({fit.NodeFeatures} node and {fit.EdgeFeatures} edge features), {fit.TrainingStart:u} – {fit.ValidationEnd:u}; threshold {fit.Threshold:G3}.");

        // One file holds everything learnt: Drain state, features, normalisers, instances, threshold, weights.
        detector.Save(modelPath);
        using var loaded = Detector.Load(modelPath);
        output.WriteLine($"Saved {modelPath} ({new FileInfo(modelPath).Length:N0} bytes); it loads back with {loaded.Instances.Count} instances and threshold {loaded.Threshold:G3}.");
        output.WriteLine($"Score new telemetry with it: mstgad detect --model {modelPath} --data <folder> --out verdicts.csv");
        return fit;
    }
}
