using MstGad.Datasets;
using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Model.Tests.Support;

/// <summary>
/// A few minutes of the real Nezha TrainTicket data (2023-01-29, around fault F01 on
/// ts-contacts-service at 08:43:04 UTC) turned into labelled MST graph windows.
/// </summary>
internal sealed class NezhaSlice
{
    public const string Date = "2023-01-29";

    private NezhaSlice(List<GraphWindow> windows, InstanceRegistry registry, FeatureSpace space, IReadOnlyList<FaultLabel> faults)
    {
        Windows = windows;
        Registry = registry;
        Space = space;
        Faults = faults;
    }

    public List<GraphWindow> Windows { get; }

    public InstanceRegistry Registry { get; }

    public FeatureSpace Space { get; }

    public IReadOnlyList<FaultLabel> Faults { get; }

    public InputShape Shape => new(Space.MetricFeatureCount, Space.LogFeatureCount, Space.EdgeFeatureNames.Count);

    /// <summary>
    /// Reads the minute files 08_43–08_45 (a temporary folder links to them and to every metric file),
    /// keeps the records in [<paramref name="from"/>, <paramref name="to"/>), aggregates them into
    /// <paramref name="interval"/> steps, fits the features on those steps and slides windows of
    /// <paramref name="k"/> steps.
    /// </summary>
    public static async Task<NezhaSlice> LoadAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan interval, int k)
    {
        var root = Path.Combine(Path.GetTempPath(), "mstgad-nezha-" + Guid.NewGuid().ToString("N"));
        try
        {
            var source = SharedData.PathOf("nezha-trainticket", "rca_data", Date);
            var day = Path.Combine(root, "rca_data", Date);
            // Every metric file; the trace and log files of the minutes 08:43–08:45 (file search patterns know only * and ?).
            string[] minutes = ["08_43", "08_44", "08_45"];
            foreach (var (folder, keep) in new (string, Func<string, bool>)[] { ("metric", _ => true), ("trace", n => minutes.Any(n.StartsWith)), ("log", n => minutes.Any(n.StartsWith)) })
            {
                Directory.CreateDirectory(Path.Combine(day, folder));
                foreach (var file in Directory.EnumerateFiles(Path.Combine(source, folder), "*.csv").Where(f => keep(Path.GetFileName(f))))
                {
                    File.CreateSymbolicLink(Path.Combine(day, folder, Path.GetFileName(file)), file);
                }
            }

            var faultList = $"{Date}-fault_list.json";
            File.CreateSymbolicLink(Path.Combine(day, faultList), Path.Combine(source, faultList));

            var dataset = new NezhaDataset(root, new NezhaDatasetOptions { Mode = ReadMode.Lenient, IncludeConstructData = false });
            var options = new FeatureOptions { Interval = interval };
            var aggregator = new TelemetryAggregator(options);
            bool Inside(DateTimeOffset time) => time >= from && time < to;
            await foreach (var sample in dataset.ReadMetricsAsync().ConfigureAwait(false))
            {
                if (Inside(sample.Time))
                {
                    aggregator.Add(sample);
                }
            }

            await foreach (var log in dataset.ReadLogsAsync().ConfigureAwait(false))
            {
                if (Inside(log.Time))
                {
                    aggregator.Add(log);
                }
            }

            await foreach (var span in dataset.ReadSpansAsync().ConfigureAwait(false))
            {
                if (Inside(span.Start))
                {
                    aggregator.Add(span);
                }
            }

            var faults = new List<FaultLabel>();
            await foreach (var fault in dataset.ReadFaultsAsync().ConfigureAwait(false))
            {
                faults.Add(fault);
            }

            var data = aggregator.Complete();
            var clock = aggregator.Clock;
            long first = clock.StepOf(from), end = clock.StepOf(to);
            var space = FeatureSpace.Fit(data, first, end);
            var frame = space.Transform(data, first, end);
            var registry = new InstanceRegistry();
            var graphs = GraphBuilder.Build(frame, registry);
            var labels = Labels.FromFaults(faults, options.InstanceKey, registry, clock, first, graphs.Count, out _);
            return new NezhaSlice([.. GraphWindow.Slide(graphs, k, 1, labels)], registry, space, faults);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
