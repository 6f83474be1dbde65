using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace MstGad.Orleans;

/// <summary>Splits batches by system and forwards each part (<see cref="ITelemetryRouterGrain"/>).</summary>
[StatelessWorker]
internal sealed class TelemetryRouterGrain(IOptions<MstGadClusterOptions> options, DeliveriesInFlight inFlight) : Grain, ITelemetryRouterGrain
{
    private readonly MstGadClusterOptions _options = options.Value;

    public async Task<IReadOnlyDictionary<string, IngestReceipt>> RouteAsync(TelemetryDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var parts = RecordParts.Split(delivery.Metrics, delivery.Logs, delivery.Spans, _options.Route);
        var calls = parts.Select(async p =>
        {
            var (system, part) = p;
            if (!inFlight.TryEnter(system, _options.MaxDeliveriesInFlight))
            {
                return (system, new IngestReceipt(IngestStatus.Busy, 0, 0, Guid.Empty));
            }

            try
            {
                var grain = GrainFactory.GetGrain<IMonitoredSystemGrain>(system);
                return (system, await grain.IngestAsync(new TelemetryDelivery { Metrics = part.Metrics, Logs = part.Logs, Spans = part.Spans }).ConfigureAwait(true));
            }
            finally
            {
                inFlight.Exit(system);
            }
        });
        var receipts = await Task.WhenAll(calls).ConfigureAwait(true);
        return receipts.ToDictionary(r => r.system, r => r.Item2, StringComparer.Ordinal);
    }
}

/// <summary>Per system, the deliveries this silo has on their way to its grain (the back-pressure of the router).</summary>
internal sealed class DeliveriesInFlight
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public bool TryEnter(string system, int limit)
    {
        while (true)
        {
            var current = _counts.GetOrAdd(system, 0);
            if (current >= limit)
            {
                return false;
            }

            if (_counts.TryUpdate(system, current + 1, current))
            {
                return true;
            }
        }
    }

    public void Exit(string system) => _counts.AddOrUpdate(system, 0, (_, count) => count - 1);

    public int this[string system] => _counts.GetValueOrDefault(system);
}
