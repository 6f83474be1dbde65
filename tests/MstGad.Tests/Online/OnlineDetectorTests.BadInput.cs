using MstGad.Datasets;
using MstGad.Features;
using MstGad.Tests.Detection;
using static MstGad.Tests.Online.OnlineTesting;

namespace MstGad.Tests.Online;

/// <summary>Fault injection: every kind of bad input is counted under its reason, nothing is lost, and the good records still give batch's verdicts.</summary>
public sealed partial class OnlineDetectorTests
{
    private static DateTimeOffset At(double seconds) => TinySystem.Start.AddSeconds(seconds);

    /// <summary>Every record pushed is either used or counted under exactly one reason.</summary>
    private static long Accounted(OnlineReport r)
    {
        var a = r.Aggregation;
        return a.MetricsUsed + a.MetricsNotFinite + a.MetricsLate + a.MetricsOutOfRange
            + a.LogsUsed + a.LogsLate + a.LogsOutOfRange
            + a.SpansUsed + a.SpansDuplicate + a.SpansNegativeDuration + a.SpansLate + a.SpansOutOfRange
            + r.MetricsAheadOfClock + r.LogsAheadOfClock + r.SpansAheadOfClock;
    }

    /// <summary>Pushes the tiny system's records with <paramref name="bad"/> inserted after record <paramref name="at"/>;
    /// returns the results of the bad pushes, the verdict rows and the report.</summary>
    private (List<PushResult> Results, List<string> Rows, OnlineReport Report) Inject(List<object> bad, int at = 200, OnlineDetectorOptions? options = null)
    {
        var good = TinySystem.Records(30);
        using var online = new OnlineDetector(_detector, options ?? Options());
        var rows = new List<string>();
        online.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
        var results = new List<PushResult>();
        for (var i = 0; i < good.Count; i++)
        {
            Push(online, good[i]);
            if (i == at)
            {
                results.AddRange(bad.Select(b => Push(online, b)));
            }
        }

        online.Complete();
        var report = online.Report;
        Assert.That(Accounted(report), Is.EqualTo(good.Count + bad.Count), "every record is used or counted under a reason");
        return (results, rows, report);
    }

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NegativeInfinity)]
    public void Push_ANonFiniteMetric_IsCountedAndChangesNothing(double value)
    {
        var (results, rows, report) = Inject([new MetricSample("b", At(165), "cpu", value)]);

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.EqualTo(new[] { PushResult.NotFinite }));
            Assert.That(report.Aggregation.MetricsNotFinite, Is.EqualTo(1));
            Assert.That(rows, Is.EqualTo(Batch(_detector, TinySystem.Records(30))));
        });
    }

    [Test]
    public void Push_ANegativeDuration_IsCountedAndChangesNothing()
    {
        var (results, rows, report) = Inject([new Span("bad", "x", null, "a", "GET /", At(165), TimeSpan.FromMilliseconds(-5))]);

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.EqualTo(new[] { PushResult.NegativeDuration }));
            Assert.That(report.Aggregation.SpansNegativeDuration, Is.EqualTo(1));
            Assert.That(rows, Is.EqualTo(Batch(_detector, TinySystem.Records(30))));
        });
    }

    [Test]
    public void Push_ASpanWhoseParentNeverArrives_IsUsedAndCountedAsAnOrphanWhenItsStepCloses()
    {
        var orphan = new Span("lost", "child", "parent-that-never-comes", "c", "GET /c", At(165), TimeSpan.FromMilliseconds(10));
        var good = TinySystem.Records(30);
        using var online = new OnlineDetector(_detector, Options(latenessSeconds: 20));
        foreach (var record in good.Take(200))
        {
            Push(online, record);
        }

        var result = online.Push(orphan);
        var orphansBefore = online.Report.Aggregation.SpansOrphan;
        foreach (var record in good.Skip(200))
        {
            Push(online, record);
        }

        online.Complete();
        var report = online.Report;

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(PushResult.Used));
            Assert.That(orphansBefore, Is.Zero, "its parent may still come while its step is open");
            Assert.That(report.Aggregation.SpansOrphan, Is.EqualTo(1));
            Assert.That(report.WaitingChildren, Is.Zero);
            Assert.That(Accounted(report), Is.EqualTo(good.Count + 1));
            Assert.That(Batch(_detector, [.. good, orphan]), Is.Not.Empty);
        });
    }

    [Test]
    public void Push_DuplicateSpans_AreCountedOnceAndNeverTwice()
    {
        var original = (Span)TinySystem.Records(30).Last(r => r is Span { SpanId: "s2" } s && s.Start < At(160));
        using var online = new OnlineDetector(_detector, new OnlineDetectorOptions
        {
            Lateness = TimeSpan.FromSeconds(20),
            SpanRetention = TimeSpan.FromSeconds(30),
            MaxClockSkew = null,
            VerdictBufferCapacity = 0,
        });
        var good = TinySystem.Records(30);
        var results = new List<PushResult>();
        var at = good.IndexOf(original);
        for (var i = 0; i < good.Count; i++)
        {
            Push(online, good[i]);
            if (i == at + 40)
            {
                results.Add(online.Push(original));            // within the retention: a duplicate
            }

            if (i == at + 170)
            {
                results.Add(online.Push(original));            // long after: its step is closed, so late, not counted twice
            }
        }

        online.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.EqualTo(new[] { PushResult.Duplicate, PushResult.Late }));
            Assert.That(online.Report.Aggregation.SpansDuplicate, Is.EqualTo(1));
            Assert.That(online.Report.Aggregation.SpansLate, Is.EqualTo(1));
            Assert.That(online.Report.Aggregation.SpansUsed, Is.EqualTo(120), "four spans in each of 30 steps");
        });
    }

    [Test]
    public void Push_RecordsAheadOfTheClock_AreCountedAndDoNotCloseSteps()
    {
        var clock = new FixedClock(At(300));
        var options = Options();
        options.MaxClockSkew = TimeSpan.FromMinutes(1);
        options.TimeProvider = clock;
        var ahead = At(300 + 3600);

        var (results, rows, report) = Inject(
            [
                new MetricSample("a", ahead, "cpu", 1),
                new LogRecord("a", ahead, "from the future"),
                new Span("future", "f", null, "a", "GET /", ahead, TimeSpan.FromSeconds(1)),
            ],
            options: options);

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.All.EqualTo(PushResult.AheadOfClock));
            Assert.That((report.MetricsAheadOfClock, report.LogsAheadOfClock, report.SpansAheadOfClock), Is.EqualTo((1, 1, 1)));
            Assert.That(rows, Is.EqualTo(Batch(_detector, TinySystem.Records(30))), "the watermark did not jump");
        });
    }

    [Test]
    public void Push_AHostWithASlowClock_IsLateAndCounted()
    {
        // A host whose clock is 5 minutes behind sends records for steps that have closed long ago.
        var behind = At(165 - 300);

        var (results, _, report) = Inject(
            [
                new MetricSample("b", behind, "cpu", 1),
                new LogRecord("b", behind, "request ok in 12 ms"),
                new Span("slow", "x", null, "b", "GET /b", behind, TimeSpan.FromMilliseconds(5)),
            ]);

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.All.EqualTo(PushResult.Late));
            Assert.That((report.Aggregation.MetricsLate, report.Aggregation.LogsLate, report.Aggregation.SpansLate), Is.EqualTo((1, 1, 1)));
        });
    }

    [Test]
    public void Push_AChildStartingBeforeItsParent_StillMakesTheEdge()
    {
        // Clock skew between hosts: the child's times are 50 ms before its parent's.
        var records = new List<object>
        {
            new Span("skew", "child", "parent", "c", "GET /c", At(164.95), TimeSpan.FromMilliseconds(10)),
            new Span("skew", "parent", null, "b", "GET /b", At(165), TimeSpan.FromMilliseconds(20)),
        };

        var (results, _, report) = Inject(records);

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.All.EqualTo(PushResult.Used));
            Assert.That(report.Aggregation.Edges, Is.EqualTo((30 * 2) + 1));
            Assert.That(report.Aggregation.SpansOrphan, Is.Zero);
        });
    }

    [Test]
    public void Complete_NothingPushed_ClosesNothing()
    {
        using var online = new OnlineDetector(_detector, Options(buffer: 16));
        var steps = new List<StepVerdicts>();
        online.StepClosed += (_, e) => steps.Add(e.Verdicts);

        online.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(steps, Is.Empty);
            Assert.That(online.ReadVerdictsAsync().ToBlockingEnumerable(), Is.Empty);
            Assert.That(online.Report.ToString(), Is.EqualTo(
                "metrics 0 used, 0 not finite, 0 late, 0 out of range; logs 0 used, 0 late, 0 out of range; spans 0 used (0 roots, 0 orphans, 0 calls: 0 client/server pairs, 0 to peers, 0 negative differences), 0 duplicates, 0 negative, 0 late, 0 out of range; " +
                "ahead of the clock: 0 metrics, 0 logs, 0 spans; steps 0 closed, 0 scored, 0 dropped; 0 verdicts; watermark ; now 0 open steps, 0 instances, 0 span ids, 0 waiting children"));
        });
    }

    [Test]
    public void Complete_OnlyBadRecords_ClosesNothing()
    {
        using var online = new OnlineDetector(_detector, Options());

        online.Push(new MetricSample("a", At(5), "cpu", double.NaN));
        online.Push(new Span("t", "s", null, "a", "GET /", At(5), TimeSpan.FromSeconds(-1)));
        online.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(online.Report.StepsClosed, Is.Zero);
            Assert.That(online.Watermark, Is.Null, "bad records do not move the watermark");
            Assert.That(Accounted(online.Report), Is.EqualTo(2));
        });
    }

    [Test]
    public void Push_EnormousValues_AreClampedOrCountedAndScoresStayFinite()
    {
        var (results, rows, report) = Inject(
            [
                new MetricSample("b", At(165), "cpu", 1e300),
                new MetricSample("b", At(166), "memory", -1e300),
                new MetricSample("c", At(166), "cpu", 5) { Coverage = TimeSpan.FromDays(3650) },
                new Span("huge", "h", null, "a", "GET /", At(165), TimeSpan.MaxValue),
                new LogRecord("a", DateTimeOffset.MinValue, "at the beginning of time"),
                new MetricSample("a", DateTimeOffset.MaxValue, "cpu", 1),
            ]);

        Assert.Multiple(() =>
        {
            Assert.That(results, Is.EqualTo(new[] { PushResult.Used, PushResult.Used, PushResult.OutOfRange, PushResult.OutOfRange, PushResult.Late, PushResult.OutOfRange }));
            Assert.That((report.Aggregation.MetricsOutOfRange, report.Aggregation.LogsOutOfRange, report.Aggregation.SpansOutOfRange), Is.EqualTo((2, 0, 1)));
            Assert.That(report.Aggregation.LogsLate, Is.EqualTo(1), "year 1 is a valid time, long closed");
            Assert.That(rows, Has.Count.EqualTo(28 * 3));
            Assert.That(rows.Select(r => double.Parse(r.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture)), Has.All.Matches<double>(double.IsFinite));
        });
    }

    [Test]
    public async Task ReplayAsync_MalformedLinesAndFiles_AreCountedByTheReaderAndTheRestIsUsed()
    {
        var folder = Directory.CreateTempSubdirectory("mstgad-online-").FullName;
        try
        {
            await File.WriteAllLinesAsync(Path.Combine(folder, "metrics.csv"),
            [
                "time,instance,metric,value",
                "2024-01-01T00:00:05Z,a,cpu,10.5",
                "2024-01-01T00:00:15Z,a,cpu,not-a-number",
                "2024-01-01T00:00:25Z,a,cpu",
                "2024-01-01T00:00:35Z,a,cpu,\"11\"x",
                "yesterday,a,cpu,11",
                "2024-01-01T00:00:45Z,a,cpu,NaN",
                "2024-01-01T00:00:55Z,a,cpu,11.5",
            ]);
            await File.WriteAllTextAsync(Path.Combine(folder, "logs.csv"), "");
            await File.WriteAllLinesAsync(Path.Combine(folder, "spans.jsonl"),
            [
                "{\"trace_id\":\"t\",\"span_id\":\"1\",\"parent_span_id\":\"\",\"instance\":\"a\",\"operation\":\"GET /\",\"start\":\"2024-01-01T00:00:05Z\",\"duration_ms\":20}",
                "{\"trace_id\":\"t\",\"span_id\":\"2\",\"parent_span_id\":\"1\",\"instance\":\"b\",\"operation\":\"GET /b\",\"start\":\"2024-01-01T00:00:06Z\",\"end\":\"2024-01-01T00:00:05Z\"}",
                "{not json",
                "[1, 2]",
            ]);
            var source = TelemetryDirectory.Open(folder, ReadMode.Lenient);
            using var online = new OnlineDetector(_detector, Options());

            var replay = await online.ReplayAsync(source);

            var read = source.Report;
            Assert.Multiple(() =>
            {
                Assert.That(read.Metrics.ToString(), Is.EqualTo("files 1, rows 7, records 2, skipped 1 (NaN value), skipped 1 (malformed CSV), skipped 1 (unparsable number), skipped 1 (unparsable time), skipped 1 (wrong field count)"));
                Assert.That(read.Logs.ToString(), Is.EqualTo("files 1, rows 0, records 0, skipped 1 (empty file)"));
                Assert.That(read.Spans.ToString(), Is.EqualTo("files 1, rows 4, records 1, skipped 1 (invalid JSON), skipped 1 (negative duration), skipped 1 (unexpected JSON)"));
                Assert.That(replay.Records, Is.EqualTo(3), "every record the readers produced was pushed");
                Assert.That(Accounted(online.Report), Is.EqualTo(3));
                Assert.That(online.Report.Aggregation.MetricsUsed + online.Report.Aggregation.SpansUsed, Is.EqualTo(3));
            });

            var strict = TelemetryDirectory.Open(folder, ReadMode.Strict);
            using var strictOnline = new OnlineDetector(_detector, Options());
            var ex = Assert.ThrowsAsync<TelemetryFormatException>(() => strictOnline.ReplayAsync(strict));
            Assert.That(ex!.Message, Is.EqualTo(Path.Combine(folder, "metrics.csv") + ":3: field 'value' not a number: 'not-a-number'"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
