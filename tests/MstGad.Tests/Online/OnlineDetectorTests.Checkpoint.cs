using MstGad.Features;
using MstGad.Tests.Detection;
using static MstGad.Tests.Online.OnlineTesting;

namespace MstGad.Tests.Online;

public sealed partial class OnlineDetectorTests
{
    /// <summary>Splits a (disordered) stream at a random point, checkpoints, restores into a new instance and continues.</summary>
    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    [TestCase(14)]
    [TestCase(15)]
    public void Restore_MidStream_ContinuesExactlyAsAnUninterruptedRun(int seed)
    {
        var records = ShuffleWithin(TinySystem.Records(60), 36, seed);
        var split = new Random(seed).Next(1, records.Count);
        var (expected, expectedReport, _) = RunOnline(_detector, records);

        var rows = new List<string>();
        using var checkpoint = new MemoryStream();
        using (var first = new OnlineDetector(_detector, Options()))
        {
            first.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
            foreach (var record in records.Take(split))
            {
                Push(first, record);
            }

            first.SaveCheckpoint(checkpoint);
        }

        checkpoint.Position = 0;
        using var second = OnlineDetector.Restore(_detector, checkpoint);
        second.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
        foreach (var record in records.Skip(split))
        {
            Push(second, record);
        }

        second.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(rows, Is.EqualTo(expected), $"split after record {split} of {records.Count}");
            Assert.That(second.Report.ToString(), Is.EqualTo(expectedReport.ToString()));
        });
    }

    /// <summary>The tiny system's records with a database call from c in every step: a client span (child of c's span)
    /// that no callee span answers, so the call goes to the peer node db:mysql; 4 ms, 40 ms while b is faulty.</summary>
    private static List<object> WithDatabaseCalls(List<object> records)
    {
        var attributes = new Dictionary<string, string> { ["db.system"] = "mysql" };
        var calls = records.OfType<Span>().Where(s => s.SpanId == "s3").Select(s => (object)new Span(s.TraceId, "db", "s3", "c", "SELECT orders", s.Start.AddMilliseconds(2), TimeSpan.FromMilliseconds(s.Start >= TinySystem.Start.AddSeconds(400) && s.Start < TinySystem.Start.AddSeconds(450) ? 40 : 4))
        {
            Kind = SpanKind.Client,
            Attributes = attributes,
        });
        return [.. records.Concat(calls).OrderBy(r => r switch
        {
            MetricSample m => m.Time,
            LogRecord l => l.Time,
            Span x => x.End,
            _ => throw new ArgumentException("Not a record.", nameof(records)),
        })];
    }

    [TestCase(21)]
    [TestCase(22)]
    [TestCase(23)]
    public void Push_CallsToAPeer_GiveTheVerdictsOfBatchDetectionAlsoAcrossACheckpoint(int seed)
    {
        var records = ShuffleWithin(WithDatabaseCalls(TinySystem.Records(60)), 39, seed);
        var split = new Random(seed).Next(1, records.Count);
        var batch = Batch(_detector, records);
        var (expected, expectedReport, steps) = RunOnline(_detector, records);

        var rows = new List<string>();
        using var checkpoint = new MemoryStream();
        using (var first = new OnlineDetector(_detector, Options()))
        {
            first.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
            foreach (var record in records.Take(split))
            {
                Push(first, record);
            }

            first.SaveCheckpoint(checkpoint);
        }

        checkpoint.Position = 0;
        using var second = OnlineDetector.Restore(_detector, checkpoint);
        second.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
        foreach (var record in records.Skip(split))
        {
            Push(second, record);
        }

        second.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(expected, Is.EqualTo(batch));
            Assert.That(rows, Is.EqualTo(expected), $"split after record {split} of {records.Count}");
            Assert.That(second.Report.ToString(), Is.EqualTo(expectedReport.ToString()));
            Assert.That(expectedReport.Aggregation.SpansToPeers, Is.EqualTo(60));
            Assert.That(steps.Last().Verdicts.Select(v => v.Instance), Is.EqualTo(new[] { "a", "b", "c", "db:mysql" }));
            Assert.That(steps.Last().Verdicts.Single(v => v.Instance == "db:mysql").Evidence.Edges.Select(e => (e.Caller, e.Callee)), Is.EqualTo(new[] { ("c", "db:mysql") }));
        });
    }

    [Test]
    public void Restore_AfterTheLastStepClosed_ReplaysNothingTwice()
    {
        var records = TinySystem.Records(20);
        using var checkpoint = new MemoryStream();
        var rows = new List<string>();
        using (var first = new OnlineDetector(_detector, Options(latenessSeconds: 10)))
        {
            first.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
            foreach (var record in records)
            {
                Push(first, record);
            }

            first.SaveCheckpoint(checkpoint);
        }

        checkpoint.Position = 0;
        using var second = OnlineDetector.Restore(_detector, checkpoint);
        second.StepClosed += (_, e) => rows.AddRange(e.Verdicts.Verdicts.Select(Row));
        var late = Push(second, records[0]);
        second.Complete();

        Assert.Multiple(() =>
        {
            Assert.That(late, Is.EqualTo(PushResult.Late), "a record of a step published before the checkpoint is not counted again");
            Assert.That(rows, Is.EqualTo(Batch(_detector, records)));
        });
    }

    [Test]
    public void Restore_ACheckpointFile_KeepsTheSavedOptions()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mstgad-{Guid.NewGuid():N}.checkpoint");
        try
        {
            using (var first = new OnlineDetector(_detector, Options(latenessSeconds: 42)))
            {
                Push(first, TinySystem.Records(1)[0]);
                first.SaveCheckpoint(path);
            }

            using var restored = OnlineDetector.Restore(_detector, path);

            Assert.Multiple(() =>
            {
                Assert.That(File.Exists(path + ".tmp"), Is.False);
                Assert.That(restored.Watermark, Is.EqualTo(TinySystem.Start.AddSeconds(5)));
                Assert.That(restored.Report.OpenSteps, Is.EqualTo(1));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Restore_BadCheckpoints_ThrowClearErrors()
    {
        using var buffer = new MemoryStream();
        using (var online = new OnlineDetector(_detector, Options()))
        {
            foreach (var record in TinySystem.Records(5))
            {
                Push(online, record);
            }

            online.SaveCheckpoint(buffer);
        }

        var bytes = buffer.ToArray();
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0xFF;
        var version = (byte[])bytes.Clone();
        version[16] = 9;
        using var other = TrainTiny(steps: 50);

        string Error(Detector detector, byte[] data) =>
            Assert.Throws<InvalidDataException>(() => OnlineDetector.Restore(detector, new MemoryStream(data)))!.Message;

        Assert.Multiple(() =>
        {
            Assert.That(Error(_detector, [.. "not a checkpoint at all"u8]), Is.EqualTo("Not a MstGad online checkpoint: it does not start with 'MSTGAD-CHECKPNT1'."));
            Assert.That(Error(_detector, version), Is.EqualTo("MstGad checkpoint version 9 is not supported; this build reads version 1."));
            Assert.That(Error(_detector, bytes[..(bytes.Length - 3)]), Does.StartWith("MstGad checkpoint is truncated: it ends inside"));
            Assert.That(Error(_detector, flipped), Does.Match("^MstGad checkpoint is corrupt: the checksum of section '\\w+' does not match\\.$"));
            Assert.That(Error(other, bytes), Is.EqualTo("MstGad checkpoint was made with another detector (what it learnt differs): restore it with the detector that made it."));
        });
    }
}
