using System.Runtime.CompilerServices;
using MstGad.Features;

namespace MstGad.Cli;

/// <summary>
/// A telemetry source that passes every metric sample, log record and span of another source through
/// unchanged but leaves some fault labels out: the faults still happened and show in the telemetry, only
/// nobody labelled them. <see cref="Detector.FitAsync"/> then treats their time as normal.
/// </summary>
/// <remarks>
/// <see cref="Report"/> is the inner source's: its fault count includes the labels left out here.
/// </remarks>
internal sealed class HiddenLabelsSource : ITelemetrySource
{
    private readonly ITelemetrySource _inner;
    private readonly Func<FaultLabel, bool> _hide;

    /// <param name="inner">The source (not owned).</param>
    /// <param name="hide">Whether a label is left out.</param>
    public HiddenLabelsSource(ITelemetrySource inner, Func<FaultLabel, bool> hide)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(hide);
        _inner = inner;
        _hide = hide;
    }

    /// <inheritdoc/>
    public TelemetryReadReport Report => _inner.Report;

    /// <summary>A source without the labels whose <see cref="FaultLabel.Type"/> is one of <paramref name="types"/> (compared ordinally).</summary>
    public static HiddenLabelsSource WithoutTypes(ITelemetrySource inner, IEnumerable<string> types)
    {
        var hidden = new HashSet<string>(types, StringComparer.Ordinal);
        return new HiddenLabelsSource(inner, label => hidden.Contains(label.Type));
    }

    /// <summary>A source without any label.</summary>
    public static HiddenLabelsSource WithoutLabels(ITelemetrySource inner) => new(inner, _ => true);

    /// <inheritdoc/>
    public IAsyncEnumerable<MetricSample> ReadMetricsAsync(CancellationToken cancellationToken = default) => _inner.ReadMetricsAsync(cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<LogRecord> ReadLogsAsync(CancellationToken cancellationToken = default) => _inner.ReadLogsAsync(cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<Span> ReadSpansAsync(CancellationToken cancellationToken = default) => _inner.ReadSpansAsync(cancellationToken);

    /// <summary>The inner source's labels that are not hidden, in its order.</summary>
    public async IAsyncEnumerable<FaultLabel> ReadFaultsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var label in _inner.ReadFaultsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!_hide(label))
            {
                yield return label;
            }
        }
    }
}
