using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

public sealed partial class FeatureSpaceTests
{
    private static int _trace;

    /// <summary>One call caller → callee in the step that starts at <paramref name="stepStart"/>: a root span on the
    /// caller (1 s after the step start, <paramref name="clientMs"/> long, the client side) and its child on the callee
    /// (2 s after the step start, <paramref name="serverMs"/> long, the server side); no span kinds, as in Nezha.</summary>
    private static object[] Call(string caller, string callee, string stepStart, string operation, double clientMs, double serverMs, bool serverError = false, bool clientError = false)
    {
        var trace = "t" + Interlocked.Increment(ref _trace).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = At(stepStart);
        return
        [
            new Span(trace, "root", null, caller, "home", start.AddSeconds(1), TimeSpan.FromMilliseconds(clientMs))
            {
                Status = clientError ? SpanStatus.Error : SpanStatus.Ok,
            },
            new Span(trace, "child", "root", callee, operation, start.AddSeconds(2), TimeSpan.FromMilliseconds(serverMs))
            {
                Status = serverError ? SpanStatus.Error : SpanStatus.Ok,
            },
        ];
    }

    /// <summary>The edge features of two request types (TopOperations = 2) and the summary.</summary>
    private static readonly string[] TwoTypeEdgeFeatures =
    [
        "calls:get", "client:get", "server:get", "gap:get", "errors:get",
        "calls:post", "client:post", "server:post", "gap:post", "errors:post",
        "calls:other", "client:other", "server:other", "gap:other", "errors:other",
        "calls", "latency:mean", "latency:p95", "server:mean", "gap:mean", "gap:median", "error-rate",
    ];

    /// <summary>
    /// Calls front → cart (training 08:00:00 and 08:00:10, test 08:00:20) as (client ms, server ms):
    /// <code>
    /// 08:00:00  get (12, 10), get (33, 30), post (21, 20, server error)
    /// 08:00:10  get (55, 50), put (40, 40)
    /// 08:00:20  get (62, 60), get (300, 100), delete (30, 30, server error), post (10, 10, client error)
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
            .. Call("front", "cart", "08:00:00", "get", 12, 10),
            .. Call("front", "cart", "08:00:00", "get", 33, 30),
            .. Call("front", "cart", "08:00:00", "post", 21, 20, serverError: true),
            .. Call("front", "cart", "08:00:10", "get", 55, 50),
            .. Call("front", "cart", "08:00:10", "put", 40, 40),
            .. Call("front", "cart", "08:00:20", "get", 62, 60),
            .. Call("front", "cart", "08:00:20", "get", 300, 100),
            .. Call("front", "cart", "08:00:20", "delete", 30, 30, serverError: true),
            .. Call("front", "cart", "08:00:20", "post", 10, 10, clientError: true),
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
            Assert.That(space.EdgeFeatureNames, Is.EqualTo(TwoTypeEdgeFeatures));
        });
    }

    [Test]
    public void EdgeFeatures_DescribeEachFeature()
    {
        var space = FeatureSpace.Fit(TraceScenario(), Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(space.EdgeFeatures.Select(e => e.Name), Is.EqualTo(space.EdgeFeatureNames));
            Assert.That(space.EdgeFeatures[3], Is.EqualTo(new EdgeFeatureInfo("gap:get", EdgeMeasure.ClientMinusServer, "get")));
            Assert.That(space.EdgeFeatures[14], Is.EqualTo(new EdgeFeatureInfo("errors:other", EdgeMeasure.Errors, "other")));
            Assert.That(space.EdgeFeatures[15], Is.EqualTo(new EdgeFeatureInfo("calls", EdgeMeasure.Calls, null)));
            Assert.That(space.EdgeFeatures[18], Is.EqualTo(new EdgeFeatureInfo("server:mean", EdgeMeasure.MeanServerLatency, null)));
            Assert.That(space.EdgeFeatures[19], Is.EqualTo(new EdgeFeatureInfo("gap:mean", EdgeMeasure.MeanClientMinusServer, null)));
            Assert.That(space.EdgeFeatures[20], Is.EqualTo(new EdgeFeatureInfo("gap:median", EdgeMeasure.MedianClientMinusServer, null)));
            Assert.That(space.EdgeFeatures[21], Is.EqualTo(new EdgeFeatureInfo("error-rate", EdgeMeasure.ErrorRate, null)));
            Assert.That(space.EdgeFeatures.Where(e => e.IsDuration).Select(e => e.Name), Is.EqualTo(new[]
            {
                "client:get", "server:get", "gap:get", "client:post", "server:post", "gap:post", "client:other", "server:other", "gap:other",
                "latency:mean", "latency:p95", "server:mean", "gap:mean", "gap:median",
            }));
        });
    }

    [TestCase(EdgeFeatureSet.RequestTypeDurations, 0, 15)]
    [TestCase(EdgeFeatureSet.Summary, 15, 7)]
    [TestCase(EdgeFeatureSet.Both, 0, 22)]
    public void Fit_AnEdgeFeatureSet_NamesOnlyItsFeatures(EdgeFeatureSet set, int first, int count)
    {
        var data = TraceScenario(o => o.EdgeFeatures = set);

        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        Assert.That(space.EdgeFeatureNames, Is.EqualTo(TwoTypeEdgeFeatures.Skip(first).Take(count)));
    }

    /// <summary>
    /// Training raw values, per type (calls, client, server, gap = client − server, errors) and the summary (calls, mean and
    /// p95 of the client durations, server duration per call, gap per call, median gap of the calls, error rate):
    /// <code>
    /// 08:00:00  get 2, 45, 40, 2 + 3 = 5, 0   post 1, 21, 20, 1, 1   other 0
    ///           summary 3, 66/3 = 22, p95[12,21,33] = 21 + 0.9·12 = 31.8, (10 + 30 + 20)/3 = 20, (2 + 3 + 1)/3 = 2,
    ///           median[1,2,3] = 2, 1/3
    /// 08:00:10  get 1, 55, 50, 5, 0           post 0                 other (put) 1, 40, 40, 0, 0
    ///           summary 2, 47.5, p95[40,55] = 40 + 0.95·15 = 54.25, (50 + 40)/2 = 45, (5 + 0)/2 = 2.5,
    ///           median[0,5] = (0 + 5)/2 = 2.5, 0
    /// </code>
    /// Means of the non-zero values: get 1.5, 50, 45, 5, (none: column mean 1); post 1, 21, 20, 1, 1; other 1, 40, 40, (1), (1);
    /// summary 2.5, 34.75, 43.025, (20 + 45)/2 = 32.5, (2 + 2.5)/2 = 2.25, (2 + 2.5)/2 = 2.25 (the error rate is not scaled).
    /// </summary>
    private static readonly double[] TrainingMeans = [1.5, 50, 45, 5, 1, 1, 21, 20, 1, 1, 1, 40, 40, 1, 1, 2.5, 34.75, 43.025, 32.5, 2.25, 2.25, 1];

    [Test]
    public void Transform_TheTestEdge_IsDividedByThePerEdgeTrainingMeansOfNonZeroValues()
    {
        // Test 08:00:20: get 2 calls, client 62 + 300 = 362, server 60 + 100 = 160, gap 2 + 200 = 202, errors 0;
        // post 1, 10, 10, 0, 1 (the client's error); other (delete) 1, 30, 30, 0, 1 (the server's error);
        // summary 4 calls, mean 402/4 = 100.5, p95[10,30,62,300] = 62 + 0.85·238 = 264.3 (rank 0.95·3 = 2.85),
        // server per call (60 + 100 + 30 + 10)/4 = 50, gap per call (2 + 200 + 0 + 0)/4 = 50.5,
        // median gap of the calls median[0,0,2,200] = (0 + 2)/2 = 1 (the one slow call moves the mean, not the median), error rate 2/4.
        var data = TraceScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var frame = space.Transform(data, Step("08:00:20"), Step("08:00:30"));
        var edges = frame.Edges[0];
        double[] raw = [2, 362, 160, 202, 0, 1, 10, 10, 0, 1, 1, 30, 30, 0, 1, 4, 100.5, 264.3, 50, 50.5, 1, 0.5];

        Assert.Multiple(() =>
        {
            Assert.That(frame.EdgeFeatureCount, Is.EqualTo(22));
            Assert.That(edges.Count, Is.EqualTo(1));
            Assert.That(frame.Instances[edges.Sources[0]], Is.EqualTo("front"));
            Assert.That(frame.Instances[edges.Targets[0]], Is.EqualTo("cart"));
            Assert.That(edges.Features, Is.EqualTo(raw.Select((v, c) => v / TrainingMeans[c])).Within(Tolerance));
        });
    }

    [Test]
    public void Transform_TheTrainingEdges_AreDividedByTheSameMeans()
    {
        var data = TraceScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        double[] first = [2, 45, 40, 5, 0, 1, 21, 20, 1, 1, 0, 0, 0, 0, 0, 3, 22, 31.8, 20, 2, 2, 1 / 3.0];
        double[] second = [1, 55, 50, 5, 0, 0, 0, 0, 0, 0, 1, 40, 40, 0, 0, 2, 47.5, 54.25, 45, 2.5, 2.5, 0];

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:20"));

        Assert.Multiple(() =>
        {
            Assert.That(frame.Edges[0].Features, Is.EqualTo(first.Select((v, c) => v / TrainingMeans[c])).Within(Tolerance));
            Assert.That(frame.Edges[1].Features, Is.EqualTo(second.Select((v, c) => v / TrainingMeans[c])).Within(Tolerance));
        });
    }

    [Test]
    public void RawEdgeValue_ANormalisedFeature_GivesBackTheRawValueAndItsTypicalValue()
    {
        var data = TraceScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        var test = space.Transform(data, Step("08:00:20"), Step("08:00:30")).Edges[0].Features;

        Assert.Multiple(() =>
        {
            // gap:get rose from 5 ms (the training mean) to 202 ms.
            Assert.That(space.RawEdgeValue("front", "cart", 3, test[3]), Is.EqualTo(202).Within(1e-4));
            Assert.That(space.TypicalEdgeValue("front", "cart", 3), Is.EqualTo(5));
            // server:mean rose from 32.5 ms to 200/4 = 50 ms per call; gap:mean from 2.25 ms to 202/4 = 50.5 ms per call.
            Assert.That(space.RawEdgeValue("front", "cart", 18, test[18]), Is.EqualTo(50).Within(1e-4));
            Assert.That(space.TypicalEdgeValue("front", "cart", 18), Is.EqualTo(32.5));
            Assert.That(space.RawEdgeValue("front", "cart", 19, test[19]), Is.EqualTo(50.5).Within(1e-4));
            Assert.That(space.TypicalEdgeValue("front", "cart", 19), Is.EqualTo(2.25));
            // gap:median fell from 2.25 ms to median[0,0,2,200] = 1 ms: the one slow call does not move it.
            Assert.That(space.RawEdgeValue("front", "cart", 20, test[20]), Is.EqualTo(1).Within(1e-4));
            Assert.That(space.TypicalEdgeValue("front", "cart", 20), Is.EqualTo(2.25));
            // The error rate is unscaled; its typical value is the mean of its non-zero training values.
            Assert.That(space.RawEdgeValue("front", "cart", 21, test[21]), Is.EqualTo(0.5));
            Assert.That(space.TypicalEdgeValue("front", "cart", 21), Is.EqualTo(1 / 3.0).Within(1e-12));
            // An edge unseen in training: the column mean.
            Assert.That(space.TypicalEdgeValue("cart", "front", 1), Is.EqualTo(50));
            Assert.That(() => space.TypicalEdgeValue("front", "cart", 22), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void RawEdgeValue_TheServerAndGapMeans_AreTheServerDurationAndTheClientMinusServerPerCall()
    {
        // Training 08:00:00: one call (client 100, server 80) → typical server:mean 80, gap:mean 20.
        // Test 08:00:10: (300, 100) and (200, 150) → server:mean (100 + 150)/2 = 125, gap:mean (200 + 50)/2 = 125,
        // normalised 125/80 = 1.5625 and 125/20 = 6.25.
        var data = Aggregate(
            IdentityKeys,
            [
                .. Call("front", "cart", "08:00:00", "get", 100, 80),
                .. Call("front", "cart", "08:00:10", "get", 300, 100),
                .. Call("front", "cart", "08:00:10", "get", 200, 150),
            ]);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:10"));

        var test = space.Transform(data, Step("08:00:10"), Step("08:00:20")).Edges[0].Features;

        Assert.Multiple(() =>
        {
            Assert.That(space.EdgeFeatureNames[13], Is.EqualTo("server:mean"));
            Assert.That(space.EdgeFeatureNames[14], Is.EqualTo("gap:mean"));
            Assert.That(test[13], Is.EqualTo(1.5625));
            Assert.That(test[14], Is.EqualTo(6.25));
            Assert.That(space.TypicalEdgeValue("front", "cart", 13), Is.EqualTo(80));
            Assert.That(space.TypicalEdgeValue("front", "cart", 14), Is.EqualTo(20));
            Assert.That(space.RawEdgeValue("front", "cart", 13, test[13]), Is.EqualTo(125));
            Assert.That(space.RawEdgeValue("front", "cart", 14, test[14]), Is.EqualTo(125));
        });
    }

    [Test]
    public void Transform_TheMedianGap_IsTheMedianOfTheCallsClientMinusServerTimes()
    {
        // Training 08:00:00: one call (client 110, server 100) → gap:mean and gap:median 10.
        // Test 08:00:10: (300, 100), (12, 10), (33, 30) → gaps 200, 2, 3: gap:mean (200 + 2 + 3)/3 = 68.33 per call, while
        // gap:median = median[2,3,200] = 3 (the one slow call moves the mean, not the median); normalised 6.833 and 0.3.
        var data = Aggregate(
            IdentityKeys,
            [
                .. Call("front", "cart", "08:00:00", "get", 110, 100),
                .. Call("front", "cart", "08:00:10", "get", 300, 100),
                .. Call("front", "cart", "08:00:10", "get", 12, 10),
                .. Call("front", "cart", "08:00:10", "get", 33, 30),
            ]);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:10"));

        var frame = space.Transform(data, Step("08:00:00"), Step("08:00:20"));
        var training = frame.Edges[0].Features;
        var test = frame.Edges[1].Features;

        Assert.Multiple(() =>
        {
            Assert.That(space.EdgeFeatureNames[14], Is.EqualTo("gap:mean"));
            Assert.That(space.EdgeFeatureNames[15], Is.EqualTo("gap:median"));
            Assert.That(space.EdgeFeatures[15], Is.EqualTo(new EdgeFeatureInfo("gap:median", EdgeMeasure.MedianClientMinusServer, null)));
            Assert.That(space.EdgeFeatures[15].IsDuration, Is.True);
            Assert.That(space.EdgeFeatureNames[16], Is.EqualTo("error-rate"));
            Assert.That(training[14], Is.EqualTo(1));
            Assert.That(training[15], Is.EqualTo(1));
            Assert.That(test[14], Is.EqualTo(205 / 3.0 / 10).Within(Tolerance));
            Assert.That(test[15], Is.EqualTo(0.3).Within(Tolerance));
            Assert.That(test[16], Is.Zero);
            Assert.That(space.TypicalEdgeValue("front", "cart", 14), Is.EqualTo(10));
            Assert.That(space.TypicalEdgeValue("front", "cart", 15), Is.EqualTo(10));
            Assert.That(space.RawEdgeValue("front", "cart", 14, test[14]), Is.EqualTo(68.33).Within(0.01));
            Assert.That(space.RawEdgeValue("front", "cart", 15, test[15]), Is.EqualTo(3).Within(1e-4));
        });
    }

    [Test]
    public void SaveLoad_TheEdgeLayout_RoundTrips()
    {
        var data = TraceScenario();
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));
        using var stream = new MemoryStream();
        space.Save(stream);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!;
        stream.Position = 0;

        var loaded = FeatureSpace.Load(stream);

        Assert.Multiple(() =>
        {
            Assert.That((int)json["Version"]!, Is.EqualTo(3));
            Assert.That(FeatureSpace.FormatVersion, Is.EqualTo(3));
            Assert.That(loaded.EdgeFeatures, Is.EqualTo(space.EdgeFeatures));
            Assert.That(loaded.Transform(data, Step("08:00:00"), Step("08:00:30")).Edges.SelectMany(e => e.Features),
                Is.EqualTo(space.Transform(data, Step("08:00:00"), Step("08:00:30")).Edges.SelectMany(e => e.Features)));
            Assert.That(Enumerable.Range(0, 22).Select(c => loaded.TypicalEdgeValue("front", "cart", c)), Is.EqualTo(TrainingMeans.Select((m, c) => c == 21 ? 1 / 3.0 : m)).Within(1e-12));
        });
    }

    [Test]
    public void Load_Version1_IsRefusedBecauseItsEdgeFeaturesCannotBeComputed()
    {
        var space = FeatureSpace.Fit(TraceScenario(), Step("08:00:00"), Step("08:00:20"));
        using var stream = new MemoryStream();
        space.Save(stream);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!.AsObject();
        json["Version"] = 1;

        var ex = Assert.Throws<InvalidDataException>(() => FeatureSpace.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))));

        Assert.That(ex.Message, Is.EqualTo(
            "Feature space format version 1 is not supported: its edge features are one total duration per request type (the callee's own time), " +
            "while this build's edges carry both sides of every call (version 3). Retrain the detector."));
    }

    [Test]
    public void Load_Version2_IsRefusedBecauseItsEdgesLackTheMedianGap()
    {
        // A version-2 file as that format was: the summary without gap:median (21 columns, the error rate at 20).
        var space = FeatureSpace.Fit(TraceScenario(), Step("08:00:00"), Step("08:00:20"));
        using var stream = new MemoryStream();
        space.Save(stream);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!.AsObject();
        json["Version"] = 2;
        var columnMeans = json["ColumnMeans"]!.AsArray();
        columnMeans.RemoveAt(20);
        var edgeMeans = json["EdgeMeans"]!.AsArray();
        foreach (var entry in edgeMeans.Where(e => (int)e!["Column"]! == 20).ToList())
        {
            edgeMeans.Remove(entry);
        }

        foreach (var entry in edgeMeans.Where(e => (int)e!["Column"]! == 21))
        {
            entry!["Column"] = 20;
        }

        var ex = Assert.Throws<InvalidDataException>(() => FeatureSpace.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))));

        Assert.Multiple(() =>
        {
            Assert.That(columnMeans, Has.Count.EqualTo(21));
            Assert.That(edgeMeans.Select(e => (int)e!["Column"]!), Has.None.GreaterThan(20));
            Assert.That(ex.Message, Is.EqualTo(
                "Feature space format version 2 is not supported: its edges lack the median client-minus-server time of the calls (gap:median), " +
                "which this build's edges carry (version 3). Retrain the detector."));
        });
    }

    [Test]
    public void Load_EdgeMeansThatDoNotFitTheLayout_AreRefused()
    {
        var space = FeatureSpace.Fit(TraceScenario(), Step("08:00:00"), Step("08:00:20"));
        using var stream = new MemoryStream();
        space.Save(stream);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!.AsObject();
        json["ColumnMeans"]!.AsArray().RemoveAt(0);

        var ex = Assert.Throws<InvalidDataException>(() => FeatureSpace.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()))));

        Assert.That(ex.Message, Is.EqualTo("Feature space is inconsistent: array lengths or metric ranges do not match."));
    }

    [Test]
    public void Transform_StepsWithSpans_SetTheTracesBitOfEveryInstance()
    {
        // A third instance with only a metric (varying in training, so kept) still gets the Traces bit where spans were collected.
        var data = Aggregate(
            IdentityKeys,
            [
                .. Call("front", "cart", "08:00:00", "get", 12, 10),
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
        // Training: a → b get (client 12, server 10) at 08:00:00, a → c get (34, 30) at 08:00:10 → column means of get:
        // calls 1, client 23, server 20, gap 3; errors and 'other' never non-zero in training → 1; of the summary (one call
        // per step): calls 1, latency:mean and p95 23, server:mean (10 + 30)/2 = 20, gap:mean and gap:median (2 + 4)/2 = 3.
        // Test 08:00:20: a (50 ms) → b (40 ms) → c (30 ms): a → b get 1, 50, 40, 10 divided by its edge's means 1, 12, 10, 2,
        // and its summary 1, 50, 50, 40/1, 10/1, median[10] = 10 divided by 1, 12, 12, 10, 2, 2;
        // b → c (a new edge, b's span is its client side) get 1, 40, 30, 10 and summary 1, 40, 40, 30, 10, 10 divided by the column means.
        var data = Aggregate(
            IdentityKeys,
            [
                .. Call("a", "b", "08:00:00", "get", 12, 10),
                .. Call("a", "c", "08:00:10", "get", 34, 30),
                new Span("x", "root", null, "a", "home", At("08:00:21"), TimeSpan.FromMilliseconds(50)),
                new Span("x", "mid", "root", "b", "get", At("08:00:21.005"), TimeSpan.FromMilliseconds(40)),
                new Span("x", "leaf", "mid", "c", "get", At("08:00:21.010"), TimeSpan.FromMilliseconds(30)),
            ]);
        var space = FeatureSpace.Fit(data, Step("08:00:00"), Step("08:00:20"));

        var edges = space.Transform(data, Step("08:00:20"), Step("08:00:30")).Edges[0];

        Assert.Multiple(() =>
        {
            Assert.That(space.EdgeFeatureNames, Is.EqualTo(new[]
            {
                "calls:get", "client:get", "server:get", "gap:get", "errors:get",
                "calls:other", "client:other", "server:other", "gap:other", "errors:other",
                "calls", "latency:mean", "latency:p95", "server:mean", "gap:mean", "gap:median", "error-rate",
            }));
            Assert.That(edges.Sources, Is.EqualTo(new[] { 0, 1 }));
            Assert.That(edges.Targets, Is.EqualTo(new[] { 1, 2 }));
            Assert.That(edges.Features, Is.EqualTo(new[]
            {
                1, 50 / 12.0, 40 / 10.0, 10 / 2.0, 0, 0, 0, 0, 0, 0, 1, 50 / 12.0, 50 / 12.0, 40 / 10.0, 10 / 2.0, 10 / 2.0, 0,   // a → b: its own means
                1, 40 / 23.0, 30 / 20.0, 10 / 3.0, 0, 0, 0, 0, 0, 0, 1, 40 / 23.0, 40 / 23.0, 30 / 20.0, 10 / 3.0, 10 / 3.0, 0,   // b → c: the column means
            }).Within(Tolerance));
        });
    }
}
