using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MstGad.Features;
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
        var parts = new Dictionary<string, (List<MetricSample> Metrics, List<LogRecord> Logs, List<Span> Spans)>(StringComparer.Ordinal);
        (List<MetricSample> Metrics, List<LogRecord> Logs, List<Span> Spans) Part(string instance)
        {
            var system = _options.SystemOf(instance);
            if (!parts.TryGetValue(system, out var part))
            {
                part = ([], [], []);
                parts.Add(system, part);
            }

            return part;
        }

        foreach (var sample in delivery.Metrics)
        {
            Part(sample.Instance).Metrics.Add(sample);
        }

        foreach (var log in delivery.Logs)
        {
            Part(log.Instance).Logs.Add(log);
        }

        foreach (var span in delivery.Spans)
        {
            Part(span.Instance).Spans.Add(span);
        }

        var calls = parts.Select(async p =>
        {
            var (system, (metrics, logs, spans)) = p;
            if (!inFlight.TryEnter(system, _options.MaxDeliveriesInFlight))
            {
                return (system, new IngestReceipt(IngestStatus.Busy, 0, 0, Guid.Empty));
            }

            try
            {
                var grain = GrainFactory.GetGrain<IMonitoredSystemGrain>(system);
                return (system, await grain.IngestAsync(new TelemetryDelivery { Metrics = metrics, Logs = logs, Spans = spans }).ConfigureAwait(true));
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
