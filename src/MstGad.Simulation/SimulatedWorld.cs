using MstGad.Features;

namespace MstGad.Simulation;

/// <summary>
/// Everything that is fixed for a run: the options, the topology and the fault schedule, with the
/// deterministic functions of time (load, memory, fault effects) that every slice reads.
/// </summary>
internal sealed class SimulatedWorld
{
    public const double TimeoutMs = 1000;

    private readonly List<ActiveFault>[] _faults;

    public SimulatedWorld(SimulationOptions options, Topology topology, IReadOnlyList<(SimulatedFault Fault, int Instance, double Strength)> faults)
    {
        Options = options;
        Topology = topology;
        Seed = options.Seed;
        StartTicks = options.Start.UtcTicks;
        IntervalTicks = options.MetricInterval.Ticks;
        SliceCount = options.Duration.Ticks / IntervalTicks;
        _faults = [.. topology.Instances.Select(_ => new List<ActiveFault>())];
        foreach (var (fault, instance, strength) in faults)
        {
            _faults[instance].Add(new ActiveFault(fault.Kind, fault.Start.UtcTicks, fault.End.UtcTicks, strength * options.FaultIntensity));
        }
    }

    public SimulationOptions Options { get; }

    public Topology Topology { get; }

    public long Seed { get; }

    public long StartTicks { get; }

    public long IntervalTicks { get; }

    public long SliceCount { get; }

    /// <summary>The request rate relative to its daily mean: 1 + amplitude · sin(2π (hour − 8) / 24).</summary>
    public double LoadFactor(long ticks)
    {
        var hour = new TimeSpan(ticks % TimeSpan.TicksPerDay).TotalHours;
        return 1 + (Options.DailyAmplitude * Math.Sin(2 * Math.PI * (hour - 8) / 24));
    }

    /// <summary>The strength of the strongest fault of a kind active on an instance at a time (0 when none).</summary>
    public double Effect(int instance, FaultKind kind, long ticks)
    {
        var effect = 0.0;
        foreach (var f in _faults[instance])
        {
            if (f.Kind == kind && ticks >= f.StartTicks && ticks < f.EndTicks)
            {
                effect = Math.Max(effect, f.Strength);
            }
        }

        return effect;
    }

    public bool IsDown(int instance, long ticks) => Effect(instance, FaultKind.InstanceCrash, ticks) > 0;

    /// <summary>The strength of faults of a kind over [from, to), weighted by the share of the period they cover.</summary>
    public double Coverage(int instance, FaultKind kind, long from, long to)
    {
        var sum = 0.0;
        foreach (var f in _faults[instance])
        {
            if (f.Kind == kind)
            {
                var overlap = Math.Min(to, f.EndTicks) - Math.Max(from, f.StartTicks);
                if (overlap > 0)
                {
                    sum += f.Strength * overlap / (to - from);
                }
            }
        }

        return sum;
    }

    /// <summary>The faults of a kind on an instance that overlap [from, to), as (start, end, strength) clipped to it.</summary>
    public IEnumerable<(long From, long To, double Strength)> Overlaps(int instance, FaultKind kind, long from, long to)
    {
        foreach (var f in _faults[instance])
        {
            if (f.Kind == kind && f.StartTicks < to && f.EndTicks > from)
            {
                yield return (Math.Max(from, f.StartTicks), Math.Min(to, f.EndTicks), f.Strength);
            }
        }
    }

    /// <summary>The working-set memory of an instance without noise, in MB (a slow wave, load, and any leak).</summary>
    public double MemoryMb(int instance, long ticks)
    {
        var model = Topology.Instances[instance];
        var service = Topology.Services[model.Service];
        var hours = (double)ticks / TimeSpan.TicksPerHour;
        var memory = (service.BaseMemoryMb * (1 + (0.03 * Math.Sin((2 * Math.PI * hours / service.MemoryPeriodHours) + model.MemoryPhase)))) + (20 * LoadFactor(ticks));
        foreach (var f in _faults[instance])
        {
            if (f.Kind == FaultKind.MemoryLeak && ticks >= f.StartTicks && ticks < f.EndTicks)
            {
                memory += service.BaseMemoryMb * f.Strength * (ticks - f.StartTicks) / (f.EndTicks - f.StartTicks);
            }
        }

        return memory;
    }

    private readonly record struct ActiveFault(FaultKind Kind, long StartTicks, long EndTicks, double Strength);
}

/// <summary>
/// Generates one slice (one metric interval) at a time: the requests that start in it (spans and
/// logs), the instances' background and fault logs, and the metric samples at its end. Each slice
/// draws from its own generators (seed, purpose, slice index), so any slice can be generated alone
/// and every kind of record comes out the same whichever kinds are asked for. Each request draws from
/// generators of its own (its structure, its log text, and the jitter of fault effects), and fault logs
/// from a stream of their own, so that a fault changes only what it acts on: the same seed with and
/// without a fault gives the same requests, logs and samples elsewhere.
/// </summary>
internal sealed class SliceGenerator
{
    private const ulong RequestsPurpose = 1;
    private const ulong LogsPurpose = 2;
    private const ulong MetricsPurpose = 3;
    private const ulong FaultLogsPurpose = 5;

    private readonly SimulatedWorld _world;
    private readonly Topology _topology;
    private readonly bool _wantMetrics;
    private readonly bool _wantLogs;
    private readonly bool _wantSpans;
    private readonly int[] _requests;
    private readonly double[] _busyMs;
    private readonly double _noise;
    private Rng _slice;
    private Rng _req;
    private Rng _text;
    private Rng _jitter;
    private Rng _log;
    private Rng _faultLog;
    private Rng _met;
    private long _from;
    private long _to;
    private double _load;

    public SliceGenerator(SimulatedWorld world, bool metrics, bool logs, bool spans)
    {
        _world = world;
        _topology = world.Topology;
        _wantMetrics = metrics;
        _wantLogs = logs;
        _wantSpans = spans;
        _requests = new int[_topology.Instances.Length];
        _busyMs = new double[_topology.Instances.Length];
        _noise = world.Options.Noise;
    }

    public List<MetricSample> Metrics { get; } = [];

    public List<(long Ticks, LogRecord Record)> Logs { get; } = [];

    public List<(long Ticks, Span Span)> Spans { get; } = [];

    public long SliceEnd(long slice) => _world.StartTicks + ((slice + 1) * _world.IntervalTicks);

    public void Generate(long slice)
    {
        Metrics.Clear();
        Logs.Clear();
        Spans.Clear();
        Array.Clear(_requests);
        Array.Clear(_busyMs);
        _from = _world.StartTicks + (slice * _world.IntervalTicks);
        _to = _from + _world.IntervalTicks;
        _slice = Rng.For(_world.Seed, RequestsPurpose, slice);
        _log = Rng.For(_world.Seed, LogsPurpose, slice);
        _faultLog = Rng.For(_world.Seed, FaultLogsPurpose, slice);
        _met = Rng.For(_world.Seed, MetricsPurpose, slice);
        _load = _world.LoadFactor(_from + (_world.IntervalTicks / 2));

        var seconds = (double)_world.IntervalTicks / TimeSpan.TicksPerSecond;
        var rate = _world.Options.RequestsPerSecond * _load * _slice.LogNormal(_noise);
        var count = _slice.Poisson(rate * seconds);
        var starts = new long[count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = _from + (long)(_slice.NextDouble() * _world.IntervalTicks);
        }

        Array.Sort(starts);
        foreach (var start in starts)
        {
            var seed = _slice.NextUInt64();
            _req = new Rng(seed);
            _text = new Rng(Rng.Mix(seed ^ 0x7E47UL));
            _jitter = new Rng(Rng.Mix(seed ^ 0x1177E2UL));
            Request(start);
        }

        if (_wantLogs)
        {
            InstanceLogs(seconds);
        }

        if (_wantMetrics)
        {
            Samples(seconds);
        }
    }

    private static long Ms(double milliseconds) => (long)(milliseconds * TimeSpan.TicksPerMillisecond);

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private void Request(long start)
    {
        var entry = _topology.Services[Topology.EntryService];
        var alive = 0;
        foreach (var i in entry.Instances)
        {
            alive += _world.IsDown(i, start) ? 0 : 1;
        }

        if (alive == 0)
        {
            return; // the load balancer has nowhere to send it
        }

        var pick = _req.Next(alive);
        var instance = -1;
        foreach (var i in entry.Instances)
        {
            if (!_world.IsDown(i, start) && pick-- == 0)
            {
                instance = i;
                break;
            }
        }

        var traceId = _req.Hex(32);
        Serve(instance, entry.PickOperation(ref _req), start, null, traceId);
    }

    /// <summary>Serves one request on an instance: its own processing, then its calls in order, each as a
    /// client span on this instance and a server span on the callee; returns the duration and whether it failed.</summary>
    private (long Duration, bool Failed) Serve(int instance, OperationModel operation, long start, string? parentSpanId, string traceId)
    {
        var model = _topology.Instances[instance];
        var service = _topology.Services[model.Service];
        var spanId = _req.Hex(16);
        var ownMs = operation.OwnMs * _req.LogNormal(3 * _noise) * (1 + (0.15 * (_load - 1)));
        var cpuHog = _world.Effect(instance, FaultKind.CpuHog, start);
        if (cpuHog > 0)
        {
            ownMs *= 1 + (1.5 * cpuHog);
        }

        var slow = _world.Effect(instance, FaultKind.SlowDependency, start);
        var waitMs = slow > 0 ? 600 * slow * _jitter.LogNormal(0.3) : 0;
        var t = start + Ms(ownMs * 0.4);
        var failed = false;
        foreach (var calleeService in operation.Callees)
        {
            var callees = _topology.Services[calleeService];
            var callee = callees.Instances[_req.Next(callees.Instances.Length)];
            var calleeOperation = callees.PickOperation(ref _req);
            var clientSpanId = _req.Hex(16);
            var networkMs = _req.Uniform(0.4, 1.2);
            var delay = _world.Effect(instance, FaultKind.NetworkDelay, t) + _world.Effect(callee, FaultKind.NetworkDelay, t);
            if (delay > 0)
            {
                networkMs += 150 * delay * _jitter.LogNormal(0.2);
            }

            long clientDuration;
            var status = SpanStatus.Ok;
            if (_world.IsDown(callee, t))
            {
                clientDuration = Ms(_jitter.Uniform(1, 3));
                status = SpanStatus.Error;
                if (_wantLogs)
                {
                    AddLog(t + clientDuration, instance, "ERROR", LogTemplates.ConnectionRefused(callees.Name, _topology.Instances[callee].Address, calleeOperation.Name), traceId, spanId);
                }
            }
            else
            {
                var (serverDuration, serverFailed) = Serve(callee, calleeOperation, t + (Ms(networkMs) / 2), clientSpanId, traceId);
                clientDuration = serverDuration + Ms(networkMs);
                if (clientDuration > Ms(SimulatedWorld.TimeoutMs))
                {
                    clientDuration = Ms(SimulatedWorld.TimeoutMs);
                    status = SpanStatus.Error;
                    if (_wantLogs)
                    {
                        AddLog(t + clientDuration, instance, "WARN", LogTemplates.Timeout(callees.Name, calleeOperation.Name, SimulatedWorld.TimeoutMs, ref _text), traceId, spanId);
                    }
                }
                else if (serverFailed)
                {
                    status = SpanStatus.Error;
                }
            }

            if (_wantSpans)
            {
                Spans.Add((t, new Span(traceId, clientSpanId, spanId, model.Name, calleeOperation.Name, Time(t), new TimeSpan(clientDuration))
                {
                    Kind = SpanKind.Client,
                    Status = status,
                    Attributes = callees.CalledBy,
                }));
            }

            t += clientDuration + Ms(_req.Uniform(0.05, 0.3));
            if (status == SpanStatus.Error)
            {
                failed = true;
                break; // the request fails: the remaining calls are not made
            }
        }

        var end = t + Ms((ownMs * 0.6) + waitMs);
        if (_wantSpans)
        {
            Spans.Add((start, new Span(traceId, spanId, parentSpanId, model.Name, operation.Name, Time(start), new TimeSpan(end - start))
            {
                Kind = SpanKind.Server,
                Status = failed ? SpanStatus.Error : SpanStatus.Ok,
            }));
        }

        if (_wantLogs)
        {
            if (operation.Template < 0)
            {
                AddLog(end, instance, "INFO", LogTemplates.Access(operation.Name, failed, (double)(end - start) / TimeSpan.TicksPerMillisecond, ref _text), traceId, spanId);
            }
            else
            {
                AddLog(start + Ms(ownMs * 0.2), instance, "INFO", LogTemplates.Request(operation.Template, service.Entity, ownMs, ref _text), traceId, spanId);
            }

            if (waitMs > 0)
            {
                AddLog(end, instance, "WARN", LogTemplates.SlowQuery(service.Entity, waitMs), traceId, spanId);
            }
        }

        _requests[instance]++;
        _busyMs[instance] += ownMs;
        return (end - start, failed);
    }

    /// <summary>Logs that do not belong to requests: health checks, scheduled jobs, rare slow queries, and the
    /// log lines of error bursts and disk I/O hogs.</summary>
    private void InstanceLogs(double seconds)
    {
        foreach (var model in _topology.Instances)
        {
            var instance = model.Index;
            var service = _topology.Services[model.Service];
            for (var n = _log.Poisson(seconds / 30); n > 0; n--)
            {
                var t = _from + (long)(_log.NextDouble() * _world.IntervalTicks);
                var line = LogTemplates.HealthCheck(_world.MemoryMb(instance, t), ref _log);
                AddLogIfUp(t, instance, "INFO", line);
            }

            for (var n = _log.Poisson(seconds / 120); n > 0; n--)
            {
                var t = _from + (long)(_log.NextDouble() * _world.IntervalTicks);
                AddLogIfUp(t, instance, "INFO", LogTemplates.ScheduledCleanup(service.Entity, ref _log));
            }

            for (var n = _log.Poisson(seconds / 1800); n > 0; n--)
            {
                var t = _from + (long)(_log.NextDouble() * _world.IntervalTicks);
                AddLogIfUp(t, instance, "WARN", LogTemplates.SlowQuery(service.Entity, _log.Uniform(300, 900)));
            }

            foreach (var (from, to, strength) in _world.Overlaps(instance, FaultKind.ErrorBurst, _from, _to))
            {
                for (var n = _faultLog.Poisson(1.5 * strength * (to - from) / TimeSpan.TicksPerSecond); n > 0; n--)
                {
                    var t = from + (long)(_faultLog.NextDouble() * (to - from));
                    AddLogIfUp(t, instance, "ERROR", LogTemplates.Exception(service.Entity, ref _faultLog));
                }
            }

            foreach (var (from, to, strength) in _world.Overlaps(instance, FaultKind.DiskIoHog, _from, _to))
            {
                for (var n = _faultLog.Poisson(0.3 * strength * (to - from) / TimeSpan.TicksPerSecond); n > 0; n--)
                {
                    var t = from + (long)(_faultLog.NextDouble() * (to - from));
                    AddLogIfUp(t, instance, "WARN", LogTemplates.SlowDiskWrite(service.Entity, ref _faultLog));
                }
            }
        }
    }

    /// <summary>The metric samples scraped at the end of the slice (none from an instance that is down then).</summary>
    private void Samples(double seconds)
    {
        var scrape = _to;
        var time = Time(scrape);
        var coverage = new TimeSpan(_world.IntervalTicks);
        foreach (var model in _topology.Instances)
        {
            var instance = model.Index;
            var service = _topology.Services[model.Service];
            var rps = _requests[instance] / seconds;
            var busy = _busyMs[instance] / 1000 / seconds;
            var cpuHog = _world.Coverage(instance, FaultKind.CpuHog, _from, _to);
            var diskHog = _world.Coverage(instance, FaultKind.DiskIoHog, _from, _to);
            var values = new (string Name, double Value)[]
            {
                (SimulatedMetrics.Cpu, ((service.IdleCpu + busy) * Noisy(0.5)) + (1.0 * cpuHog)),
                (SimulatedMetrics.Memory, _world.MemoryMb(instance, scrape - 1) * Noisy(0.1)),
                (SimulatedMetrics.DiskRead, ((service.DiskReadKb + (0.3 * rps)) * Noisy(1)) + (4000 * diskHog)),
                (SimulatedMetrics.DiskWrite, ((service.DiskWriteKb + (1.5 * rps)) * Noisy(1)) + (15000 * diskHog)),
                (SimulatedMetrics.DiskIoWait, Math.Min(100, ((0.5 + (0.05 * rps)) * Noisy(1)) + (35 * diskHog))),
                (SimulatedMetrics.NetworkReceive, ((service.ReceiveKbPerRequest * rps) + 0.5) * Noisy(0.5)),
                (SimulatedMetrics.NetworkTransmit, ((service.TransmitKbPerRequest * rps) + 0.5) * Noisy(0.5)),
                (SimulatedMetrics.Requests, rps),
            };

            if (_world.IsDown(instance, scrape - 1))
            {
                continue; // the scrape fails: no samples (the draws above keep the other instances' values stable)
            }

            foreach (var (name, value) in values)
            {
                Metrics.Add(new MetricSample(model.Name, time, name, Math.Max(0, value)) { Coverage = coverage });
            }
        }
    }

    /// <summary>A noise factor 1 + scale · noise · N(0, 1), never below 0.</summary>
    private double Noisy(double scale) => Math.Max(0, 1 + (scale * _noise * _met.Normal()));

    private void AddLogIfUp(long ticks, int instance, string level, string message)
    {
        if (!_world.IsDown(instance, ticks))
        {
            AddLog(ticks, instance, level, message, null, null);
        }
    }

    private void AddLog(long ticks, int instance, string level, string message, string? traceId, string? spanId) =>
        Logs.Add((ticks, new LogRecord(_topology.Instances[instance].Name, Time(ticks), message) { Level = level, TraceId = traceId, SpanId = spanId }));
}

/// <summary>The metric names the simulator reports for every instance.</summary>
internal static class SimulatedMetrics
{
    public const string Cpu = "cpu_usage_cores";
    public const string Memory = "memory_working_set_mb";
    public const string DiskRead = "disk_read_kb_per_s";
    public const string DiskWrite = "disk_write_kb_per_s";
    public const string DiskIoWait = "disk_io_wait_percent";
    public const string NetworkReceive = "network_receive_kb_per_s";
    public const string NetworkTransmit = "network_transmit_kb_per_s";
    public const string Requests = "http_requests_per_s";

    public static IReadOnlyList<string> All { get; } = [Cpu, Memory, DiskRead, DiskWrite, DiskIoWait, NetworkReceive, NetworkTransmit, Requests];
}
