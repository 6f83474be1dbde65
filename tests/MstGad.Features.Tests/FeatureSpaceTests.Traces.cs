using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

public sealed partial class FeatureSpaceTests
{
    private static int _trace;

    /// <summary>One call caller → callee in the step that starts at <paramref name="stepStart"/>: a root span on the
    /// caller (1 s after the step start, 8 s long) and its child on the callee (2 s after the step start).</summary>
    private static object[] Call(string caller, string callee, string stepStart, string operation, double durationMs, bool error = false)
    {
        var trace = "t" + Interlocked.Increment(ref _trace).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = At(stepStart);
        return
        [
            new Span(trace, "root", null, caller, "home", start.AddSeconds(1), TimeSpan.FromSeconds(8)),
            new Span(trace, "child", "root", callee, operation, start.AddSeconds(2), TimeSpan.FromMilliseconds(durationMs))
            {
                Status = error ? SpanStatus.Error : SpanStatus.Ok,
            },
        ];
    }

    /// <summary>
    /// Calls front → cart (training 08:00:00 and 08:00:10, test 08:00:20):
    /// <code>
    /// 08:00:00  get 10, get 30, post 20 (error)
    /// 08:00:10  get 50, put 40
    /// 08:00:20  get 60, get 100, delete 30 (error), post 10 (error)
    /// </code>
    /// </summary>
    private static TelemetryAggregate TraceScenario(Action<FeatureOptions>? configure = null) => Aggregate(
        o =>
        {
            IdentityKeys(o);
            o.TopOperations = 2;
            configure?.Invoke(o);
        },
        [
            .. Call("front", "cart", "08:00:00", "get", 10),
            .. Call("front", "cart", "08:00:00", "get", 30),
            .. Call("front", "cart", "08:00:00", "post", 20, error: true),
            .. Call("front", "cart", "08:00:10", "get", 50),
            .. Call("front", "cart", "08:00:10", "put", 40),
            .. Call("front", "cart", "08:00:20", "get", 60),
            .. Call("front", "cart", "08:00:20", "get", 100),
            .. Call("front", "cart", "08:00:20", "delete", 30, error: true),
            .. Call("front", "cart", "08:00:20", "post", 10, error: true),
        ]);

    [Test]
    public void Fit_Traces_RequestTypesAreTheTopTrainingCalleeOperations()
    {
        // Training calls: get 3, post 1, put 1 → top 2 = get, then post before put (ties by ordinal name).
        // 'home' (root spans only) and 'delete' (test part only) are no request types.
        var data = TraceScenario();

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(data.Operations, Is.EqualTo(new[] { "home", "get", "post", "put", "delete" }));
            Assert.That(space.RequestTypes, Is.EqualTo(new[] { "get", "post" }));
            Assert.That(space.EdgeFeatureNames, Is.EqualTo(new[]
            {
                "duration:get", "duration:post", "duration:other", "calls", "latency:mean", "latency:p95", "error-rate",
            }));
        });
    }

    [TestCase(EdgeFeatureSet.RequestTypeDurations, new[] { "duration:get", "duration:post", "duration:other" })]
    [TestCase(EdgeFeatureSet.Summary, new[] { "calls", "latency:mean", "latency:p95", "error-rate" })]
    public void Fit_AnEdgeFeatureSet_NamesOnlyItsFeatures(EdgeFeatureSet set, string[] expected)
    {
        var data = TraceScenario(o => o.EdgeFeatures = set);

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.That(space.EdgeFeatureNames, Is.EqualTo(expected));
    }

    [Test]
    public void Transform_TheTestEdge_IsDividedByThePerEdgeTrainingMeansOfNonZeroValues()
    {
        // Training raw values (get, post, other, calls, mean, p95, error-rate):
        //   08:00:00: 10+30 = 40, 20, 0, 3, 60/3 = 20, p95[10,20,30] = 20 + 0.9·(30−20) = 29 (rank 0.95·2 = 1.9), 1/3
        //   08:00:10: 50, 0, 40 (put), 2, 90/2 = 45, p95[40,50] = 40 + 0.95·(50−40) = 49.5 (rank 0.95), 0
        // Means of the non-zero values: get 45, post 20, other 40, calls 2.5, mean 32.5, p95 39.25 (error-rate unscaled).
        // Test 08:00:20 raw: get 160, post 10, other 30 (delete), calls 4, mean 200/4 = 50,
        //   p95[10,30,60,100] = 60 + 0.85·(100−60) = 94 (rank 0.95·3 = 2.85), error-rate 2/4 = 0.5.
        var data = TraceScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));
        var edges = frame.Edges[0];

        Assert.Multiple(() =>
        {
            Assert.That(frame.EdgeFeatureCount, Is.EqualTo(7));
            Assert.That(edges.Count, Is.EqualTo(1));
            Assert.That(frame.Instances[edges.Sources[0]], Is.EqualTo("front"));
            Assert.That(frame.Instances[edges.Targets[0]], Is.EqualTo("cart"));
            Assert.That(edges.Features, Is.EqualTo(new[] { 160 / 45.0, 10 / 20.0, 30 / 40.0, 4 / 2.5, 50 / 32.5, 94 / 39.25, 0.5 }).Within(Tolerance));
        });
    }

    [Test]
    public void Transform_TheTrainingEdges_AreDividedByTheSameMeans()
    {
        // 08:00:00: 40/45, 20/20, 0/40, 3/2.5, 20/32.5, 29/39.25, 1/3.  08:00:10: 50/45, 0/20, 40/40, 2/2.5, 45/32.5, 49.5/39.25, 0.
        var data = TraceScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(frame.Edges[0].Features, Is.EqualTo(new[] { 40 / 45.0, 1, 0, 3 / 2.5, 20 / 32.5, 29 / 39.25, 1 / 3.0 }).Within(Tolerance));
            Assert.That(frame.Edges[1].Features, Is.EqualTo(new[] { 50 / 45.0, 0, 1, 2 / 2.5, 45 / 32.5, 49.5 / 39.25, 0 }).Within(Tolerance));
        });
    }

    [Test]
    public void Transform_StepsWithSpans_SetTheTracesBitOfEveryInstance()
    {
        // A third instance with only a metric (varying in training, so kept) still gets the Traces bit where spans were collected.
        var data = Aggregate(
            IdentityKeys,
            [
                .. Call("front", "cart", "08:00:00", "get", 10),
                Metric("db", "08:00:00", "cpu", 1),
                Metric("db", "08:00:10", "cpu", 2),
            ]);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(MaskOf(frame, 0, "front"), Is.EqualTo(ModalityMask.Traces));
            Assert.That(MaskOf(frame, 0, "cart"), Is.EqualTo(ModalityMask.Traces));
            Assert.That(MaskOf(frame, 0, "db"), Is.EqualTo(ModalityMask.Traces | ModalityMask.Metrics));
            Assert.That(MaskOf(frame, 1, "front"), Is.EqualTo(ModalityMask.None));
            Assert.That(MaskOf(frame, 1, "db"), Is.EqualTo(ModalityMask.Metrics));
            Assert.That(frame.Edges[1], Is.SameAs(FrameEdges.Empty));
        });
    }

    [Test]
    public void Transform_AnEdgeUnseenInTraining_IsDividedByTheColumnMeans()
    {
        // Training: a → b get 10 (08:00:00), a → c get 30 (08:00:10) → column mean of get (10 + 30) / 2 = 20;
        // 'other' never non-zero in training → its column mean is 1.
        // Test 08:00:20: a → b get 40 → 40 / 10 = 4 (edge mean); b → c get 40 (new edge) → 40 / 20 = 2 (column mean).
        var data = Aggregate(
            IdentityKeys,
            [
                .. Call("a", "b", "08:00:00", "get", 10),
                .. Call("a", "c", "08:00:10", "get", 30),
                new Span("x", "root", null, "a", "home", At("08:00:21"), TimeSpan.FromSeconds(8)),
                new Span("x", "mid", "root", "b", "get", At("08:00:22"), TimeSpan.FromMilliseconds(40)),
                new Span("x", "leaf", "mid", "c", "get", At("08:00:23"), TimeSpan.FromMilliseconds(40)),
            ]);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var edges = space.Transform(data, Step("08:00:20"), Step("08:00:30")).Edges[0];

        Assert.Multiple(() =>
        {
            Assert.That(space.EdgeFeatureNames, Is.EqualTo(new[] { "duration:get", "duration:other", "calls", "latency:mean", "latency:p95", "error-rate" }));
            Assert.That(edges.Sources, Is.EqualTo(new[] { 0, 1 }));
            Assert.That(edges.Targets, Is.EqualTo(new[] { 1, 2 }));
            Assert.That(edges.Features, Is.EqualTo(new[]
            {
                40 / 10.0, 0, 1, 40 / 10.0, 40 / 10.0, 0,   // a → b: get, other, calls 1/1, mean 40/10, p95 40/10, errors
                40 / 20.0, 0, 1, 40 / 20.0, 40 / 20.0, 0,   // b → c: the column means (20 for the latencies too)
            }).Within(Tolerance));
        });
    }
}
