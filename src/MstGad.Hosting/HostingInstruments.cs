using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MstGad.Hosting;

/// <summary>The hosted detector's meter and activity source (names and instruments documented in docs/hosting.md).</summary>
internal sealed class HostingInstruments : IDisposable
{
    public static readonly ActivitySource Source = new(MstGadMonitor.TelemetryName);

    private static readonly string[] Reasons = [.. Enum.GetValues<PushResult>().Select(Reason)];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _used;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _steps;
    private readonly Histogram<double> _scoring;
    private readonly Counter<long> _incidents;
    private readonly Counter<long> _checkpoints;
    private readonly Counter<long> _sinkFailures;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _duplicateDeliveries;

    public HostingInstruments(IMeterFactory? factory, MstGadMonitor monitor)
    {
        _meter = factory?.Create(new MeterOptions(MstGadMonitor.TelemetryName)) ?? new Meter(MstGadMonitor.TelemetryName);
        _ownsMeter = factory is null;
        _received = _meter.CreateCounter<long>("mstgad.records.received", "{record}", "Records accepted into the queue, by kind.");
        _rejected = _meter.CreateCounter<long>("mstgad.records.rejected", "{record}", "Records refused (queue_full or stopped), by kind and reason.");
        _used = _meter.CreateCounter<long>("mstgad.records.used", "{record}", "Records used by the online detector, by kind.");
        _skipped = _meter.CreateCounter<long>("mstgad.records.skipped", "{record}", "Records not used, by kind and reason (late, duplicate, not_finite, negative_duration, out_of_range, ahead_of_clock).");
        _steps = _meter.CreateCounter<long>("mstgad.steps.closed", "{step}", "Steps closed (scored: whether the step ended a full window).");
        _scoring = _meter.CreateHistogram<double>("mstgad.step.scoring.duration", "s", "Time to score one step's window.");
        _incidents = _meter.CreateCounter<long>("mstgad.incidents.opened", "{incident}", "Incidents opened.");
        _checkpoints = _meter.CreateCounter<long>("mstgad.checkpoints", "{checkpoint}", "Checkpoints by outcome (written, failed, restored, rejected).");
        _sinkFailures = _meter.CreateCounter<long>("mstgad.incident_sink.failures", "{failure}", "Exceptions thrown by incident sinks.");
        _duplicateDeliveries = _meter.CreateCounter<long>("mstgad.deliveries.duplicate", "{record}", "Records of batches ignored because their delivery tag was taken before, by kind.");
        _dropped = _meter.CreateCounter<long>("mstgad.subscriber.dropped", "{item}", "Items dropped for a slow reader of verdicts or incidents, by stream.");
        _meter.CreateObservableGauge("mstgad.queue.length", () => monitor.Status.QueuedRecords, "{record}", "Records waiting for the scorer.");
        _meter.CreateObservableGauge("mstgad.incidents.open", () => monitor.Status.OpenIncidents, "{incident}", "Incidents open now.");
        _meter.CreateObservableGauge("mstgad.checkpoint.age", () => CheckpointAge(monitor), "s", "Seconds since the newest checkpoint was written or restored (no value before the first).");
    }

    public void Received(TelemetryBatch batch)
    {
        Add(_received, batch.Metrics.Count, "metric");
        Add(_received, batch.Logs.Count, "log");
        Add(_received, batch.Spans.Count, "span");
    }

    public void DuplicateDelivery(TelemetryBatch batch)
    {
        Add(_duplicateDeliveries, batch.Metrics.Count, "metric");
        Add(_duplicateDeliveries, batch.Logs.Count, "log");
        Add(_duplicateDeliveries, batch.Spans.Count, "span");
    }

    public void Rejected(TelemetryBatch batch, string reason)
    {
        Add(_rejected, batch.Metrics.Count, "metric", reason);
        Add(_rejected, batch.Logs.Count, "log", reason);
        Add(_rejected, batch.Spans.Count, "span", reason);
    }

    public void Pushed(long[,] counts)
    {
        for (var kind = 0; kind < counts.GetLength(0); kind++)
        {
            for (var result = 0; result < counts.GetLength(1); result++)
            {
                if (counts[kind, result] > 0)
                {
                    if (result == (int)PushResult.Used)
                    {
                        Add(_used, counts[kind, result], MstGadMonitor.Kinds[kind]);
                    }
                    else
                    {
                        Add(_skipped, counts[kind, result], MstGadMonitor.Kinds[kind], Reasons[result]);
                    }
                }
            }
        }
    }

    public void StepClosed(StepVerdicts step, TimeSpan scoringTime)
    {
        _steps.Add(1, new KeyValuePair<string, object?>("scored", step.Scored));
        if (step.Scored)
        {
            _scoring.Record(scoringTime.TotalSeconds);
        }
    }

    public void IncidentOpened() => _incidents.Add(1);

    public void Checkpoint(string outcome) => _checkpoints.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void SinkFailed() => _sinkFailures.Add(1);

    public void SubscriberDropped(string stream) => _dropped.Add(1, new KeyValuePair<string, object?>("stream", stream));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <summary>The metric tag of a push result ("not_finite" for <see cref="PushResult.NotFinite"/>).</summary>
    internal static string Reason(PushResult result) => result switch
    {
        PushResult.Used => "used",
        PushResult.Late => "late",
        PushResult.Duplicate => "duplicate",
        PushResult.NotFinite => "not_finite",
        PushResult.NegativeDuration => "negative_duration",
        PushResult.OutOfRange => "out_of_range",
        PushResult.AheadOfClock => "ahead_of_clock",
        _ => result.ToString(),
    };

    private static IEnumerable<Measurement<double>> CheckpointAge(MstGadMonitor monitor)
    {
        if (monitor.Status.LastCheckpointAt is { } at)
        {
            yield return new Measurement<double>((monitor.Now - at).TotalSeconds);
        }
    }

    private static void Add(Counter<long> counter, long value, string kind, string? reason = null)
    {
        if (value == 0)
        {
            return;
        }

        if (reason is null)
        {
            counter.Add(value, new KeyValuePair<string, object?>("kind", kind));
        }
        else
        {
            counter.Add(value, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("reason", reason));
        }
    }
}
