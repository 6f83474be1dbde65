using System.Runtime.CompilerServices;
using MstGad.Datasets;
using MstGad.Features;
using static MstGad.Tests.Online.OnlineTesting;

namespace MstGad.Tests.Online;

/// <summary>
/// Batch and online detection of real data agree bit for bit: a small detector trained on an hour of the
/// Nezha TrainTicket day scores the next hour once through <see cref="Detector.DetectAsync"/> and once
/// replayed in event-time order through <see cref="OnlineDetector"/>.
/// </summary>
[NonParallelizable]
public sealed class OnlineDetectorNezhaTests
{
    private static readonly DateTimeOffset Day = new(2023, 1, 29, 0, 0, 0, TimeSpan.Zero);

    private static SliceSource Slice(TimeSpan from, TimeSpan to) =>
        new SliceSource(new NezhaDataset(SharedData.PathOf("nezha-trainticket"), new NezhaDatasetOptions { Mode = ReadMode.Lenient }), Day + from, Day + to);

    [Test]
    public async Task ReplayAsync_AnHourOfNezha_GivesExactlyTheRowsOfBatchDetection()
    {
        using var detector = new DetectorBuilder()
            .WithInterval(TimeSpan.FromMinutes(1))
            .WithWindow(5)
            .ConfigureModel(o =>
            {
                o.MetricDimension = 8;
                o.LogDimension = 8;
                o.TraceDimension = 8;
                o.Heads = 2;
                o.EdgeHeads = 2;
                o.EncoderLayers = 1;
                o.DecoderLayers = 1;
            })
            .ConfigureTraining(o => o.MaxEpochs = 1)
            .ConfigureSplit(o =>
            {
                o.TrainFraction = 0.7;
                o.ValidationFraction = 0.3;
            })
            .UseDevice("cpu", 1)
            .Build();
        await detector.FitAsync(Slice(new TimeSpan(8, 40, 0), new TimeSpan(9, 40, 0)));

        var batch = await detector.DetectAsync(Slice(new TimeSpan(9, 40, 0), new TimeSpan(10, 40, 0)));
        using var online = new OnlineDetector(detector, new OnlineDetectorOptions { Lateness = TimeSpan.FromMinutes(2), MaxClockSkew = null, VerdictBufferCapacity = 0 });
        var rows = new List<string>();
        online.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
        var replay = await online.ReplayAsync(Slice(new TimeSpan(9, 40, 0), new TimeSpan(10, 40, 0)));
        var report = online.Report;

        Assert.Multiple(() =>
        {
            Assert.That(batch.Verdicts, Has.Count.GreaterThan(40 * 50), "about 56 scored steps × 46 instances");
            Assert.That(rows, Is.EqualTo(batch.Verdicts.Select(Row)));
            Assert.That(replay.Used, Is.EqualTo(batch.Data.Report.MetricsUsed + batch.Data.Report.LogsUsed + batch.Data.Report.SpansUsed));
            Assert.That(report.Aggregation.SpansDuplicate, Is.EqualTo(batch.Data.Report.SpansDuplicate));
            Assert.That(report.Aggregation.SpansOrphan, Is.EqualTo(batch.Data.Report.SpansOrphan));
            Assert.That(report.Aggregation.Edges, Is.EqualTo(batch.Data.Report.Edges));
            Assert.That(report.Aggregation.MetricsLate + report.Aggregation.LogsLate + report.Aggregation.SpansLate, Is.Zero);
        });
    }

    /// <summary>The records of a source within <c>[from, to)</c> (spans by their end).</summary>
    private sealed class SliceSource(ITelemetrySource inner, DateTimeOffset from, DateTimeOffset to) : ITelemetrySource
    {
        public TelemetryReadReport Report => inner.Report;

        public async IAsyncEnumerable<MetricSample> ReadMetricsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var m in inner.ReadMetricsAsync(cancellationToken))
            {
                if (m.Time >= from && m.Time < to)
                {
                    yield return m;
                }
            }
        }

        public async IAsyncEnumerable<LogRecord> ReadLogsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var l in inner.ReadLogsAsync(cancellationToken))
            {
                if (l.Time >= from && l.Time < to)
                {
                    yield return l;
                }
            }
        }

        public async IAsyncEnumerable<Span> ReadSpansAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var s in inner.ReadSpansAsync(cancellationToken))
            {
                if (s.End >= from && s.End < to)
                {
                    yield return s;
                }
            }
        }

        public async IAsyncEnumerable<FaultLabel> ReadFaultsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var f in inner.ReadFaultsAsync(cancellationToken))
            {
                if (f.Start >= from && f.Start < to)
                {
                    yield return f;
                }
            }
        }
    }
}
