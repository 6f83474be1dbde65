using MstGad.Features;

namespace MstGad.Tests.Detection;

public sealed class EdgeEvidenceTests
{
    private static EdgeEvidence Evidence(EdgeMeasure measure, string? type, double value, double typical, string callee = "ts-route") =>
        new("ts-travel", callee, 1.5, "feature", measure, type, value, typical);

    [TestCase(EdgeMeasure.Calls, "calls")]
    [TestCase(EdgeMeasure.ClientDuration, "client")]
    [TestCase(EdgeMeasure.ServerDuration, "server")]
    [TestCase(EdgeMeasure.ClientMinusServer, "client minus server")]
    [TestCase(EdgeMeasure.Errors, "errors")]
    [TestCase(EdgeMeasure.MeanLatency, "mean latency")]
    [TestCase(EdgeMeasure.P95Latency, "p95 latency")]
    [TestCase(EdgeMeasure.ErrorRate, "error rate")]
    public void Side_EachMeasure_NamesItsSide(EdgeMeasure measure, string side) =>
        Assert.That(Evidence(measure, null, 1, 1).Side, Is.EqualTo(side));

    [Test]
    public void Describe_ARisingDifference_SaysClientMinusServerTimeRose() =>
        Assert.That(Evidence(EdgeMeasure.ClientMinusServer, "getRoute", 240, 3).Describe(),
            Is.EqualTo("client minus server time on ts-travel → ts-route rose from 3 ms to 240 ms (request type getRoute)"));

    [TestCase(EdgeMeasure.ClientDuration, "getRoute", 250.004, 12.5, "client time on ts-travel → ts-route rose from 12.5 ms to 250 ms (request type getRoute)")]
    [TestCase(EdgeMeasure.ServerDuration, "getRoute", 3.14159, 20, "server time on ts-travel → ts-route fell from 20 ms to 3.14 ms (request type getRoute)")]
    [TestCase(EdgeMeasure.Calls, "getRoute", 0, 12.5, "calls on ts-travel → ts-route fell from 12.5 to 0 (request type getRoute)")]
    [TestCase(EdgeMeasure.Errors, "other", 7, 1, "errors on ts-travel → ts-route rose from 1 to 7 (request type other)")]
    [TestCase(EdgeMeasure.Calls, null, 4, 4, "calls on ts-travel → ts-route stayed at 4")]
    [TestCase(EdgeMeasure.P95Latency, null, 900, 45.25, "p95 latency on ts-travel → ts-route rose from 45.25 ms to 900 ms")]
    [TestCase(EdgeMeasure.ErrorRate, null, 0.5, 0.05, "error rate on ts-travel → ts-route rose from 0.05 to 0.5")]
    public void Describe_EachMeasure_FormsOneSentence(EdgeMeasure measure, string? type, double value, double typical, string expected) =>
        Assert.That(Evidence(measure, type, value, typical).Describe(), Is.EqualTo(expected));

    [Test]
    public void Describe_APeer_NamesThePeerNode() =>
        Assert.That(Evidence(EdgeMeasure.ClientDuration, "SELECT", 80, 2, callee: "db:mysql").Describe(),
            Is.EqualTo("client time on ts-travel → db:mysql rose from 2 ms to 80 ms (request type SELECT)"));
}
