using MstGad.Features;

namespace MstGad.Graph;

/// <summary>Per (step, instance) labels: 1 abnormal, 0 normal, −1 unknown.</summary>
public static class Labels
{
    /// <summary>Abnormal.</summary>
    public const sbyte Abnormal = 1;

    /// <summary>Normal.</summary>
    public const sbyte Normal = 0;

    /// <summary>Unknown (unlabelled).</summary>
    public const sbyte Unknown = -1;

    /// <summary>
    /// Labels the steps <c>[firstStep, firstStep + stepCount)</c> of every registered instance: a step
    /// is abnormal for an instance when it overlaps a fault of that instance (or of its service), and
    /// normal otherwise.
    /// </summary>
    /// <param name="faults">The faults.</param>
    /// <param name="instanceKey">Maps fault targets that are raw instance names to keys.</param>
    /// <param name="registry">The node indices.</param>
    /// <param name="clock">The step clock.</param>
    /// <param name="firstStep">The first step.</param>
    /// <param name="stepCount">The number of steps T.</param>
    /// <returns>Labels <c>[t · N + node]</c> with N = the registry's size; faults whose target is not
    /// registered are reported in <paramref name="unmatched"/>.</returns>
    /// <param name="unmatched">Faults that name no registered instance.</param>
    public static sbyte[] FromFaults(IEnumerable<FaultLabel> faults, InstanceKey instanceKey, InstanceRegistry registry, StepClock clock, long firstStep, int stepCount, out IReadOnlyList<FaultLabel> unmatched)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(instanceKey);
        ArgumentNullException.ThrowIfNull(registry);
        var keys = registry.Keys;
        var n = keys.Count;
        var labels = new sbyte[(long)stepCount * n];
        var missed = new List<FaultLabel>();
        foreach (var fault in faults)
        {
            var nodes = fault.TargetKind == FaultTarget.Service
                ? Enumerable.Range(0, n).Where(i => keys[i] == fault.Target || InstanceKey.KubernetesWorkload.Map(keys[i]) == fault.Target).ToList()
                : registry.TryGetIndex(instanceKey.Map(fault.Target), out var index) ? [index] : [];
            if (nodes.Count == 0)
            {
                missed.Add(fault);
                continue;
            }

            var from = Math.Max(clock.StepOf(fault.Start), firstStep);
            var to = Math.Min(fault.Duration > TimeSpan.Zero ? clock.StepOf(fault.End.AddTicks(-1)) : clock.StepOf(fault.Start), firstStep + stepCount - 1);
            for (var step = from; step <= to; step++)
            {
                foreach (var node in nodes)
                {
                    labels[((step - firstStep) * n) + node] = Abnormal;
                }
            }
        }

        unmatched = missed;
        return labels;
    }
}
