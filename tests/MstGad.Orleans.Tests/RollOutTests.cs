using MstGad.Tests.Online;
using Orleans.TestingHost;

namespace MstGad.Orleans.Tests;

/// <summary>A new model version rolled out to a live system's grain.</summary>
[TestFixture]
[NonParallelizable]
public sealed class RollOutTests
{
    [Test]
    public async Task RollingOutTheSameModelMidStream_LosesNoOpenStep()
    {
        using var models = new TempDirectory();
        var (cluster, collector, grain, sender) = await StartAsync(models.Path);
        try
        {
            var deliveries = ClusterTesting.Deliveries(7);
            await SendAsync(sender, deliveries.Take(20));
            // v2: the same artifact under another version name. It runs beside v1 until it has a whole window, then
            // takes over; nothing open is lost, so every step is what one process gives without a roll-out.
            File.WriteAllBytes(Path.Combine(models.Path, "shop", "v2.mstgad"), ClusterTesting.ModelBytes);
            var status = await grain.RollOutAsync();
            Assert.That((status.ModelVersion, status.RollingOutTo), Is.EqualTo(("v1", "v2")));
            await SendAsync(sender, deliveries.Skip(20));
            await sender.FlushAsync();
            status = await grain.GetStatusAsync();
            Assert.That((status.ModelVersion, status.RollingOutTo, status.RollOuts), Is.EqualTo(("v2", (string?)null, 1L)));

            var expected = ClusterTesting.SingleProcess(deliveries);
            await Until(() => collector.Of("shop").Count >= expected.Count, "the observer has every closed step", 60);
            var got = collector.Of("shop");
            Assert.That(got.Keys.Order(), Is.EqualTo(expected.Keys.Order()));
            foreach (var (step, rows) in expected)
            {
                Assert.That(got[step], Is.EqualTo(rows), $"step {step}");
            }

            Assert.That(collector.Versions("shop").Distinct(), Is.EquivalentTo(new[] { "v1", "v2" }));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Test]
    public async Task RollingOutAnotherModel_ScoresEveryFollowingStepWithIt()
    {
        using var models = new TempDirectory();
        var (cluster, collector, grain, sender) = await StartAsync(models.Path);
        try
        {
            var deliveries = ClusterTesting.Deliveries(8);
            await SendAsync(sender, deliveries.Take(20));
            using (var other = OnlineTesting.TrainTiny(steps: 50))
            {
                new FolderModelStore(models.Path).Put("shop", "v2", other);
            }

            var status = await grain.RollOutAsync();
            Assert.That(status.RollingOutTo, Is.EqualTo("v2"));
            await SendAsync(sender, deliveries.Skip(20));
            await sender.FlushAsync();
            Assert.That((await grain.GetStatusAsync()).ModelVersion, Is.EqualTo("v2"));

            var expectedSteps = ClusterTesting.SingleProcess(deliveries).Keys.Order().ToList();
            await Until(() => collector.Of("shop").Count >= expectedSteps.Count, "the observer has every closed step", 60);
            var got = collector.Of("shop");
            Assert.That(got.Keys.Order(), Is.EqualTo(expectedSteps), "every step closed once, none lost at the roll-out");
            // In step order: the steps v1 closed (the open ones at the roll-out included), then those v2 closed, every
            // one of them scored (v2 takes over once it has a whole window).
            var versions = collector.Versions("shop");
            var first = versions.IndexOf("v2");
            Assert.That(first, Is.GreaterThan(0));
            Assert.That(versions.Take(first), Is.All.EqualTo("v1"));
            Assert.That(versions.Skip(first), Is.All.EqualTo("v2"));
            Assert.That(collector.Steps("shop").Skip(first).All(s => s.Step.Scored), Is.True);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task<(TestCluster Cluster, StepCollector Collector, IMonitoredSystemGrain Grain, MstGadClusterSender Sender)> StartAsync(string root)
    {
        ClusterTesting.UseSystems(root, ["shop"]);
        var cluster = await ClusterTesting.StartClusterAsync(silos: 1);
        var collector = new StepCollector();
        var grain = cluster.Client.GetGrain<IMonitoredSystemGrain>("shop");
        await grain.SubscribeAsync(cluster.Client.CreateObjectReference<ISystemVerdictObserver>(collector));
        return (cluster, collector, grain, new MstGadClusterSender(cluster.Client, "roll-out-test"));
    }

    private static async Task SendAsync(MstGadClusterSender sender, IEnumerable<TelemetryDelivery> deliveries)
    {
        foreach (var d in deliveries)
        {
            await sender.SendAsync("shop", d.Metrics, d.Logs, d.Spans);
        }
    }
}
