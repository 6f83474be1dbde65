namespace MstGad.Orleans.Tests;

/// <summary>Steps reach an observer that fails now and then: every step at least once, in order, none given up.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ObserverTests
{
    [Test]
    public async Task AnObserverThatFails_GetsEveryStepSentAgain_InStepOrder()
    {
        using var models = new TempDirectory();
        ClusterTesting.StoreModels(models.Path, ["shop"]);
        ClusterTesting.ModelRoot = models.Path;
        ClusterTesting.PostgreSql = null;
        ClusterTesting.StorageFolder = null;
        var cluster = await ClusterTesting.StartClusterAsync(silos: 1);
        try
        {
            var flaky = new FlakyObserver();
            var grain = cluster.Client.GetGrain<IMonitoredSystemGrain>("shop");
            await grain.SubscribeAsync(cluster.Client.CreateObjectReference<ISystemVerdictObserver>(flaky));
            var deliveries = ClusterTesting.Deliveries(11, steps: 40);
            var sender = new MstGadClusterSender(cluster.Client, "observer-test");
            foreach (var d in deliveries)
            {
                await sender.SendAsync("shop", d.Metrics, d.Logs, d.Spans);
            }

            var expected = ClusterTesting.SingleProcess(deliveries);
            await Until(() => flaky.Taken.Count >= expected.Count, "the observer has taken every step", 60);

            var status = await grain.GetStatusAsync();
            Assert.Multiple(() =>
            {
                Assert.That(flaky.Failed, Is.GreaterThan(3), "calls failed");
                Assert.That(flaky.Taken, Is.EqualTo(expected.Keys.Order().ToList()), "every step taken once, in step order");
                Assert.That((status.Observers, status.UndeliveredSteps, status.DroppedSteps), Is.EqualTo((1, 0L, 0L)));
            });
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Fails every third call; records the steps of the calls that succeed.</summary>
    private sealed class FlakyObserver : ISystemVerdictObserver
    {
        private int _calls;

        public List<long> Taken { get; } = [];

        public int Failed { get; private set; }

        public Task OnStepClosedAsync(SystemStep closed)
        {
            lock (Taken)
            {
                if (++_calls % 3 == 0)
                {
                    Failed++;
                    throw new InvalidOperationException("the consumer is busy");
                }

                Taken.Add(closed.Step.Step);
                return Task.CompletedTask;
            }
        }
    }
}
