namespace MstGad.Features;

/// <summary>Reading a whole <see cref="ITelemetrySource"/>: into an aggregator, or record by record.</summary>
public static class TelemetrySources
{
    /// <summary>Reads every record of a source into an aggregator (metrics, then logs, then spans) and returns the faults.</summary>
    /// <param name="source">The source.</param>
    /// <param name="aggregator">The aggregator.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The fault labels of the source.</returns>
    public static Task<IReadOnlyList<FaultLabel>> LoadAsync(ITelemetrySource source, TelemetryAggregator aggregator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(aggregator);
        return ReadAsync(source, m => aggregator.Add(m), aggregator.Add, aggregator.Add, cancellationToken);
    }

    /// <summary>Reads every record of a source, metrics, then logs, then spans, and returns the faults.</summary>
    /// <param name="source">The source.</param>
    /// <param name="metric">Receives each metric sample.</param>
    /// <param name="log">Receives each log record.</param>
    /// <param name="span">Receives each span.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The fault labels of the source.</returns>
    public static async Task<IReadOnlyList<FaultLabel>> ReadAsync(ITelemetrySource source, Action<MetricSample> metric, Action<LogRecord> log, Action<Span> span, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(span);
        await foreach (var sample in source.ReadMetricsAsync(cancellationToken).ConfigureAwait(false))
        {
            metric(sample);
        }

        await foreach (var record in source.ReadLogsAsync(cancellationToken).ConfigureAwait(false))
        {
            log(record);
        }

        await foreach (var s in source.ReadSpansAsync(cancellationToken).ConfigureAwait(false))
        {
            span(s);
        }

        var faults = new List<FaultLabel>();
        await foreach (var fault in source.ReadFaultsAsync(cancellationToken).ConfigureAwait(false))
        {
            faults.Add(fault);
        }

        return faults;
    }
}
