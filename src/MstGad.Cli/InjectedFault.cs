namespace MstGad.Cli;

/// <summary>One fault that <c>mstgad inject</c> adds: where and when (decided by the plan), its parameters and what it changed.</summary>
internal sealed class InjectedFault
{
    /// <summary>The id in the manifest (<c>I01</c>, <c>I02</c>, … in time order).</summary>
    public required string Id { get; init; }

    /// <summary>Its index in time order (it seeds the fault's own random streams).</summary>
    public required int Index { get; init; }

    /// <summary>The kind.</summary>
    public required InjectedKind Kind { get; init; }

    /// <summary>When the fault starts (UTC, whole seconds): the fault list's <c>inject_time</c>.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>The target pod.</summary>
    public required string Pod { get; init; }

    /// <summary>When the fault ends.</summary>
    public DateTimeOffset End => Start + InjectSettings.FaultDuration;

    /// <summary>The service of <see cref="Pod"/>.</summary>
    public string Service => NezhaDay.ServiceOf(Pod);

    /// <summary>
    /// Where the copied telemetry starts: one minute before the fault, down to the whole minute, so that every minute
    /// of copied traffic is full (as the recorded windows' minute files are; a minute holding a few seconds of calls
    /// would be an artefact of the tool).
    /// </summary>
    public DateTimeOffset TelemetryStart => WholeMinute(Start - InjectSettings.Lead, up: false);

    /// <summary>Where the copied telemetry ends: one minute after the fault, up to the whole minute.</summary>
    public DateTimeOffset TelemetryEnd => WholeMinute(End + InjectSettings.Tail, up: true);

    /// <summary>The CPU factor f (CPU kind): the CPU columns rise by f × their median.</summary>
    public double CpuFactor { get; init; }

    /// <summary>The server latency factor (CPU kind).</summary>
    public double LatencyFactor { get; init; }

    /// <summary>The minutes (<c>HH_MM</c>) of the trace and log files written for the window.</summary>
    public List<string> Files { get; } = [];

    /// <summary>Spans copied into the window.</summary>
    public int CopiedSpans { get; set; }

    /// <summary>Log rows copied into the window (without the injected ones).</summary>
    public int CopiedLogs { get; set; }

    /// <summary>Calls into the target that were delayed (network delay).</summary>
    public int DelayedCalls { get; set; }

    /// <summary>Spans whose end moved later (network delay): the callers' client spans and the spans that enclose them.</summary>
    public int ChangedSpans { get; set; }

    /// <summary>The shortest and longest delay given to a call, in microseconds.</summary>
    public (long Min, long Max) DelayRange { get; set; }

    /// <summary>Metric rows changed (CPU kind).</summary>
    public int MetricRows { get; set; }

    /// <summary>ERROR log lines added (error burst).</summary>
    public int ErrorLines { get; set; }

    /// <summary>Where the error lines' shapes came from (error burst).</summary>
    public string ShapeSource { get; set; } = string.Empty;

    private static DateTimeOffset WholeMinute(DateTimeOffset time, bool up)
    {
        var ticks = time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute);
        return new DateTimeOffset(up && ticks != time.UtcTicks ? ticks + TimeSpan.TicksPerMinute : ticks, TimeSpan.Zero);
    }
}
