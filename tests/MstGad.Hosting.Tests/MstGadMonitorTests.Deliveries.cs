using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using MstGad.Tests.Detection;
using MstGad.Tests.Online;
using static MstGad.Hosting.Tests.HostingTesting;

namespace MstGad.Hosting.Tests;

/// <summary>
/// Numbered deliveries: taken at most once, remembered by the checkpoints, so that after a crash a sender re-sends
/// exactly what the restored state lacks (at-least-once delivery without double counting).
/// </summary>
public sealed partial class MstGadMonitorTests
{
    private const string Sender = "agent-7";

    [Test]
    public async Task Receive_SameDeliveryTwice_TakesItOnceAndCountsTheDuplicate()
    {
        var records = TinySystem.Records(30);
        var expected = Reference(_detector, records).Rows;
        var batches = Tagged(records);
        var time = new FakeTimeProvider(ClockStart);
        using var host = Build(_model, time);
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var duplicates = new MetricCollector<long>(meters, MstGadMonitor.TelemetryName, "mstgad.deliveries.duplicate");
        await host.StartAsync();
        var verdicts = Collect(monitor.ReadVerdictsAsync());

        var statuses = new List<ReceiveStatus>();
        for (var i = 0; i < batches.Count; i++)
        {
            statuses.Add(monitor.Receive(batches[i]));
            if (i == 3)
            {
                statuses.Add(monitor.Receive(Copy(batches[2])));
            }
        }

        await host.StopAsync();
        var rows = (await verdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(statuses.Count(s => s == ReceiveStatus.Duplicate), Is.EqualTo(1));
            Assert.That(statuses[4], Is.EqualTo(ReceiveStatus.Duplicate));
            Assert.That(statuses.Count(s => s == ReceiveStatus.Accepted), Is.EqualTo(batches.Count));
            Assert.That(rows, Is.EqualTo(expected), "the duplicate's records were not pushed a second time");
            Assert.That(monitor.Status.DuplicateDeliveries, Is.EqualTo(1));
            Assert.That(duplicates.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(batches[2].Count));
            Assert.That(monitor.GetDeliveries(Sender).Received, Is.EqualTo(new DeliverySet(batches.Count, [])).Using<DeliverySet>(SameSet));
            Assert.That(monitor.GetDeliveries("nobody").Received.Below, Is.Zero);
        });
    }

    [Test]
    public async Task Receive_BeforeTheStart_ADeliveryTheRestoredCheckpointHolds_IsNotPushedAgain()
    {
        using var checkpoints = new TempDirectory();
        var records = TinySystem.Records(60);
        var expected = Reference(_detector, records).Rows;
        var batches = Tagged(records);
        var half = batches.Count / 2;
        List<string> firstRows;
        using (var first = Build(_model, new FakeTimeProvider(ClockStart), checkpoints.Path))
        {
            var monitor = first.Services.GetRequiredService<MstGadMonitor>();
            await first.StartAsync();
            var verdicts = Collect(monitor.ReadVerdictsAsync());
            Assert.That(batches.Take(half).Select(monitor.Receive), Is.All.EqualTo(ReceiveStatus.Accepted));
            await first.StopAsync(); // the shutdown checkpoint holds deliveries 0 … half − 1
            firstRows = (await verdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();
        }

        using var second = Build(_model, new FakeTimeProvider(ClockStart), checkpoints.Path);
        var service = second.Services.GetRequiredService<MstGadMonitor>();
        var early = service.Receive(Copy(batches[half - 1])); // queued before the start: the ledger is not restored yet
        await second.StartAsync();
        var secondVerdicts = Collect(service.ReadVerdictsAsync());
        Assert.That(batches.Skip(half).Select(service.Receive), Is.All.EqualTo(ReceiveStatus.Accepted));
        await second.StopAsync();
        var secondRows = (await secondVerdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(early, Is.EqualTo(ReceiveStatus.Accepted));
            Assert.That(service.Status.DuplicateDeliveries, Is.EqualTo(1), "found to be a duplicate when pushed");
            Assert.That(firstRows.Concat(secondRows), Is.EqualTo(expected));
        });
    }

    [Test]
    public void DeliveryTag_TheLargestNumber_IsRefused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new DeliveryTag(Sender, long.MaxValue), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new DeliveryTag(Sender, -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new DeliveryTag("a b", 1), Throws.ArgumentException);
            Assert.That(DeliveryTag.TryParse("agent-7/9223372036854775807", out _), Is.False);
            Assert.That(DeliveryTag.TryParse("agent-7/9223372036854775806", out var tag) && tag!.Sequence == long.MaxValue - 1, Is.True);
            Assert.That(DeliveryTag.TryParse("a/b/3", out _), Is.False);
            Assert.That(DeliveryTag.TryParse("/3", out _), Is.False);
            Assert.That(DeliveryTag.TryParse("agent-7/+3", out _), Is.False);
        });
    }

    [Test]
    public async Task GetDeliveries_WithGaps_ListsThoseAboveTheContiguousRun()
    {
        var time = new FakeTimeProvider(ClockStart);
        using var host = Build(_model, time);
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        await host.StartAsync();

        foreach (var sequence in new long[] { 0, 1, 3, 5, 6 })
        {
            Assert.That(monitor.Receive(new TelemetryBatch { Delivery = new DeliveryTag(Sender, sequence) }), Is.EqualTo(ReceiveStatus.Accepted));
        }

        await Until(() => monitor.Status.QueuedRecords == 0, "the scorer took the batches");
        var state = monitor.GetDeliveries(Sender);
        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(state.Received.Below, Is.EqualTo(2));
            Assert.That(state.Received.Above, Is.EqualTo(new long[] { 3, 5, 6 }));
            Assert.That(new[] { 0L, 1, 2, 3, 4, 5, 6, 7 }.Select(state.Received.Contains), Is.EqualTo(new[] { true, true, false, true, false, true, true, false }));
            Assert.That(state.Checkpointed.Below, Is.Zero, "no checkpoint directory");
        });
    }

    [Test]
    public async Task GetDeliveries_BeyondItsBounds_GivesUpTheLowestGapAndForgetsTheSenderUpdatedLongestAgo()
    {
        var time = new FakeTimeProvider(ClockStart);
        using var host = Build(_model, time);
        var monitor = host.Services.GetRequiredService<MstGadMonitor>();
        await host.StartAsync();

        // Delivery 0 never comes; 1 … 65,537 do: one more than the gaps kept above the run.
        for (long sequence = 1; sequence <= 65_537; sequence++)
        {
            monitor.Receive(new TelemetryBatch { Delivery = new DeliveryTag(Sender, sequence) });
        }

        await Fence(monitor);
        var gaps = monitor.GetDeliveries(Sender);

        // 4,096 more senders: one more than the senders kept.
        for (var sender = 0; sender < 4_096; sender++)
        {
            monitor.Receive(new TelemetryBatch { Delivery = new DeliveryTag("s" + sender, 0) });
        }

        await Fence(monitor);
        var first = monitor.GetDeliveries(Sender);
        var oldest = monitor.GetDeliveries("s0");
        var newest = monitor.GetDeliveries("s4095");
        await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(gaps.Received.Below, Is.EqualTo(65_538), "delivery 0 is given up; 1 … 65,537 join the run");
            Assert.That(gaps.Received.Above, Is.Empty);
            Assert.That(first.Received.Below, Is.Zero, "the sender updated longest ago is forgotten");
            Assert.That(oldest.Received.Below, Is.EqualTo(1));
            Assert.That(newest.Received.Below, Is.EqualTo(1));
        });
    }

    /// <summary>
    /// The crash: the service writes a checkpoint, takes more deliveries, and dies before the next one (simulated by
    /// keeping only that checkpoint: what the dead process did after it is gone). The restarted service restores it;
    /// the sender asks what it has, re-sends exactly the deliveries accepted after the checkpoint (and one it has, to
    /// show it is ignored), then goes on: the verdicts are those of one uninterrupted detector.
    /// </summary>
    [Test]
    public async Task Crash_AfterACheckpoint_TheSenderResendsOnlyWhatTheRestoredStateLacks()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var records = TinySystem.Records(60);
        var expected = Reference(_detector, records).Rows;
        var batches = Tagged(records);
        int checkpointed = batches.Count * 2 / 5, crashed = batches.Count * 7 / 10;

        // Before the crash.
        var time = new FakeTimeProvider(ClockStart);
        List<string> beforeRows;
        DeliveryState atCheckpoint;
        using (var host = Build(_model, time, first.Path, o => o.CheckpointInterval = TimeSpan.FromMinutes(1)))
        {
            var monitor = host.Services.GetRequiredService<MstGadMonitor>();
            await host.StartAsync();
            var verdicts = Collect(monitor.ReadVerdictsAsync());
            Assert.That(batches.Take(checkpointed).Select(monitor.Receive), Is.All.EqualTo(ReceiveStatus.Accepted));
            await Until(() => monitor.Status.QueuedRecords == 0, "the scorer took the first batches");
            time.Advance(TimeSpan.FromSeconds(61));
            await Until(() => monitor.Status.LastCheckpoint is not null, "the scheduled checkpoint is written");
            atCheckpoint = monitor.GetDeliveries(Sender);
            File.Copy(monitor.Status.LastCheckpoint!, Path.Combine(second.Path, Path.GetFileName(monitor.Status.LastCheckpoint!)));
            Assert.That(batches.Skip(checkpointed).Take(crashed - checkpointed).Select(monitor.Receive), Is.All.EqualTo(ReceiveStatus.Accepted));
            await host.StopAsync();
            beforeRows = (await verdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();
        }

        // After the restart, from the checkpoint the crash left.
        using var restarted = Build(_model, new FakeTimeProvider(ClockStart), second.Path);
        var service = restarted.Services.GetRequiredService<MstGadMonitor>();
        await restarted.StartAsync();
        var afterVerdicts = Collect(service.ReadVerdictsAsync());
        var has = service.GetDeliveries(Sender);
        var resent = Enumerable.Range(0, crashed).Where(i => !has.Received.Contains(i)).ToList();
        var statuses = resent.Select(i => service.Receive(Copy(batches[i]))).ToList();
        var again = service.Receive(Copy(batches[0]));
        var rest = batches.Skip(crashed).Select(service.Receive).ToList();
        await restarted.StopAsync();
        var afterRows = (await afterVerdicts).SelectMany(s => s.Verdicts).Select(OnlineTesting.Row).ToList();

        // The verdicts before the crash that the restored state did not yet contain were made again, identically.
        var firstAfter = afterRows[0].Split(',')[0];
        var kept = beforeRows.Where(r => string.CompareOrdinal(r.Split(',')[0], firstAfter) < 0).ToList();
        var redone = beforeRows.Skip(kept.Count).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(atCheckpoint.Checkpointed.Below, Is.EqualTo(checkpointed), "the checkpoint holds the deliveries pushed before it");
            Assert.That(atCheckpoint.Checkpointed.Above, Is.Empty);
            Assert.That(has.Received.Below, Is.EqualTo(checkpointed), "restored: exactly what the checkpoint held");
            Assert.That(has.Checkpointed.Below, Is.EqualTo(checkpointed));
            Assert.That(resent, Is.EqualTo(Enumerable.Range(checkpointed, crashed - checkpointed)), "re-sent: the deliveries accepted after the checkpoint, no more");
            Assert.That(statuses, Is.All.EqualTo(ReceiveStatus.Accepted));
            Assert.That(again, Is.EqualTo(ReceiveStatus.Duplicate));
            Assert.That(rest, Is.All.EqualTo(ReceiveStatus.Accepted));
            Assert.That(service.Status.DuplicateDeliveries, Is.EqualTo(1));
            Assert.That(redone, Is.Not.Empty, "steps closed between the checkpoint and the crash");
            Assert.That(afterRows.Take(redone.Count), Is.EqualTo(redone));
            Assert.That(kept.Concat(afterRows), Is.EqualTo(expected), "nothing lost, nothing counted twice");
            Assert.That(service.Report!.Aggregation.SpansDuplicate, Is.Zero);
        });
    }

    /// <summary>Sends one record behind what was sent and waits until it is pushed: everything before it was pushed too.</summary>
    private static async Task Fence(MstGadMonitor monitor)
    {
        Assert.That(monitor.Receive(Batches(TinySystem.Records(1).Take(1), 1).Single()), Is.EqualTo(ReceiveStatus.Accepted));
        await Until(() => monitor.Status.QueuedRecords == 0, "the scorer pushed every batch");
    }

    private static bool SameSet(DeliverySet a, DeliverySet b) => a.Below == b.Below && a.Above.SequenceEqual(b.Above);

    private static List<TelemetryBatch> Tagged(IEnumerable<object> records)
    {
        var batches = Batches(records, 25).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            batches[i].Delivery = new DeliveryTag(Sender, i);
        }

        return batches;
    }

    /// <summary>The same delivery sent again (a new batch object, as a client's second request would be).</summary>
    private static TelemetryBatch Copy(TelemetryBatch batch)
    {
        var copy = new TelemetryBatch { Delivery = batch.Delivery };
        foreach (var m in batch.Metrics)
        {
            copy.Metrics.Add(m);
        }

        foreach (var l in batch.Logs)
        {
            copy.Logs.Add(l);
        }

        foreach (var s in batch.Spans)
        {
            copy.Spans.Add(s);
        }

        return copy;
    }
}
