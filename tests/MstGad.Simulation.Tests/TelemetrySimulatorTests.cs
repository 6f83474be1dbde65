using MstGad.Features;
using MstGad.Parsing;
using MstGad.Simulation.Tests.Support;

namespace MstGad.Simulation.Tests;

[TestFixture]
public sealed class TelemetrySimulatorTests
{
    private static readonly DateTimeOffset Noon = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static SimulationOptions Small(long seed = 3) => new()
    {
        Seed = seed,
        Start = Noon,
        Duration = TimeSpan.FromMinutes(20),
        FaultCount = 2,
    };

    [Test]
    public void Constructor_InvalidOptions_ThrowsListingEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TelemetrySimulator(new SimulationOptions { Services = 0, Replicas = 0 }));

        Assert.That(ex!.Message, Is.EqualTo(
            "Invalid simulation options:" + Environment.NewLine +
            "- Services must be from 2 to 500; it is 0." + Environment.NewLine +
            "- Replicas must be from 1 to 50; it is 0."));
    }

    [Test]
    public void Constructor_ScheduledFaultOnAnUnknownTarget_ThrowsNamingTheServices()
    {
        var options = new SimulationOptions { Services = 3 };
        options.Faults.Add(new SimulatedFault(FaultKind.CpuHog, "ts-nope-service", options.Start.AddMinutes(1), TimeSpan.FromMinutes(1)));

        var ex = Assert.Throws<ArgumentException>(() => new TelemetrySimulator(options));

        Assert.That(ex!.Message, Is.EqualTo(
            "Invalid simulation options:" + Environment.NewLine +
            "- Faults[0] targets 'ts-nope-service', which is neither an instance nor a service of the simulated system (services: ts-ui-dashboard, ts-travel-service, ts-order-service)."));
    }

    [Test]
    public void Constructor_ScheduledFaultOnAService_HitsItsFirstReplica()
    {
        var options = new SimulationOptions { Replicas = 3 };
        options.Faults.Add(new SimulatedFault(FaultKind.ErrorBurst, "ts-route-service", options.Start.AddMinutes(1), TimeSpan.FromMinutes(1)));

        var simulator = new TelemetrySimulator(options);

        Assert.That(simulator.Faults.Single().Target, Is.EqualTo(simulator.Instances.First(i => i.StartsWith("ts-route-service-", StringComparison.Ordinal))));
    }

    [Test]
    public void Constructor_OptionsChangedAfterwards_DoNotAffectTheSimulator()
    {
        var options = Small();
        var simulator = new TelemetrySimulator(options);
        var before = simulator.Spans().Take(50).ToList();

        options.Seed = 99;
        options.Services = 20;

        Assert.That(simulator.Spans().Take(50), Is.EqualTo(before));
        Assert.That(simulator.Services, Has.Count.EqualTo(8));
    }

    [Test]
    public void Instances_PodNames_MapToTheirServiceUnderTheKubernetesWorkloadKey()
    {
        var simulator = new TelemetrySimulator(new SimulationOptions { Services = 12, Replicas = 3, FaultCount = 0 });

        Assert.Multiple(() =>
        {
            Assert.That(simulator.Instances, Has.Count.EqualTo(36));
            Assert.That(simulator.Instances, Is.Unique);
            Assert.That(simulator.Instances.Select(InstanceKey.KubernetesWorkload.Map), Is.EqualTo(simulator.Services.SelectMany(s => Enumerable.Repeat(s, 3))));
            Assert.That(simulator.Services[0], Is.EqualTo("ts-ui-dashboard"));
            Assert.That(simulator.Services, Does.Contain("ts-order-service"));
        });
    }

    [Test]
    public void Instances_ManyServices_AreNamedBeyondTheCatalogue()
    {
        var simulator = new TelemetrySimulator(new SimulationOptions { Services = 45, FaultCount = 0 });

        Assert.That(simulator.Services.TakeLast(4), Is.EqualTo(new[] { "ts-extra-1-service", "ts-extra-2-service", "ts-extra-3-service", "ts-extra-4-service" }));
        Assert.That(simulator.Instances.Select(InstanceKey.KubernetesWorkload.Map), Is.EqualTo(simulator.Services));
    }

    [Test]
    public void Calls_EveryServiceButTheEntry_IsCalledAndTheGraphHasNoCycle()
    {
        var simulator = new TelemetrySimulator(new SimulationOptions { Services = 40, FaultCount = 0 });
        var order = simulator.Services.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i);

        Assert.Multiple(() =>
        {
            Assert.That(simulator.Calls.Select(c => c.Callee).Distinct().Order(), Is.EqualTo(simulator.Services.Skip(1).Order()));
            Assert.That(simulator.Calls.All(c => order[c.Caller] < order[c.Callee]), Is.True, "calls go from earlier to later services");
        });
    }

    [Test]
    public void Records_TwoSimulatorsWithEqualOptions_EmitIdenticalRecords()
    {
        var first = new Recorded(new TelemetrySimulator(Small()));
        var second = new Recorded(new TelemetrySimulator(Small()));

        Assert.Multiple(() =>
        {
            Assert.That(first.Metrics, Is.Not.Empty);
            Assert.That(second.Metrics, Is.EqualTo(first.Metrics));
            Assert.That(second.Logs, Is.EqualTo(first.Logs));
            Assert.That(second.Spans, Is.EqualTo(first.Spans));
            Assert.That(second.Simulator.Faults, Is.EqualTo(first.Simulator.Faults));
        });
    }

    [Test]
    public void Records_ReadTwice_AreIdentical()
    {
        var simulator = new TelemetrySimulator(Small());
        var first = simulator.Logs().ToList();

        var second = simulator.Logs().ToList();

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Records_AnotherSeed_DifferButTheSystemIsTheSame()
    {
        var first = new TelemetrySimulator(Small(3));
        var second = new TelemetrySimulator(Small(4));

        Assert.Multiple(() =>
        {
            Assert.That(second.Instances, Is.EqualTo(first.Instances));
            Assert.That(second.Calls, Is.EqualTo(first.Calls));
            Assert.That(second.Spans().Take(100), Is.Not.EqualTo(first.Spans().Take(100)));
            Assert.That(second.Faults, Is.Not.EqualTo(first.Faults));
        });
    }

    [Test]
    public void Records_EachKind_ComesInTimeOrderInsideThePeriod()
    {
        var recorded = new Recorded(new TelemetrySimulator(Small()));
        var end = recorded.Simulator.End;

        Assert.Multiple(() =>
        {
            Assert.That(recorded.Metrics.Select(m => m.Time), Is.Ordered);
            Assert.That(recorded.Logs.Select(l => l.Time), Is.Ordered);
            Assert.That(recorded.Spans.Select(s => s.Start), Is.Ordered);
            Assert.That(recorded.Metrics.Min(m => m.Time), Is.EqualTo(Noon.AddSeconds(10)));
            Assert.That(recorded.Metrics.Max(m => m.Time), Is.EqualTo(end));
            Assert.That(recorded.Logs.Min(l => l.Time), Is.GreaterThanOrEqualTo(Noon));
            Assert.That(recorded.Spans.Min(s => s.Start), Is.GreaterThanOrEqualTo(Noon));
            Assert.That(recorded.Spans.Max(s => s.Start), Is.LessThan(end.AddSeconds(5)));
        });
    }

    [Test]
    public void Metrics_EveryInterval_EveryInstanceReportsEveryMetricCoveringTheInterval()
    {
        var options = Small();
        options.FaultCount = 0;
        var recorded = new Recorded(new TelemetrySimulator(options));
        var slices = (int)(options.Duration / options.MetricInterval);

        Assert.Multiple(() =>
        {
            Assert.That(recorded.Metrics, Has.Count.EqualTo(slices * 8 * TelemetrySimulator.MetricNames.Count));
            Assert.That(recorded.Metrics.Select(m => m.Name).Distinct(), Is.EquivalentTo(TelemetrySimulator.MetricNames));
            Assert.That(recorded.Metrics.All(m => m.Coverage == options.MetricInterval), Is.True);
            Assert.That(recorded.Metrics.All(m => m.Value >= 0 && double.IsFinite(m.Value)), Is.True);
            Assert.That(recorded.Metrics.All(m => (m.Time - Noon).Ticks % options.MetricInterval.Ticks == 0), Is.True);
        });
    }

    [Test]
    public void Spans_EveryTrace_StartsAtTheEntryAndCallsGoClientToServerAlongTheCallGraph()
    {
        var recorded = new Recorded(new TelemetrySimulator(Small()));
        var simulator = recorded.Simulator;
        var serviceOf = simulator.Instances.ToDictionary(i => i, InstanceKey.KubernetesWorkload.Map);
        var calls = simulator.Calls.ToHashSet();

        var roots = recorded.Spans.Where(s => s.ParentSpanId is null).ToList();
        var children = recorded.Spans.Where(s => s.ParentSpanId is not null).ToList();
        var parents = children.Select(s => recorded.SpanIndex[(s.TraceId, s.ParentSpanId!)]).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(roots, Is.Not.Empty);
            Assert.That(roots.All(s => serviceOf[s.Instance] == "ts-ui-dashboard" && s.Kind == SpanKind.Server), Is.True);
            Assert.That(recorded.Spans.Select(s => s.TraceId).Distinct().Count(), Is.EqualTo(roots.Count), "one root per trace");
            for (var i = 0; i < children.Count; i++)
            {
                var (child, parent) = (children[i], parents[i]);
                if (child.Kind == SpanKind.Client)
                {
                    // A client span belongs to the server span of the same instance that makes the call.
                    Assert.That((parent.Kind, parent.Instance), Is.EqualTo((SpanKind.Server, child.Instance)));
                }
                else
                {
                    // A server span is the child of its caller's client span, along an edge of the call graph.
                    Assert.That(parent.Kind, Is.EqualTo(SpanKind.Client));
                    Assert.That(calls, Does.Contain((serviceOf[parent.Instance], serviceOf[child.Instance])));
                    Assert.That(child.Start, Is.GreaterThanOrEqualTo(parent.Start));
                    Assert.That(child.End, Is.LessThanOrEqualTo(parent.End));
                }
            }
        });
    }

    [Test]
    public void Logs_RequestLines_CarryTheirTraceAndSpan()
    {
        var recorded = new Recorded(new TelemetrySimulator(Small()));
        var traced = recorded.Logs.Where(l => l.TraceId is not null).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(traced.Count, Is.GreaterThan(recorded.Logs.Count / 2));
            Assert.That(traced.All(l => recorded.SpanIndex.TryGetValue((l.TraceId!, l.SpanId!), out var span) && span.Instance == l.Instance), Is.True);
            Assert.That(recorded.Logs.Select(l => l.Level).Distinct(), Is.SubsetOf(new[] { "INFO", "WARN", "ERROR" }));
        });
    }

    [Test]
    public void Logs_OfAnHour_GiveDrainAHandfulOfTemplatesPerServiceFromManyDistinctMessages()
    {
        var options = new SimulationOptions { Start = Noon, FaultCount = 0 };
        var simulator = new TelemetrySimulator(options);
        var parser = new DrainParser(FeatureOptions.DefaultLogParsing());
        var messages = new HashSet<string>(StringComparer.Ordinal);
        var templates = new HashSet<int>();
        var perInstance = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var log in simulator.Logs())
        {
            messages.Add(log.Message);
            var id = parser.Parse(log.Message).TemplateId;
            templates.Add(id);
            (perInstance.TryGetValue(log.Instance, out var set) ? set : perInstance[log.Instance] = []).Add(id);
        }

        Assert.Multiple(() =>
        {
            Assert.That(messages, Has.Count.GreaterThan(20_000));
            Assert.That(templates, Has.Count.InRange(10, 40), "services share template families, which Drain merges");
            Assert.That(perInstance.Values.Select(t => t.Count), Is.All.InRange(3, 10));
        });
    }

    [Test]
    public void Metrics_TheDailyPattern_HasThreeTimesAsManyRequestsAtTwoPmAsAtTwoAm()
    {
        double EntryRate(int hour)
        {
            var options = new SimulationOptions { Start = new DateTimeOffset(2024, 1, 1, hour, 0, 0, TimeSpan.Zero).AddMinutes(-30), FaultCount = 0, MetricInterval = TimeSpan.FromMinutes(1) };
            var simulator = new TelemetrySimulator(options);
            return simulator.Metrics().Where(m => m.Name == "http_requests_per_s" && m.Instance == simulator.Instances[0]).Average(m => m.Value);
        }

        var night = EntryRate(2);
        var afternoon = EntryRate(14);

        Assert.Multiple(() =>
        {
            Assert.That(night, Is.EqualTo(2.5).Within(0.3), "5/s × (1 − 0.5)");
            Assert.That(afternoon, Is.EqualTo(7.5).Within(0.6), "5/s × (1 + 0.5)");
        });
    }

    [Test]
    public void Faults_RandomSchedule_IsSpreadOutSeparatedAndCoversEveryKind()
    {
        var options = new SimulationOptions { Seed = 5, Start = Noon, Duration = TimeSpan.FromHours(3), FaultCount = 14 };
        var simulator = new TelemetrySimulator(options);
        var faults = simulator.Faults;
        var entry = simulator.Instances[0];
        var callers = simulator.Calls.Select(c => c.Caller).ToHashSet();

        Assert.Multiple(() =>
        {
            Assert.That(faults, Has.Count.EqualTo(14));
            Assert.That(faults.Select(f => f.Start), Is.Ordered);
            Assert.That(faults[0].Start, Is.GreaterThanOrEqualTo(Noon + options.FaultDuration));
            Assert.That(faults.All(f => f.Duration == options.FaultDuration && f.End <= simulator.End), Is.True);
            Assert.That(faults.Zip(faults.Skip(1)).All(p => p.Second.Start - p.First.End >= TimeSpan.FromMinutes(2)), Is.True, "normal time between faults");
            Assert.That(faults.GroupBy(f => f.Kind).Select(g => g.Count()), Is.All.EqualTo(2), "each kind twice");
            Assert.That(faults.Select(f => f.Target).Distinct().Count(), Is.EqualTo(8), "every instance hit");
            Assert.That(faults.Where(f => f.Kind is FaultKind.InstanceCrash or FaultKind.SlowDependency).Select(f => f.Target), Has.None.EqualTo(entry));
            Assert.That(faults.Where(f => f.Kind == FaultKind.NetworkDelay).All(f => callers.Contains(InstanceKey.KubernetesWorkload.Map(f.Target))), Is.True);
            Assert.That(faults.All(f => f.Start.Ticks % TimeSpan.TicksPerSecond == 0), Is.True);
        });
    }

    [Test]
    public void Faults_OnlyChosenKinds_AreInjected()
    {
        var options = new SimulationOptions { FaultCount = 4 };
        options.FaultKinds.Clear();
        options.FaultKinds.Add(FaultKind.MemoryLeak);

        Assert.That(new TelemetrySimulator(options).Faults.Select(f => f.Kind), Is.All.EqualTo(FaultKind.MemoryLeak));
    }

    [Test]
    public async Task ReadFaultsAsync_Labels_MatchTheScheduleAndItsTypeNames()
    {
        var simulator = new TelemetrySimulator(new SimulationOptions { Seed = 2, Duration = TimeSpan.FromHours(2), FaultCount = 7 });
        var labels = new List<FaultLabel>();
        await foreach (var label in simulator.ReadFaultsAsync())
        {
            labels.Add(label);
        }

        Assert.Multiple(() =>
        {
            Assert.That(labels, Is.EqualTo(simulator.Faults.Select(f => new FaultLabel(f.Target, f.Start, f.Duration, f.Type))));
            Assert.That(labels.Select(l => l.Type), Is.EquivalentTo(new[] { "cpu_hog", "memory_leak", "disk_io_hog", "network_delay", "error_burst", "instance_crash", "slow_dependency" }));
            Assert.That(labels.All(l => l.TargetKind == FaultTarget.Instance && simulator.Instances.Contains(l.Target)), Is.True);
            Assert.That(simulator.Report.Faults.Records, Is.EqualTo(7));
        });
    }

    [Test]
    public async Task ReadAsync_EachKind_YieldsTheRecordsAndCountsThemInTheReport()
    {
        var simulator = new TelemetrySimulator(Small());
        var metrics = 0;
        await foreach (var _ in simulator.ReadMetricsAsync())
        {
            metrics++;
        }

        var spans = new List<Span>();
        await foreach (var span in simulator.ReadSpansAsync())
        {
            spans.Add(span);
        }

        Assert.Multiple(() =>
        {
            Assert.That(spans, Is.EqualTo(simulator.Spans().ToList()));
            Assert.That(simulator.Report.Metrics.Files, Is.EqualTo(1));
            Assert.That(simulator.Report.Metrics.Records, Is.EqualTo(metrics));
            Assert.That(simulator.Report.Metrics.Rows, Is.EqualTo(metrics));
            Assert.That(simulator.Report.Spans.Records, Is.EqualTo(spans.Count));
            Assert.That(simulator.Report.Logs.Files, Is.Zero);
            Assert.That(simulator.Report.Spans.SkippedTotal, Is.Zero);
        });
    }

    [Test]
    public void ReadLogsAsync_Cancelled_Throws()
    {
        var simulator = new TelemetrySimulator(Small());
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in simulator.ReadLogsAsync(cancellation.Token))
            {
            }
        });
    }

    [Test]
    public void Spans_OfAYearLongSimulation_StartStreamingAtOnce()
    {
        var simulator = new TelemetrySimulator(new SimulationOptions { Duration = TimeSpan.FromDays(366), Services = 40, Replicas = 5 });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var first = simulator.Spans().Take(1000).ToList();

        Assert.That(first, Has.Count.EqualTo(1000));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public void Spans_Streaming_HoldsBackAboutOneIntervalOfRecords()
    {
        var options = new SimulationOptions { Start = Noon, Duration = TimeSpan.FromHours(2), FaultCount = 4 };
        var simulator = new TelemetrySimulator(options);
        var perInterval = new Dictionary<long, int>();
        var total = 0;
        foreach (var span in simulator.Spans())
        {
            var slice = (span.Start - Noon).Ticks / options.MetricInterval.Ticks;
            perInterval[slice] = perInterval.GetValueOrDefault(slice) + 1;
            total++;
        }

        Assert.That(simulator.PeakBuffered, Is.GreaterThan(0));
        Assert.That(simulator.PeakBuffered, Is.LessThanOrEqualTo(2 * perInterval.Values.Max()));
        Assert.That(simulator.PeakBuffered * 100, Is.LessThan(total));
    }

    [Test]
    public void Logs_StreamingSixHours_DoesNotGrowTheHeap()
    {
        var simulator = new TelemetrySimulator(new SimulationOptions { Start = Noon, Duration = TimeSpan.FromHours(6), RequestsPerSecond = 2, FaultCount = 10 });
        var checkpoints = new List<long>();
        var count = 0L;
        foreach (var _ in simulator.Logs())
        {
            if (++count % 20_000 == 0)
            {
                checkpoints.Add(GC.GetTotalMemory(forceFullCollection: true));
            }
        }

        Assert.That(checkpoints, Has.Count.GreaterThanOrEqualTo(4));
        Assert.That(checkpoints[^1] - checkpoints[0], Is.LessThan(8L << 20), "bytes retained after streaming more logs");
    }
}
