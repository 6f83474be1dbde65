using MstGad.Features;
using MstGad.Simulation.Tests.Support;

namespace MstGad.Simulation.Tests;

/// <summary>
/// Each fault kind, injected on ts-route-service (called by ts-travel-service and ts-order-service, and
/// calling ts-user-service), compared with the same seed without the fault: it shows in its modalities
/// and leaves the others exactly as they were.
/// </summary>
[TestFixture]
public sealed class FaultManifestationTests
{
    private const string Route = "ts-route-service";
    private static readonly DateTimeOffset Noon = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FaultStart = Noon.AddMinutes(10);
    private static readonly DateTimeOffset FaultEnd = Noon.AddMinutes(15);
    private Recorded _baseline = null!;

    [OneTimeSetUp]
    public void SimulateWithoutFaults() => _baseline = new Recorded(new TelemetrySimulator(Options()));

    [Test]
    public void CpuHog_RaisesCpuAndSlowsTheInstancesSpans_LogsAndOtherMetricsUnchanged()
    {
        var faulty = Inject(FaultKind.CpuHog);
        var route = faulty.InstanceOf(Route);

        Assert.Multiple(() =>
        {
            Assert.That(faulty.MeanMetric(route, "cpu_usage_cores", FaultStart, FaultEnd) - _baseline.MeanMetric(route, "cpu_usage_cores", FaultStart, FaultEnd), Is.GreaterThan(0.9));
            Assert.That(faulty.Metrics.Where(m => m.Name != "cpu_usage_cores"), Is.EqualTo(_baseline.Metrics.Where(m => m.Name != "cpu_usage_cores")));
            Assert.That(MeanMs(faulty.ServerSpans(route, FaultStart, FaultEnd)), Is.GreaterThan(1.5 * MeanMs(_baseline.ServerSpans(route, FaultStart, FaultEnd))));
            Assert.That(faulty.Spans.Where(s => !Recorded.In(s.Start, FaultStart, FaultEnd)), Is.EqualTo(_baseline.Spans.Where(s => !Recorded.In(s.Start, FaultStart, FaultEnd))));
            Assert.That(Recorded.Shapes(faulty.Logs), Is.EqualTo(Recorded.Shapes(_baseline.Logs)), "the same log lines, durations aside");
        });
    }

    [Test]
    public void MemoryLeak_RampsMemory_OnlyMemoryChanges()
    {
        var faulty = Inject(FaultKind.MemoryLeak);
        var route = faulty.InstanceOf(Route);
        var lastScrape = FaultEnd.AddSeconds(-10);
        double Memory(Recorded r, DateTimeOffset t) => r.Metrics.Single(m => m.Instance == route && m.Name == "memory_working_set_mb" && m.Time == t).Value;

        Assert.Multiple(() =>
        {
            Assert.That(Memory(faulty, FaultStart.AddSeconds(10)), Is.EqualTo(Memory(_baseline, FaultStart.AddSeconds(10))).Within(5).Percent);
            Assert.That(Memory(faulty, FaultStart.AddMinutes(2.5)) / Memory(_baseline, FaultStart.AddMinutes(2.5)), Is.InRange(1.35, 1.65));
            Assert.That(Memory(faulty, lastScrape) / Memory(_baseline, lastScrape), Is.GreaterThan(1.8));
            Assert.That(Memory(faulty, FaultEnd.AddMinutes(1)), Is.EqualTo(Memory(_baseline, FaultEnd.AddMinutes(1))), "back to normal after the fault");
            Assert.That(faulty.Metrics.Where(m => m.Name != "memory_working_set_mb"), Is.EqualTo(_baseline.Metrics.Where(m => m.Name != "memory_working_set_mb")));
            Assert.That(faulty.Spans, Is.EqualTo(_baseline.Spans));
            Assert.That(Recorded.Shapes(faulty.Logs), Is.EqualTo(Recorded.Shapes(_baseline.Logs)), "health checks report the heap, in the same template");
        });
    }

    [Test]
    public void DiskIoHog_RaisesDiskMetricsAndLogsSlowWrites_SpansUnchanged()
    {
        var faulty = Inject(FaultKind.DiskIoHog);
        var route = faulty.InstanceOf(Route);
        string[] disk = ["disk_read_kb_per_s", "disk_write_kb_per_s", "disk_io_wait_percent"];
        var slowWrites = faulty.Logs.Where(l => l.Message.StartsWith("Slow write to", StringComparison.Ordinal)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(faulty.MeanMetric(route, "disk_write_kb_per_s", FaultStart, FaultEnd), Is.GreaterThan(100 * _baseline.MeanMetric(route, "disk_write_kb_per_s", FaultStart, FaultEnd)));
            Assert.That(faulty.MeanMetric(route, "disk_read_kb_per_s", FaultStart, FaultEnd), Is.GreaterThan(50 * _baseline.MeanMetric(route, "disk_read_kb_per_s", FaultStart, FaultEnd)));
            Assert.That(faulty.MeanMetric(route, "disk_io_wait_percent", FaultStart, FaultEnd), Is.GreaterThan(25));
            Assert.That(faulty.Metrics.Where(m => !disk.Contains(m.Name)), Is.EqualTo(_baseline.Metrics.Where(m => !disk.Contains(m.Name))));
            Assert.That(slowWrites, Has.Count.InRange(50, 150), "0.3 per second for 5 minutes");
            Assert.That(slowWrites.All(l => l.Instance == route && l.Level == "WARN" && Recorded.In(l.Time, FaultStart, FaultEnd)), Is.True);
            Assert.That(faulty.Logs.Except(slowWrites), Is.EqualTo(_baseline.Logs));
            Assert.That(faulty.Spans, Is.EqualTo(_baseline.Spans));
        });
    }

    [Test]
    public void NetworkDelay_LengthensCallsToAndFromTheInstance_MetricsAndLogLinesUnchanged()
    {
        var faulty = Inject(FaultKind.NetworkDelay);
        var route = faulty.InstanceOf(Route);
        var outgoing = faulty.Spans.Where(s => s.Instance == route && s.Kind == SpanKind.Client && Recorded.In(s.Start, FaultStart, FaultEnd)).ToList();
        var normalOutgoing = _baseline.Spans.Where(s => s.Instance == route && s.Kind == SpanKind.Client && Recorded.In(s.Start, FaultStart, FaultEnd)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(MeanMs(faulty.CallsTo(route, FaultStart, FaultEnd)) - MeanMs(_baseline.CallsTo(route, FaultStart, FaultEnd)), Is.GreaterThan(120), "callers' client spans");
            Assert.That(MeanMs(outgoing) - MeanMs(normalOutgoing), Is.InRange(100, 200), "the instance's own client spans");
            Assert.That(Calls(faulty), Is.EqualTo(Calls(_baseline)), "the same calls, only later or longer");
            Assert.That(faulty.Metrics, Is.EqualTo(_baseline.Metrics));
            Assert.That(Recorded.Shapes(faulty.Logs), Is.EqualTo(Recorded.Shapes(_baseline.Logs)));
        });
    }

    [Test]
    public void ErrorBurst_LogsErrors_MetricsAndSpansUnchanged()
    {
        var faulty = Inject(FaultKind.ErrorBurst);
        var route = faulty.InstanceOf(Route);
        var errors = faulty.Logs.Where(l => l.Level == "ERROR").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(_baseline.Logs.Where(l => l.Level == "ERROR"), Is.Empty);
            Assert.That(errors, Has.Count.InRange(350, 550), "1.5 per second for 5 minutes");
            Assert.That(errors.All(l => l.Instance == route && Recorded.In(l.Time, FaultStart, FaultEnd)), Is.True);
            Assert.That(errors.Select(l => Recorded.Shape(l.Message)).Distinct().Count(), Is.EqualTo(3), "three exception templates");
            Assert.That(faulty.Logs.Except(errors), Is.EqualTo(_baseline.Logs));
            Assert.That(faulty.Metrics, Is.EqualTo(_baseline.Metrics));
            Assert.That(faulty.Spans, Is.EqualTo(_baseline.Spans));
        });
    }

    [Test]
    public void InstanceCrash_SilencesTheInstance_CallersGetErrorSpansAndLogConnectionRefused()
    {
        var faulty = Inject(FaultKind.InstanceCrash);
        var route = faulty.InstanceOf(Route);
        var callers = new[] { faulty.InstanceOf("ts-travel-service"), faulty.InstanceOf("ts-order-service") };
        var failedCalls = faulty.Spans.Where(s => callers.Contains(s.Instance) && s.Kind == SpanKind.Client && s.Status == SpanStatus.Error && s.Operation.Contains("routeservice", StringComparison.Ordinal)).ToList();
        var refused = faulty.Logs.Where(l => l.Message.StartsWith("Connection refused: ts-route-service:8080", StringComparison.Ordinal)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(faulty.Metrics.Where(m => m.Instance == route && m.Time > FaultStart && m.Time <= FaultEnd), Is.Empty);
            Assert.That(faulty.Logs.Where(l => l.Instance == route && Recorded.In(l.Time, FaultStart, FaultEnd)), Is.Empty);
            Assert.That(faulty.Spans.Where(s => s.Instance == route && Recorded.In(s.Start, FaultStart, FaultEnd)), Is.Empty);
            Assert.That(failedCalls, Has.Count.GreaterThan(100));
            Assert.That(failedCalls.All(s => Recorded.In(s.Start, FaultStart, FaultEnd)), Is.True);
            // The callee recorded nothing: the client span names it, so the aggregator puts the call on caller → ts-route-service.
            Assert.That(failedCalls.Select(s => s.Attributes?["peer.service"]).Distinct(), Is.EqualTo(new[] { "ts-route-service" }));
            Assert.That(refused, Has.Count.EqualTo(failedCalls.Count));
            Assert.That(refused.All(l => callers.Contains(l.Instance) && l.Level == "ERROR"), Is.True);
            Assert.That(_baseline.Spans.Where(s => s.Status == SpanStatus.Error), Is.Empty);
            Assert.That(faulty.Metrics.Where(m => m.Instance == route && m.Time > FaultEnd), Is.EqualTo(_baseline.Metrics.Where(m => m.Instance == route && m.Time > FaultEnd)), "back after the fault");
        });
    }

    [Test]
    public void SlowDependency_SlowsTheInstancesSpans_CallersTimeOutAndLogIt_ItsMetricsUnchanged()
    {
        var faulty = Inject(FaultKind.SlowDependency);
        var route = faulty.InstanceOf(Route);
        var callers = new[] { faulty.InstanceOf("ts-travel-service"), faulty.InstanceOf("ts-order-service") };
        var served = faulty.ServerSpans(route, FaultStart, FaultEnd).ToList();
        var timeouts = faulty.Logs.Where(l => l.Message.StartsWith("Timeout after 1000 ms waiting for ts-route-service", StringComparison.Ordinal)).ToList();
        var slowQueries = faulty.Logs.Where(l => l.Instance == route && l.Message.StartsWith("Slow query", StringComparison.Ordinal) && Recorded.In(l.Time, FaultStart, FaultEnd.AddSeconds(5))).ToList();
        var timedOut = faulty.Spans.Where(s => callers.Contains(s.Instance) && s.Kind == SpanKind.Client && s.Status == SpanStatus.Error).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(MeanMs(served) - MeanMs(_baseline.ServerSpans(route, FaultStart, FaultEnd)), Is.GreaterThan(400));
            Assert.That(timedOut, Is.Not.Empty);
            Assert.That(timedOut.All(s => s.Duration == TimeSpan.FromSeconds(1)), Is.True);
            Assert.That(timeouts, Has.Count.EqualTo(timedOut.Count));
            Assert.That(timeouts.All(l => callers.Contains(l.Instance) && l.Level == "WARN"), Is.True);
            Assert.That(slowQueries, Has.Count.EqualTo(served.Count), "one slow query per delayed request");
            Assert.That(faulty.Metrics.Where(m => m.Instance == route), Is.EqualTo(_baseline.Metrics.Where(m => m.Instance == route)));
        });
    }

    [Test]
    public void AnyFault_BeforeItStarts_ChangesNothing()
    {
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            var faulty = Inject(kind);

            Assert.That(faulty.Spans.Where(s => s.End < FaultStart), Is.EqualTo(_baseline.Spans.Where(s => s.End < FaultStart)), kind.ToString());
            Assert.That(faulty.Logs.Where(l => l.Time < FaultStart), Is.EqualTo(_baseline.Logs.Where(l => l.Time < FaultStart)), kind.ToString());
            Assert.That(faulty.Metrics.Where(m => m.Time <= FaultStart), Is.EqualTo(_baseline.Metrics.Where(m => m.Time <= FaultStart)), kind.ToString());
        }
    }

    [TestCase(0.5)]
    [TestCase(2.0)]
    public void FaultIntensity_ScalesTheEffect(double intensity)
    {
        var options = Options();
        options.FaultIntensity = intensity;
        options.Faults.Add(new SimulatedFault(FaultKind.CpuHog, Route, FaultStart, FaultEnd - FaultStart));
        var faulty = new Recorded(new TelemetrySimulator(options));
        var route = faulty.InstanceOf(Route);

        var added = faulty.MeanMetric(route, "cpu_usage_cores", FaultStart, FaultEnd) - _baseline.MeanMetric(route, "cpu_usage_cores", FaultStart, FaultEnd);

        Assert.That(added, Is.EqualTo(intensity).Within(0.2 * intensity));
    }

    private static SimulationOptions Options() => new()
    {
        Seed = 11,
        Start = Noon,
        Duration = TimeSpan.FromMinutes(30),
        FaultCount = 0,
    };

    private static Recorded Inject(FaultKind kind)
    {
        var options = Options();
        options.Faults.Add(new SimulatedFault(kind, Route, FaultStart, FaultEnd - FaultStart));
        return new Recorded(new TelemetrySimulator(options));
    }

    private static double MeanMs(IEnumerable<Span> spans) => spans.Average(s => s.Duration.TotalMilliseconds);

    private static List<(string, string, string?, string, string, SpanStatus, SpanKind)> Calls(Recorded r) =>
        [.. r.Spans.Select(s => (s.TraceId, s.SpanId, s.ParentSpanId, s.Instance, s.Operation, s.Status, s.Kind)).Order()];
}
