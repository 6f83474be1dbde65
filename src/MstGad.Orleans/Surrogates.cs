using MstGad.Features;

namespace MstGad.Orleans;

// Orleans' own binary codecs for the three record types of the hot path (the library's types know nothing of
// Orleans): each converts to a struct surrogate with generated serialization and back.

/// <summary>The wire form of a <see cref="MetricSample"/>.</summary>
[GenerateSerializer]
[Alias("MstGad.Orleans.MetricSurrogate")]
internal struct MetricSurrogate
{
    [Id(0)] public string Instance;
    [Id(1)] public DateTimeOffset Time;
    [Id(2)] public string Name;
    [Id(3)] public double Value;
    [Id(4)] public TimeSpan Coverage;
}

/// <summary>Converts <see cref="MetricSample"/> to and from its wire form.</summary>
[RegisterConverter]
internal sealed class MetricConverter : IConverter<MetricSample, MetricSurrogate>
{
    public MetricSample ConvertFromSurrogate(in MetricSurrogate surrogate) =>
        new(surrogate.Instance, surrogate.Time, surrogate.Name, surrogate.Value) { Coverage = surrogate.Coverage };

    public MetricSurrogate ConvertToSurrogate(in MetricSample value) => new()
    {
        Instance = value.Instance,
        Time = value.Time,
        Name = value.Name,
        Value = value.Value,
        Coverage = value.Coverage,
    };
}

/// <summary>The wire form of a <see cref="LogRecord"/>.</summary>
[GenerateSerializer]
[Alias("MstGad.Orleans.LogSurrogate")]
internal struct LogSurrogate
{
    [Id(0)] public string Instance;
    [Id(1)] public DateTimeOffset Time;
    [Id(2)] public string Message;
    [Id(3)] public string? Level;
    [Id(4)] public string? TraceId;
    [Id(5)] public string? SpanId;
}

/// <summary>Converts <see cref="LogRecord"/> to and from its wire form.</summary>
[RegisterConverter]
internal sealed class LogConverter : IConverter<LogRecord, LogSurrogate>
{
    public LogRecord ConvertFromSurrogate(in LogSurrogate surrogate) =>
        new(surrogate.Instance, surrogate.Time, surrogate.Message) { Level = surrogate.Level, TraceId = surrogate.TraceId, SpanId = surrogate.SpanId };

    public LogSurrogate ConvertToSurrogate(in LogRecord value) => new()
    {
        Instance = value.Instance,
        Time = value.Time,
        Message = value.Message,
        Level = value.Level,
        TraceId = value.TraceId,
        SpanId = value.SpanId,
    };
}

/// <summary>The wire form of a <see cref="Span"/>.</summary>
[GenerateSerializer]
[Alias("MstGad.Orleans.SpanSurrogate")]
internal struct SpanSurrogate
{
    [Id(0)] public string TraceId;
    [Id(1)] public string SpanId;
    [Id(2)] public string? ParentSpanId;
    [Id(3)] public string Instance;
    [Id(4)] public string Operation;
    [Id(5)] public DateTimeOffset Start;
    [Id(6)] public TimeSpan Duration;
    [Id(7)] public SpanStatus Status;
    [Id(8)] public SpanKind Kind;
    [Id(9)] public Dictionary<string, string>? Attributes;
}

/// <summary>Converts <see cref="Span"/> to and from its wire form.</summary>
[RegisterConverter]
internal sealed class SpanConverter : IConverter<Span, SpanSurrogate>
{
    public Span ConvertFromSurrogate(in SpanSurrogate surrogate) =>
        new(surrogate.TraceId, surrogate.SpanId, surrogate.ParentSpanId, surrogate.Instance, surrogate.Operation, surrogate.Start, surrogate.Duration)
        {
            Status = surrogate.Status,
            Kind = surrogate.Kind,
            Attributes = surrogate.Attributes,
        };

    public SpanSurrogate ConvertToSurrogate(in Span value) => new()
    {
        TraceId = value.TraceId,
        SpanId = value.SpanId,
        ParentSpanId = value.ParentSpanId,
        Instance = value.Instance,
        Operation = value.Operation,
        Start = value.Start,
        Duration = value.Duration,
        Status = value.Status,
        Kind = value.Kind,
        Attributes = value.Attributes is null ? null : new Dictionary<string, string>(value.Attributes, StringComparer.Ordinal),
    };
}
