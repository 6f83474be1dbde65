using MstGad.Parsing;
using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

/// <summary>Sealing steps, order independence, active instances, bounded state and saved state of the aggregator.</summary>
public sealed partial class TelemetryAggregatorTests
{
    /// <summary>Records whose aggregation would depend on their order if done naively: float sums of three or more
    /// samples, log lines whose templates depend on which line Drain sees first, durations that round differently.</summary>
    private static object[] OrderSensitiveRecords() =>
    [
        Metric("a", "08:00:01", "cpu", 0.1),
        Metric("a", "08:00:02", "cpu", 1e16),
        Metric("a", "08:00:03", "cpu", 0.2),
        Metric("a", "08:00:04", "cpu", -1e16),
        Metric("a", "08:00:05", "cpu", 0.3),
        Metric("b", "08:00:05", "cpu", 7),
        Metric("b", "08:00:05", "cpu", 9),
        Metric("a", "08:00:15", "cpu", 0.7),
        Metric("b", "08:00:15", "cpu", 8),
        Log("a", "08:00:01", "user 17 logged in from web"),
        Log("a", "08:00:02", "user alice logged in from web"),
        Log("b", "08:00:03", "user bob logged out from app"),
        Log("b", "08:00:04", "cache miss for key 42"),
        Log("a", "08:00:12", "user carol logged in from app"),
        Span("t", "r", null, "a", "home", "08:00:01", 10.00001),
        Span("t", "c1", "r", "b", "get", "08:00:02", 0.30001),
        Span("t", "c2", "r", "b", "get", "08:00:03", 0.10003),
        Span("t", "c3", "r", "b", "put", "08:00:04", 0.20007),
        Span("u", "r", null, "a", "home", "08:00:11", 3),
        Span("u", "c", "r", "b", "get", "08:00:12", 1),
        Span("v", "s", null, "a", "checkout", "08:00:05", 40) with { Kind = SpanKind.Server },
        Span("v", "k", "s", "a", "HTTP POST", "08:00:05.001", 30.00007) with { Kind = SpanKind.Client },
        Span("v", "q", "k", "b", "pay", "08:00:05.002", 20.00003, SpanStatus.Error) with { Kind = SpanKind.Server },
        Span("v", "d", "s", "a", "SELECT", "08:00:05.5", 3.00001) with { Kind = SpanKind.Client, Attributes = new Dictionary<string, string> { ["db.system"] = "mysql" } },
        Span("v", "i", "s", "a", "render", "08:00:06", 1.5),
        Span("w", "h", null, "b", "HTTP GET", "08:00:08", 4000),
        Span("w", "x", "h", "a", "get", "08:00:09", 2500),
    ];

    /// <summary>The features of every step of an aggregate, through the space fitted on <paramref name="reference"/>.</summary>
    /// <summary>Writes an aggregator's state and its log parser, and reads them back into a new aggregator.</summary>
    private static TelemetryAggregator SaveAndRestore(TelemetryAggregator aggregator, FeatureOptions options)
    {
        using var state = new MemoryStream();
        using var parser = new MemoryStream();
        using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            aggregator.WriteState(writer);
        }

        aggregator.LogParser.Save(parser);
        state.Position = parser.Position = 0;
        using var reader = new BinaryReader(state);
        return TelemetryAggregator.ReadState(reader, options, DrainParser.Load(parser), AggregatorLimits.Batch);
    }

    private static (float[] Node, byte[] Mask, float[] Edges) Features(FeatureSpace space, TelemetryAggregate data)
    {
        var frame = space.Transform(data, data.FirstStep, data.FirstStep + data.StepCount);
        var order = frame.Instances.Select((k, i) => (k, i)).OrderBy(p => p.k, StringComparer.Ordinal).Select(p => p.i).ToArray();
        var f = frame.NodeFeatureCount;
        var node = new List<float>();
        var mask = new List<byte>();
        for (var t = 0; t < frame.StepCount; t++)
        {
            foreach (var i in order)
            {
                node.AddRange(frame.Node(t, i).ToArray());
                mask.Add(frame.Mask[(t * frame.Instances.Count) + i]);
            }
        }

        // Edges in key order (the frame orders them by instance index, which follows arrival order).
        var fs = frame.EdgeFeatureCount;
        var edges = frame.Edges.SelectMany(e => Enumerable.Range(0, e.Count)
            .OrderBy(i => frame.Instances[e.Sources[i]], StringComparer.Ordinal)
            .ThenBy(i => frame.Instances[e.Targets[i]], StringComparer.Ordinal)
            .SelectMany(i => e.Features.Skip(i * fs).Take(fs)));
        return ([.. node], [.. mask], [.. edges]);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void Complete_RecordsInAnyOrder_GiveBitIdenticalFeatures(int seed)
    {
        var records = OrderSensitiveRecords();
        var shuffled = (object[])records.Clone();
        new Random(seed).Shuffle(shuffled);
        var reference = Aggregate(IdentityKeys, records);
        var space = FeatureSpace.Fit(reference, reference.FirstStep, reference.FirstStep + reference.StepCount);

        var other = Aggregate(IdentityKeys, shuffled);

        Assert.Multiple(() =>
        {
            Assert.That(Features(space, other), Is.EqualTo(Features(space, reference)));
            Assert.That(other.LogParser.Templates.Select(t => t.Text), Is.EqualTo(reference.LogParser.Templates.Select(t => t.Text)));
            Assert.That(MetricValue(other, Step("08:00:00"), "a", "cpu"), Is.EqualTo(MetricValue(reference, Step("08:00:00"), "a", "cpu")));
        });
    }

    [Test]
    public void Complete_LogLines_AreParsedInTimeOrderWhateverTheirArrival()
    {
        var parser = new DrainParser(FeatureOptions.DefaultLogParsing());
        parser.Parse("user 17 logged in from web");
        parser.Parse("user alice logged in from web");
        var expected = parser.Templates.Select(t => t.Text).ToList();

        var data = Aggregate(IdentityKeys, Log("a", "08:00:02", "user alice logged in from web"), Log("a", "08:00:01", "user 17 logged in from web"));

        Assert.That(data.LogParser.Templates.Select(t => t.Text), Is.EqualTo(expected));
    }

    [Test]
    public void SealThrough_ARecordForASealedStep_IsLate()
    {
        var aggregator = new TelemetryAggregator(new FeatureOptions { InstanceKey = InstanceKey.Identity });
        aggregator.Add(Metric("a", "08:00:05", "cpu", 1));
        aggregator.Add(Metric("a", "08:00:15", "cpu", 1));
        var sealedSteps = new List<long>();

        aggregator.SealThrough(Step("08:00:00"), s => sealedSteps.Add(s.Step));
        var late = aggregator.TryAdd(Metric("b", "08:00:09", "cpu", 1));
        var open = aggregator.TryAdd(Metric("b", "08:00:10", "cpu", 1));

        Assert.Multiple(() =>
        {
            Assert.That(sealedSteps, Is.EqualTo(new[] { Step("08:00:00") }));
            Assert.That((late, open), Is.EqualTo((AddOutcome.Late, AddOutcome.Used)));
            Assert.That(aggregator.Report.MetricsLate, Is.EqualTo(1));
        });
    }

    [Test]
    public void SealThrough_BeforeAnyData_MakesEarlierRecordsLate()
    {
        var aggregator = new TelemetryAggregator(new FeatureOptions { InstanceKey = InstanceKey.Identity });
        aggregator.Add(Metric("a", "08:05:00", "cpu", 1));

        aggregator.SealThrough(Step("08:01:00"), _ => Assert.Fail("no step with data is due"));

        Assert.Multiple(() =>
        {
            Assert.That(aggregator.TryAdd(Metric("a", "08:00:30", "cpu", 1)), Is.EqualTo(AddOutcome.Late));
            Assert.That(aggregator.TryAdd(Metric("a", "08:01:10", "cpu", 1)), Is.EqualTo(AddOutcome.Used));
        });
    }

    [Test]
    public void Transform_AnInstanceSilentLongerThanMaxCarryForwardSteps_IsNotActive()
    {
        // b sends one metric at 08:00:00; logs keep arriving from a. With MaxCarryForwardSteps = 2, b counts as
        // active (zero log activity) through 08:00:20 and gets nothing afterwards.
        var data = Aggregate(
            o =>
            {
                o.InstanceKey = InstanceKey.Identity;
                o.MaxCarryForwardSteps = 2;
            },
            Metric("b", "08:00:00", "cpu", 1),
            Metric("b", "08:00:00", "cpu", 3),
            Log("a", "08:00:01", "tick"),
            Log("a", "08:00:11", "tick"),
            Log("a", "08:00:21", "tick"),
            Log("a", "08:00:31", "tick"));
        var space = FeatureSpace.Fit(data, data.FirstStep, data.FirstStep + data.StepCount);

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:40"));
        var masks = Enumerable.Range(0, 4).Select(t => (ModalityMask)frame.Mask[(t * frame.Instances.Count) + data.IndexOfInstance("b")]).ToArray();

        Assert.That(masks, Is.EqualTo(new[]
        {
            ModalityMask.Logs, ModalityMask.Logs, ModalityMask.Logs, ModalityMask.None,
        }));
    }

    [Test]
    public void TryAdd_OnlineLimits_StoreOnlyTrackedMetricsAndOperations()
    {
        var limits = new AggregatorLimits
        {
            Metrics = new HashSet<string> { "cpu" },
            Operations = new HashSet<string> { "get" },
        };
        var aggregator = new TelemetryAggregator(new FeatureOptions { InstanceKey = InstanceKey.Identity }, null, limits);
        aggregator.Add(Metric("a", "08:00:01", "cpu", 1));
        aggregator.Add(Metric("b", "08:00:01", "request-id-9f3e", 1));
        aggregator.Add(Span("t", "r", null, "a", "GET /users/17", "08:00:01", 5));
        aggregator.Add(Span("t", "c", "r", "b", "get", "08:00:02", 5));
        var sealedSteps = new List<SealedStep>();

        aggregator.SealThrough(Step("08:00:00"), sealedSteps.Add);

        Assert.Multiple(() =>
        {
            Assert.That(aggregator.MetricNames, Is.EqualTo(new[] { "cpu" }));
            Assert.That(aggregator.OperationNames, Is.EqualTo(new[] { "get" }));
            Assert.That(sealedSteps.Single().ActiveKeys, Is.EqualTo(new[] { "a", "b" }), "b is alive although its metric is not kept");
            Assert.That(aggregator.Report.MetricsUsed, Is.EqualTo(2));
        });
    }

    [Test]
    public void SealThrough_OnlineLimits_ForgetSilentInstancesAndOldSpanIds()
    {
        var limits = new AggregatorLimits { SpanRetentionSteps = 2, InstanceRetentionSteps = 4, KeepRawNames = false, KeepExamples = false };
        var aggregator = new TelemetryAggregator(new FeatureOptions { InstanceKey = InstanceKey.Identity }, null, limits);
        for (var t = 0; t < 100; t++)
        {
            var time = Day.AddHours(8).AddSeconds((t * 10) + 1);
            aggregator.Add(new MetricSample($"pod-{t / 10}", time, "cpu", t));
            aggregator.Add(new Span($"trace-{t}", "root", null, $"pod-{t / 10}", "get", time, TimeSpan.FromMilliseconds(5)));
            aggregator.SealThrough(Clock.StepOf(time) - 1, _ => { });
        }

        Assert.Multiple(() =>
        {
            Assert.That(aggregator.LiveInstances, Is.LessThanOrEqualTo(2));
            Assert.That(aggregator.RememberedSpans, Is.LessThanOrEqualTo(4));
            Assert.That(aggregator.OpenSteps, Is.EqualTo(1));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void WriteState_ReadState_AtEveryPoint_ContinuesAsIfUninterrupted(bool sealFirstStep)
    {
        // Saved after every record: open steps with spans waiting for parents, children waiting, spans whose self-edge or
        // peer call is decided at the seal, counters. Optionally the first step is sealed before the split (as online).
        var records = OrderSensitiveRecords();
        var options = new FeatureOptions { InstanceKey = InstanceKey.Identity };
        TelemetryAggregate Run(int split, bool saveAndRestore)
        {
            var first = Feed(IdentityKeys, records.Take(split));
            if (sealFirstStep)
            {
                first.SealThrough(Step("08:00:00"), _ => { });
            }

            var second = saveAndRestore ? SaveAndRestore(first, options) : first;
            AddAll(second, records.Skip(split));
            return second.Complete();
        }

        var all = Run(records.Length, saveAndRestore: false);
        var space = FeatureSpace.Fit(all, all.FirstStep, all.FirstStep + all.StepCount);
        var differing = new List<int>();
        for (var split = 0; split <= records.Length; split++)
        {
            var reference = Run(split, saveAndRestore: false);
            var restored = Run(split, saveAndRestore: true);
            var (node, mask, edges) = Features(space, reference);
            var (restoredNode, restoredMask, restoredEdges) = Features(space, restored);
            if (!restoredNode.SequenceEqual(node) || !restoredMask.SequenceEqual(mask) || !restoredEdges.SequenceEqual(edges) ||
                restored.Report.ToString() != reference.Report.ToString() || !restored.Instances.SequenceEqual(reference.Instances) ||
                !EdgeDump(restored).SequenceEqual(EdgeDump(reference)))
            {
                differing.Add(split);
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(differing, Is.Empty);
            Assert.That(all.Report.SpansToPeers, Is.EqualTo(1));
            Assert.That(all.Report.CallPairs, Is.EqualTo(6));
        });
    }

    [Test]
    public void WriteState_ReadState_TheCallsOfAnOpenStep_KeepTheirClientMinusServerTimes()
    {
        // Three calls front → cart in the open step 08:00:00 with gaps 300 − 100 = 200, 12 − 10 = 2 and 33 − 30 = 3 ms are
        // saved and restored; a fourth, 55 − 50 = 5 ms, arrives after the restore. The step's gap:median is
        // median[2,3,5,200] = (3 + 5)/2 = 4 ms (gap:mean (200 + 2 + 3 + 5)/4 = 52.5 ms), as without the interruption;
        // had the saved gaps been lost, it would be 5 ms.
        object[] before =
        [
            Span("t1", "h", null, "front", "HTTP GET", "08:00:01", 300),
            Span("t1", "s", "h", "cart", "get", "08:00:01.010", 100),
            Span("t2", "h", null, "front", "HTTP GET", "08:00:02", 12),
            Span("t2", "s", "h", "cart", "get", "08:00:02.001", 10),
            Span("t3", "h", null, "front", "HTTP GET", "08:00:03", 33),
            Span("t3", "s", "h", "cart", "get", "08:00:03.001", 30),
        ];
        object[] after =
        [
            Span("t4", "h", null, "front", "HTTP GET", "08:00:04", 55),
            Span("t4", "s", "h", "cart", "get", "08:00:04.001", 50),
        ];
        var restored = SaveAndRestore(Feed(IdentityKeys, before), new FeatureOptions { InstanceKey = InstanceKey.Identity });
        AddAll(restored, after);
        var data = restored.Complete();
        var reference = Aggregate(IdentityKeys, [.. before, .. after]);
        var space = FeatureSpace.Fit(reference, Step("08:00:00"), Step("08:00:10"));
        var median = space.EdgeFeatureNames.ToList().IndexOf("gap:median");
        var mean = space.EdgeFeatureNames.ToList().IndexOf("gap:mean");
        var features = space.Transform(data, Step("08:00:00"), Step("08:00:10")).Edges[0].Features;
        var referenceFeatures = space.Transform(reference, Step("08:00:00"), Step("08:00:10")).Edges[0].Features;

        Assert.Multiple(() =>
        {
            Assert.That(data.Step(Step("08:00:00"))!.Edges.Values.Single().GapDurations.Order(),
                Is.EqualTo(new[] { 2, 3, 5, 200 }.Select(ms => ms * TimeSpan.TicksPerMillisecond)));
            Assert.That(median, Is.EqualTo(mean + 1));
            Assert.That(space.TypicalEdgeValue("front", "cart", median), Is.EqualTo(4));
            Assert.That(space.TypicalEdgeValue("front", "cart", mean), Is.EqualTo(52.5));
            Assert.That(space.RawEdgeValue("front", "cart", median, features[median]), Is.EqualTo(4));
            Assert.That(features, Is.EqualTo(referenceFeatures));
            Assert.That(EdgeDump(data), Is.EqualTo(EdgeDump(reference)));
        });
    }

    [Test]
    public void ReadState_AnotherVersion_Throws()
    {
        using var state = new MemoryStream(BitConverter.GetBytes(99));
        using var reader = new BinaryReader(state);

        var ex = Assert.Throws<InvalidDataException>(() => TelemetryAggregator.ReadState(reader, new FeatureOptions(), new DrainParser(), AggregatorLimits.Batch));

        Assert.That(ex.Message, Is.EqualTo("Aggregator state version 99 is not supported; this build reads version 3."));
    }
}
