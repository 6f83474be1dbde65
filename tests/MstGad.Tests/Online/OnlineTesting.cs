using System.Globalization;
using MstGad.Features;
using MstGad.Tests.Detection;

namespace MstGad.Tests.Online;

/// <summary>Helpers for the online detector's tests: a trained tiny detector, pushing mixed records, comparable verdict rows.</summary>
internal static class OnlineTesting
{
    /// <summary>Options for tests: no clock check (the data is in the past anyway), events only unless asked.</summary>
    public static OnlineDetectorOptions Options(double latenessSeconds = 60, int buffer = 0) => new()
    {
        Lateness = TimeSpan.FromSeconds(latenessSeconds),
        MaxClockSkew = null,
        VerdictBufferCapacity = buffer,
    };

    /// <summary>A detector trained on the tiny system's 60 steps (window 3, 10-s steps, identity keys).</summary>
    public static Detector TrainTiny(int steps = 60)
    {
        var detector = TinySystem.Builder().Build();
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }), steps);
        detector.Fit(data, faults);
        return detector;
    }

    /// <summary>Pushes a record of any kind.</summary>
    public static PushResult Push(OnlineDetector online, object record) => record switch
    {
        MetricSample sample => online.Push(sample),
        LogRecord log => online.Push(log),
        Span span => online.Push(span),
        _ => throw new ArgumentException($"Not a record: {record}", nameof(record)),
    };

    /// <summary>Batch detection of records fed in the given order.</summary>
    public static List<string> Batch(Detector detector, IEnumerable<object> records)
    {
        var aggregator = detector.CreateAggregator();
        TinySystem.Feed(aggregator, records);
        return [.. detector.Detect(aggregator.Complete()).Select(Row)];
    }

    /// <summary>Online detection of records pushed in the given order; returns the verdict rows and the final report.</summary>
    public static (List<string> Rows, OnlineReport Report, List<StepVerdicts> Steps) RunOnline(Detector detector, IEnumerable<object> records, OnlineDetectorOptions? options = null)
    {
        using var online = new OnlineDetector(detector, options ?? Options());
        var steps = new List<StepVerdicts>();
        online.StepClosed += (_, e) => steps.Add(e.Verdicts);
        foreach (var record in records)
        {
            Push(online, record);
        }

        online.Complete();
        return ([.. steps.SelectMany(s => s.Verdicts).Select(Row)], online.Report, steps);
    }

    /// <summary>A verdict as text with every number round-trippable: equal rows mean bit-identical verdicts.</summary>
    public static string Row(InstanceVerdict v)
    {
        var e = v.Evidence;
        var evidence = string.Join(";", e.Metrics.Select(m => $"m:{m.Name}={m.Error:R}")
            .Concat(e.Logs.Select(l => $"l:{l.Feature}={l.Error:R}:{l.ExampleMessage}"))
            .Concat(e.Edges.Select(x => $"e:{x.Caller}>{x.Callee}={x.Error:R}:{x.Feature}={x.Value:R}/{x.Typical:R}")));
        return string.Create(CultureInfo.InvariantCulture, $"{v.Time:O},{v.Instance},{v.Score:R},{v.Probability:R},{v.Error:R},{v.IsAbnormal},{evidence}");
    }

    /// <summary>Shuffles records within consecutive chunks (a disorder bounded by the chunk's time span).</summary>
    public static List<object> ShuffleWithin(IReadOnlyList<object> records, int chunk, int seed)
    {
        var random = new Random(seed);
        var result = new List<object>(records.Count);
        for (var i = 0; i < records.Count; i += chunk)
        {
            var part = records.Skip(i).Take(chunk).ToArray();
            random.Shuffle(part);
            result.AddRange(part);
        }

        return result;
    }
}
