using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MstGad.Features;
using MstGad.Tests.Detection;
using MstGad.Tests.Online;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace MstGad.Orleans.Tests;

/// <summary>The test cluster's set-up and the systems streamed through it.</summary>
internal static class ClusterTesting
{
    private static readonly Lazy<byte[]> Model = new(() =>
    {
        using var detector = OnlineTesting.TrainTiny();
        using var buffer = new MemoryStream();
        detector.Save(buffer);
        return buffer.ToArray();
    });

    /// <summary>The folder the silos' model store reads (set before a cluster is deployed).</summary>
    public static string ModelRoot { get; set; } = "";

    /// <summary>A PostgreSQL connection string for the checkpoints, or null for the process-wide memory storage.</summary>
    public static string? PostgreSql { get; set; }

    /// <summary>The trained tiny detector's artifact.</summary>
    public static byte[] ModelBytes => Model.Value;

    /// <summary>Stores the tiny detector as version "v1" of every system.</summary>
    public static void StoreModels(string root, IEnumerable<string> systems)
    {
        foreach (var system in systems)
        {
            Directory.CreateDirectory(Path.Combine(root, system));
            File.WriteAllBytes(Path.Combine(root, system, "v1.mstgad"), ModelBytes);
        }
    }

    /// <summary>Online options of the tests: 60-s lateness, no clock check (the data is in the past).</summary>
    public static void Online(OnlineDetectorOptions o)
    {
        o.Lateness = TimeSpan.FromSeconds(60);
        o.MaxClockSkew = null;
        o.VerdictBufferCapacity = 0;
    }

    /// <summary>A three-silo cluster (in this process) with MstGad, checkpoints every 4 deliveries.</summary>
    public static async Task<TestCluster> StartClusterAsync(int silos = 3)
    {
        var builder = new TestClusterBuilder((short)silos);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>One system's records (the tiny system with its own noise) in deliveries of two steps.</summary>
    public static List<TelemetryDelivery> Deliveries(int system, int steps = 90)
    {
        var records = TinySystem.Records(steps, seed: 100 + system);
        return [.. records.Chunk(26).Select(chunk => new TelemetryDelivery
        {
            Metrics = [.. chunk.OfType<MetricSample>()],
            Logs = [.. chunk.OfType<LogRecord>()],
            Spans = [.. chunk.OfType<Span>()],
        })];
    }

    /// <summary>The closed steps of one process's <see cref="OnlineDetector"/> fed the same deliveries the same way a
    /// system's grain pushes them (metrics, then logs, then spans of each delivery).</summary>
    public static Dictionary<long, List<string>> SingleProcess(IEnumerable<TelemetryDelivery> deliveries)
    {
        using var detector = Detector.Load(new MemoryStream(ModelBytes, writable: false));
        var options = new OnlineDetectorOptions();
        Online(options);
        using var online = new OnlineDetector(detector, options);
        var steps = new Dictionary<long, List<string>>();
        online.StepClosed += (_, e) => steps[e.Verdicts.Step] = Rows(e.Verdicts);
        foreach (var d in deliveries)
        {
            foreach (var m in d.Metrics)
            {
                online.Push(m);
            }

            foreach (var l in d.Logs)
            {
                online.Push(l);
            }

            foreach (var s in d.Spans)
            {
                online.Push(s);
            }
        }

        return steps;
    }

    /// <summary>A step's verdicts as rows with every number round-trippable.</summary>
    public static List<string> Rows(StepVerdicts step) =>
        [$"{step.Step},{step.Scored},{step.Start:O},{step.End:O}", .. step.Verdicts.Select(OnlineTesting.Row), .. step.Calls.Select(c => $"{c.Caller}>{c.Callee}")];

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMstGad(o =>
            {
                o.ModelStore = new FolderModelStore(ModelRoot);
                o.CheckpointEveryDeliveries = 4;
                o.CheckpointPeriod = TimeSpan.FromMinutes(10);
                o.ConfigureOnline = Online;
            });
            if (PostgreSql is { } connection)
            {
                siloBuilder.AddMstGadPostgreSqlStorage(connection);
            }
            else
            {
                siloBuilder.Services.AddGrainStorage(MstGadClusterOptions.DefaultStorageName, (services, _) => new ProcessMemoryStorage(services.GetRequiredService<Serializer>()));
            }

            // Notice a lost silo within a few seconds.
            siloBuilder.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
            });
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.AddMstGadClient();
            clientBuilder.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        }
    }
}

/// <summary>
/// Grain storage in this process's memory, shared by every silo of the test cluster (so it outlives a killed silo,
/// as a database does); states are stored serialized, as a database stores them, with an integer version as ETag.
/// </summary>
internal sealed class ProcessMemoryStorage(Serializer serializer) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, (int Version, byte[] Bytes)> Store = new(StringComparer.Ordinal);

    public static void Clear() => Store.Clear();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Store.TryGetValue(Key(stateName, grainId), out var stored))
        {
            grainState.State = serializer.Deserialize<T>(stored.Bytes);
            grainState.ETag = stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = Key(stateName, grainId);
        var bytes = serializer.SerializeToArray(grainState.State);
        lock (Store)
        {
            var current = Store.TryGetValue(key, out var stored) ? stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"Version conflict: stored {current}, written over {grainState.ETag}.");
            }

            var version = stored.Version + 1;
            Store[key] = (version, bytes);
            grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Store.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => stateName + "|" + grainId;
}

/// <summary>Keeps the newest telling of every step of every system.</summary>
internal sealed class StepCollector : ISystemVerdictObserver
{
    private readonly ConcurrentDictionary<(string System, long Step), SystemStep> _steps = new();

    public int Count => _steps.Count;

    public void OnStepClosed(SystemStep closed) => _steps[(closed.System, closed.Step.Step)] = closed;

    public Dictionary<long, List<string>> Of(string system) =>
        _steps.Where(p => p.Key.System == system).ToDictionary(p => p.Key.Step, p => ClusterTesting.Rows(p.Value.Step));

    public List<SystemStep> Steps(string system) => [.. _steps.Where(p => p.Key.System == system).OrderBy(p => p.Key.Step).Select(p => p.Value)];

    public List<string> Versions(string system) => [.. Steps(system).Select(s => s.ModelVersion)];
}
