using Orleans.TestingHost;

namespace MstGad.Orleans.Tests;

/// <summary>Twenty monitored systems streamed at once through a three-silo cluster (in this process).</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClusterTests
{
    private const int Systems = 20;

    private static readonly List<string> Names = [.. Enumerable.Range(0, Systems).Select(i => $"system-{i:00}")];

    [Test]
    public async Task TwentySystemsOnThreeSilos_GiveTheVerdictsOfOneProcess()
    {
        using var models = new TempDirectory();
        await using var run = await ClusterRun.StartAsync(models.Path, postgreSql: null, storageFolder: null);
        await run.SendAllAsync();
        await run.Sender.FlushAsync();
        await run.AssertVerdictsOfOneProcessAsync();
        foreach (var status in await run.StatusesAsync())
        {
            Assert.Multiple(() =>
            {
                Assert.That(status.Gaps.Deliveries, Is.Zero, status.System);
                Assert.That(status.Duplicates.Deliveries, Is.Zero, status.System);
                Assert.That(status.Resent.Deliveries, Is.Zero, status.System);
                Assert.That(status.UncleanRestores, Is.Zero, status.System);
                Assert.That(status.Checkpoints, Is.GreaterThanOrEqualTo(run.Deliveries[0].Count / 4), status.System);
            });
        }
    }

    [Test]
    public async Task KillingASiloMidStream_GrainsGoOnFromTheirCheckpointsInAFolder_AndEveryRecordIsAccountedFor()
    {
        using var models = new TempDirectory();
        using var checkpoints = new TempDirectory();
        await using var run = await ClusterRun.StartAsync(models.Path, postgreSql: null, checkpoints.Path);
        await run.KillASiloMidStreamAsync();
    }

    [Test]
    public async Task CheckpointsInPostgreSql_SurviveTheLossOfASilo()
    {
        await using var server = await PostgresServer.StartAsync();
        using var models = new TempDirectory();
        await MstGadPostgreSql.CreateSchemaAsync(server.ConnectionString);
        await MstGadPostgreSql.CreateSchemaAsync(server.ConnectionString); // again: the schema can be applied twice
        await using var run = await ClusterRun.StartAsync(models.Path, server.ConnectionString, storageFolder: null);
        await run.KillASiloMidStreamAsync();
        Assert.That(await server.CountRowsAsync("mstgad_grain_state"), Is.EqualTo(Systems), "one stored state per system");
    }

    /// <summary>One cluster, its systems' deliveries, a sender and an observer.</summary>
    private sealed class ClusterRun : IAsyncDisposable
    {
        private readonly TestCluster _cluster;
        private readonly StepCollector _collector = new();
        private readonly ISystemVerdictObserver _observer;
        private int _sent;

        private ClusterRun(TestCluster cluster)
        {
            _cluster = cluster;
            _observer = cluster.Client.CreateObjectReference<ISystemVerdictObserver>(_collector);
            Sender = new MstGadClusterSender(cluster.Client, "test-sender");
        }

        public List<List<TelemetryDelivery>> Deliveries { get; } = [.. Enumerable.Range(0, Systems).Select(i => ClusterTesting.Deliveries(i))];

        public MstGadClusterSender Sender { get; }

        public static async Task<ClusterRun> StartAsync(string modelRoot, string? postgreSql, string? storageFolder)
        {
            ClusterTesting.UseSystems(modelRoot, Names, postgreSql, storageFolder);
            var run = new ClusterRun(await ClusterTesting.StartClusterAsync());
            foreach (var name in Names)
            {
                await run.Grain(name).SubscribeAsync(run._observer);
            }

            return run;
        }

        public IMonitoredSystemGrain Grain(string system) => _cluster.Client.GetGrain<IMonitoredSystemGrain>(system);

        public Task SendAllAsync() => Task.WhenAll(Names.Select((name, i) => SendAsync(name, Deliveries[i])));

        public async Task KillASiloMidStreamAsync()
        {
            var sending = SendAllAsync();
            var total = Deliveries.Sum(d => d.Count);
            await Until(() => Volatile.Read(ref _sent) >= total / 2, "half the deliveries are in", 120);

            // The secondary silo holding the most systems' grains.
            var management = _cluster.Client.GetGrain<IManagementGrain>(0);
            var where = new Dictionary<string, SiloAddress?>(StringComparer.Ordinal);
            foreach (var name in Names)
            {
                where[name] = await management.GetActivationAddress(Grain(name));
            }

            var victim = _cluster.SecondarySilos.MaxBy(s => where.Values.Count(a => a == s.SiloAddress))!;
            var lost = where.Where(p => p.Value == victim.SiloAddress).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            Assert.That(lost, Is.Not.Empty, "the silo to kill holds some systems");
            await _cluster.KillSiloAsync(victim);
            await sending;
            await Sender.FlushAsync();

            await AssertVerdictsOfOneProcessAsync();
            var report = Sender.GetReport();
            foreach (var status in await StatusesAsync())
            {
                var sent = report[status.System];
                Assert.Multiple(() =>
                {
                    // Every record sent is in the state exactly once: pushed (used or counted under a reason).
                    Assert.That(status.RecordsPushed, Is.EqualTo(sent.Sent.Records), status.System);
                    Assert.That(status.Accepted, Is.EqualTo(sent.Sent), status.System);
                    // What the lost silo lost is what the sender sent again.
                    Assert.That(status.Resent, Is.EqualTo(sent.Resent), status.System);
                    Assert.That(status.UncleanRestores, Is.EqualTo(lost.Contains(status.System) ? 1 : 0), status.System);
                });
            }

            var lostRecords = report.Where(p => lost.Contains(p.Key)).Sum(p => p.Value.Resent.Records);
            Assert.That(lostRecords, Is.GreaterThan(0), "the killed silo had accepted deliveries after its last checkpoints (sent again)");
            TestContext.Out.WriteLine($"killed {victim.SiloAddress}: {lost.Count} systems on it, {lostRecords} records sent again, {report.Values.Sum(r => r.Retries)} retries");
        }

        public async Task AssertVerdictsOfOneProcessAsync()
        {
            var expected = Deliveries.Select(ClusterTesting.SingleProcess).ToList();
            var steps = expected.Sum(e => e.Count);
            await Until(() => _collector.Count >= steps, $"the observer has all {steps} closed steps", 120);
            for (var i = 0; i < Systems; i++)
            {
                var got = _collector.Of(Names[i]);
                Assert.That(got.Keys.Order(), Is.EqualTo(expected[i].Keys.Order()), Names[i]);
                foreach (var (step, rows) in expected[i])
                {
                    Assert.That(got[step], Is.EqualTo(rows), $"{Names[i]} step {step}");
                }
            }
        }

        public async Task<MonitoredSystemStatus[]> StatusesAsync() => await Task.WhenAll(Names.Select(n => Grain(n).GetStatusAsync()));

        public async ValueTask DisposeAsync()
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }

        private async Task SendAsync(string system, List<TelemetryDelivery> deliveries)
        {
            foreach (var d in deliveries)
            {
                await Sender.SendAsync(system, d.Metrics, d.Logs, d.Spans);
                Interlocked.Increment(ref _sent);
            }
        }
    }
}
