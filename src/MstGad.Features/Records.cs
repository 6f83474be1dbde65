namespace MstGad.Features;

/// <summary>One metric value of one instance at one time.</summary>
/// <param name="Instance">The raw instance name as the source reports it (for example a pod name).</param>
/// <param name="Time">The sample time (UTC).</param>
/// <param name="Name">The metric name.</param>
/// <param name="Value">The value; readers never produce NaN or infinities (they count and skip them).</param>
public readonly record struct MetricSample(string Instance, DateTimeOffset Time, string Name, double Value)
{
    /// <summary>
    /// The period the sample summarises, ending at <see cref="Time"/>: a sample that covers
    /// <c>[Time − Coverage, Time)</c> contributes to every step that period overlaps. Zero (the
    /// default) for a point sample, which contributes to the step that contains <see cref="Time"/>.
    /// </summary>
    /// <value>Default <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan Coverage { get; init; }
}

/// <summary>One log line of one instance.</summary>
/// <param name="Instance">The raw instance name.</param>
/// <param name="Time">The event time (UTC).</param>
/// <param name="Message">The message text that the log parser sees.</param>
public sealed record LogRecord(string Instance, DateTimeOffset Time, string Message)
{
    /// <summary>The level (for example <c>INFO</c>, <c>WARN</c>, <c>ERROR</c>), when known.</summary>
    public string? Level { get; init; }

    /// <summary>The trace id the line belongs to, when known.</summary>
    public string? TraceId { get; init; }

    /// <summary>The span id the line belongs to, when known.</summary>
    public string? SpanId { get; init; }
}

/// <summary>The status of a span.</summary>
public enum SpanStatus
{
    /// <summary>Not reported.</summary>
    Unset = 0,

    /// <summary>Completed successfully.</summary>
    Ok = 1,

    /// <summary>Failed.</summary>
    Error = 2,
}

/// <summary>The role of a span in a call (OpenTelemetry span kinds).</summary>
public enum SpanKind
{
    /// <summary>Not reported.</summary>
    Unspecified = 0,

    /// <summary>An internal operation.</summary>
    Internal = 1,

    /// <summary>The server side of a call.</summary>
    Server = 2,

    /// <summary>The client side of a call.</summary>
    Client = 3,

    /// <summary>A message producer.</summary>
    Producer = 4,

    /// <summary>A message consumer.</summary>
    Consumer = 5,
}

/// <summary>One span of a trace.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="SpanId">The span id, unique within the trace.</param>
/// <param name="ParentSpanId">The parent span id, or <see langword="null"/> for a root span.</param>
/// <param name="Instance">The raw name of the instance that recorded the span.</param>
/// <param name="Operation">The operation (request type) name.</param>
/// <param name="Start">The start time (UTC).</param>
/// <param name="Duration">The duration; never negative (readers count and skip such spans).</param>
public sealed record Span(string TraceId, string SpanId, string? ParentSpanId, string Instance, string Operation, DateTimeOffset Start, TimeSpan Duration)
{
    /// <summary>The end time.</summary>
    public DateTimeOffset End => Start + Duration;

    /// <summary>The status, when reported.</summary>
    public SpanStatus Status { get; init; }

    /// <summary>The kind, when reported.</summary>
    public SpanKind Kind { get; init; }

    /// <summary>Extra attributes, when reported.</summary>
    public IReadOnlyDictionary<string, string>? Attributes { get; init; }
}

/// <summary>What a fault label names.</summary>
public enum FaultTarget
{
    /// <summary>A single instance (pod, container, host).</summary>
    Instance = 0,

    /// <summary>A whole service: every instance whose key maps to it.</summary>
    Service = 1,
}

/// <summary>A labelled fault: the target was abnormal from <see cref="Start"/> for <see cref="Duration"/>.</summary>
/// <param name="Target">The raw instance name or the service name.</param>
/// <param name="Start">When the fault began (UTC).</param>
/// <param name="Duration">How long it lasted.</param>
/// <param name="Type">The fault type (for example <c>cpu_contention</c>).</param>
public sealed record FaultLabel(string Target, DateTimeOffset Start, TimeSpan Duration, string Type)
{
    /// <summary>The end of the fault.</summary>
    public DateTimeOffset End => Start + Duration;

    /// <summary>Whether <see cref="Target"/> is an instance or a service.</summary>
    /// <value>Default <see cref="FaultTarget.Instance"/>.</value>
    public FaultTarget TargetKind { get; init; }
}
