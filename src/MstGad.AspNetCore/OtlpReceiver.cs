using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MstGad.Hosting;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;

namespace MstGad.AspNetCore;

/// <summary>The signals of OTLP.</summary>
internal enum Signal
{
    Traces = 0,
    Logs = 1,
    Metrics = 2,
}

/// <summary>What became of an export request.</summary>
/// <param name="Status">Whether its records were queued, or why not (the whole request is refused then).</param>
/// <param name="Rejected">Items rejected as invalid (partial success) when accepted.</param>
/// <param name="Error">Why the first of them was rejected.</param>
internal readonly record struct ExportOutcome(ReceiveStatus Status, long Rejected, string? Error);

/// <summary>
/// The transport-independent part of the OTLP receiver: maps an export request to records, hands them to the
/// <see cref="MstGadMonitor"/> whole or not at all, and counts what it did.
/// </summary>
internal sealed class OtlpReceiver : IDisposable
{
    private readonly Func<TelemetryBatch, ReceiveStatus> _receive;
    private readonly OtlpMapper _mapper;
    private readonly Lock _metrics = new();
    private readonly byte[]? _token;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _droppedAttributes;

    /// <summary>Creates the receiver.</summary>
    /// <param name="options">The options.</param>
    /// <param name="receive">Takes a batch whole or not at all (<see cref="MstGadMonitor.Receive(TelemetryBatch)"/>).</param>
    /// <param name="meterFactory">Creates the meter; <see langword="null"/> for a meter of its own.</param>
    public OtlpReceiver(IOptions<MstGadOtlpOptions> options, Func<TelemetryBatch, ReceiveStatus> receive, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _receive = receive;
        _mapper = new OtlpMapper(Options);
        _token = Options.BearerToken is { } token ? Encoding.UTF8.GetBytes("Bearer " + token) : null;
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        _ownsMeter = meterFactory is null;
        _requests = _meter.CreateCounter<long>("mstgad.otlp.requests", "{request}", "OTLP export requests by signal, transport and outcome.");
        _rejected = _meter.CreateCounter<long>("mstgad.otlp.items.rejected", "{item}", "Spans, log records and data points rejected as invalid (partial success) or refused with their request, by signal and reason.");
        _skipped = _meter.CreateCounter<long>("mstgad.otlp.points.skipped", "{point}", "Valid data points that give no sample (cumulative_baseline, no_recorded_value, empty_histogram, no_sum, out_of_order, stream_limit).");
        _droppedAttributes = _meter.CreateCounter<long>("mstgad.otlp.attributes.dropped", "{attribute}", "Span attributes dropped beyond MaxSpanAttributes.");
    }

    /// <summary>The meter's name.</summary>
    public const string MeterName = "MstGad.Otlp";

    public MstGadOtlpOptions Options { get; }

    /// <summary>Whether an <c>Authorization</c> header value is the configured bearer token (always true without one); constant time.</summary>
    public bool Authorized(string? authorization) =>
        _token is null || (authorization is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization), _token));

    public ExportOutcome Export(ExportTraceServiceRequest request, DeliveryTag? delivery = null) => Deliver(Signal.Traces, _mapper.Map(request), ItemCount(request), delivery);

    public ExportOutcome Export(ExportLogsServiceRequest request, DeliveryTag? delivery = null) => Deliver(Signal.Logs, _mapper.Map(request), ItemCount(request), delivery);

    public ExportOutcome Export(ExportMetricsServiceRequest request, DeliveryTag? delivery = null)
    {
        // Cumulative streams: the deltas are computed and remembered only for requests the monitor accepts, in the
        // order accepted, so a refused request sent again gives the same deltas (and a duplicate delivery none).
        lock (_metrics)
        {
            var mapped = _mapper.Map(request);
            var outcome = Deliver(Signal.Metrics, mapped, ItemCount(request), delivery);
            if (outcome.Status == ReceiveStatus.Accepted)
            {
                _mapper.Commit(mapped);
            }

            return outcome;
        }
    }

    /// <summary>Counts a request answered before its records were looked at (bad payload, unauthorised, too large, …).</summary>
    public void Count(Signal signal, string transport, string outcome) =>
        _requests.Add(1, new("signal", Name(signal)), new("transport", transport), new("outcome", outcome));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal static string Name(Signal signal) => signal switch
    {
        Signal.Traces => "traces",
        Signal.Logs => "logs",
        _ => "metrics",
    };

    private ExportOutcome Deliver(Signal signal, MappedRequest mapped, long items, DeliveryTag? delivery)
    {
        // A numbered delivery goes to the monitor even when empty, so that it is remembered as had.
        mapped.Batch.Delivery = delivery;
        var status = mapped.Batch.Count == 0 && delivery is null ? ReceiveStatus.Accepted : _receive(mapped.Batch);
        var name = Name(signal);
        if (status == ReceiveStatus.Duplicate)
        {
            return new ExportOutcome(status, 0, null);
        }

        if (status != ReceiveStatus.Accepted)
        {
            _rejected.Add(items, new("signal", name), new("reason", status == ReceiveStatus.QueueFull ? "queue_full" : "stopped"));
            return new ExportOutcome(status, items, null);
        }

        foreach (var (reason, count) in mapped.RejectedByReason)
        {
            _rejected.Add(count, new("signal", name), new("reason", reason));
        }

        foreach (var (reason, count) in mapped.Skipped)
        {
            _skipped.Add(count, new KeyValuePair<string, object?>("reason", reason));
        }

        if (mapped.DroppedAttributes > 0)
        {
            _droppedAttributes.Add(mapped.DroppedAttributes);
        }

        return new ExportOutcome(status, mapped.Rejected, mapped.Error);
    }

    private static long ItemCount(ExportTraceServiceRequest request) => request.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => (long)s.Spans.Count));

    private static long ItemCount(ExportLogsServiceRequest request) => request.ResourceLogs.Sum(r => r.ScopeLogs.Sum(s => (long)s.LogRecords.Count));

    private static long ItemCount(ExportMetricsServiceRequest request) => request.ResourceMetrics.Sum(r => r.ScopeMetrics.Sum(s => s.Metrics.Sum(m => (long)OtlpMapper.PointCount(m))));
}
