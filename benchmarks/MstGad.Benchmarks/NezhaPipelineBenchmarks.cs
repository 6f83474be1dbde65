using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using MstGad.Datasets;
using MstGad.Features;

namespace MstGad.Benchmarks;

/// <summary>
/// Reading the whole Nezha/TrainTicket day (201 MB: 47 metric files, 85 log files, 85 trace files),
/// bucketing it into 10-s steps and aggregating it (metric statistics, Drain log templates, span edges),
/// pinned to one core.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCoreConfig))]
public class NezhaPipelineBenchmarks
{
    private string _root = "";

    [GlobalSetup]
    public void Setup() => _root = SharedData.PathOf("nezha-trainticket");

    /// <summary>Read, bucket and aggregate everything; returns the records used.</summary>
    [Benchmark]
    public long ReadBucketAggregate()
    {
        var source = new NezhaDataset(_root, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        var aggregator = new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10) });
        TelemetrySources.LoadAsync(source, aggregator).GetAwaiter().GetResult();
        var report = aggregator.Complete().Report;
        return report.MetricsUsed + report.LogsUsed + report.SpansUsed + report.SpansDuplicate;
    }

    /// <summary>Read only (no aggregation), for comparison.</summary>
    [Benchmark]
    public long ReadOnly()
    {
        var source = new NezhaDataset(_root, new NezhaDatasetOptions { Mode = ReadMode.Lenient });
        long n = 0;
        foreach (var _ in source.ReadMetricsAsync().ToBlockingEnumerable())
        {
            n++;
        }

        foreach (var _ in source.ReadLogsAsync().ToBlockingEnumerable())
        {
            n++;
        }

        foreach (var _ in source.ReadSpansAsync().ToBlockingEnumerable())
        {
            n++;
        }

        return n;
    }

    private sealed class OneCoreConfig : ManualConfig
    {
        public OneCoreConfig()
        {
            AddJob(Job.Default
                .WithStrategy(RunStrategy.Monitoring)
                .WithWarmupCount(1)
                .WithIterationCount(5)
                .WithAffinity(1)
                .WithEnvironmentVariable("DOTNET_PROCESSOR_COUNT", "1"));
        }
    }
}
