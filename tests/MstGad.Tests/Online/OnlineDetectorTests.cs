using MstGad.Features;
using MstGad.Tests.Detection;
using static MstGad.Tests.Online.OnlineTesting;

namespace MstGad.Tests.Online;

[NonParallelizable]
public sealed partial class OnlineDetectorTests
{
    private Detector _detector = null!;

    [OneTimeSetUp]
    public void Train() => _detector = TrainTiny();

    [OneTimeTearDown]
    public void Dispose() => _detector.Dispose();

    // ------------------------------------------------------------------ construction

    [Test]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new OnlineDetectorOptions
        {
            Lateness = TimeSpan.FromSeconds(-1),
            SpanRetention = TimeSpan.FromDays(2),
            MaxClockSkew = TimeSpan.FromSeconds(-5),
            VerdictBufferCapacity = -1,
            TimeProvider = null!,
            LoggerFactory = null!,
        };

        var ex = Assert.Throws<ArgumentException>(() => _ = new OnlineDetector(_detector, options));

        Assert.That(ex.Message, Is.EqualTo(string.Join(Environment.NewLine,
            "Invalid online detector options:",
            "- Lateness must be between 0 and 1 day; it is -00:00:01.",
            "- SpanRetention must be between 0 and 1 day; it is 2.00:00:00.",
            "- MaxClockSkew must not be negative when set; it is -00:00:05.",
            "- VerdictBufferCapacity must be zero or more; it is -1.",
            "- TimeProvider must be set.",
            "- LoggerFactory must be set.")));
    }

    [Test]
    public void Options_Defaults_ArePinned()
    {
        var options = new OnlineDetectorOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Lateness, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(options.SpanRetention, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(options.MaxClockSkew, Is.EqualTo(TimeSpan.FromMinutes(15)));
            Assert.That(options.VerdictBufferCapacity, Is.EqualTo(1024));
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [Test]
    public void Constructor_UntrainedDetector_Throws()
    {
        using var untrained = TinySystem.Builder().Build();

        var ex = Assert.Throws<InvalidOperationException>(() => _ = new OnlineDetector(untrained));

        Assert.That(ex.Message, Is.EqualTo("The detector is not trained: call FitAsync or Load first."));
    }

    // ------------------------------------------------------------------ equality with batch detection

    [Test]
    public void Push_InOrder_GivesTheVerdictsOfBatchDetection()
    {
        var records = TinySystem.Records(60);

        var batch = Batch(_detector, records);
        var (online, report, steps) = RunOnline(_detector, records);

        Assert.Multiple(() =>
        {
            Assert.That(batch, Has.Count.EqualTo(58 * 3), "steps 2..59 × 3 instances");
            Assert.That(online, Is.EqualTo(batch));
            Assert.That(steps.Select(s => s.Step), Is.Ordered.And.Unique);
            Assert.That(steps.Count(s => s.Scored), Is.EqualTo(58));
            Assert.That(report.StepsClosed, Is.EqualTo(60));
            Assert.That(report.Verdicts, Is.EqualTo(174));
            Assert.That(report.Aggregation.MetricsUsed + report.Aggregation.LogsUsed + report.Aggregation.SpansUsed, Is.EqualTo(records.Count));
        });
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Push_ShuffledWithinTheLateness_GivesTheVerdictsOfBatchDetection(int seed)
    {
        var records = TinySystem.Records(60);

        var (online, report, _) = RunOnline(_detector, ShuffleWithin(records, 36, seed));

        Assert.Multiple(() =>
        {
            Assert.That(online, Is.EqualTo(Batch(_detector, records)));
            Assert.That(report.Aggregation.MetricsLate + report.Aggregation.LogsLate + report.Aggregation.SpansLate, Is.Zero);
        });
    }

    [Test]
    public void Push_FromSeveralThreads_GivesTheVerdictsOfBatchDetection()
    {
        var records = TinySystem.Records(60);
        using var online = new OnlineDetector(_detector, Options());
        var rows = new List<string>();
        online.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));

        // Four producers push interleaved slices of each 3-step chunk at the same time (a chunk spans 30 s of
        // event time, within the 60-s lateness); a barrier keeps the chunks in order.
        const int producers = 4;
        using var barrier = new Barrier(producers);
        var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
        {
            for (var chunk = 0; chunk < records.Count; chunk += 36)
            {
                for (var i = chunk + p; i < Math.Min(chunk + 36, records.Count); i += producers)
                {
                    Push(online, records[i]);
                }

                barrier.SignalAndWait();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        online.Complete();

        Assert.That(rows, Is.EqualTo(Batch(_detector, records)));
    }

    [Test]
    public void Push_NewAndVanishingInstancesAndNewTemplates_GiveTheVerdictsOfBatchDetection()
    {
        // d appears at step 30 (not trained: a new node), c stops at step 40, a logs a template never seen at 50.
        var records = TinySystem.Records(60)
            .Where(r => !(r is MetricSample { Instance: "c" } m && m.Time >= TinySystem.Start.AddSeconds(400)))
            .Where(r => !(r is LogRecord { Instance: "c" } l && l.Time >= TinySystem.Start.AddSeconds(400)))
            .Where(r => !(r is Span { Instance: "c" } x && x.Start >= TinySystem.Start.AddSeconds(400)))
            .ToList();
        for (var t = 30; t < 60; t++)
        {
            var time = TinySystem.Start.AddSeconds((t * 10) + 6);
            records.Add(new MetricSample("d", time, "cpu", 12 + (t % 3)));
            records.Add(new LogRecord("d", time, "cache warmed in 4 ms") { Level = "INFO" });
        }

        records.Add(new LogRecord("a", TinySystem.Start.AddSeconds(505), "disk quota exceeded on volume data-7") { Level = "ERROR" });
        records = [.. records.OrderBy(Time)];

        var (online, _, steps) = RunOnline(_detector, records);

        Assert.Multiple(() =>
        {
            Assert.That(online, Is.EqualTo(Batch(_detector, records)));
            Assert.That(steps.Single(s => s.Step == StepOf(35)).Verdicts.Select(v => v.Instance), Is.EqualTo(new[] { "a", "b", "c", "d" }));
            Assert.That(steps.Single(s => s.Step == StepOf(59)).Verdicts.Select(v => v.Instance), Is.EqualTo(new[] { "a", "b", "d" }), "c is silent for longer than MaxCarryForwardSteps");
        });
    }

    [Test]
    public void Push_WithoutLogsAndSpans_ScoresOnMetricsAlone()
    {
        var records = TinySystem.Records(60).OfType<MetricSample>().Cast<object>().ToList();

        var (online, _, steps) = RunOnline(_detector, records);

        Assert.Multiple(() =>
        {
            Assert.That(online, Is.EqualTo(Batch(_detector, records)));
            Assert.That(steps.Where(s => s.Scored).SelectMany(s => s.Verdicts).Count(), Is.EqualTo(58 * 3));
            Assert.That(steps.SelectMany(s => s.Verdicts).Select(v => v.Score), Has.All.Matches<double>(double.IsFinite));
            Assert.That(steps.SelectMany(s => s.Calls), Is.Empty);
        });
    }

    // ------------------------------------------------------------------ watermark and lateness

    [Test]
    public void Push_ARecordForAClosedStep_IsLateAndCounted()
    {
        using var online = new OnlineDetector(_detector, Options(latenessSeconds: 10));
        var at = (int seconds) => TinySystem.Start.AddSeconds(seconds);

        var first = online.Push(new MetricSample("a", at(5), "cpu", 10));
        var advance = online.Push(new MetricSample("a", at(25), "cpu", 10));   // step 0 closes at 10 + 10 s
        var late = online.Push(new MetricSample("b", at(9), "cpu", 10));
        var stillOpen = online.Push(new MetricSample("b", at(19), "cpu", 10));

        Assert.Multiple(() =>
        {
            Assert.That((first, advance, late, stillOpen), Is.EqualTo((PushResult.Used, PushResult.Used, PushResult.Late, PushResult.Used)));
            Assert.That(online.Report.Aggregation.MetricsLate, Is.EqualTo(1));
            Assert.That(online.Report.StepsClosed, Is.EqualTo(1));
            Assert.That(online.Watermark, Is.EqualTo(at(25)));
        });
    }

    [Test]
    public void AdvanceTo_AQuietPeriod_ClosesTheStepsItPasses()
    {
        using var online = new OnlineDetector(_detector, Options(latenessSeconds: 10));
        foreach (var record in TinySystem.Records(5))
        {
            Push(online, record);
        }

        var closedBefore = online.Report.StepsClosed;
        var moved = online.AdvanceTo(TinySystem.Start.AddSeconds(200));
        var backwards = online.AdvanceTo(TinySystem.Start.AddSeconds(100));

        Assert.Multiple(() =>
        {
            Assert.That(closedBefore, Is.EqualTo(3), "steps 0..2 closed by the records of step 4 (+10 s)");
            Assert.That(moved, Is.True);
            Assert.That(backwards, Is.False);
            Assert.That(online.Report.StepsClosed, Is.EqualTo(5 + 6), "steps 3 and 4, then the 6 steps in which instances still count as active");
            Assert.That(online.Report.OpenSteps, Is.Zero);
        });
    }

    [Test]
    public void Push_AfterComplete_Throws()
    {
        using var online = new OnlineDetector(_detector, Options());
        online.Complete();

        var ex = Assert.Throws<InvalidOperationException>(() => online.Push(new MetricSample("a", TinySystem.Start, "cpu", 1)));

        Assert.That(ex.Message, Is.EqualTo("The online detector is complete: Complete() was called, so no more records can be pushed."));
    }

    [Test]
    public void Push_AfterDispose_Throws()
    {
        var online = new OnlineDetector(_detector, Options());
        online.Dispose();

        Assert.Throws<ObjectDisposedException>(() => online.Push(new LogRecord("a", TinySystem.Start, "x")));
    }

    // ------------------------------------------------------------------ verdict stream

    [Test]
    public async Task ReadVerdictsAsync_YieldsEveryClosedStepInOrderAndEndsAtComplete()
    {
        using var online = new OnlineDetector(_detector, Options(buffer: 1024));
        var reader = Task.Run(async () =>
        {
            var steps = new List<StepVerdicts>();
            await foreach (var step in online.ReadVerdictsAsync())
            {
                steps.Add(step);
            }

            return steps;
        });
        var records = TinySystem.Records(60);
        foreach (var record in records)
        {
            Push(online, record);
        }

        online.Complete();
        var read = await reader;

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(s => s.Step), Is.EqualTo(Enumerable.Range(0, 60).Select(t => StepOf(t))));
            Assert.That(read.SelectMany(s => s.Verdicts).Select(Row), Is.EqualTo(Batch(_detector, records)));
            Assert.That(read[10].Calls, Is.EqualTo(new[] { ("a", "b"), ("b", "c") }));
        });
    }

    [Test]
    public void ReadVerdictsAsync_ASlowReader_LosesTheOldestStepsAndTheyAreCounted()
    {
        using var online = new OnlineDetector(_detector, Options(buffer: 5));
        foreach (var record in TinySystem.Records(30))
        {
            Push(online, record);
        }

        online.Complete();
        var read = online.ReadVerdictsAsync().ToBlockingEnumerable().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(read.Select(s => s.Step), Is.EqualTo(Enumerable.Range(25, 5).Select(t => StepOf(t))));
            Assert.That(online.Report.StepsDropped, Is.EqualTo(25));
        });
    }

    [Test]
    public void ReadVerdictsAsync_WithoutABuffer_Throws()
    {
        using var online = new OnlineDetector(_detector, Options(buffer: 0));

        var ex = Assert.Throws<InvalidOperationException>(() => online.ReadVerdictsAsync());

        Assert.That(ex.Message, Is.EqualTo("The verdict buffer is off (VerdictBufferCapacity = 0): use the StepClosed event."));
    }

    [Test]
    public void StepClosed_ScoringTime_IsMeasuredForScoredStepsOnly()
    {
        using var online = new OnlineDetector(_detector, Options());
        var steps = new List<(bool Scored, TimeSpan Time)>();
        online.StepClosed += (_, e) => steps.Add((e.Verdicts.Scored, e.ScoringTime));
        foreach (var record in TinySystem.Records(20))
        {
            Push(online, record);
        }

        online.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(steps.Where(s => !s.Scored).Select(s => s.Time), Is.EqualTo(new[] { TimeSpan.Zero, TimeSpan.Zero }), "the first k - 1 = 2 steps");
            Assert.That(steps.Where(s => s.Scored).Select(s => s.Time).ToList(), Has.Count.EqualTo(18).And.All.GreaterThan(TimeSpan.Zero));
            Assert.That(steps.Sum(s => s.Time.Ticks), Is.EqualTo(online.Report.ScoringTime.Ticks));
        });
    }

    // ------------------------------------------------------------------ bounded memory

    [Test]
    public void Push_ALongStreamOfChurningInstances_KeepsTheStateBounded()
    {
        // 1,500 steps (about 4 hours of 10-s steps); every 50 steps the replicas are replaced by new ones (identity keys: new instances), and
        // every step brings fresh traces. The state must not grow with the length of the stream.
        using var online = new OnlineDetector(_detector, new OnlineDetectorOptions
        {
            Lateness = TimeSpan.FromSeconds(20),
            SpanRetention = TimeSpan.FromSeconds(60),
            MaxClockSkew = null,
            VerdictBufferCapacity = 0,
        });
        var peaks = new List<(int Open, int Instances, int Spans, int Waiting)>();
        for (var t = 0; t < 1500; t++)
        {
            var generation = t / 50;
            var time = TinySystem.Start.AddSeconds((t * 10) + 5);
            foreach (var name in new[] { "a", "b", "c" })
            {
                online.Push(new MetricSample($"{name}-{generation}", time, "cpu", 10 + (t % 7)));
            }

            online.Push(new Span($"t{t}", "s1", null, $"a-{generation}", "GET /", time, TimeSpan.FromMilliseconds(30)));
            online.Push(new Span($"t{t}", "s2", "s1", $"b-{generation}", "GET /b", time, TimeSpan.FromMilliseconds(20)));
            online.Push(new Span($"t{t}", "s3", "never-arrives", $"c-{generation}", "GET /c", time, TimeSpan.FromMilliseconds(10)));
            if (t % 100 == 99)
            {
                var r = online.Report;
                peaks.Add((r.OpenSteps, r.Instances, r.RememberedSpans, r.WaitingChildren));
            }
        }

        online.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(peaks.Max(p => p.Open), Is.LessThanOrEqualTo(4), "lateness 20 s = 2 steps, plus the newest");
            Assert.That(peaks.Max(p => p.Instances), Is.LessThanOrEqualTo(6), "the current replicas and, briefly, the previous ones");
            Assert.That(peaks.Max(p => p.Spans), Is.LessThanOrEqualTo(3 * 12), "span ids of the retention (6 steps) and the open steps");
            Assert.That(peaks.Max(p => p.Waiting), Is.LessThanOrEqualTo(4));
            Assert.That(online.Report.Aggregation.SpansOrphan, Is.EqualTo(1500), "every child of 'never-arrives' is counted when its step closes");
        });
    }

    private static long Time(object record) => record switch
    {
        MetricSample m => m.Time.UtcTicks,
        LogRecord l => l.Time.UtcTicks,
        Span x => x.End.UtcTicks,
        _ => throw new ArgumentException("Not a record.", nameof(record)),
    };

    private static long StepOf(int t) => new StepClock(TimeSpan.FromSeconds(10)).StepOf(TinySystem.Start.AddSeconds(t * 10));
}
