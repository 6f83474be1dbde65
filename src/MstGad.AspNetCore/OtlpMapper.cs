using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;
using MstGad.Features;
using MstGad.Hosting;
using MstGad.AspNetCore.Protocol.Collector.Logs;
using MstGad.AspNetCore.Protocol.Collector.Metrics;
using MstGad.AspNetCore.Protocol.Collector.Trace;
using MstGad.AspNetCore.Protocol.Common;
using MstGad.AspNetCore.Protocol.Metrics;
using MstGad.AspNetCore.Protocol.Resource;
using OtlpLogRecord = MstGad.AspNetCore.Protocol.Logs.LogRecord;
using OtlpSpan = MstGad.AspNetCore.Protocol.Trace.Span;
using OtlpStatus = MstGad.AspNetCore.Protocol.Trace.Status;

namespace MstGad.AspNetCore;

/// <summary>What one export request became: the records, the items rejected (partial success) and the points skipped.</summary>
internal sealed class MappedRequest
{
    public TelemetryBatch Batch { get; } = new();

    /// <summary>Items that could not be mapped (no instance, bad id, no time): reported as rejected.</summary>
    public long Rejected { get; private set; }

    /// <summary>The first reason for a rejection, for the partial-success message.</summary>
    public string? Error { get; private set; }

    /// <summary>Valid items that give no record (a cumulative stream's first point, no recorded value, …), by reason.</summary>
    public Dictionary<string, long> Skipped { get; } = new(StringComparer.Ordinal);

    /// <summary>Span attributes dropped beyond the limit.</summary>
    public long DroppedAttributes { get; set; }

    /// <summary>Rejections by reason (for the counters).</summary>
    public Dictionary<string, long> RejectedByReason { get; } = new(StringComparer.Ordinal);

    /// <summary>Cumulative stream states to remember once the batch is accepted.</summary>
    public Dictionary<string, CumulativePoint> Updates { get; } = new(StringComparer.Ordinal);

    public void Reject(string reason, string message, long count = 1)
    {
        if (count <= 0)
        {
            return;
        }

        Rejected += count;
        Error ??= message;
        RejectedByReason[reason] = RejectedByReason.GetValueOrDefault(reason) + count;
    }

    public void Skip(string reason, long count = 1) => Skipped[reason] = Skipped.GetValueOrDefault(reason) + count;
}

/// <summary>The last point of a cumulative stream: its start, time, total (or sum) and count.</summary>
internal readonly record struct CumulativePoint(ulong Start, ulong Time, double Value, double Count);

/// <summary>
/// Maps OTLP export requests to MstGad records as the specification means them: the instance from the resource's
/// attributes; spans with their kind, status and (for calls out) attributes; logs with severity, body and trace
/// context; metrics per data point — gauges and non-monotonic sums as they are, delta sums and histograms over
/// their interval, cumulative monotonic sums and histograms turned into per-interval deltas per stream (instance,
/// metric, point attributes) with reset detection. Exemplars and histogram buckets are not used.
/// </summary>
/// <remarks>Thread-safe: the cumulative streams are read and updated under a lock by <see cref="OtlpReceiver"/>.</remarks>
internal sealed class OtlpMapper(MstGadOtlpOptions options)
{
    private static readonly long UnixEpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;
    private readonly string[] _instanceAttributes = options.InstanceAttributeList;
    private readonly string? _systemAttribute = string.IsNullOrWhiteSpace(options.SystemAttribute) ? null : options.SystemAttribute;
    private readonly int _maxAttributes = options.MaxSpanAttributes;
    private readonly int _maxStreams = options.MaxMetricStreams;
    private readonly Dictionary<string, CumulativePoint> _streams = new(StringComparer.Ordinal);

    /// <summary>Cumulative streams remembered.</summary>
    public int Streams => _streams.Count;

    public MappedRequest Map(ExportTraceServiceRequest request)
    {
        var result = new MappedRequest();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var (instance, why, whyText) = Who(resourceSpans.Resource);
            foreach (var scope in resourceSpans.ScopeSpans)
            {
                if (instance is null)
                {
                    result.Reject(why, whyText, scope.Spans.Count);
                    continue;
                }

                foreach (var span in scope.Spans)
                {
                    if (ToSpan(span, instance, result) is { } mapped)
                    {
                        result.Batch.Spans.Add(mapped);
                    }
                }
            }
        }

        return result;
    }

    public MappedRequest Map(ExportLogsServiceRequest request)
    {
        var result = new MappedRequest();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var (instance, why, whyText) = Who(resourceLogs.Resource);
            foreach (var scope in resourceLogs.ScopeLogs)
            {
                if (instance is null)
                {
                    result.Reject(why, whyText, scope.LogRecords.Count);
                    continue;
                }

                foreach (var log in scope.LogRecords)
                {
                    if (ToLog(log, instance, result) is { } mapped)
                    {
                        result.Batch.Logs.Add(mapped);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Maps metrics; cumulative streams are read from the remembered states (call under the receiver's lock) and their new states staged in <see cref="MappedRequest.Updates"/>.</summary>
    public MappedRequest Map(ExportMetricsServiceRequest request)
    {
        var result = new MappedRequest();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var (instance, why, whyText) = Who(resourceMetrics.Resource);
            foreach (var scope in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    if (instance is null)
                    {
                        result.Reject(why, whyText, PointCount(metric));
                        continue;
                    }

                    MapMetric(metric, instance, result);
                }
            }
        }

        return result;
    }

    /// <summary>Remembers the staged cumulative states of an accepted request.</summary>
    public void Commit(MappedRequest request)
    {
        foreach (var (key, point) in request.Updates)
        {
            _streams[key] = point;
        }
    }

    /// <summary>The number of data points of a metric (what a rejection of it counts).</summary>
    internal static int PointCount(Metric metric) => metric.DataCase switch
    {
        Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Count,
        Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Count,
        Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Count,
        Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram.DataPoints.Count,
        Metric.DataOneofCase.Summary => metric.Summary.DataPoints.Count,
        _ => 1,
    };

    /// <summary>The instance a resource's items belong to (<c>system/instance</c> when a system attribute is set), or
    /// why there is none.</summary>
    private (string? Instance, string Reason, string Message) Who(Resource? resource)
    {
        if (Instance(resource) is not { } instance)
        {
            return (null, "no_instance", NoInstance());
        }

        if (_systemAttribute is null)
        {
            return (instance, "", "");
        }

        foreach (var attribute in resource!.Attributes)
        {
            if (attribute.Key == _systemAttribute && Text(attribute.Value) is { Length: > 0 } system)
            {
                return system.Contains('/', StringComparison.Ordinal)
                    ? (null, "no_system", $"the resource's {_systemAttribute} '{system}' holds a '/'")
                    : (system + "/" + instance, "", "");
            }
        }

        return (null, "no_system", $"a resource has no {_systemAttribute} (the attribute that names the system)");
    }

    private string NoInstance() => "a resource has none of the instance attributes " + string.Join(", ", _instanceAttributes);

    private string? Instance(Resource? resource)
    {
        if (resource is null)
        {
            return null;
        }

        foreach (var name in _instanceAttributes)
        {
            foreach (var attribute in resource.Attributes)
            {
                if (attribute.Key == name && Text(attribute.Value) is { Length: > 0 } value)
                {
                    return value;
                }
            }
        }

        return null;
    }

    private Span? ToSpan(OtlpSpan span, string instance, MappedRequest result)
    {
        if (Id(span.TraceId, 16) is not { } traceId)
        {
            result.Reject("invalid_id", Invalid("span", "trace_id", span.TraceId));
            return null;
        }

        if (Id(span.SpanId, 8) is not { } spanId)
        {
            result.Reject("invalid_id", Invalid("span", "span_id", span.SpanId));
            return null;
        }

        string? parent = null;
        if (!span.ParentSpanId.IsEmpty && (parent = Id(span.ParentSpanId, 8)) is null)
        {
            result.Reject("invalid_id", Invalid("span", "parent_span_id", span.ParentSpanId));
            return null;
        }

        if (Time(span.StartTimeUnixNano) is not { } start || Time(span.EndTimeUnixNano) is null)
        {
            result.Reject("invalid_time", string.Create(CultureInfo.InvariantCulture, $"span {traceId}/{spanId} has no valid start or end time ({span.StartTimeUnixNano}, {span.EndTimeUnixNano})"));
            return null;
        }

        var duration = TimeSpan.FromTicks(((long)(span.EndTimeUnixNano / 100)) - ((long)(span.StartTimeUnixNano / 100)));
        var kind = (SpanKind)(int)span.Kind;
        if (!Enum.IsDefined(kind))
        {
            kind = SpanKind.Unspecified;
        }

        return new Span(traceId, spanId, parent, instance, span.Name, start, duration)
        {
            Kind = kind,
            Status = span.Status?.Code switch
            {
                OtlpStatus.Types.StatusCode.Ok => SpanStatus.Ok,
                OtlpStatus.Types.StatusCode.Error => SpanStatus.Error,
                _ => SpanStatus.Unset,
            },
            Attributes = kind is SpanKind.Server or SpanKind.Internal or SpanKind.Consumer ? null : Attributes(span.Attributes, result),
        };
    }

    private Dictionary<string, string>? Attributes(RepeatedField<KeyValue> attributes, MappedRequest result)
    {
        if (attributes.Count == 0)
        {
            return null;
        }

        var kept = new Dictionary<string, string>(Math.Min(attributes.Count, _maxAttributes), StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            if (kept.Count >= _maxAttributes)
            {
                result.DroppedAttributes++;
                continue;
            }

            kept[attribute.Key] = Text(attribute.Value) ?? string.Empty;
        }

        return kept.Count == 0 ? null : kept;
    }

    private static LogRecord? ToLog(OtlpLogRecord log, string instance, MappedRequest result)
    {
        var time = Time(log.TimeUnixNano) ?? Time(log.ObservedTimeUnixNano);
        if (time is null)
        {
            result.Reject("invalid_time", string.Create(CultureInfo.InvariantCulture, $"a log record has neither time_unix_nano nor observed_time_unix_nano ({log.TimeUnixNano}, {log.ObservedTimeUnixNano})"));
            return null;
        }

        string? traceId = null;
        string? spanId = null;
        if (!log.TraceId.IsEmpty && (traceId = Id(log.TraceId, 16)) is null)
        {
            result.Reject("invalid_id", Invalid("log record", "trace_id", log.TraceId));
            return null;
        }

        if (!log.SpanId.IsEmpty && (spanId = Id(log.SpanId, 8)) is null)
        {
            result.Reject("invalid_id", Invalid("log record", "span_id", log.SpanId));
            return null;
        }

        return new LogRecord(instance, time.Value, Text(log.Body) ?? string.Empty)
        {
            // The number is the standard (texts vary: "Information", "Warning" from .NET); the text when there is none.
            Level = LogLevels.FromOtlpSeverity(log.SeverityNumber) ?? (log.SeverityText is { Length: > 0 } text ? text : null),
            TraceId = traceId,
            SpanId = spanId,
        };
    }

    private void MapMetric(Metric metric, string instance, MappedRequest result)
    {
        var name = metric.Name;
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    if (Number(point, name, result) is { } value)
                    {
                        Add(result, instance, name, point.TimeUnixNano, value, 0);
                    }
                }

                break;

            case Metric.DataOneofCase.Sum:
                var sum = metric.Sum;
                foreach (var point in sum.DataPoints)
                {
                    if (Number(point, name, result) is not { } value)
                    {
                        continue;
                    }

                    if (sum.AggregationTemporality == AggregationTemporality.Delta)
                    {
                        Add(result, instance, name, point.TimeUnixNano, value, point.StartTimeUnixNano);
                    }
                    else if (sum.AggregationTemporality == AggregationTemporality.Cumulative && sum.IsMonotonic)
                    {
                        Cumulative(result, instance, name, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, value, double.NaN);
                    }
                    else
                    {
                        // A non-monotonic cumulative sum (an up-down counter) is a level: its value as it is.
                        Add(result, instance, name, point.TimeUnixNano, value, 0);
                    }
                }

                break;

            case Metric.DataOneofCase.Histogram:
                var histogram = metric.Histogram;
                foreach (var point in histogram.DataPoints)
                {
                    Distribution(result, instance, name, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, point.Count, point.HasSum ? point.Sum : null, point.Flags, histogram.AggregationTemporality == AggregationTemporality.Delta);
                }

                break;

            case Metric.DataOneofCase.ExponentialHistogram:
                var exponential = metric.ExponentialHistogram;
                foreach (var point in exponential.DataPoints)
                {
                    Distribution(result, instance, name, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, point.Count, point.HasSum ? point.Sum : null, point.Flags, exponential.AggregationTemporality == AggregationTemporality.Delta);
                }

                break;

            case Metric.DataOneofCase.Summary:
                foreach (var point in metric.Summary.DataPoints)
                {
                    Distribution(result, instance, name, point.Attributes, point.StartTimeUnixNano, point.TimeUnixNano, point.Count, point.Sum, point.Flags, delta: false);
                }

                break;

            default:
                result.Reject("no_data", $"metric '{name}' has no data (gauge, sum, histogram, exponential histogram or summary)");
                break;
        }
    }

    private static double? Number(NumberDataPoint point, string name, MappedRequest result)
    {
        if ((point.Flags & 1) != 0)
        {
            result.Skip("no_recorded_value");
            return null;
        }

        switch (point.ValueCase)
        {
            case NumberDataPoint.ValueOneofCase.AsDouble:
                return point.AsDouble;
            case NumberDataPoint.ValueOneofCase.AsInt:
                return point.AsInt;
            default:
                result.Reject("no_value", $"a data point of metric '{name}' has no value");
                return null;
        }
    }

    private void Distribution(MappedRequest result, string instance, string name, RepeatedField<KeyValue> attributes, ulong start, ulong time, ulong count, double? sum, uint flags, bool delta)
    {
        if ((flags & 1) != 0)
        {
            result.Skip("no_recorded_value");
            return;
        }

        if (sum is null)
        {
            result.Skip("no_sum");
            return;
        }

        if (delta)
        {
            AddDistribution(result, instance, name, time, count, sum.Value, start);
        }
        else
        {
            Cumulative(result, instance, name, attributes, start, time, sum.Value, count);
        }
    }

    /// <summary>Turns a cumulative point into the delta since the stream's last point (staged until the request is accepted).</summary>
    private void Cumulative(MappedRequest result, string instance, string name, RepeatedField<KeyValue> attributes, ulong start, ulong time, double value, double count)
    {
        if (Time(time) is null)
        {
            result.Reject("invalid_time", string.Create(CultureInfo.InvariantCulture, $"a data point of metric '{name}' has no valid time ({time})"));
            return;
        }

        var key = StreamKey(instance, name, attributes);
        var known = result.Updates.TryGetValue(key, out var previous) || _streams.TryGetValue(key, out previous);
        if (!known && _streams.Count + result.Updates.Count >= _maxStreams)
        {
            result.Skip("stream_limit");
            return;
        }

        var point = new CumulativePoint(start, time, value, count);
        var distribution = !double.IsNaN(count);
        if (known && time <= previous.Time)
        {
            result.Skip("out_of_order");
            return;
        }

        result.Updates[key] = point;
        var reset = known && ((start != previous.Start && start > previous.Time) || (distribution ? count < previous.Count : value < previous.Value));
        if (!known || reset)
        {
            // A stream's first point (or the first after a reset) only says what accumulated since its start: after a
            // reset with a new start later than the last point, that interval is used; otherwise it is the baseline.
            if (reset && start > previous.Time && start < time)
            {
                Emit(start, value, count);
            }
            else
            {
                result.Skip("cumulative_baseline");
            }

            return;
        }

        Emit(previous.Time, value - previous.Value, count - previous.Count);

        void Emit(ulong from, double amount, double points)
        {
            if (distribution)
            {
                AddDistribution(result, instance, name, time, (ulong)points, amount, from);
            }
            else
            {
                Add(result, instance, name, time, amount, from);
            }
        }
    }

    private static void AddDistribution(MappedRequest result, string instance, string name, ulong time, ulong count, double sum, ulong start)
    {
        if (count == 0)
        {
            result.Skip("empty_histogram");
            return;
        }

        Add(result, instance, name + ".count", time, count, start);
        Add(result, instance, name + ".mean", time, sum / count, start);
    }

    private static void Add(MappedRequest result, string instance, string name, ulong time, double value, ulong start)
    {
        if (Time(time) is not { } at)
        {
            result.Reject("invalid_time", string.Create(CultureInfo.InvariantCulture, $"a data point of metric '{name}' has no valid time ({time})"));
            return;
        }

        var coverage = start > 0 && start < time ? TimeSpan.FromTicks((long)((time - start) / 100)) : TimeSpan.Zero;
        result.Batch.Metrics.Add(new MetricSample(instance, at, name, value) { Coverage = coverage });
    }

    private static string StreamKey(string instance, string name, RepeatedField<KeyValue> attributes)
    {
        var key = new StringBuilder(instance.Length + name.Length + 2 + (attributes.Count * 16));
        key.Append(instance).Append('\0').Append(name);
        foreach (var attribute in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            key.Append('\0').Append(attribute.Key).Append('=').Append(Text(attribute.Value));
        }

        return key.ToString();
    }

    /// <summary>Nanoseconds since the Unix epoch as a time; <see langword="null"/> for zero or beyond the representable range.</summary>
    internal static DateTimeOffset? Time(ulong nanos)
    {
        if (nanos == 0 || nanos / 100 > (ulong)(DateTimeOffset.MaxValue.UtcTicks - UnixEpochTicks))
        {
            return null;
        }

        return new DateTimeOffset(UnixEpochTicks + (long)(nanos / 100), TimeSpan.Zero);
    }

    /// <summary>An id as lower-case hex, when it has the right length and is not all zeros.</summary>
    internal static string? Id(ByteString id, int length)
    {
        var bytes = id.Span;
        if (bytes.Length != length || !bytes.ContainsAnyExcept((byte)0))
        {
            return null;
        }

        return Convert.ToHexStringLower(bytes);
    }

    private static string Invalid(string what, string field, ByteString value) =>
        string.Create(CultureInfo.InvariantCulture, $"a {what} has an invalid {field} ({value.Length} bytes: {Convert.ToHexStringLower(value.Span[..Math.Min(value.Length, 32)])})");

    /// <summary>An attribute value or log body as text: strings as they are, numbers and booleans invariantly, arrays and maps as JSON-like text, bytes as base64.</summary>
    internal static string? Text(AnyValue? value)
    {
        if (value is null)
        {
            return null;
        }

        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                return value.StringValue;
            case AnyValue.ValueOneofCase.None:
                return null;
            default:
                var text = new StringBuilder();
                Append(text, value);
                return text.ToString();
        }

        static void Append(StringBuilder text, AnyValue value)
        {
            switch (value.ValueCase)
            {
                case AnyValue.ValueOneofCase.StringValue:
                    text.Append(value.StringValue);
                    break;
                case AnyValue.ValueOneofCase.BoolValue:
                    text.Append(value.BoolValue ? "true" : "false");
                    break;
                case AnyValue.ValueOneofCase.IntValue:
                    text.Append(value.IntValue.ToString(CultureInfo.InvariantCulture));
                    break;
                case AnyValue.ValueOneofCase.DoubleValue:
                    text.Append(value.DoubleValue.ToString("R", CultureInfo.InvariantCulture));
                    break;
                case AnyValue.ValueOneofCase.BytesValue:
                    text.Append(value.BytesValue.ToBase64());
                    break;
                case AnyValue.ValueOneofCase.ArrayValue:
                    text.Append('[');
                    for (var i = 0; i < value.ArrayValue.Values.Count; i++)
                    {
                        text.Append(i == 0 ? string.Empty : ",");
                        Append(text, value.ArrayValue.Values[i]);
                    }

                    text.Append(']');
                    break;
                case AnyValue.ValueOneofCase.KvlistValue:
                    text.Append('{');
                    for (var i = 0; i < value.KvlistValue.Values.Count; i++)
                    {
                        var pair = value.KvlistValue.Values[i];
                        text.Append(i == 0 ? string.Empty : ",").Append(pair.Key).Append(':');
                        if (pair.Value is not null)
                        {
                            Append(text, pair.Value);
                        }
                    }

                    text.Append('}');
                    break;
                default:
                    break;
            }
        }
    }
}
