namespace MstGad.Features;

/// <summary>
/// A source of recorded telemetry (files in some layout). Each read streams its records and counts
/// what it read and skipped in <see cref="Report"/>.
/// </summary>
public interface ITelemetrySource
{
    /// <summary>What was read and skipped so far, per kind of record.</summary>
    TelemetryReadReport Report { get; }

    /// <summary>Streams the metric samples.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The samples, in no guaranteed order.</returns>
    IAsyncEnumerable<MetricSample> ReadMetricsAsync(CancellationToken cancellationToken = default);

    /// <summary>Streams the log records.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The records, in no guaranteed order.</returns>
    IAsyncEnumerable<LogRecord> ReadLogsAsync(CancellationToken cancellationToken = default);

    /// <summary>Streams the spans (duplicates included: de-duplication is the consumer's job).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The spans, in no guaranteed order.</returns>
    IAsyncEnumerable<Span> ReadSpansAsync(CancellationToken cancellationToken = default);

    /// <summary>Streams the fault labels (empty when the source has none).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The labels.</returns>
    IAsyncEnumerable<FaultLabel> ReadFaultsAsync(CancellationToken cancellationToken = default);
}
