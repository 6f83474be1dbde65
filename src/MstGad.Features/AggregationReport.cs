using System.Globalization;

namespace MstGad.Features;

/// <summary>What a <see cref="TelemetryAggregator"/> used, and what it did not use and why.</summary>
public sealed class AggregationReport
{
    /// <summary>Metric samples used.</summary>
    public long MetricsUsed { get; internal set; }

    /// <summary>Metric samples not used: NaN or infinite value.</summary>
    public long MetricsNotFinite { get; internal set; }

    /// <summary>Metric samples not used: later than the lateness bound, or for a step already closed.</summary>
    public long MetricsLate { get; internal set; }

    /// <summary>Metric samples not used: a time or coverage outside the representable times, or a coverage over more than 10,000 steps.</summary>
    public long MetricsOutOfRange { get; internal set; }

    /// <summary>Log records used.</summary>
    public long LogsUsed { get; internal set; }

    /// <summary>Log records not used: later than the lateness bound, or for a step already closed.</summary>
    public long LogsLate { get; internal set; }

    /// <summary>Log records not used: a time whose step is outside the representable times.</summary>
    public long LogsOutOfRange { get; internal set; }

    /// <summary>Unique spans used.</summary>
    public long SpansUsed { get; internal set; }

    /// <summary>Spans not used: the same trace and span id was seen before.</summary>
    public long SpansDuplicate { get; internal set; }

    /// <summary>Spans not used: negative duration.</summary>
    public long SpansNegativeDuration { get; internal set; }

    /// <summary>Spans not used: later than the lateness bound, or ending in a step already closed.</summary>
    public long SpansLate { get; internal set; }

    /// <summary>Spans not used: the end (start + duration) or its step is outside the representable times.</summary>
    public long SpansOutOfRange { get; internal set; }

    /// <summary>Used spans without a parent (no caller, so no edge).</summary>
    public long SpansRoot { get; internal set; }

    /// <summary>Used spans whose parent had not arrived when their step was sealed (no edge).</summary>
    public long SpansOrphan { get; internal set; }

    /// <summary>
    /// Calls recorded on edges: calls between instances (a client span and the callee's server span as one call),
    /// internal work on self-edges, and calls to peers that record no spans.
    /// </summary>
    public long Edges { get; internal set; }

    /// <summary>Calls recorded with both sides: a span whose parent was recorded by another instance (or, with span kinds, a server span of a client span).</summary>
    public long CallPairs { get; internal set; }

    /// <summary>Client spans whose callee recorded no span by the time their step was sealed: recorded on an edge to a peer node (a database, cache, queue or external service).</summary>
    public long SpansToPeers { get; internal set; }

    /// <summary>Calls whose client-observed duration was shorter than the server-observed one (their difference is recorded as 0).</summary>
    public long NegativeGaps { get; internal set; }

    /// <summary>A copy (later changes to either do not affect the other).</summary>
    /// <returns>The copy.</returns>
    public AggregationReport Clone() => (AggregationReport)MemberwiseClone();

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"metrics {MetricsUsed} used, {MetricsNotFinite} not finite, {MetricsLate} late, {MetricsOutOfRange} out of range; logs {LogsUsed} used, {LogsLate} late, {LogsOutOfRange} out of range; " +
        $"spans {SpansUsed} used ({SpansRoot} roots, {SpansOrphan} orphans, {Edges} calls: {CallPairs} client/server pairs, {SpansToPeers} to peers, {NegativeGaps} negative differences), " +
        $"{SpansDuplicate} duplicates, {SpansNegativeDuration} negative, {SpansLate} late, {SpansOutOfRange} out of range");
}
