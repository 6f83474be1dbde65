using MstGad.Methods.Hades;

namespace MstGad.Methods.Hades.Tests;

[TestFixture]
public sealed class MetricAspectsTests
{
    /// <summary>The metric columns of a TrainTicket pod in the Nezha data.</summary>
    private static readonly string[] TrainTicket =
    [
        "CpuUsage(m)", "CpuUsageRate(%)", "MemoryUsage(Mi)", "MemoryUsageRate(%)", "SyscallRead", "SyscallWrite", "NetworkReceiveBytes",
        "NetworkTransmitBytes", "PodClientLatencyP90(s)", "PodServerLatencyP90(s)", "PodWorkload(Ops)", "PodSuccessRate(%)",
        "NodeCpuUsageRate(%)", "NodeMemoryUsageRate(%)", "NodeNetworkReceiveBytes",
    ];

    [Test]
    public void Group_TrainTicketMetrics_ByWhatTheyMeasure()
    {
        var groups = MetricAspects.Group(TrainTicket);

        Assert.That(groups.Select(g => (g.Name, string.Join(" ", g.Metrics.Select(m => TrainTicket[m])))), Is.EqualTo(new[]
        {
            ("cpu", "CpuUsage(m) CpuUsageRate(%) NodeCpuUsageRate(%)"),
            ("memory", "MemoryUsage(Mi) MemoryUsageRate(%) NodeMemoryUsageRate(%)"),
            ("disk", "SyscallRead SyscallWrite"),
            ("network", "NetworkReceiveBytes NetworkTransmitBytes NodeNetworkReceiveBytes"),
            ("other", "PodClientLatencyP90(s) PodServerLatencyP90(s) PodWorkload(Ops) PodSuccessRate(%)"),
        }));
    }

    [Test]
    public void Group_EmptyAspects_AreDropped() =>
        Assert.That(MetricAspects.Group(["cpu_seconds_total", "latency_p99"]).Select(g => g.Name), Is.EqualTo(new[] { "cpu", "other" }));

    [Test]
    public void Group_FirstMatchingRuleWins() =>
        Assert.That(MetricAspects.Group(["container_network_receive_bytes", "node_cpu_io_wait"]).Select(g => (g.Name, g.Metrics.Single())), Is.EqualTo(new[] { ("cpu", 1), ("network", 0) }));

    [Test]
    public void Group_CustomRules_ReplaceTheDefaults() =>
        Assert.That(MetricAspects.Group(["gc_pause", "heap_used", "cpu"], [new AspectRule("runtime", ["gc", "heap"])]).Select(g => (g.Name, g.Metrics.Count)), Is.EqualTo(new[] { ("runtime", 2), ("other", 1) }));

    [Test]
    public void Group_RuleNamedOther_IsRefused() =>
        Assert.That(() => MetricAspects.Group(["a"], [new AspectRule("other", ["a"])]), Throws.ArgumentException);

    [TestCase("NodeCpuUsageRate(%)", "node cpu usage rate")]
    [TestCase("container_fs_reads_total", "container fs reads total")]
    [TestCase("LatencyP50(s)", "latency p s")]
    public void Words_SplitAtNonLettersAndCase(string name, string words) =>
        Assert.That(string.Join(" ", MetricAspects.Words(name)), Is.EqualTo(words));
}
