using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using MstGad.Features;
using MstGad.Model;
using MstGad.Orleans;
using MstGad.Simulation;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace MstGad.Benchmarks;

/// <summary>
/// MstGad on an Orleans cluster of 1, 2 or 4 silos, all in this process (Orleans' test cluster: real silos, real
/// messaging over loopback; on a 2-core machine more silos add messaging, not cores, so the figures are a ratio).
/// Each invocation streams twenty simulated minutes of 20 systems (10 services each, ~2,000 records per system-minute)
/// through <see cref="MstGadClusterSender"/> to 20 new system grains, deliveries of at most 500 records, and waits
/// until every record is in a checkpoint: activation, routing, aggregation, scoring (a window is 10 steps: the last
/// ~9 minutes of each system are scored), checkpoints.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class ClusterBenchmarks
{
    internal const int Systems = 20;
    private const int Minutes = 20;
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private TestCluster _cluster = null!;
    private List<TelemetryDelivery>[] _streams = [];
    private int _iteration;

    [Params(1, 2, 4)]
    public int Silos { get; set; }

    /// <summary>Records one invocation sends.</summary>
    public long Records => _streams.Sum(s => s.Sum(d => (long)d.Count));

    [GlobalSetup]
    public void Setup()
    {
        ClusterModel.Ensure();
        _streams = [.. Enumerable.Range(0, Systems).Select(i => ClusterModel.Stream(Start.AddHours(2), Minutes, seed: 100 + i))];
        Console.WriteLine($"// {Silos} silos; per invocation {Records:N0} records to {Systems} systems");
        var builder = new TestClusterBuilder((short)Silos);
        builder.Options.ConfigureFileLogging = false; // no logs/ folder in the working directory
        builder.AddSiloBuilderConfigurator<ClusterModel.Silo>();
        builder.AddClientBuilderConfigurator<ClusterModel.Client>();
        _cluster = builder.Build();
        _cluster.Deploy();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        var last = _iteration - 1;
        var statuses = Task.WhenAll(Enumerable.Range(0, Systems).Select(i => _cluster.Client.GetGrain<IMonitoredSystemGrain>($"i{last}-s{i}").GetStatusAsync())).GetAwaiter().GetResult();
        Console.WriteLine($"// last invocation: {statuses.Sum(s => s.RecordsPushed):N0} records pushed, {statuses.Sum(s => s.StepsClosed)} steps closed, {statuses.Sum(s => s.StepsScored)} scored");
        _cluster.StopAllSilos();
        _cluster.Dispose();
    }

    /// <summary>Streams every system's twenty minutes and flushes them into checkpoints.</summary>
    [Benchmark]
    public async Task StreamTwentySystems()
    {
        var iteration = _iteration++;
        var sender = new MstGadClusterSender(_cluster.Client, "bench-" + iteration);
        await Task.WhenAll(_streams.Select(async (stream, i) =>
        {
            var system = $"i{iteration}-s{i}";
            foreach (var d in stream)
            {
                await sender.SendAsync(system, d.Metrics, d.Logs, d.Spans).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        await sender.FlushAsync().ConfigureAwait(false);
    }
}

/// <summary>The benchmarks' cluster set-up: one detector trained on a simulated 10-service system (one epoch), served
/// to every system by a store that has it for any name, checkpoints in memory.</summary>
internal static class ClusterModel
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static byte[]? _model;

    public static byte[] Bytes => _model ?? throw new InvalidOperationException("Call Ensure first.");

    public static void Ensure()
    {
        if (_model is not null)
        {
            return;
        }

        TorchNative.EnsureLoadable();
        using var detector = new DetectorBuilder()
            .WithInterval(TimeSpan.FromMinutes(1))
            .ConfigureTraining(o => o.MaxEpochs = 1)
            .UseDevice("cpu", 1)
            .Build();
        detector.FitAsync(Simulate(Start, TimeSpan.FromHours(2), seed: 1)).GetAwaiter().GetResult();
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        _model = buffer.ToArray();
    }

    /// <summary>A system's telemetry for some minutes in event-time order, in deliveries of at most 500 records.</summary>
    public static List<TelemetryDelivery> Stream(DateTimeOffset from, int minutes, int seed)
    {
        var simulator = Simulate(from, TimeSpan.FromMinutes(minutes), seed);
        var records = new List<(DateTimeOffset Time, object Record)>();
        records.AddRange(simulator.ReadMetricsAsync().ToBlockingEnumerable().Select(m => (m.Time, (object)m)));
        records.AddRange(simulator.ReadLogsAsync().ToBlockingEnumerable().Select(l => (l.Time, (object)l)));
        records.AddRange(simulator.ReadSpansAsync().ToBlockingEnumerable().Select(s => (s.Start + s.Duration, (object)s)));
        return [.. records.OrderBy(r => r.Time).Select(r => r.Record).Chunk(500).Select(chunk => new TelemetryDelivery
        {
            Metrics = [.. chunk.OfType<MetricSample>()],
            Logs = [.. chunk.OfType<LogRecord>()],
            Spans = [.. chunk.OfType<Span>()],
        })];
    }

    private static TelemetrySimulator Simulate(DateTimeOffset start, TimeSpan duration, int seed) => new(new SimulationOptions
    {
        Seed = seed,
        Services = 10,
        Replicas = 1,
        Start = start,
        Duration = duration,
        RequestsPerSecond = 5,
        FaultCount = 0,
    });

    /// <summary>The same artifact for every system.</summary>
    internal sealed class AnySystemStore : IMstGadModelStore
    {
        public ValueTask<ModelVersion?> GetNewestAsync(string system, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<ModelVersion?>(new ModelVersion(system, "v1", () => new MemoryStream(Bytes, writable: false)));

        public ValueTask<ModelVersion?> GetAsync(string system, string version, CancellationToken cancellationToken = default) =>
            GetNewestAsync(system, cancellationToken);
    }

    internal sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMemoryGrainStorage(MstGadClusterOptions.DefaultStorageName);
            siloBuilder.AddMstGad(o =>
            {
                o.ModelStore = new AnySystemStore();
                o.ConfigureOnline = online =>
                {
                    online.MaxClockSkew = null;
                    online.Lateness = TimeSpan.FromSeconds(30);
                    online.VerdictBufferCapacity = 0;
                };
            });
        }
    }

    internal sealed class Client : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddMstGadClient();
    }
}
