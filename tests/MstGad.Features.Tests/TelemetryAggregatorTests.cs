using MstGad.Parsing;
using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

[TestFixture]
public sealed partial class TelemetryAggregatorTests
{
    private const string CompleteMessage = "The aggregation is complete: Complete() was called, so no more records can be added.";

    private static void IdentityKeys(FeatureOptions o) => o.InstanceKey = InstanceKey.Identity;

    /// <summary>The edges of a step as (caller, callee, calls), in index order.</summary>
    private static (string Caller, string Callee, int Calls)[] EdgesAt(TelemetryAggregate data, string time) =>
        data.Step(Step(time)) is { } acc
            ? [.. acc.Edges.OrderBy(e => e.Key).Select(e => (data.Instances[e.Key.Caller], data.Instances[e.Key.Callee], e.Value.Calls))]
            : [];

    // ------------------------------------------------------------------ construction

    [Test]
    public void Constructor_InvalidOptions_ThrowsArgumentExceptionListingEveryProblem()
    {
        var expected = "Invalid feature options:" + Environment.NewLine + "- "
            + string.Join(Environment.NewLine + "- ", FeatureOptionsTests.ExpectedProblems());

        var ex = Assert.Throws<ArgumentException>(() => _ = new TelemetryAggregator(FeatureOptionsTests.Invalid()));

        Assert.That(ex.Message, Is.EqualTo(expected));
    }

    [Test]
    public void Constructor_TwoBadSettings_ListsBoth()
    {
        var options = new FeatureOptions { MaxTemplates = 0, Epsilon = -1 };

        var ex = Assert.Throws<ArgumentException>(() => _ = new TelemetryAggregator(options));

        Assert.That(ex.Message, Is.EqualTo(
            "Invalid feature options:" + Environment.NewLine +
            "- Epsilon must be greater than zero; it is -1." + Environment.NewLine +
            "- MaxTemplates must be at least 1; it is 0."));
    }

    [Test]
    public void Constructor_NullOptions_UsesTheDefaults()
    {
        var aggregator = new TelemetryAggregator();

        Assert.That(aggregator.Clock, Is.EqualTo(new StepClock(TimeSpan.FromSeconds(10))));
    }

    [Test]
    public void Constructor_OptionsChangedAfterwards_HaveNoEffect()
    {
        var options = new FeatureOptions { Interval = TimeSpan.FromSeconds(10) };
        var aggregator = new TelemetryAggregator(options);
        options.Interval = TimeSpan.FromMinutes(1);
        options.InstanceKey = InstanceKey.Identity;

        aggregator.Add(Metric("ts-basic-service-5dc8d4f9fd-46997", "08:00:15", "cpu", 1));
        var data = aggregator.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(data.Clock.Interval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:00:10")));
            Assert.That(data.Instances, Is.EqualTo(new[] { "ts-basic-service" }));
        });
    }

    [Test]
    public void Constructor_AGivenLogParser_IsContinued()
    {
        var parser = new DrainParser(FeatureOptions.DefaultLogParsing());
        var trained = parser.Parse("login ok").TemplateId;
        var aggregator = new TelemetryAggregator(logParser: parser);

        aggregator.Add(Log("a", "08:00:01", "login ok"));
        var data = aggregator.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(aggregator.LogParser, Is.SameAs(parser));
            Assert.That(data.LogParser, Is.SameAs(parser));
            Assert.That(data.Step(Step("08:00:00"))!.LogTemplates[0], Is.EqualTo(new Dictionary<int, int> { [trained] = 1 }));
        });
    }

    // ------------------------------------------------------------------ bucketing

    [Test]
    public void Add_MetricsAtAStepBoundary_GoToTheLaterStep()
    {
        // 08:42:09.9999999 is the last tick of step 08:42:00; 08:42:10 starts the next step.
        var data = Aggregate(
            Metric("a", "08:42:09.9999999", "cpu", 2),
            Metric("a", "08:42:10", "cpu", 1));

        Assert.Multiple(() =>
        {
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:42:00")));
            Assert.That(data.StepCount, Is.EqualTo(2));
            Assert.That(MetricValue(data, Step("08:42:00"), "a", "cpu"), Is.EqualTo(2.0));
            Assert.That(MetricValue(data, Step("08:42:10"), "a", "cpu"), Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Add_LogsAndSpansAtAStepBoundary_GoToTheLaterStep()
    {
        // The log at 08:42:10 and the span ending at 08:42:09 + 1,000 ms = 08:42:10 belong to step 08:42:10.
        var data = Aggregate(
            IdentityKeys,
            Log("a", "08:42:10", "login ok"),
            Span("t", "r", null, "a", "home", "08:42:09", 1000));

        Assert.Multiple(() =>
        {
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:42:10")));
            Assert.That(data.StepCount, Is.EqualTo(1));
            Assert.That(data.StepsWithLogs, Is.EqualTo(1));
            Assert.That(data.StepsWithSpans, Is.EqualTo(1));
        });
    }

    // Samples of step 08:42:00, fed in this order: 08:42:01 → 4, 08:42:08 → 1, 08:42:05 → 7.
    // Mean (4 + 1 + 7) / 3 = 4; min 1; max 7; last = the latest time (08:42:08) → 1, not the last fed; sum 12.
    [TestCase(MetricAggregation.Mean, 4.0)]
    [TestCase(MetricAggregation.Min, 1.0)]
    [TestCase(MetricAggregation.Max, 7.0)]
    [TestCase(MetricAggregation.Last, 1.0)]
    [TestCase(MetricAggregation.Sum, 12.0)]
    public void Add_SeveralSamplesInAStep_AreCombinedByTheAggregation(MetricAggregation aggregation, double expected)
    {
        var data = Aggregate(
            o => o.MetricAggregation = aggregation,
            Metric("a", "08:42:01", "cpu", 4),
            Metric("a", "08:42:08", "cpu", 1),
            Metric("a", "08:42:05", "cpu", 7));

        Assert.That(MetricValue(data, Step("08:42:00"), "a", "cpu"), Is.EqualTo(expected));
    }

    [Test]
    public void Add_SamplesOfOtherInstancesAndMetrics_AreKeptApart()
    {
        var data = Aggregate(
            Metric("a", "08:42:01", "cpu", 4),
            Metric("b", "08:42:02", "cpu", 10),
            Metric("a", "08:42:03", "mem", 100),
            Metric("a", "08:42:04", "cpu", 6));

        Assert.Multiple(() =>
        {
            Assert.That(data.Instances, Is.EqualTo(new[] { "a", "b" }));
            Assert.That(data.Metrics, Is.EqualTo(new[] { "cpu", "mem" }));
            Assert.That(MetricValue(data, Step("08:42:00"), "a", "cpu"), Is.EqualTo(5.0));
            Assert.That(MetricValue(data, Step("08:42:00"), "b", "cpu"), Is.EqualTo(10.0));
            Assert.That(MetricValue(data, Step("08:42:00"), "a", "mem"), Is.EqualTo(100.0));
            Assert.That(MetricValue(data, Step("08:42:00"), "b", "mem"), Is.NaN);
        });
    }

    [Test]
    public void Add_ASampleWithCoverage_ContributesToEveryStepItsPeriodOverlaps()
    {
        // 08:42:09 with 60 s coverage covers [08:41:09, 08:42:09): steps 08:41:00, :10, :20, :30, :40, :50
        // and 08:42:00 — 7 steps; 08:40:50 and 08:42:10 are untouched.
        var data = Aggregate(Metric("a", "08:42:09", "cpu", 5, coverageSeconds: 60));

        Assert.Multiple(() =>
        {
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:41:00")));
            Assert.That(data.StepCount, Is.EqualTo(7));
            foreach (var time in new[] { "08:41:00", "08:41:10", "08:41:20", "08:41:30", "08:41:40", "08:41:50", "08:42:00" })
            {
                Assert.That(data.Step(Step(time))!.Metrics[0][0].Count, Is.EqualTo(1), time);
                Assert.That(MetricValue(data, Step(time), "a", "cpu"), Is.EqualTo(5.0), time);
            }

            Assert.That(data.Step(Step("08:40:50")), Is.Null);
            Assert.That(data.Step(Step("08:42:10")), Is.Null);
            Assert.That(data.Report.MetricsUsed, Is.EqualTo(1));
        });
    }

    // [Time − Coverage, Time): 08:42:00 − 60 s → [08:41:00, 08:42:00) = 6 steps from 08:41:00;
    // 08:42:09 − 5 s → [08:42:04, 08:42:09) = 1 step; 08:42:12 − 5 s → [08:42:07, 08:42:12) = 2 steps from 08:42:00.
    [TestCase("08:42:00", 60.0, "08:41:00", 6)]
    [TestCase("08:42:09", 5.0, "08:42:00", 1)]
    [TestCase("08:42:12", 5.0, "08:42:00", 2)]
    [TestCase("08:42:09", 0.0, "08:42:00", 1)]
    public void Add_ASampleWithCoverage_SpansTheStepsOfItsHalfOpenPeriod(string time, double coverage, string first, int steps)
    {
        var data = Aggregate(Metric("a", time, "cpu", 5, coverage));

        Assert.Multiple(() =>
        {
            Assert.That(data.FirstStep, Is.EqualTo(Step(first)));
            Assert.That(data.StepCount, Is.EqualTo(steps));
        });
    }

    [Test]
    public void Add_ACoveringSampleAndAPointSample_AreAveragedWhereTheyMeet()
    {
        // The covering sample (5) is in 08:41:00 … 08:42:00; the point sample (9) only in 08:42:00 → (5 + 9) / 2 = 7 there.
        var data = Aggregate(
            Metric("a", "08:42:09", "cpu", 5, coverageSeconds: 60),
            Metric("a", "08:42:05", "cpu", 9));

        Assert.Multiple(() =>
        {
            Assert.That(MetricValue(data, Step("08:41:50"), "a", "cpu"), Is.EqualTo(5.0));
            Assert.That(MetricValue(data, Step("08:42:00"), "a", "cpu"), Is.EqualTo(7.0));
        });
    }

    [Test]
    public void Add_Logs_CountsTemplatesAndLevelsPerInstanceAndStep()
    {
        var data = Aggregate(
            IdentityKeys,
            Log("a", "08:00:01", "login ok", "INFO"),
            Log("b", "08:00:02", "login ok", "info"),
            Log("a", "08:00:03", "login ok", "WARNING"),
            Log("a", "08:00:12", "cache miss for key", "ERROR"));
        var login = data.LogParser.Templates.Single(t => t.Text == "login ok").Id;
        var cache = data.LogParser.Templates.Single(t => t.Text == "cache miss for key").Id;
        var first = data.Step(Step("08:00:00"))!;
        var second = data.Step(Step("08:00:10"))!;

        Assert.Multiple(() =>
        {
            Assert.That(first.LogTemplates[0], Is.EqualTo(new Dictionary<int, int> { [login] = 2 }));
            Assert.That(first.LogTemplates[1], Is.EqualTo(new Dictionary<int, int> { [login] = 1 }));
            Assert.That(second.LogTemplates[0], Is.EqualTo(new Dictionary<int, int> { [cache] = 1 }));
            Assert.That(second.LogTemplates.ContainsKey(1), Is.False);
            // Columns TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OTHER.
            Assert.That(first.LogLevelCounts[0], Is.EqualTo(new[] { 0, 0, 1, 1, 0, 0, 0 }));
            Assert.That(first.LogLevelCounts[1], Is.EqualTo(new[] { 0, 0, 1, 0, 0, 0, 0 }));
            Assert.That(second.LogLevelCounts[0], Is.EqualTo(new[] { 0, 0, 0, 0, 1, 0, 0 }));
            Assert.That(data.Report.LogsUsed, Is.EqualTo(4));
            Assert.That(data.StepsWithLogs, Is.EqualTo(2));
        });
    }

    // ------------------------------------------------------------------ lateness

    [Test]
    public void Add_MetricsWithLateness_PlacesThoseWithinTheBoundAndCountsOlderOnes()
    {
        // Newest time 08:00:40; bound 30 s → anything before 08:00:10 is late.
        // 08:00:15 (25 s behind) → step 08:00:10; 08:00:10 (exactly 30 s behind) → step 08:00:10; 08:00:09 (31 s) → late.
        var data = Aggregate(
            o => o.Lateness = TimeSpan.FromSeconds(30),
            Metric("a", "08:00:40", "cpu", 1),
            Metric("a", "08:00:15", "cpu", 2),
            Metric("a", "08:00:10", "cpu", 4),
            Metric("a", "08:00:09", "cpu", 100));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.MetricsUsed, Is.EqualTo(3));
            Assert.That(data.Report.MetricsLate, Is.EqualTo(1));
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:00:10")));
            Assert.That(data.Step(Step("08:00:00")), Is.Null);
            Assert.That(MetricValue(data, Step("08:00:10"), "a", "cpu"), Is.EqualTo(3.0)); // (2 + 4) / 2
        });
    }

    [Test]
    public void Add_LogsWithLateness_PlacesThoseWithinTheBoundAndCountsOlderOnes()
    {
        var data = Aggregate(
            o => o.Lateness = TimeSpan.FromSeconds(30),
            Log("a", "08:00:40", "login ok"),
            Log("a", "08:00:15", "login ok"),
            Log("a", "08:00:09", "login ok"));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.LogsUsed, Is.EqualTo(2));
            Assert.That(data.Report.LogsLate, Is.EqualTo(1));
            Assert.That(data.Step(Step("08:00:10"))!.LogTemplates[0].Values.Sum(), Is.EqualTo(1));
            Assert.That(data.Step(Step("08:00:00")), Is.Null);
            // The late line never reached the parser.
            Assert.That(data.LogParser.MessageCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Add_SpansWithLateness_AreJudgedByTheirEnd()
    {
        // Ends: 08:00:40; 08:00:15 (25 s behind, used); 08:00:05 + 4 s = 08:00:09 (31 s behind, late).
        var data = Aggregate(
            o => o.Lateness = TimeSpan.FromSeconds(30),
            Span("t1", "r", null, "a", "home", "08:00:39", 1000),
            Span("t2", "r", null, "a", "home", "08:00:14", 1000),
            Span("t3", "r", null, "a", "home", "08:00:05", 4000));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.SpansUsed, Is.EqualTo(2));
            Assert.That(data.Report.SpansLate, Is.EqualTo(1));
            Assert.That(data.Report.SpansRoot, Is.EqualTo(2));
            Assert.That(data.StepsWithSpans, Is.EqualTo(2));
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:00:10")));
        });
    }

    [Test]
    public void Add_WithoutLateness_NothingIsLate()
    {
        // An hour out of order is still placed when Lateness is null (the default).
        var data = Aggregate(
            Metric("a", "09:00:00", "cpu", 1),
            Metric("a", "08:00:00", "cpu", 2),
            Log("a", "09:00:00", "login ok"),
            Log("a", "08:00:00", "login ok"),
            Span("t1", "r", null, "a", "home", "09:00:00", 1),
            Span("t2", "r", null, "a", "home", "08:00:00", 1));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.MetricsLate + data.Report.LogsLate + data.Report.SpansLate, Is.Zero);
            Assert.That(data.Report.MetricsUsed, Is.EqualTo(2));
            Assert.That(data.Report.LogsUsed, Is.EqualTo(2));
            Assert.That(data.Report.SpansUsed, Is.EqualTo(2));
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:00:00")));
            Assert.That(data.StepCount, Is.EqualTo(361)); // 08:00:00 … 09:00:00 in 10 s steps: 3600 / 10 + 1
        });
    }

    [Test]
    public void Add_Lateness_IsTrackedPerKindOfRecord()
    {
        // Metrics reached 09:00:00, but logs and spans have their own newest time, so an 08:00:00 log is on time.
        var data = Aggregate(
            o => o.Lateness = TimeSpan.FromSeconds(30),
            Metric("a", "09:00:00", "cpu", 1),
            Log("a", "08:00:00", "login ok"),
            Span("t", "r", null, "a", "home", "08:00:00", 1));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.LogsLate, Is.Zero);
            Assert.That(data.Report.SpansLate, Is.Zero);
            Assert.That(data.Report.LogsUsed, Is.EqualTo(1));
        });
    }

    // ------------------------------------------------------------------ spans

    [Test]
    public void Add_ASpanTwice_CountsTheDuplicateAndUsesItOnce()
    {
        var data = Aggregate(
            IdentityKeys,
            Span("t", "r", null, "front", "home", "08:00:01", 500),
            Span("t", "c", "r", "cart", "get", "08:00:02", 100),
            Span("t", "c", "r", "cart", "get", "08:00:02", 100),
            Span("t", "r", null, "front", "home", "08:00:01", 500));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.SpansUsed, Is.EqualTo(2));
            Assert.That(data.Report.SpansDuplicate, Is.EqualTo(2));
            Assert.That(data.Report.SpansRoot, Is.EqualTo(1));
            Assert.That(data.Report.Edges, Is.EqualTo(1));
            Assert.That(EdgesAt(data, "08:00:00"), Is.EqualTo(new[] { ("front", "cart", 1) }));
        });
    }

    [Test]
    public void Add_TheSameSpanIdInAnotherTrace_IsNotADuplicate()
    {
        var data = Aggregate(
            Span("t1", "r", null, "front", "home", "08:00:01", 500),
            Span("t2", "r", null, "front", "home", "08:00:01", 500));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.SpansUsed, Is.EqualTo(2));
            Assert.That(data.Report.SpansDuplicate, Is.Zero);
        });
    }

    [Test]
    public void Add_AChildBeforeItsParent_StillProducesTheEdge()
    {
        var data = Aggregate(
            IdentityKeys,
            Span("t", "c", "r", "cart", "get", "08:00:02", 100),
            Span("t", "r", null, "front", "home", "08:00:01", 500));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.Edges, Is.EqualTo(1));
            Assert.That(data.Report.SpansOrphan, Is.Zero);
            Assert.That(data.Edges, Is.EqualTo(new[] { ("front", "cart") }));
            Assert.That(EdgesAt(data, "08:00:00"), Is.EqualTo(new[] { ("front", "cart", 1) }));
        });
    }

    [Test]
    public void Add_AGrandchildBeforeItsParentAndGrandparent_LinksTheWholeChain()
    {
        var data = Aggregate(
            IdentityKeys,
            Span("t", "g", "c", "db", "query", "08:00:03", 10),
            Span("t", "c", "r", "cart", "get", "08:00:02", 100),
            Span("t", "r", null, "front", "home", "08:00:01", 500));

        Assert.Multiple(() =>
        {
            // Edges are ordered by (caller, callee) index; db (0), cart (1), front (2) in order of first appearance.
            Assert.That(data.Instances, Is.EqualTo(new[] { "db", "cart", "front" }));
            Assert.That(data.Edges, Is.EqualTo(new[] { ("cart", "db"), ("front", "cart") }));
            Assert.That(data.Report.Edges, Is.EqualTo(2));
            Assert.That(data.Report.SpansOrphan, Is.Zero);
        });
    }

    [Test]
    public void Add_AChildEndingInALaterStep_RecordsTheEdgeAtTheStepOfItsEnd()
    {
        // The child starts at 08:00:05 (step 08:00:00) and ends at 08:00:05 + 7 s = 08:00:12 (step 08:00:10).
        var data = Aggregate(
            IdentityKeys,
            Span("t", "r", null, "front", "home", "08:00:04", 9000),
            Span("t", "c", "r", "cart", "get", "08:00:05", 7000));

        Assert.Multiple(() =>
        {
            Assert.That(EdgesAt(data, "08:00:00"), Is.Empty);
            Assert.That(EdgesAt(data, "08:00:10"), Is.EqualTo(new[] { ("front", "cart", 1) }));
            Assert.That(data.Step(Step("08:00:00")), Is.Null);
        });
    }

    [Test]
    public void Add_ACallWithinOneInstance_KeepsTheSelfEdge()
    {
        var data = Aggregate(
            IdentityKeys,
            Span("t", "r", null, "front", "home", "08:00:01", 500),
            Span("t", "c", "r", "front", "render", "08:00:02", 100));

        Assert.Multiple(() =>
        {
            Assert.That(data.Edges, Is.EqualTo(new[] { ("front", "front") }));
            Assert.That(EdgesAt(data, "08:00:00"), Is.EqualTo(new[] { ("front", "front", 1) }));
        });
    }

    [Test]
    public void Add_RootSpans_AreCountedAndMakeNoEdge()
    {
        var data = Aggregate(
            Span("t1", "r", null, "front", "home", "08:00:01", 500),
            Span("t2", "r", null, "front", "home", "08:00:11", 500));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.SpansRoot, Is.EqualTo(2));
            Assert.That(data.Report.Edges, Is.Zero);
            Assert.That(data.Edges, Is.Empty);
            Assert.That(data.StepsWithSpans, Is.EqualTo(2));
        });
    }

    [Test]
    public void Complete_ChildrenWhoseParentNeverArrived_AreCountedAsOrphans()
    {
        var aggregator = Feed(
            null,
            [
                Span("t", "c1", "missing", "cart", "get", "08:00:02", 100),
                Span("t", "c2", "missing", "cart", "get", "08:00:03", 100),
                Span("u", "c", "r", "cart", "get", "08:00:04", 100),
            ]);

        var before = aggregator.Report.SpansOrphan;
        var data = aggregator.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.Zero);
            Assert.That(data.Report.SpansOrphan, Is.EqualTo(3));
            Assert.That(data.Report.SpansUsed, Is.EqualTo(3));
            Assert.That(data.Report.Edges, Is.Zero);
            Assert.That(data.Edges, Is.Empty);
            // The orphans' steps still had spans.
            Assert.That(data.StepsWithSpans, Is.EqualTo(1));
        });
    }

    [Test]
    public void Add_ASpanWithNegativeDuration_IsCountedAndNotUsed()
    {
        var data = Aggregate(
            Span("t", "r", null, "front", "home", "08:00:01", 500),
            Span("t", "c", "r", "cart", "get", "08:00:02", -1));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.SpansNegativeDuration, Is.EqualTo(1));
            Assert.That(data.Report.SpansUsed, Is.EqualTo(1));
            Assert.That(data.Report.Edges, Is.Zero);
            Assert.That(data.Instances, Is.EqualTo(new[] { "front" }));
        });
    }

    [Test]
    public void Add_Spans_RecordOperationsInOrderOfFirstAppearance()
    {
        var data = Aggregate(
            Span("t", "r", null, "front", "home", "08:00:01", 500),
            Span("t", "c1", "r", "cart", "get", "08:00:02", 10),
            Span("t", "c2", "r", "cart", "post", "08:00:03", 10),
            Span("t", "c3", "r", "cart", "get", "08:00:04", 10));

        Assert.That(data.Operations, Is.EqualTo(new[] { "home", "get", "post" }));
    }

    // ------------------------------------------------------------------ bad records and completion

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Add_ANonFiniteMetricValue_IsCountedAndNotUsed(double value)
    {
        var data = Aggregate(
            Metric("a", "08:00:01", "cpu", 1),
            Metric("b", "08:00:02", "cpu", value),
            Metric("a", "08:00:03", "cpu", value));

        Assert.Multiple(() =>
        {
            Assert.That(data.Report.MetricsNotFinite, Is.EqualTo(2));
            Assert.That(data.Report.MetricsUsed, Is.EqualTo(1));
            Assert.That(data.Instances, Is.EqualTo(new[] { "a" }));
            Assert.That(MetricValue(data, Step("08:00:00"), "a", "cpu"), Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Add_AfterComplete_ThrowsForEveryKindOfRecord()
    {
        var aggregator = new TelemetryAggregator();
        aggregator.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(() => aggregator.Add(Metric("a", "08:00:00", "cpu", 1)), Throws.InvalidOperationException.With.Message.EqualTo(CompleteMessage));
            Assert.That(() => aggregator.Add(Log("a", "08:00:00", "login ok")), Throws.InvalidOperationException.With.Message.EqualTo(CompleteMessage));
            Assert.That(() => aggregator.Add(Span("t", "r", null, "a", "home", "08:00:00", 1)), Throws.InvalidOperationException.With.Message.EqualTo(CompleteMessage));
            Assert.That(() => aggregator.Complete(), Throws.InvalidOperationException.With.Message.EqualTo(CompleteMessage));
        });
    }

    [Test]
    public void Add_NullRecords_Throw()
    {
        var aggregator = new TelemetryAggregator();

        Assert.Multiple(() =>
        {
            Assert.That(() => aggregator.Add((LogRecord)null!), Throws.ArgumentNullException);
            Assert.That(() => aggregator.Add((Span)null!), Throws.ArgumentNullException);
        });
    }

    [Test]
    public void Complete_NothingAdded_GivesAnEmptyAggregate()
    {
        var data = new TelemetryAggregator().Complete();

        Assert.Multiple(() =>
        {
            Assert.That(data.FirstStep, Is.Zero);
            Assert.That(data.StepCount, Is.Zero);
            Assert.That(data.Instances, Is.Empty);
            Assert.That(data.Edges, Is.Empty);
            Assert.That(data.IndexOfInstance("a"), Is.EqualTo(-1));
        });
    }

    [Test]
    public void Complete_Records_GiveTheStepRangeFromFirstToLastStepWithData()
    {
        // Steps 08:00:00 and 08:00:50 hold data; the range includes the empty steps between them.
        var data = Aggregate(
            Metric("a", "08:00:55", "cpu", 1),
            Log("b", "08:00:03", "login ok"));

        Assert.Multiple(() =>
        {
            Assert.That(data.FirstStep, Is.EqualTo(Step("08:00:00")));
            Assert.That(data.StepCount, Is.EqualTo(6));
            Assert.That(data.IndexOfInstance("b"), Is.EqualTo(1));
        });
    }

    [Test]
    public void Report_ToString_ListsEveryCounter()
    {
        var data = Aggregate(
            o => o.Lateness = TimeSpan.Zero,
            Metric("a", "08:00:05", "cpu", 1),
            Metric("a", "08:00:01", "cpu", 1),
            Metric("a", "08:00:06", "cpu", double.NaN),
            Log("a", "08:00:01", "login ok"),
            Span("t", "r", null, "a", "home", "08:00:01", 10),
            Span("t", "r", null, "a", "home", "08:00:01", 10),
            Span("t", "p", "r", "a", "SELECT", "08:00:01.1", 2) with { Kind = SpanKind.Client },
            Span("t", "c", "r", "b", "get", "08:00:02", 12),
            Span("t", "x", "gone", "b", "get", "08:00:03", 10),
            Span("t", "y", "r", "b", "get", "08:00:04", -10));

        // a → b: client 10 ms (r), server 12 ms (c): a negative difference. p: a client span without a callee span → a peer.
        Assert.That(data.Report.ToString(), Is.EqualTo(
            "metrics 1 used, 1 not finite, 1 late, 0 out of range; logs 1 used, 0 late, 0 out of range; " +
            "spans 4 used (1 roots, 1 orphans, 2 calls: 1 client/server pairs, 1 to peers, 1 negative differences), 1 duplicates, 1 negative, 0 late, 0 out of range"));
    }
}
