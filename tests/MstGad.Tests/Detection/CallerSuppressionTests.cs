using MstGad.Features;
using MstGad.Graph;

namespace MstGad.Tests.Detection;

[TestFixture]
public sealed class CallerSuppressionTests
{
    private static readonly StepClock Clock = new(TimeSpan.FromMinutes(1));

    [Test]
    public void SuppressCallers_CallerOfAFlaggedCalleeThatScoresAtLeastAsHigh_IsUnflagged()
    {
        // a → b → c, all flagged: a (2) calls b (3): a is b's victim; b (3) calls c (1): b stands out more and keeps its flag.
        string[] keys = ["a", "b", "c", "d"];
        var last = Graph(4, [(0, 1), (1, 2), (3, 3)]);
        List<InstanceVerdict> verdicts = [Verdict("a", 2, true), Verdict("b", 3, true), Verdict("c", 1, true), Verdict("d", 9, false)];

        var result = Detector.SuppressCallers(verdicts, last, keys);

        Assert.Multiple(() =>
        {
            Assert.That(result.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "b", "c" }));
            Assert.That(result.Select(v => v.Score), Is.EqualTo(verdicts.Select(v => v.Score)), "scores are kept");
        });
    }

    [Test]
    public void SuppressCallers_CallerAndCalleeBothFlaggedForClientMinusServerTime_KeepTheCaller()
    {
        // x → y → z and w → x, all flagged. x and y are flagged for client-minus-server time on the calls into them: x's
        // callers saw it too, so the delay is on x's way out (its answers and its requests): y is unflagged although it
        // scores higher. y → z: z is not gap-driven, so the usual rule applies and y (already unflagged) stays so; w → x:
        // w is not gap-driven and x scores higher, so w is unflagged.
        string[] keys = ["w", "x", "y", "z"];
        var last = Graph(4, [(0, 1), (1, 2), (2, 3)]);
        List<InstanceVerdict> verdicts = [Verdict("w", 1, true), Verdict("x", 2, true), Verdict("y", 5, true), Verdict("z", 6, true)];
        var gapDriven = new HashSet<string>(StringComparer.Ordinal) { "x", "y" };

        var withGaps = Detector.SuppressCallers(verdicts, last, keys, gapDriven);
        var without = Detector.SuppressCallers(verdicts, last, keys);

        Assert.Multiple(() =>
        {
            Assert.That(withGaps.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "x", "z" }));
            Assert.That(without.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "z" }), "every caller of a higher-scoring callee");
        });
    }

    [Test]
    public void SuppressCallers_CalleeWithSurprisingServerTime_UnflagsAHigherScoringCaller()
    {
        // r → p, both flagged; the caller r scores higher (its latency metrics stand out more), but p's own server time on
        // the calls into it is surprising: r's slowness is p's time, and only p stays flagged. Without that, r keeps its flag
        // (it scores higher) and so does p (it calls nobody flagged).
        string[] keys = ["r", "p", "q"];
        var last = Graph(3, [(0, 1), (2, 1)]);
        List<InstanceVerdict> verdicts = [Verdict("r", 45, true), Verdict("p", 18, true), Verdict("q", 3, false)];

        var slow = Detector.SuppressCallers(verdicts, last, keys, serverSlow: new HashSet<string>(StringComparer.Ordinal) { "p" });
        var usual = Detector.SuppressCallers(verdicts, last, keys);

        Assert.Multiple(() =>
        {
            Assert.That(slow.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "p" }));
            Assert.That(usual.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "r", "p" }));
        });
    }

    [Test]
    public void SuppressCallers_CallerWithSurprisingServerTime_DoesNotUnflagItsCallee()
    {
        // r → p, both flagged, r scores lower: the usual rule unflags r. A surprising server time on the calls into r (the
        // caller) says nothing about p, so p keeps its flag.
        string[] keys = ["r", "p"];
        List<InstanceVerdict> verdicts = [Verdict("r", 1, true), Verdict("p", 2, true)];

        var result = Detector.SuppressCallers(verdicts, Graph(2, [(0, 1)]), keys, serverSlow: new HashSet<string>(StringComparer.Ordinal) { "r" });

        Assert.That(result.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "p" }));
    }

    [Test]
    public void SuppressCallers_OnlyTheCalleeGapDriven_KeepsTheUsualRule()
    {
        string[] keys = ["a", "b"];
        List<InstanceVerdict> verdicts = [Verdict("a", 1, true), Verdict("b", 2, true)];

        var result = Detector.SuppressCallers(verdicts, Graph(2, [(0, 1)]), keys, new HashSet<string>(StringComparer.Ordinal) { "b" });

        Assert.That(result.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public void SuppressCallers_OneFlaggedInstance_ChangesNothing()
    {
        List<InstanceVerdict> verdicts = [Verdict("a", 2, true), Verdict("b", 3, false)];

        Assert.That(Detector.SuppressCallers(verdicts, Graph(2, [(0, 1)]), ["a", "b"]), Is.SameAs(verdicts));
    }

    [Test]
    public void CallersOfLabelledFaults_AreTheFaultsUpstreamInTheStepsCallGraph()
    {
        // d → a → b → c with c labelled abnormal, e → e a self-call: a, b and d are upstream of c; e is not.
        var graph = Graph(5, [(3, 0), (0, 1), (1, 2), (4, 4)]);
        var labels = new sbyte[] { Labels.Normal, Labels.Unknown, Labels.Abnormal, Labels.Normal, Labels.Normal };

        var callers = Detector.CallersOfLabelledFaults(new GraphWindow([graph], labels));

        Assert.That(callers, Is.EquivalentTo(new[] { 0, 1, 3 }));
    }

    [Test]
    public void CallersOfLabelledFaults_NoFault_IsNull() =>
        Assert.That(Detector.CallersOfLabelledFaults(new GraphWindow([Graph(2, [(0, 1)])], [Labels.Normal, Labels.Normal])), Is.Null);

    [Test]
    public void CalleesOfLabelledFaults_AreWhatTheFaultCallsDirectly()
    {
        // a → b → c → d, c → c and c → b, with c labelled abnormal and b labelled abnormal too: d is c's callee; b is
        // labelled itself and a is not called by a fault.
        var graph = Graph(4, [(0, 1), (1, 2), (2, 3), (2, 2), (2, 1)]);
        var labels = new sbyte[] { Labels.Normal, Labels.Abnormal, Labels.Abnormal, Labels.Unknown };

        var callees = Detector.CalleesOfLabelledFaults(new GraphWindow([graph], labels));

        Assert.That(callees, Is.EquivalentTo(new[] { 3 }));
    }

    [Test]
    public void CalleesOfLabelledFaults_NoFault_IsNull() =>
        Assert.That(Detector.CalleesOfLabelledFaults(new GraphWindow([Graph(2, [(0, 1)])], [Labels.Normal, Labels.Unknown])), Is.Null);

    [Test]
    public void AnyLabelAbnormal_AnyStepOfTheWindow_NotOnlyTheLast()
    {
        // Two steps, three nodes: node 0 abnormal in the first step only (the window after its fault ended), node 1
        // normal in both, node 2 unknown then normal.
        var window = new GraphWindow([Graph(3, []), Graph(3, [])], [Labels.Abnormal, Labels.Normal, Labels.Unknown, Labels.Normal, Labels.Normal, Labels.Normal]);

        Assert.Multiple(() =>
        {
            Assert.That(window.AnyLabelAbnormal(0), Is.True);
            Assert.That(window.AnyLabelAbnormal(1), Is.False);
            Assert.That(window.AnyLabelAbnormal(2), Is.False);
            Assert.That(new GraphWindow([Graph(3, [])], null).AnyLabelAbnormal(0), Is.False, "no labels");
        });
    }

    [Test]
    public void GapTotalsAndMeans_AreEveryClientMinusServerFeatureButTheMedian_InEachBlockOfTheTraces()
    {
        EdgeFeatureInfo[] edges =
        [
            new("calls", EdgeMeasure.Calls, null),
            new("gap:x", EdgeMeasure.ClientMinusServer, "x"),
            new("gap:mean", EdgeMeasure.MeanClientMinusServer, null),
            new("gap:median", EdgeMeasure.MedianClientMinusServer, null),
            new("latency:mean", EdgeMeasure.MeanLatency, null),
        ];

        Assert.Multiple(() =>
        {
            Assert.That(Detector.GapTotalsAndMeans(edges, (3, 2, 5)), Is.EqualTo(new[] { 6, 7 }));
            Assert.That(Detector.GapTotalsAndMeans(edges, (3, 2, 10)), Is.EqualTo(new[] { 6, 7, 11, 12 }));
            Assert.That(Detector.GapTotalsAndMeans([], (3, 2, 0)), Is.Empty);
        });
    }

    [Test]
    public void MoveToDelayedCallers_OneCallerWhoseOwnCallersSeeTheGapToo_TakesTheFlag()
    {
        // c → a → b: b flagged for client-minus-server time on its one caller's calls; a's own callers see a gap as
        // surprising as 3 (a delay on a's traffic both ways), so the flag moves from b to a.
        var graph = Graph(3, [(2, 0), (0, 1), (1, 1)]);
        List<InstanceVerdict> verdicts = [Verdict("a", 0.5, false), Verdict("b", 4, true), Verdict("c", 0.1, false)];

        var moved = Detector.MoveToDelayedCallers(verdicts, graph, ["a", "b", "c"], new HashSet<string> { "b" }, [3f, 0f, 0f]);

        Assert.That(moved.Where(v => v.IsAbnormal).Select(v => v.Instance), Is.EqualTo(new[] { "a" }));
    }

    [TestCase(2.5f, 1)] // the caller's callers see no unusual gap: a delay into b
    [TestCase(3f, 2)] // two callers: no single caller explains b
    public void MoveToDelayedCallers_OtherwiseTheFlagStays(float callerSurprise, int callers)
    {
        (int, int)[] edges = callers == 1 ? [(2, 0), (0, 1)] : [(2, 0), (0, 1), (2, 1)];
        List<InstanceVerdict> verdicts = [Verdict("a", 0.5, false), Verdict("b", 4, true), Verdict("c", 0.1, false)];

        var moved = Detector.MoveToDelayedCallers(verdicts, Graph(3, edges), ["a", "b", "c"], new HashSet<string> { "b" }, [callerSurprise, 0f, 0f]);

        Assert.That(moved, Is.SameAs(verdicts));
    }

    [Test]
    public void MoveToDelayedCallers_CallerWithoutAVerdictInTheStep_KeepsTheFlagWhereItIs()
    {
        List<InstanceVerdict> verdicts = [Verdict("b", 4, true)];

        Assert.That(Detector.MoveToDelayedCallers(verdicts, Graph(2, [(0, 1)]), ["a", "b"], new HashSet<string> { "b" }, [3f, 0f]), Is.SameAs(verdicts));
    }

    [Test]
    public void MoveToDelayedCallers_OnlyInstancesFlaggedForTheGapMove()
    {
        List<InstanceVerdict> verdicts = [Verdict("a", 0.5, false), Verdict("b", 4, true)];

        Assert.That(Detector.MoveToDelayedCallers(verdicts, Graph(2, [(0, 1)]), ["a", "b"], new HashSet<string>(), [3f, 0f]), Is.SameAs(verdicts));
    }

    private static MstGraph Graph(int nodes, (int Source, int Target)[] edges) =>
        new(0, Clock, nodes, 1, new float[nodes], [.. Enumerable.Repeat((byte)ModalityMask.Metrics, nodes)], [.. edges.Select(e => e.Source)], [.. edges.Select(e => e.Target)], 0, []);

    private static InstanceVerdict Verdict(string instance, double score, bool abnormal) =>
        new(instance, DateTimeOffset.UnixEpoch, score, abnormal, new Evidence([], [], []));
}
