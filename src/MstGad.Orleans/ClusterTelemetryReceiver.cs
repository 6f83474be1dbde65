using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MstGad.Features;
using MstGad.Hosting;

namespace MstGad.Orleans;

/// <summary>
/// The cluster's receiver for the OTLP endpoints of MstGad.AspNetCore (registered as <see cref="ITelemetryReceiver"/>
/// by <see cref="MstGadSiloBuilderExtensions.AddMstGad"/>): splits each batch by system
/// (<see cref="MstGadClusterOptions.Route"/>), queues each part for its system, and a pump per system sends what
/// waited to the system's grain as one delivery, exactly once and in order (<see cref="MstGadClusterSender"/>). A
/// batch is taken whole or refused whole when one of its systems already has
/// <see cref="MstGadClusterOptions.MaxQueuedRecords"/> records waiting on this silo (the endpoints answer
/// 429 / RESOURCE_EXHAUSTED: the client sends it again later). Delivery tags of OTLP clients are not used here: the
/// receiver numbers its own deliveries per system. What waits on this silo is lost with it (counted nowhere else).
/// </summary>
public sealed partial class ClusterTelemetryReceiver : ITelemetryReceiver, IAsyncDisposable
{
    private readonly MstGadClusterOptions _options;
    private readonly MstGadClusterSender _sender;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SystemQueue> _systems = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private int _disposed;

    /// <summary>Creates the receiver (the silo's DI does).</summary>
    /// <param name="grains">The silo's grain factory.</param>
    /// <param name="options">The cluster options.</param>
    /// <param name="logger">Where failures are logged.</param>
    public ClusterTelemetryReceiver(IGrainFactory grains, IOptions<MstGadClusterOptions> options, ILogger<ClusterTelemetryReceiver> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _sender = new MstGadClusterSender(grains, "otlp-" + Guid.NewGuid().ToString("N")[..20]);
    }

    /// <inheritdoc/>
    public ReceiveStatus Receive(TelemetryBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_stopping.IsCancellationRequested)
        {
            return ReceiveStatus.Stopped;
        }

        var parts = RecordParts.Split(batch.Metrics, batch.Logs, batch.Spans, _options.Route);
        lock (_gate)
        {
            foreach (var (system, part) in parts)
            {
                if (_systems.TryGetValue(system, out var queue) && queue.Queued + part.Count > _options.MaxQueuedRecords)
                {
                    queue.Refused += batch.Count;
                    return ReceiveStatus.QueueFull;
                }
            }

            foreach (var (system, part) in parts)
            {
                var queue = _systems.GetOrAdd(system, s => new SystemQueue(s));
                queue.Parts.Enqueue(part);
                queue.Queued += part.Count;
                queue.Received += part.Count;
                queue.Pump ??= Task.Run(() => PumpAsync(queue));
                queue.Signal.Release();
            }
        }

        return ReceiveStatus.Accepted;
    }

    /// <summary>Per system: records received, waiting on this silo, sent to the grain, refused, and failed.</summary>
    /// <returns>The counts, by system.</returns>
    public IReadOnlyDictionary<string, ClusterReceiverCounts> GetCounts()
    {
        lock (_gate)
        {
            return _systems.ToDictionary(p => p.Key, p => new ClusterReceiverCounts(p.Value.Received, p.Value.Queued, p.Value.Sent, p.Value.Refused, p.Value.Failed), StringComparer.Ordinal);
        }
    }

    /// <summary>Waits until every record received so far is in its system's checkpoint.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            bool empty;
            lock (_gate)
            {
                empty = _systems.Values.All(q => q.Queued == 0 && !q.Sending);
            }

            if (empty)
            {
                break;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        await _sender.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the pumps (what still waits is counted as failed).</summary>
    /// <returns>A task.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var queue in _systems.Values)
        {
            queue.Signal.Release();
            if (queue.Pump is { } pump)
            {
                await pump.ConfigureAwait(false);
            }
        }

        _stopping.Dispose();
    }

    private async Task PumpAsync(SystemQueue queue)
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await queue.Signal.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var delivery = new RecordParts();
            lock (_gate)
            {
                while (delivery.Count < _options.MaxDeliveryRecords && queue.Parts.TryDequeue(out var part))
                {
                    delivery.Metrics.AddRange(part.Metrics);
                    delivery.Logs.AddRange(part.Logs);
                    delivery.Spans.AddRange(part.Spans);
                }

                queue.Queued -= delivery.Count;
                queue.Sending = delivery.Count > 0;
            }

            if (delivery.Count == 0)
            {
                continue;
            }

            try
            {
                await _sender.SendAsync(queue.System, delivery.Metrics, delivery.Logs, delivery.Spans, _stopping.Token).ConfigureAwait(false);
                lock (_gate)
                {
                    queue.Sent += delivery.Count;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                lock (_gate)
                {
                    queue.Failed += delivery.Count;
                }

                LogSendFailed(ex, queue.System, delivery.Count);
            }
            finally
            {
                lock (_gate)
                {
                    queue.Sending = false;
                }
            }
        }

        lock (_gate)
        {
            queue.Failed += queue.Queued;
            queue.Queued = 0;
        }
    }

    [LoggerMessage(1, LogLevel.Error, "System {System}: {Records} records could not be delivered to its grain")]
    private partial void LogSendFailed(Exception exception, string system, int records);

    private sealed class SystemQueue(string system)
    {
        public string System { get; } = system;

        public ConcurrentQueue<RecordParts> Parts { get; } = new();

        public SemaphoreSlim Signal { get; } = new(0);

        public Task? Pump { get; set; }

        public long Queued { get; set; }

        public long Received { get; set; }

        public long Sent { get; set; }

        public long Refused { get; set; }

        public long Failed { get; set; }

        public bool Sending { get; set; }
    }
}

/// <summary>What the cluster's receiver on one silo did for one system.</summary>
/// <param name="Received">Records taken.</param>
/// <param name="Queued">Records waiting on this silo.</param>
/// <param name="Sent">Records the system's grain has.</param>
/// <param name="Refused">Records of batches refused because the system's queue was full.</param>
/// <param name="Failed">Records that could not be delivered (logged), or still waiting when the receiver stopped.</param>
public sealed record ClusterReceiverCounts(long Received, long Queued, long Sent, long Refused, long Failed);
