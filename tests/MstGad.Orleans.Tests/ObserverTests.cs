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
        ClusterTesting.UseSystems(models.Path, ["shop"]);
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

    [Test]
    public async Task AQuietSystem_ClosesItsOpenSteps_AsTheClockGoesOn()
    {
        using var models = new TempDirectory();
        ClusterTesting.UseSystems(models.Path, ["shop"]);
        ClusterTesting.IdleAdvanceAfter = TimeSpan.FromMilliseconds(300);
        var cluster = await ClusterTesting.StartClusterAsync(silos: 1);
        try
        {
            var grain = cluster.Client.GetGrain<IMonitoredSystemGrain>("shop");
            var sender = new MstGadClusterSender(cluster.Client, "idle-test");
            foreach (var d in ClusterTesting.Deliveries(12, steps: 20))
            {
                await sender.SendAsync("shop", d.Metrics, d.Logs, d.Spans);
            }

            // The records close the steps more than the lateness (60 s) behind the last one; the last ~6 stay open
            // until event time goes on: in a quiet period it follows the clock from the last delivery's watermark.
            var closedByRecords = ClusterTesting.SingleProcess(ClusterTesting.Deliveries(12, steps: 20)).Count;
            var before = await grain.GetStatusAsync();
            Assert.That(before.StepsClosed, Is.EqualTo(closedByRecords));
            await Until(() => grain.GetStatusAsync().GetAwaiter().GetResult().StepsClosed > closedByRecords, "a quiet step closes", 60);
            var after = await grain.GetStatusAsync();
            Assert.That(after.Watermark, Is.GreaterThan(before.Watermark!.Value));
        }
        finally
        {
            ClusterTesting.IdleAdvanceAfter = TimeSpan.Zero;
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Test]
    public async Task CheckpointsAreWrittenOnTheirSchedule_WhileRecordsArrive()
    {
        using var models = new TempDirectory();
        ClusterTesting.UseSystems(models.Path, ["shop"]);
        (ClusterTesting.CheckpointEveryDeliveries, ClusterTesting.CheckpointPeriod) = (0, TimeSpan.FromMilliseconds(300));
        var cluster = await ClusterTesting.StartClusterAsync(silos: 1);
        try
        {
            var grain = cluster.Client.GetGrain<IMonitoredSystemGrain>("shop");
            var sender = new MstGadClusterSender(cluster.Client, "schedule-test");
            var deliveries = ClusterTesting.Deliveries(13, steps: 20);
            foreach (var d in deliveries)
            {
                await sender.SendAsync("shop", d.Metrics, d.Logs, d.Spans);
            }

            // No flush, no count of deliveries: only the schedule writes the checkpoint that has every delivery.
            await Until(() => grain.GetStatusAsync().GetAwaiter().GetResult().Checkpoints > 0, "a scheduled checkpoint", 30);
            var status = await grain.GetStatusAsync();
            Assert.That(status.Checkpoints, Is.GreaterThan(0));
            await sender.SendAsync("shop", [], [], []);
            Assert.That(sender.GetReport()["shop"].Unacknowledged, Is.LessThanOrEqualTo(1), "the receipt after it says the earlier deliveries are in a checkpoint");
        }
        finally
        {
            (ClusterTesting.CheckpointEveryDeliveries, ClusterTesting.CheckpointPeriod) = (4, TimeSpan.FromMinutes(10));
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
