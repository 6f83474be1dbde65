using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MstGad.Features;
using MstGad.Orleans;
using MstGad.Simulation;

namespace MstGad.Samples.Cluster;

/// <summary>Settings of the sample.</summary>
public sealed class ClusterSampleOptions
{
    /// <summary>How many systems (each a simulated application with its own seed and faults).</summary>
    public int Systems { get; set; } = 3;

    /// <summary>Simulated hours to train the model on.</summary>
    public double TrainingHours { get; set; } = 2;

    /// <summary>Simulated minutes streamed per system.</summary>
    public int Minutes { get; set; } = 60;

    /// <summary>The silo's port and its gateway's.</summary>
    public (int Silo, int Gateway) Ports { get; set; } = (11_211, 30_211);

    /// <summary>The folder of the model store and the checkpoints.</summary>
    public string Folder { get; set; } = Path.Combine(Path.GetTempPath(), "mstgad-cluster-sample");
}

/// <summary>What the sample did.</summary>
/// <param name="Statuses">Each system's status at the end.</param>
/// <param name="StepsTold">Closed steps the observer got, per system.</param>
/// <param name="IncidentsOpened">Incidents opened, per system.</param>
public sealed record ClusterSampleResult(IReadOnlyList<MonitoredSystemStatus> Statuses, IReadOnlyDictionary<string, int> StepsTold, IReadOnlyDictionary<string, int> IncidentsOpened);

/// <summary>
/// Many systems on one silo: a model trained on a simulated system is stored as version v1 of every system; a silo
/// (Orleans, in this process) runs a grain per system with its checkpoints in a folder; an agent sends each system's
/// telemetry with <see cref="MstGadClusterSender"/>; an observer counts the closed steps and incidents; halfway, v2
/// is stored for the first system and rolled out while its records keep coming.
/// </summary>
public static class ClusterSample
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<ClusterSampleResult> RunAsync(ClusterSampleOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (Directory.Exists(options.Folder))
        {
            Directory.Delete(options.Folder, recursive: true);
        }

        var store = new FolderModelStore(Path.Combine(options.Folder, "models"));
        var systems = Enumerable.Range(0, options.Systems).Select(i => $"shop-{i}").ToList();
        using (var detector = new DetectorBuilder().WithInterval(TimeSpan.FromMinutes(1)).ConfigureTraining(o => o.MaxEpochs = 1).UseDevice("cpu", 1).Build())
        {
            await detector.FitAsync(new TelemetrySimulator(Simulation(Start, TimeSpan.FromHours(options.TrainingHours), seed: 1, faults: 0)), cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var system in systems)
            {
                store.Put(system, "v1", detector);
            }

            store.Put(systems[0], "v2", detector); // stored now, rolled out halfway (the same training: any artifact would do)
            File.Move(Path.Combine(store.Root, systems[0], "v2.mstgad"), Path.Combine(options.Folder, "v2.mstgad"));
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: options.Ports.Silo, gatewayPort: options.Ports.Gateway)
            .AddMstGadFolderStorage(Path.Combine(options.Folder, "checkpoints"))
            .AddMstGad(o =>
            {
                o.ModelStore = store;
                o.ConfigureOnline = online => online.MaxClockSkew = null; // recorded (simulated) time, not now
            }));
        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var observer = new Counter();
        var reference = grains.CreateObjectReference<ISystemVerdictObserver>(observer);
        foreach (var system in systems)
        {
            await grains.GetGrain<IMonitoredSystemGrain>(system).SubscribeAsync(reference).ConfigureAwait(false);
        }

        var sender = new MstGadClusterSender(grains, "sample-agent");
        var streams = systems.Select((_, i) => Stream(Start.AddHours(options.TrainingHours), options.Minutes, seed: 10 + i)).ToList();
        var half = streams[0].Count / 2;
        await Task.WhenAll(systems.Select(async (system, i) =>
        {
            for (var n = 0; n < streams[i].Count; n++)
            {
                if (i == 0 && n == half)
                {
                    File.Move(Path.Combine(options.Folder, "v2.mstgad"), Path.Combine(store.Root, system, "v2.mstgad"));
                    var rolling = await grains.GetGrain<IMonitoredSystemGrain>(system).RollOutAsync().ConfigureAwait(false);
                    await output.WriteLineAsync($"{system}: rolling out {rolling.RollingOutTo} beside {rolling.ModelVersion}").ConfigureAwait(false);
                }

                var d = streams[i][n];
                await sender.SendAsync(system, d.Metrics, d.Logs, d.Spans, cancellationToken).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        await sender.FlushAsync(cancellationToken).ConfigureAwait(false);

        // Steps reach the observer on their own (each grain sends its observers' steps until they are taken): wait
        // until no grain has one left to send.
        var statuses = new List<MonitoredSystemStatus>();
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromMilliseconds(50))
        {
            statuses.Clear();
            foreach (var system in systems)
            {
                statuses.Add(await grains.GetGrain<IMonitoredSystemGrain>(system).GetStatusAsync().ConfigureAwait(false));
            }

            if (statuses.All(s => s.UndeliveredSteps == 0) || waited > TimeSpan.FromSeconds(30))
            {
                break;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        foreach (var status in statuses)
        {
            var system = status.System;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{system}: model {status.ModelVersion}, {status.RecordsPushed:N0} records, {status.StepsClosed} steps closed ({status.StepsScored} scored), " +
                $"{observer.Steps.GetValueOrDefault(system)} told to the observer, {observer.Opened.GetValueOrDefault(system)} incidents opened, {status.Checkpoints} checkpoints")).ConfigureAwait(false);
        }

        await host.StopAsync(cancellationToken).ConfigureAwait(false);
        return new ClusterSampleResult(statuses, new Dictionary<string, int>(observer.Steps), new Dictionary<string, int>(observer.Opened));
    }

    private static SimulationOptions Simulation(DateTimeOffset from, TimeSpan duration, int seed, int? faults = null) => new()
    {
        Seed = seed,
        Services = 6,
        Replicas = 1,
        Start = from,
        Duration = duration,
        RequestsPerSecond = 5,
        FaultCount = faults ?? 2,
    };

    /// <summary>A system's telemetry in event-time order, in deliveries of at most 1,000 records.</summary>
    private static List<TelemetryDelivery> Stream(DateTimeOffset from, int minutes, int seed)
    {
        var simulator = new TelemetrySimulator(Simulation(from, TimeSpan.FromMinutes(minutes), seed));
        var records = new List<(DateTimeOffset Time, object Record)>();
        records.AddRange(simulator.ReadMetricsAsync().ToBlockingEnumerable().Select(m => (m.Time, (object)m)));
        records.AddRange(simulator.ReadLogsAsync().ToBlockingEnumerable().Select(l => (l.Time, (object)l)));
        records.AddRange(simulator.ReadSpansAsync().ToBlockingEnumerable().Select(s => (s.End, (object)s)));
        return [.. records.OrderBy(r => r.Time).Select(r => r.Record).Chunk(1_000).Select(chunk => new TelemetryDelivery
        {
            Metrics = [.. chunk.OfType<MetricSample>()],
            Logs = [.. chunk.OfType<LogRecord>()],
            Spans = [.. chunk.OfType<Span>()],
        })];
    }

    /// <summary>Counts what the grains tell.</summary>
    private sealed class Counter : ISystemVerdictObserver
    {
        public ConcurrentDictionary<string, int> Steps { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, int> Opened { get; } = new(StringComparer.Ordinal);

        public Task OnStepClosedAsync(SystemStep closed)
        {
            Steps.AddOrUpdate(closed.System, 1, (_, n) => n + 1);
            var opened = closed.Incidents.Count(e => e.Change == IncidentChange.Opened);
            Opened.AddOrUpdate(closed.System, opened, (_, n) => n + opened);
            return Task.CompletedTask;
        }
    }
}
