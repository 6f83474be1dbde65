using MstGad.Features;
using static MstGad.Graph.Tests.Support.Telemetry;

namespace MstGad.Graph.Tests;

[TestFixture]
public sealed class LabelsTests
{
    /// <summary>The labels of one node over time, from <c>[t · N + node]</c>.</summary>
    private static sbyte[] Column(sbyte[] labels, int n, int node) => [.. labels.Where((_, i) => i % n == node)];

    /// <summary>The start times (hh:mm:ss) of the steps labelled abnormal for one node.</summary>
    private static string[] AbnormalSteps(sbyte[] labels, int n, int node, long firstStep) =>
    [
        .. Column(labels, n, node)
            .Select((label, t) => (label, t))
            .Where(p => p.label == Labels.Abnormal)
            .Select(p => Clock.StartOf(firstStep + p.t).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)),
    ];

    private static string[] Times(string from, int count) =>
        [.. Enumerable.Range(0, count).Select(i => At(from).AddSeconds(10 * i).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))];

    [Test]
    public void FromFaults_AFaultOfThreeMinutesFromAMidStepTime_LabelsEveryStepItOverlaps()
    {
        // [08:43:04, 08:46:04) overlaps the steps 08:43:00 (from its 4th second) … 08:46:00 (its first 4 seconds):
        // 6 steps per minute × 3 minutes + 1 = 19 steps. Range: 08:42:00 … 08:46:50 (30 steps).
        var registry = new InstanceRegistry(["front", "cart"]);
        var fault = new FaultLabel("cart", At("08:43:04"), TimeSpan.FromMinutes(3), "cpu_contention");
        var first = Step("08:42:00");

        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, first, 30, out var unmatched);

        Assert.Multiple(() =>
        {
            Assert.That(labels, Has.Length.EqualTo(30 * 2));
            Assert.That(AbnormalSteps(labels, 2, 1, first), Is.EqualTo(Times("08:43:00", 19)));
            Assert.That(AbnormalSteps(labels, 2, 1, first)[^1], Is.EqualTo("08:46:00"));
            Assert.That(Column(labels, 2, 1).Count(l => l == Labels.Normal), Is.EqualTo(30 - 19));
            Assert.That(Column(labels, 2, 0), Is.All.EqualTo(Labels.Normal));
            Assert.That(unmatched, Is.Empty);
        });
    }

    [Test]
    public void FromFaults_AFaultAlignedToTheSteps_LabelsExactlyItsSteps()
    {
        // [08:43:00, 08:46:00) is exactly the steps 08:43:00 … 08:45:50: 18 steps; 08:46:00 stays normal.
        var registry = new InstanceRegistry(["front", "cart"]);
        var fault = new FaultLabel("cart", At("08:43:00"), TimeSpan.FromMinutes(3), "cpu_contention");
        var first = Step("08:42:00");

        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, first, 30, out _);

        Assert.That(AbnormalSteps(labels, 2, 1, first), Is.EqualTo(Times("08:43:00", 18)));
    }

    [Test]
    public void FromFaults_TheLayout_IsStepTimesNPlusNode()
    {
        // One-second fault at 08:00:15 on node 1 of 3, steps 08:00:00 … 08:00:20 → only [1 · 3 + 1] = [4] is abnormal.
        var registry = new InstanceRegistry(["a", "b", "c"]);
        var fault = new FaultLabel("b", At("08:00:15"), TimeSpan.FromSeconds(1), "kill");

        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 3, out _);

        Assert.That(labels, Is.EqualTo(new sbyte[] { 0, 0, 0, 0, 1, 0, 0, 0, 0 }));
    }

    [Test]
    public void FromFaults_AServiceFault_LabelsEveryInstanceOfTheService()
    {
        var registry = new InstanceRegistry(["ts-basic-service-5dc8d4f9fd-46997", "redis-0", "ts-basic-service-5dc8d4f9fd-llznp"]);
        var fault = new FaultLabel("ts-basic-service", At("08:00:05"), TimeSpan.FromSeconds(10), "network_delay") { TargetKind = FaultTarget.Service };

        // [08:00:05, 08:00:15) overlaps 08:00:00 and 08:00:10; the range is 08:00:00 … 08:00:20.
        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 3, out var unmatched);

        Assert.Multiple(() =>
        {
            Assert.That(labels, Is.EqualTo(new sbyte[] { 1, 0, 1, 1, 0, 1, 0, 0, 0 }));
            Assert.That(unmatched, Is.Empty);
        });
    }

    [Test]
    public void FromFaults_AServiceFaultOnWorkloadKeys_LabelsTheWorkloadNode()
    {
        var registry = new InstanceRegistry(["ts-basic-service", "redis-0"]);
        var fault = new FaultLabel("ts-basic-service", At("08:00:05"), TimeSpan.FromSeconds(1), "x") { TargetKind = FaultTarget.Service };

        var labels = Labels.FromFaults([fault], InstanceKey.KubernetesWorkload, registry, Clock, Step("08:00:00"), 1, out _);

        Assert.That(labels, Is.EqualTo(new sbyte[] { 1, 0 }));
    }

    [Test]
    public void FromFaults_AnInstanceFaultNamingARawPod_IsMappedWithTheInstanceKey()
    {
        var registry = new InstanceRegistry(["redis-0", "ts-basic-service"]);
        var fault = new FaultLabel("ts-basic-service-5dc8d4f9fd-46997", At("08:00:05"), TimeSpan.FromSeconds(1), "x");

        var labels = Labels.FromFaults([fault], InstanceKey.KubernetesWorkload, registry, Clock, Step("08:00:00"), 1, out var unmatched);

        Assert.Multiple(() =>
        {
            Assert.That(labels, Is.EqualTo(new sbyte[] { 0, 1 }));
            Assert.That(unmatched, Is.Empty);
        });
    }

    [Test]
    public void FromFaults_FaultsNamingNoRegisteredInstance_AreReportedAndLabelNothing()
    {
        var registry = new InstanceRegistry(["front", "cart"]);
        var unknownInstance = new FaultLabel("payment", At("08:00:05"), TimeSpan.FromSeconds(1), "x");
        var unknownService = new FaultLabel("auth", At("08:00:05"), TimeSpan.FromSeconds(1), "x") { TargetKind = FaultTarget.Service };
        var matched = new FaultLabel("front", At("08:00:05"), TimeSpan.FromSeconds(1), "x");

        var labels = Labels.FromFaults([unknownInstance, matched, unknownService], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 1, out var unmatched);

        Assert.Multiple(() =>
        {
            Assert.That(unmatched, Is.EqualTo(new[] { unknownInstance, unknownService }));
            Assert.That(labels, Is.EqualTo(new sbyte[] { 1, 0 }));
        });
    }

    [Test]
    public void FromFaults_AFaultPartlyOutsideTheRange_IsClipped()
    {
        // [07:59:55, 08:00:25) overlaps 07:59:50 … 08:00:20; the range 08:00:00 … 08:00:10 keeps its two steps.
        var registry = new InstanceRegistry(["a"]);
        var fault = new FaultLabel("a", At("07:59:55"), TimeSpan.FromSeconds(30), "x");

        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 2, out _);

        Assert.That(labels, Is.EqualTo(new sbyte[] { 1, 1 }));
    }

    [Test]
    public void FromFaults_AFaultOutsideTheRange_LabelsNothingAndIsNotUnmatched()
    {
        var registry = new InstanceRegistry(["a"]);
        var fault = new FaultLabel("a", At("09:00:00"), TimeSpan.FromSeconds(30), "x");

        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 3, out var unmatched);

        Assert.Multiple(() =>
        {
            Assert.That(labels, Is.All.EqualTo(Labels.Normal));
            Assert.That(unmatched, Is.Empty);
        });
    }

    [Test]
    public void FromFaults_AFaultWithoutDuration_LabelsTheStepOfItsStart()
    {
        var registry = new InstanceRegistry(["a"]);
        var fault = new FaultLabel("a", At("08:00:10"), TimeSpan.Zero, "x");

        var labels = Labels.FromFaults([fault], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 3, out _);

        Assert.That(labels, Is.EqualTo(new sbyte[] { 0, 1, 0 }));
    }

    [Test]
    public void FromFaults_NoFaults_LabelsEverythingNormal()
    {
        var registry = new InstanceRegistry(["a", "b"]);

        var labels = Labels.FromFaults([], InstanceKey.Identity, registry, Clock, Step("08:00:00"), 4, out var unmatched);

        Assert.Multiple(() =>
        {
            Assert.That(labels, Has.Length.EqualTo(8));
            Assert.That(labels, Is.All.EqualTo(Labels.Normal));
            Assert.That(unmatched, Is.Empty);
        });
    }

    [Test]
    public void Constants_Values_AreOneZeroAndMinusOne()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Labels.Abnormal, Is.EqualTo(1));
            Assert.That(Labels.Normal, Is.Zero);
            Assert.That(Labels.Unknown, Is.EqualTo(-1));
        });
    }
}
