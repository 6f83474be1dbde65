using System.Globalization;
using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

/// <summary>Both sides of every call on the edge: client/server pairs, the self-edge, peers.</summary>
public sealed partial class TelemetryAggregatorTests
{
    /// <summary>The totals of one request type on one edge in the step of <paramref name="time"/>: calls, client, server and
    /// client-minus-server milliseconds, errors; all zero when there is no such edge.</summary>
    private static (int Calls, double Client, double Server, double Gap, int Errors) Totals(TelemetryAggregate data, string time, string caller, string callee, string operation)
    {
        var acc = data.Step(Step(time));
        var key = (data.IndexOfInstance(caller), data.IndexOfInstance(callee));
        var op = data.Operations.ToList().IndexOf(operation);
        if (acc is null || !acc.Edges.TryGetValue(key, out var cell) || !cell.Operations.TryGetValue(op, out var t))
        {
            return default;
        }

        static double Ms(long ticks) => (double)ticks / TimeSpan.TicksPerMillisecond;
        return (t.Calls, Ms(t.ClientTicks), Ms(t.ServerTicks), Ms(t.GapTicks), t.Errors);
    }

    /// <summary>Every edge cell of every step as text, independent of instance and operation numbering.</summary>
    private static List<string> EdgeDump(TelemetryAggregate data)
    {
        var lines = new List<string>();
        for (var step = data.FirstStep; step < data.FirstStep + data.StepCount; step++)
        {
            foreach (var ((caller, callee), cell) in data.Step(step)?.Edges ?? [])
            {
                var ops = cell.Operations
                    .Select(p => string.Create(CultureInfo.InvariantCulture, $"{(p.Key < 0 ? "?" : data.Operations[p.Key])}={p.Value.Calls}/{p.Value.ClientTicks}/{p.Value.ServerTicks}/{p.Value.GapTicks}/{p.Value.Errors}"))
                    .Order(StringComparer.Ordinal);
                var durations = string.Join(",", cell.ClientDurations.Order());
                var gaps = string.Join(",", cell.GapDurations.Order());
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{step} {data.Instances[caller]}>{data.Instances[callee]} {string.Join(" ", ops)} [{durations}] [{gaps}] {cell.Errors} {cell.ClientTicks}"));
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static Span Kind(Span span, SpanKind kind, params (string Key, string Value)[] attributes) =>
        span with { Kind = kind, Attributes = attributes.Length == 0 ? null : attributes.ToDictionary(a => a.Key, a => a.Value) };

    /// <summary>
    /// A request to front (root r, 100 ms) that calls cart over HTTP (front's client span h, 60 ms; cart's server span s,
    /// 45 ms) and renders (an internal span i on front, 20 ms) — the shape of Nezha's traces; with kinds when asked.
    /// </summary>
    private static Span[] FrontCallsCart(bool kinds) =>
    [
        Kind(Span("t", "r", null, "front", "/home", "08:00:01", 100), kinds ? SpanKind.Server : SpanKind.Unspecified),
        Kind(Span("t", "h", "r", "front", "HTTP GET", "08:00:01.010", 60), kinds ? SpanKind.Client : SpanKind.Unspecified),
        Kind(Span("t", "s", "h", "cart", "/cart/get", "08:00:01.020", 45), kinds ? SpanKind.Server : SpanKind.Unspecified),
        Kind(Span("t", "i", "r", "front", "render", "08:00:01.075", 20), kinds ? SpanKind.Internal : SpanKind.Unspecified),
    ];

    [TestCase(false)]
    [TestCase(true)]
    public void Complete_ACallBetweenInstances_PutsBothSidesOnTheCallerCalleeEdgeAndOnlyInternalWorkOnTheSelfEdge(bool kinds)
    {
        var data = Aggregate(IdentityKeys, FrontCallsCart(kinds));

        Assert.Multiple(() =>
        {
            Assert.That(data.Edges, Is.EqualTo(new[] { ("front", "front"), ("front", "cart") }));
            // The callee's operation, what the caller measured (60), what the callee measured (45), the difference (15).
            Assert.That(Totals(data, "08:00:00", "front", "cart", "/cart/get"), Is.EqualTo((1, 60.0, 45.0, 15.0, 0)));
            // The self-edge has render only: the client span HTTP GET is the caller's side of the call, not its own work.
            Assert.That(Totals(data, "08:00:00", "front", "front", "render"), Is.EqualTo((1, 20.0, 20.0, 0.0, 0)));
            Assert.That(Totals(data, "08:00:00", "front", "front", "HTTP GET"), Is.EqualTo(default((int, double, double, double, int))));
            Assert.That(data.Report.CallPairs, Is.EqualTo(1));
            Assert.That(data.Report.Edges, Is.EqualTo(2));
            Assert.That(data.Report.SpansToPeers, Is.Zero);
        });
    }

    [Test]
    public void Complete_EveryArrivalOrder_GivesTheSameAggregates()
    {
        // The call front → cart with front's internal work, a database call (a peer) and a failed call front → pay that
        // ends in the next step (08:00:11.04; r is its client side, 100 ms against 9,990: a negative difference), in all 720 orders.
        Span[] all =
        [
            .. FrontCallsCart(kinds: false),
            Kind(Span("t", "d", "r", "front", "SELECT", "08:00:01.090", 4), SpanKind.Client, ("db.system", "mysql")),
            Span("t", "p", "r", "pay", "/pay", "08:00:01.050", 9990, SpanStatus.Error),
        ];
        var expected = EdgeDump(Aggregate(IdentityKeys, all));
        var differing = new List<string>();
        var orders = 0;

        foreach (var order in Permutations(all.Length))
        {
            orders++;
            var data = Aggregate(IdentityKeys, [.. order.Select(i => all[i])]);
            var report = data.Report;
            if (!EdgeDump(data).SequenceEqual(expected) || (report.Edges, report.CallPairs, report.SpansToPeers, report.NegativeGaps) != (4, 2, 1, 1))
            {
                differing.Add(string.Join(",", order));
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(orders, Is.EqualTo(720));
            Assert.That(differing, Is.Empty);
            Assert.That(expected, Has.Count.EqualTo(4));
        });
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        var items = Enumerable.Range(0, n).ToArray();
        return Permute(items, 0);

        static IEnumerable<int[]> Permute(int[] items, int k)
        {
            if (k == items.Length)
            {
                yield return (int[])items.Clone();
                yield break;
            }

            for (var i = k; i < items.Length; i++)
            {
                (items[k], items[i]) = (items[i], items[k]);
                foreach (var p in Permute(items, k + 1))
                {
                    yield return p;
                }

                (items[k], items[i]) = (items[i], items[k]);
            }
        }
    }

    [Test]
    public void Complete_AChildBeforeItsParentAndAParentBeforeItsChild_GiveIdenticalAggregates()
    {
        var spans = FrontCallsCart(kinds: false);

        var parentFirst = Aggregate(IdentityKeys, spans);
        var childFirst = Aggregate(IdentityKeys, [.. spans.Reverse()]);

        Assert.Multiple(() =>
        {
            Assert.That(EdgeDump(childFirst), Is.EqualTo(EdgeDump(parentFirst)));
            Assert.That(childFirst.Report.ToString(), Is.EqualTo(parentFirst.Report.ToString()));
        });
    }

    [TestCase(false, false, 0)]
    [TestCase(true, false, 1)]
    [TestCase(false, true, 1)]
    [TestCase(true, true, 1)]
    public void Complete_AnErrorOnEitherSide_CountsTheCallOnceAsFailed(bool clientError, bool serverError, int errors)
    {
        var data = Aggregate(
            IdentityKeys,
            Span("t", "h", null, "front", "HTTP GET", "08:00:01", 60, clientError ? SpanStatus.Error : SpanStatus.Ok),
            Span("t", "s", "h", "cart", "/cart/get", "08:00:01.010", 45, serverError ? SpanStatus.Error : SpanStatus.Unset));

        Assert.That(Totals(data, "08:00:00", "front", "cart", "/cart/get").Errors, Is.EqualTo(errors));
    }

    [Test]
    public void Complete_AClientShorterThanItsServer_RecordsNoDifferenceAndCountsIt()
    {
        // Call 1: client 30, server 34 → −4 clamped to 0 and counted. Call 2: client 50, server 20 → 30.
        var data = Aggregate(
            IdentityKeys,
            Span("t1", "h", null, "front", "HTTP GET", "08:00:01", 30),
            Span("t1", "s", "h", "cart", "/cart/get", "08:00:01", 34),
            Span("t2", "h", null, "front", "HTTP GET", "08:00:02", 50),
            Span("t2", "s", "h", "cart", "/cart/get", "08:00:02.010", 20));

        Assert.Multiple(() =>
        {
            Assert.That(Totals(data, "08:00:00", "front", "cart", "/cart/get"), Is.EqualTo((2, 80.0, 54.0, 30.0, 0)));
            Assert.That(data.Report.NegativeGaps, Is.EqualTo(1));
        });
    }

    [Test]
    public void Complete_AServerSpanCallingAnotherInstanceWithoutAClientSpan_UsesTheServerTimeOnBothSides()
    {
        // Kinds say the parent is a server span, not the client side of this call: its 90 ms are not the call's.
        var data = Aggregate(
            IdentityKeys,
            Kind(Span("t", "r", null, "front", "/home", "08:00:01", 90), SpanKind.Server),
            Kind(Span("t", "s", "r", "cart", "/cart/get", "08:00:01.010", 45), SpanKind.Server));

        Assert.Multiple(() =>
        {
            Assert.That(Totals(data, "08:00:00", "front", "cart", "/cart/get"), Is.EqualTo((1, 45.0, 45.0, 0.0, 0)));
            Assert.That(data.Report.CallPairs, Is.EqualTo(1));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Complete_ReplicasOfOneWorkload_AreACallWithKindsAndInternalWorkWithout(bool kinds)
    {
        // Both replicas map to the node 'front' (Kubernetes workload key): only the kinds tell a call from internal work.
        var data = Aggregate(
            Kind(Span("t", "h", null, "front-5dc8d4f9fd-46997", "HTTP GET", "08:00:01", 60), kinds ? SpanKind.Client : SpanKind.Unspecified),
            Kind(Span("t", "s", "h", "front-5dc8d4f9fd-llznp", "/front/part", "08:00:01.010", 45), kinds ? SpanKind.Server : SpanKind.Unspecified));

        Assert.Multiple(() =>
        {
            Assert.That(data.Instances, Is.EqualTo(new[] { "front" }));
            Assert.That(Totals(data, "08:00:00", "front", "front", "/front/part"), Is.EqualTo(kinds ? (1, 60.0, 45.0, 15.0, 0) : (1, 45.0, 45.0, 0.0, 0)));
            Assert.That(data.Report.CallPairs, Is.EqualTo(kinds ? 1 : 0));
        });
    }

    private static IEnumerable<TestCaseData> PeerAttributes()
    {
        TestCaseData Case(string expected, params (string, string)[] attributes) =>
            new TestCaseData(attributes, expected).SetArgDisplayNames(expected);

        yield return Case("db:mysql", ("db.system", "mysql"), ("db.system.name", "postgresql"), ("messaging.system", "kafka"), ("peer.service", "orders-db"), ("server.address", "10.0.0.7"));
        yield return Case("db:postgresql", ("db.system.name", "postgresql"), ("peer.service", "orders-db"));
        yield return Case("messaging:kafka", ("messaging.system", "kafka"), ("peer.service", "events"), ("server.address", "broker-1"));
        yield return Case("orders-db", ("peer.service", "orders-db"), ("server.address", "10.0.0.7"), ("net.peer.name", "db.internal"));
        yield return Case("payments.example.com", ("server.address", "payments.example.com"), ("net.peer.name", "old.example.com"), ("url.full", "https://x.example.com/"));
        yield return Case("old.example.com", ("net.peer.name", "old.example.com"), ("url.full", "https://x.example.com/"));
        yield return Case("api.example.com", ("url.full", "https://api.example.com:8443/v1/geo?q=1"), ("http.url", "http://legacy.example.com/"));
        yield return Case("legacy.example.com", ("http.url", "http://legacy.example.com/geo"));
        yield return Case("peer:GET /geo", ("url.full", "not a url"), ("db.system", " "));
        yield return Case("peer:GET /geo");
    }

    [TestCaseSource(nameof(PeerAttributes))]
    public void Complete_AClientSpanWithoutACalleeSpan_CallsAPeerNamedFromItsAttributes((string Key, string Value)[] attributes, string peer)
    {
        var data = Aggregate(
            IdentityKeys,
            Kind(Span("t", "r", null, "api", "/lookup", "08:00:01", 50), SpanKind.Server),
            Kind(Span("t", "c", "r", "api", "GET /geo", "08:00:01.010", 30), SpanKind.Client, attributes));

        Assert.Multiple(() =>
        {
            Assert.That(data.Instances, Is.EqualTo(new[] { "api", peer }));
            Assert.That(data.Edges, Is.EqualTo(new[] { ("api", peer) }));
            // The caller measured 30 ms; the peer measured nothing.
            Assert.That(Totals(data, "08:00:00", "api", peer, "GET /geo"), Is.EqualTo((1, 30.0, 0.0, 0.0, 0)));
            Assert.That(data.Report.SpansToPeers, Is.EqualTo(1));
            Assert.That(data.Report.Edges, Is.EqualTo(1));
        });
    }

    [Test]
    public void Complete_APeerName_IsKeptAsItIsByTheInstanceKey()
    {
        // The Kubernetes workload key strips the caller's pod suffix but not the peers' names.
        var data = Aggregate(
            Kind(Span("t", "c1", null, "api-5dc8d4f9fd-46997", "SELECT", "08:00:01", 3), SpanKind.Client, ("db.system", "mysql")),
            Kind(Span("t", "c2", null, "api-5dc8d4f9fd-46997", "GET", "08:00:02", 3), SpanKind.Client, ("peer.service", "geo-5dc8d4f9fd-llznp")));

        Assert.Multiple(() =>
        {
            Assert.That(data.Instances, Is.EqualTo(new[] { "api", "db:mysql", "geo-5dc8d4f9fd-llznp" }));
            Assert.That(data.RawNames[1], Is.EqualTo(new[] { "db:mysql" }));
            Assert.That(InstanceKey.KubernetesWorkload.Map("db:mysql"), Is.EqualTo("db:mysql"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Complete_AClientSpanWithACalleeSpan_CallsNoPeer(bool childFirst)
    {
        Span[] spans =
        [
            Kind(Span("t", "c", null, "api", "GET /geo", "08:00:01", 30), SpanKind.Client, ("server.address", "geo")),
            Kind(Span("t", "s", "c", "geo-service", "/geo", "08:00:01.005", 20), SpanKind.Server),
        ];

        var data = Aggregate(IdentityKeys, childFirst ? [.. spans.Reverse()] : spans);

        Assert.Multiple(() =>
        {
            Assert.That(data.Edges, Is.EqualTo(new[] { ("api", "geo-service") }));
            Assert.That(data.Report.SpansToPeers, Is.Zero);
        });
    }

    [Test]
    public void SealThrough_ACalleeSpanArrivingAfterTheCallersStepIsSealed_CannotChangeThatStep()
    {
        // Online, the caller's step is decided when it is sealed: h (no kind, no child yet) was front's own work then.
        // Its callee span, ending in a later step, still makes the pair there (h is remembered).
        var aggregator = new TelemetryAggregator(new FeatureOptions { InstanceKey = InstanceKey.Identity }, null, new AggregatorLimits { SpanRetentionSteps = 6 });
        aggregator.Add(Span("t", "r", null, "front", "/home", "08:00:01", 100));
        aggregator.Add(Span("t", "h", "r", "front", "HTTP POST", "08:00:01.010", 50));
        var sealedSteps = new List<SealedStep>();
        aggregator.SealThrough(Step("08:00:00"), sealedSteps.Add);
        aggregator.Add(Span("t", "s", "h", "queue-worker", "/work", "08:00:01.050", 12_000));
        aggregator.SealThrough(Step("08:00:10"), sealedSteps.Add);

        Assert.Multiple(() =>
        {
            Assert.That(sealedSteps.Select(s => s.Accumulator!.Edges.Keys.Select(e => (e.Caller, e.Callee))), Is.EqualTo(new[]
            {
                new[] { (0, 0) },
                new[] { (0, 1) },
            }));
            Assert.That(aggregator.Report.CallPairs, Is.EqualTo(1));
        });
    }
}
