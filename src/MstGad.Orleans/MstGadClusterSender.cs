using MstGad.Features;
using MstGad.Hosting;

namespace MstGad.Orleans;

/// <summary>
/// Sends records to monitored systems' grains exactly once and in order, surviving the loss of silos: every delivery
/// is numbered per system, kept until a receipt says it is in a checkpoint, and sent again when a grain was lost
/// after accepting it (its next activation restores the checkpoint and asks for everything after it). Calls that fail
/// because a silo is gone are retried with a growing pause. Thread-safe; deliveries to one system go one at a time.
/// </summary>
public sealed class MstGadClusterSender
{
    private readonly IGrainFactory _grains;
    private readonly Dictionary<string, SystemQueue> _systems = new(StringComparer.Ordinal);

    /// <summary>Creates a sender.</summary>
    /// <param name="grains">The cluster client's grain factory.</param>
    /// <param name="sender">This sender's id, stable across restarts of a sender that keeps its unacknowledged
    /// deliveries (1 to 128 letters, digits, '-', '_', '.', ':').</param>
    /// <exception cref="ArgumentException">An unusable sender id.</exception>
    public MstGadClusterSender(IGrainFactory grains, string sender)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(sender);
        if (!DeliveryTag.IsSender(sender))
        {
            throw new ArgumentException($"'{sender}' is not a usable sender id (1 to 128 letters, digits, '-', '_', '.', ':').", nameof(sender));
        }

        _grains = grains;
        Sender = sender;
    }

    /// <summary>This sender's id.</summary>
    public string Sender { get; }

    /// <summary>How many times a failing call is tried before the failure is thrown.</summary>
    /// <value>Default 60 (with pauses from 50 ms growing to 1 s: about a minute, longer than a silo's loss takes to be noticed).</value>
    public int MaxAttempts { get; init; } = 60;

    /// <summary>Sends one delivery of records to a system's grain and waits until the grain has them (with every
    /// earlier delivery of this sender to that system).</summary>
    /// <param name="system">The system.</param>
    /// <param name="metrics">Metric samples.</param>
    /// <param name="logs">Log records.</param>
    /// <param name="spans">Spans.</param>
    /// <param name="cancellationToken">Cancels the wait (the delivery stays queued and goes with the next one).</param>
    /// <returns>The grain's receipt.</returns>
    public async Task<IngestReceipt> SendAsync(string system, IReadOnlyList<MetricSample> metrics, IReadOnlyList<LogRecord> logs, IReadOnlyList<Span> spans, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(system);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(spans);
        SystemQueue queue;
        lock (_systems)
        {
            if (!_systems.TryGetValue(system, out queue!))
            {
                queue = new SystemQueue(system);
                _systems.Add(system, queue);
            }
        }

        await queue.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sequence = queue.Next++;
            queue.Pending.Add(sequence, new Pending(new TelemetryDelivery { Sender = Sender, Sequence = sequence, Metrics = metrics, Logs = logs, Spans = spans }));
            queue.Sent = queue.Sent.Add(metrics.Count + logs.Count + spans.Count);
            return (await DrainAsync(queue, cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            queue.Gate.Release();
        }
    }

    /// <summary>Waits until every delivery sent so far is in its system's checkpoint: asks each grain with
    /// unacknowledged deliveries to write one, and sends again what a lost activation had not checkpointed. Call it
    /// before forgetting the sender (at shutdown), or to bound what it holds.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        List<SystemQueue> queues;
        lock (_systems)
        {
            queues = [.. _systems.Values];
        }

        foreach (var queue in queues)
        {
            await queue.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var grain = _grains.GetGrain<IMonitoredSystemGrain>(queue.System);
                while (true)
                {
                    lock (queue.Pending)
                    {
                        if (queue.Pending.Count == 0)
                        {
                            break;
                        }
                    }

                    await DrainAsync(queue, cancellationToken).ConfigureAwait(false);
                    var receipt = await CallAsync(queue, () => grain.FlushAsync(Sender), cancellationToken).ConfigureAwait(false);
                    lock (queue.Pending)
                    {
                        Apply(queue, null, receipt);
                    }
                }
            }
            finally
            {
                queue.Gate.Release();
            }
        }
    }

    /// <summary>Per system: what this sender sent, sent again after a loss, and still holds unacknowledged.</summary>
    /// <returns>The report, by system.</returns>
    public IReadOnlyDictionary<string, SenderReport> GetReport()
    {
        lock (_systems)
        {
            return _systems.ToDictionary(
                p => p.Key,
                p =>
                {
                    var q = p.Value;
                    lock (q.Pending)
                    {
                        return new SenderReport(q.Sent, q.Resent, q.Pending.Count, q.Pending.Values.Sum(d => (long)d.Delivery.Count), q.Retries);
                    }
                },
                StringComparer.Ordinal);
        }
    }

    private async Task<IngestReceipt?> DrainAsync(SystemQueue queue, CancellationToken cancellationToken)
    {
        var grain = _grains.GetGrain<IMonitoredSystemGrain>(queue.System);
        IngestReceipt? last = null;
        while (true)
        {
            Pending? next;
            lock (queue.Pending)
            {
                next = queue.Pending.Values.FirstOrDefault(p => p.AcceptedBy is null);
            }

            if (next is null)
            {
                return last;
            }

            var delivery = next.Delivery;
            if (next.Lost)
            {
                delivery = new TelemetryDelivery { Sender = delivery.Sender, Sequence = delivery.Sequence, Resent = true, Metrics = delivery.Metrics, Logs = delivery.Logs, Spans = delivery.Spans };
            }

            var receipt = await CallAsync(queue, () => grain.IngestAsync(delivery), cancellationToken).ConfigureAwait(false);
            last = receipt;
            lock (queue.Pending)
            {
                Apply(queue, next, receipt);
            }

            if (receipt.Status == IngestStatus.Busy)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Calls a grain, trying again (with a growing pause) while the failure is one another try can cure.</summary>
    private async Task<IngestReceipt> CallAsync(SystemQueue queue, Func<Task<IngestReceipt>> call, CancellationToken cancellationToken)
    {
        for (var failures = 1; ; failures++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && failures < MaxAttempts)
            {
                queue.Retries++;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * failures)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Apply(SystemQueue queue, Pending? sent, IngestReceipt receipt)
    {
        if (queue.Incarnation is { } known && known != receipt.Incarnation)
        {
            // The grain was activated again: what the old activation accepted after its last checkpoint is gone.
            foreach (var p in queue.Pending.Values)
            {
                if (p.AcceptedBy is { } by && by != receipt.Incarnation && p.Delivery.Sequence >= receipt.Checkpointed)
                {
                    Lose(queue, p);
                }
            }
        }

        queue.Incarnation = receipt.Incarnation;
        switch (receipt.Status)
        {
            case IngestStatus.Accepted or IngestStatus.Duplicate when sent is not null:
                sent.AcceptedBy = receipt.Incarnation;
                break;
            case IngestStatus.Gap:
                foreach (var p in queue.Pending.Values)
                {
                    if (p.Delivery.Sequence >= receipt.Expected && p.AcceptedBy is not null)
                    {
                        Lose(queue, p);
                    }
                }

                break;
        }

        foreach (var sequence in queue.Pending.Keys.Where(s => s < receipt.Checkpointed).ToList())
        {
            queue.Pending.Remove(sequence);
        }
    }

    private static void Lose(SystemQueue queue, Pending p)
    {
        p.AcceptedBy = null;
        if (!p.Lost)
        {
            p.Lost = true;
            queue.Resent = queue.Resent.Add(p.Delivery.Count);
        }
    }

    /// <summary>Failures that another try can cure: a silo gone or not yet known to be gone, a call that timed out.</summary>
    private static bool IsTransient(Exception ex) =>
        ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or global::Orleans.Runtime.Messaging.ConnectionFailedException
            or GatewayTooBusyException or ClientNotAvailableException or OrleansException { InnerException: not null and (SiloUnavailableException or TimeoutException) };

    private sealed class SystemQueue(string system)
    {
        public string System { get; } = system;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public SortedDictionary<long, Pending> Pending { get; } = [];

        public long Next { get; set; }

        public Guid? Incarnation { get; set; }

        public Tally Sent { get; set; }

        public Tally Resent { get; set; }

        public long Retries { get; set; }
    }

    private sealed class Pending(TelemetryDelivery delivery)
    {
        public TelemetryDelivery Delivery { get; } = delivery;

        public Guid? AcceptedBy { get; set; }

        public bool Lost { get; set; }
    }
}

/// <summary>What a <see cref="MstGadClusterSender"/> did for one system.</summary>
/// <param name="Sent">Deliveries sent (each counted once), and their records.</param>
/// <param name="Resent">Of them, those sent again because the grain that had accepted them was lost before its next
/// checkpoint: the records a lost silo lost, recovered.</param>
/// <param name="Unacknowledged">Deliveries held because no checkpoint has them yet.</param>
/// <param name="UnacknowledgedRecords">Their records.</param>
/// <param name="Retries">Calls tried again after a failure (a silo gone or slow).</param>
public sealed record SenderReport(Tally Sent, Tally Resent, int Unacknowledged, long UnacknowledgedRecords, long Retries);
