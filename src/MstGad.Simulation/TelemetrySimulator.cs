using System.Runtime.CompilerServices;
using MstGad.Features;

namespace MstGad.Simulation;

/// <summary>
/// A seeded simulator of a microservice system that emits the same records as real telemetry —
/// metric samples, log lines and spans — with labelled injected faults. It is the library's
/// embedded default: a first run needs no data.
/// </summary>
/// <remarks>
/// <para>
/// The system: services with replicas named like Kubernetes pods (<c>ts-order-service-5dc8d4f9fd-46997</c>,
/// so <see cref="InstanceKey.KubernetesWorkload"/> maps them to their service), a call graph from the
/// entry service <c>ts-ui-dashboard</c>, user requests at a rate with a daily pattern and noise. Each
/// request is a trace: a server span on every instance it reaches and a client span on the caller for
/// every call (the server span's parent). Services log a line per request from a handful of templates
/// with variable ids and durations, plus health checks and scheduled jobs; every instance reports CPU,
/// memory, disk, network and request-rate metrics every <see cref="SimulationOptions.MetricInterval"/>.
/// Faults show in the modalities listed on <see cref="FaultKind"/>.
/// </para>
/// <para>
/// Records are generated lazily, one metric interval at a time, and each read streams its kind in time
/// order (metric samples by time, logs by time, spans by start) with memory bounded by one interval's
/// records. Every read of a simulator gives the same records, and so do two simulators with equal
/// options. The simulator is safe to read from several threads at once.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var simulator = new TelemetrySimulator(new SimulationOptions { Seed = 7, Duration = TimeSpan.FromHours(2), FaultCount = 5 });
/// await foreach (var span in simulator.ReadSpansAsync())
/// {
///     // span.TraceId, span.ParentSpanId, span.Instance, span.Operation, span.Start, span.Duration, span.Status
/// }
///
/// foreach (var fault in simulator.Faults)
/// {
///     Console.WriteLine($"{fault.Start:t} {fault.Type} on {fault.Target}");
/// }
/// </code>
/// </example>
public sealed class TelemetrySimulator : ITelemetrySource
{
    private readonly SimulatedWorld _world;
    private long _peakBuffered;

    /// <summary>Creates a simulator.</summary>
    /// <param name="options">The settings (validated and copied); <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">A setting is not valid, or a scheduled fault names no instance or
    /// service of the system; the message lists every problem.</exception>
    public TelemetrySimulator(SimulationOptions? options = null)
    {
        options = (options ?? new SimulationOptions()).Clone();
        options.ThrowIfInvalid();
        var topology = Topology.Create(options.Services, options.Replicas);
        var faults = options.Faults.Count > 0 ? ResolveSchedule(options, topology) : RandomSchedule(options, topology);
        _world = new SimulatedWorld(options, topology, faults);
        Services = Array.AsReadOnly(topology.Services.Select(s => s.Name).ToArray());
        Instances = Array.AsReadOnly(topology.Instances.Select(i => i.Name).ToArray());
        Calls = Array.AsReadOnly(topology.Services.SelectMany(s => s.Callees.Select(c => (s.Name, topology.Services[c].Name))).ToArray());
        Faults = Array.AsReadOnly(faults.Select(f => f.Fault).ToArray());
    }

    /// <summary>The names of the metrics every instance reports: <c>cpu_usage_cores</c>,
    /// <c>memory_working_set_mb</c>, <c>disk_read_kb_per_s</c>, <c>disk_write_kb_per_s</c>,
    /// <c>disk_io_wait_percent</c>, <c>network_receive_kb_per_s</c>, <c>network_transmit_kb_per_s</c>,
    /// <c>http_requests_per_s</c>.</summary>
    public static IReadOnlyList<string> MetricNames => SimulatedMetrics.All;

    /// <inheritdoc/>
    /// <remarks>Each read counts one file (the simulation) and one row and record per record it yields.</remarks>
    public TelemetryReadReport Report { get; } = new();

    /// <summary>The start of the simulated period (UTC).</summary>
    public DateTimeOffset Start => _world.Options.Start;

    /// <summary>The end of the simulated period (UTC).</summary>
    public DateTimeOffset End => _world.Options.Start + _world.Options.Duration;

    /// <summary>The services; the first is the entry point.</summary>
    public IReadOnlyList<string> Services { get; }

    /// <summary>The instances (pods), service by service.</summary>
    public IReadOnlyList<string> Instances { get; }

    /// <summary>The call graph between services (caller, callee).</summary>
    public IReadOnlyList<(string Caller, string Callee)> Calls { get; }

    /// <summary>The injected faults in time order, each naming the instance it hits.</summary>
    public IReadOnlyList<SimulatedFault> Faults { get; }

    /// <inheritdoc/>
    /// <returns>The samples in time order; one per metric and live instance at the end of every metric
    /// interval, covering the interval (<see cref="MetricSample.Coverage"/>).</returns>
    public IAsyncEnumerable<MetricSample> ReadMetricsAsync(CancellationToken cancellationToken = default) =>
        AsAsync(Count(Metrics(), Report.Metrics), cancellationToken);

    /// <inheritdoc/>
    /// <returns>The log records in time order.</returns>
    public IAsyncEnumerable<LogRecord> ReadLogsAsync(CancellationToken cancellationToken = default) =>
        AsAsync(Count(Logs(), Report.Logs), cancellationToken);

    /// <inheritdoc/>
    /// <returns>The spans in order of their start.</returns>
    public IAsyncEnumerable<Span> ReadSpansAsync(CancellationToken cancellationToken = default) =>
        AsAsync(Count(Spans(), Report.Spans), cancellationToken);

    /// <inheritdoc/>
    /// <returns>The labels of <see cref="Faults"/>.</returns>
    public IAsyncEnumerable<FaultLabel> ReadFaultsAsync(CancellationToken cancellationToken = default) =>
        AsAsync(Count(Faults.Select(f => f.ToLabel()), Report.Faults), cancellationToken);

    /// <summary>The most log records or spans any read has held back to put them in time order (for tests).</summary>
    internal long PeakBuffered => Interlocked.Read(ref _peakBuffered);

    /// <summary>The metric samples, generated lazily.</summary>
    internal IEnumerable<MetricSample> Metrics()
    {
        var generator = new SliceGenerator(_world, metrics: true, logs: false, spans: false);
        for (long slice = 0; slice < _world.SliceCount; slice++)
        {
            generator.Generate(slice);
            foreach (var sample in generator.Metrics)
            {
                yield return sample;
            }
        }
    }

    /// <summary>The log records, generated lazily.</summary>
    internal IEnumerable<LogRecord> Logs()
    {
        var generator = new SliceGenerator(_world, metrics: false, logs: true, spans: false);
        return InTimeOrder(generator, generator.Logs);
    }

    /// <summary>The spans, generated lazily.</summary>
    internal IEnumerable<Span> Spans()
    {
        var generator = new SliceGenerator(_world, metrics: false, logs: false, spans: true);
        return InTimeOrder(generator, generator.Spans);
    }

    /// <summary>
    /// Emits a slice's records in time order. A record of slice k is never earlier than the slice's start
    /// (requests start in their slice and everything of a request comes after its start), so once slice k
    /// is generated every buffered record before slice k + 1 can go: the buffer holds about one slice.
    /// </summary>
    private IEnumerable<T> InTimeOrder<T>(SliceGenerator generator, List<(long Ticks, T Record)> records)
    {
        var buffer = new PriorityQueue<T, (long Ticks, long Sequence)>();
        long sequence = 0;
        for (long slice = 0; slice < _world.SliceCount; slice++)
        {
            generator.Generate(slice);
            foreach (var (ticks, record) in records)
            {
                buffer.Enqueue(record, (ticks, sequence++));
            }

            var buffered = (long)buffer.Count;
            for (var peak = Interlocked.Read(ref _peakBuffered); buffered > peak; peak = Interlocked.Read(ref _peakBuffered))
            {
                Interlocked.CompareExchange(ref _peakBuffered, buffered, peak);
            }

            var boundary = generator.SliceEnd(slice);
            while (buffer.TryPeek(out var record, out var key) && key.Ticks < boundary)
            {
                buffer.Dequeue();
                yield return record;
            }
        }

        while (buffer.TryDequeue(out var record, out _))
        {
            yield return record;
        }
    }

    private static IEnumerable<T> Count<T>(IEnumerable<T> records, RecordReport report)
    {
        report.CountFile();
        foreach (var record in records)
        {
            report.CountRow();
            report.CountRecords();
            yield return record;
        }
    }

    private static async IAsyncEnumerable<T> AsAsync<T>(IEnumerable<T> records, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
    }

    private static List<(SimulatedFault Fault, int Instance, double Strength)> ResolveSchedule(SimulationOptions options, Topology topology)
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var instance in topology.Instances)
        {
            byName[instance.Name] = instance.Index;
        }

        foreach (var service in topology.Services)
        {
            byName.TryAdd(service.Name, service.Instances[0]);
        }

        var problems = new List<string>();
        var faults = new List<(SimulatedFault, int, double)>();
        for (var i = 0; i < options.Faults.Count; i++)
        {
            var fault = options.Faults[i];
            if (byName.TryGetValue(fault.Target, out var index))
            {
                faults.Add((fault with { Target = topology.Instances[index].Name, Start = fault.Start.ToUniversalTime() }, index, 1.0));
            }
            else
            {
                problems.Add($"Faults[{i}] targets '{fault.Target}', which is neither an instance nor a service of the simulated system (services: {string.Join(", ", topology.Services.Select(s => s.Name))}).");
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid simulation options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }

        return [.. faults.OrderBy(f => f.Item1.Start).ThenBy(f => f.Item2)];
    }

    /// <summary>
    /// <see cref="SimulationOptions.FaultCount"/> faults, one per equal segment of the period after a
    /// fault-free first fault duration, each starting in the middle half of the room its segment leaves,
    /// so that faults never overlap and normal time separates them. Kinds are taken in turn from a
    /// shuffled list. Each target is, among the instances the kind can hit, one with the fewest faults of
    /// that kind so far, then the fewest faults so far (ties broken at random), so that kinds and
    /// instances are spread evenly. A crash never takes down the only entry instance; a slow dependency
    /// needs callers, so never hits the entry service; a network delay hits an instance that calls other
    /// services, so that it shows in the instance's own spans (on a leaf it would show only in its
    /// callers' client spans). Strength 0.8–1.2.
    /// </summary>
    private static List<(SimulatedFault Fault, int Instance, double Strength)> RandomSchedule(SimulationOptions options, Topology topology)
    {
        var faults = new List<(SimulatedFault, int, double)>();
        if (options.FaultCount == 0)
        {
            return faults;
        }

        var rng = Rng.For(options.Seed, 4);
        var kinds = options.FaultKinds.ToArray();
        Shuffle(kinds, ref rng);
        var total = new int[topology.Instances.Length];
        var byKind = new Dictionary<(int Instance, FaultKind Kind), int>();
        var length = options.FaultDuration;
        var segment = (options.Duration - length) / options.FaultCount;
        for (var i = 0; i < options.FaultCount; i++)
        {
            var kind = kinds[i % kinds.Length];
            var offset = (segment - length) * rng.Uniform(0.25, 0.75);
            var start = options.Start + length + (segment * i) + offset;
            start = new DateTimeOffset(start.UtcTicks - (start.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
            InstanceModel? target = null;
            (int, int, ulong) best = (int.MaxValue, int.MaxValue, ulong.MaxValue);
            foreach (var m in topology.Instances)
            {
                var tie = rng.NextUInt64();
                var canHit = kind switch
                {
                    FaultKind.InstanceCrash => m.Service != Topology.EntryService || options.Replicas > 1,
                    FaultKind.SlowDependency => m.Service != Topology.EntryService,
                    FaultKind.NetworkDelay => topology.Services[m.Service].Callees.Length > 0,
                    _ => true,
                };
                var rank = (byKind.GetValueOrDefault((m.Index, kind)), total[m.Index], tie);
                if (canHit && rank.CompareTo(best) < 0)
                {
                    best = rank;
                    target = m;
                }
            }

            total[target!.Index]++;
            byKind[(target.Index, kind)] = byKind.GetValueOrDefault((target.Index, kind)) + 1;
            faults.Add((new SimulatedFault(kind, target.Name, start, length), target.Index, rng.Uniform(0.8, 1.2)));
        }

        return faults;
    }

    private static void Shuffle<T>(T[] items, ref Rng rng)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
