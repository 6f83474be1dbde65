namespace MstGad.Simulation;

/// <summary>
/// The faults the simulator injects, and where each shows. A fault of one instance changes only the
/// modalities listed (plus, where said, the telemetry of its callers); the others stay normal, so that
/// some faults can only be found by looking at more than one modality.
/// </summary>
public enum FaultKind
{
    /// <summary>
    /// A process burning CPU beside the service (<c>cpu_hog</c>). Metrics: <c>cpu_usage_cores</c> rises
    /// by about one core. Traces: the instance's own processing is slower, so its spans last longer.
    /// Logs: unchanged.
    /// </summary>
    CpuHog = 0,

    /// <summary>
    /// A memory leak (<c>memory_leak</c>). Metrics only: <c>memory_working_set_mb</c> ramps up over the
    /// fault (to about twice its normal level) and falls back when it ends (the pod is restarted).
    /// </summary>
    MemoryLeak = 1,

    /// <summary>
    /// Heavy disk traffic beside the service (<c>disk_io_hog</c>). Metrics: <c>disk_read_kb_per_s</c>,
    /// <c>disk_write_kb_per_s</c> and <c>disk_io_wait_percent</c> rise steeply. Logs: occasional
    /// <c>WARN</c> lines about slow writes. Traces: unchanged.
    /// </summary>
    DiskIoHog = 2,

    /// <summary>
    /// Network delay on the instance's interface (<c>network_delay</c>). Traces only: every call to or
    /// from the instance takes about 150 ms longer (client spans of its callers, its own client spans
    /// and so its server spans); its processing, resource metrics and logs are unchanged. Random
    /// schedules put it on instances that call other services: on a leaf it would change only the
    /// callers' client spans, none of the instance's own telemetry.
    /// </summary>
    NetworkDelay = 3,

    /// <summary>
    /// A burst of exceptions in background work (<c>error_burst</c>). Logs only: <c>ERROR</c> lines
    /// with stack-trace messages, about 1.5 per second; requests still succeed and metrics are unchanged.
    /// </summary>
    ErrorBurst = 4,

    /// <summary>
    /// A crashed instance (<c>instance_crash</c>): it emits no metrics, logs or spans for the whole fault.
    /// Its callers' calls to it fail at once: their client spans have error status and they log
    /// <c>ERROR</c> lines (connection refused), and the requests that needed it fail.
    /// </summary>
    InstanceCrash = 5,

    /// <summary>
    /// A slow dependency (<c>slow_dependency</c>): the instance answers every request about 600 ms
    /// late because its store is slow (waiting, not CPU). Traces: its server spans are slow, and calls
    /// that exceed the callers' 1-s timeout end with error status. Logs: it logs a <c>WARN</c> slow query
    /// for each delayed request (a template that also occurs, rarely, in normal operation) and its
    /// callers log <c>WARN</c> timeouts. Metrics: unchanged.
    /// </summary>
    SlowDependency = 6,
}

/// <summary>The label names of <see cref="FaultKind"/> values.</summary>
internal static class FaultKindNames
{
    public static IReadOnlyList<FaultKind> All { get; } = Enum.GetValues<FaultKind>();

    public static string TypeName(FaultKind kind) => kind switch
    {
        FaultKind.CpuHog => "cpu_hog",
        FaultKind.MemoryLeak => "memory_leak",
        FaultKind.DiskIoHog => "disk_io_hog",
        FaultKind.NetworkDelay => "network_delay",
        FaultKind.ErrorBurst => "error_burst",
        FaultKind.InstanceCrash => "instance_crash",
        FaultKind.SlowDependency => "slow_dependency",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a fault kind."),
    };
}
