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

    /// <summary>A PostgreSQL connection string for the checkpoints, or null.</summary>
    public static string? PostgreSql { get; set; }

    /// <summary>A folder for the checkpoints (shared by the silos: it outlives a killed one, as a database does), or
    /// null for Orleans' memory storage (held by grains of the silos: not for a test that kills one).</summary>
    public static string? StorageFolder { get; set; }

    /// <summary>The systems' idle advance: off unless a test asks (the tests' data is from 2024 and their comparisons
    /// count the steps the records close).</summary>
    public static TimeSpan IdleAdvanceAfter { get; set; } = TimeSpan.Zero;

    /// <summary>Checkpoints every this many deliveries (4 unless a test asks).</summary>
    public static int CheckpointEveryDeliveries { get; set; } = 4;

    /// <summary>Checkpoints on this schedule while records arrive (10 minutes, i.e. never in a test, unless one asks).</summary>
    public static TimeSpan CheckpointPeriod { get; set; } = TimeSpan.FromMinutes(10);

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

    /// <summary>Stores the tiny detector for <paramref name="systems"/> under <paramref name="modelRoot"/> and points the
    /// next cluster's silos at it, with their checkpoints where asked (neither: Orleans' memory storage).</summary>
    public static void UseSystems(string modelRoot, IEnumerable<string> systems, string? postgreSql = null, string? storageFolder = null)
    {
        StoreModels(modelRoot, systems);
        ModelRoot = modelRoot;
        PostgreSql = postgreSql;
        StorageFolder = storageFolder;
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
        builder.Options.ConfigureFileLogging = false; // no logs/ folder in the working directory
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
                o.CheckpointEveryDeliveries = CheckpointEveryDeliveries;
                o.CheckpointPeriod = CheckpointPeriod;
                o.ObserverRetryPeriod = TimeSpan.FromMilliseconds(200);
                o.IdleAdvanceAfter = IdleAdvanceAfter;
                o.ConfigureOnline = Online;
            });
            if (PostgreSql is { } connection)
            {
                siloBuilder.AddMstGadPostgreSqlStorage(connection);
            }
            else if (StorageFolder is { } folder)
            {
                siloBuilder.AddMstGadFolderStorage(folder);
            }
            else
            {
                siloBuilder.AddMemoryGrainStorage(MstGadClusterOptions.DefaultStorageName);
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
            // A call into a silo that was killed fails after this instead of Orleans' 30 s.
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder)
        {
            clientBuilder.AddMstGadClient();
            clientBuilder.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        }
    }
}

/// <summary>Keeps the newest telling of every step of every system.</summary>
internal sealed class StepCollector : ISystemVerdictObserver
{
    private readonly ConcurrentDictionary<(string System, long Step), SystemStep> _steps = new();

    public int Count => _steps.Count;

    public Task OnStepClosedAsync(SystemStep closed)
    {
        _steps[(closed.System, closed.Step.Step)] = closed;
        return Task.CompletedTask;
    }

    public Dictionary<long, List<string>> Of(string system) =>
        _steps.Where(p => p.Key.System == system).ToDictionary(p => p.Key.Step, p => ClusterTesting.Rows(p.Value.Step));

    public List<SystemStep> Steps(string system) => [.. _steps.Where(p => p.Key.System == system).OrderBy(p => p.Key.Step).Select(p => p.Value)];

    public List<string> Versions(string system) => [.. Steps(system).Select(s => s.ModelVersion)];
}
