using MstGad.Features;

namespace MstGad.Simulation;

/// <summary>A fault injected into a simulated system.</summary>
/// <param name="Kind">What goes wrong.</param>
/// <param name="Target">The instance (pod name) it hits. In <see cref="SimulationOptions.Faults"/> a
/// service name may be given instead: it means the service's first replica.</param>
/// <param name="Start">When it begins.</param>
/// <param name="Duration">How long it lasts.</param>
public sealed record SimulatedFault(FaultKind Kind, string Target, DateTimeOffset Start, TimeSpan Duration)
{
    /// <summary>When it ends.</summary>
    public DateTimeOffset End => Start + Duration;

    /// <summary>The label's type name: <c>cpu_hog</c>, <c>memory_leak</c>, <c>disk_io_hog</c>,
    /// <c>network_delay</c>, <c>error_burst</c>, <c>instance_crash</c> or <c>slow_dependency</c>.</summary>
    public string Type => FaultKindNames.TypeName(Kind);

    /// <summary>The fault as a label of its instance, as a real fault list would give it.</summary>
    /// <returns>The label (<see cref="FaultTarget.Instance"/>).</returns>
    public FaultLabel ToLabel() => new(Target, Start, Duration, Type);
}
