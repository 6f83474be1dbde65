using BenchmarkDotNet.Attributes;
using MstGad.Features;
using MstGad.Model;
using MstGad.Simulation;

namespace MstGad.Benchmarks;

/// <summary>
/// The whole per-step pipeline at the scale of the MSTGAD paper's AIOps data (40 instances, 9,260 log lines and
/// 6,253 spans per one-minute step; the paper reports 7.43 s per step): one minute of simulated telemetry of 40
/// instances (40 services; replicas of one service would be one node) pushed record by record into an <see cref="OnlineDetector"/> in event-time
/// order, then the step closed — aggregation, Drain parsing, span pairing, features, the window, the network, the
/// anomaly score, decision and evidence, records to verdicts. The simulator's request rate is set so that a minute
/// holds at least the paper's logs (its spans then exceed the paper's about twice). The detector is trained in the
/// set-up on two simulated hours (one epoch: the shapes are what cost). One intra-op thread; each invocation pushes
/// the next minute of a pre-generated test stream, so every step is new.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 12, invocationCount: 4)]
public class PaperScaleStepBenchmarks
{
    private const int TestMinutes = 80;
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private Detector _detector = null!;
    private OnlineDetector _online = null!;
    private List<Record>[] _minutes = [];
    private int _next;
    private long _verdicts;

    [GlobalSetup]
    public void Setup()
    {
        TorchNative.EnsureLoadable();
        var training = Simulate(Start, TimeSpan.FromHours(2), seed: 1);
        _detector = new DetectorBuilder()
            .WithInterval(TimeSpan.FromMinutes(1))
            .ConfigureTraining(o => o.MaxEpochs = 1)
            .UseDevice("cpu", 1)
            .Build();
        _detector.FitAsync(training).GetAwaiter().GetResult();

        // The test stream starts where training ended, one minute per invocation.
        var test = Simulate(Start.AddHours(2), TimeSpan.FromMinutes(TestMinutes), seed: 2);
        _minutes = [.. Enumerable.Range(0, TestMinutes).Select(_ => new List<Record>())];
        Collect(test);
        var logs = _minutes.Skip(1).Average(m => m.Count(r => r.Log is not null));
        var spans = _minutes.Skip(1).Average(m => m.Count(r => r.Span is not null));
        var metrics = _minutes.Skip(1).Average(m => m.Count(r => r.Log is null && r.Span is null));
        Console.WriteLine($"// per minute: {logs:F0} log lines, {spans:F0} spans, {metrics:F0} metric samples; {_detector.Instances.Count} instances");
        _online = new OnlineDetector(_detector, new OnlineDetectorOptions { Lateness = TimeSpan.Zero, VerdictBufferCapacity = 0 });
        _online.StepClosed += (_, e) => _verdicts += e.Verdicts.Verdicts.Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// {_next} steps pushed, {_verdicts} verdicts");
        _online.Dispose();
        _detector.Dispose();
    }

    /// <summary>Pushes the next minute's records and closes its step: records to verdicts.</summary>
    [Benchmark]
    public long OneStep()
    {
        if (_next >= _minutes.Length)
        {
            throw new InvalidOperationException($"The {TestMinutes} pre-generated minutes are used up; raise TestMinutes for this job.");
        }

        var minute = _minutes[_next];
        foreach (var record in minute)
        {
            if (record.Log is { } log)
            {
                _online.Push(log);
            }
            else if (record.Span is { } span)
            {
                _online.Push(span);
            }
            else
            {
                _online.Push(record.Metric);
            }
        }

        _online.AdvanceTo(Start.AddHours(2).AddMinutes(++_next));
        return _verdicts;
    }

    private static TelemetrySimulator Simulate(DateTimeOffset start, TimeSpan duration, int seed) => new(new SimulationOptions
    {
        Seed = seed,
        Services = 40,
        Replicas = 1,
        Start = start,
        Duration = duration,
        RequestsPerSecond = 75,
        FaultCount = 0,
    });

    private void Collect(TelemetrySimulator test)
    {
        var all = new List<Record>();
        all.AddRange(test.ReadMetricsAsync().ToBlockingEnumerable().Select(m => new Record(m.Time, m, null, null)));
        all.AddRange(test.ReadLogsAsync().ToBlockingEnumerable().Select(l => new Record(l.Time, default, l, null)));
        all.AddRange(test.ReadSpansAsync().ToBlockingEnumerable().Select(s => new Record(s.Start + s.Duration, default, null, s)));
        foreach (var record in all.OrderBy(r => r.Time))
        {
            var minute = (int)((record.Time - Start.AddHours(2)).Ticks / TimeSpan.TicksPerMinute);
            if (minute >= 0 && minute < TestMinutes)
            {
                _minutes[minute].Add(record);
            }
        }
    }

    private readonly record struct Record(DateTimeOffset Time, MetricSample Metric, LogRecord? Log, Span? Span);
}
