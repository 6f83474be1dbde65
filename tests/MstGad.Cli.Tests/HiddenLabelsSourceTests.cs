using MstGad.Features;
using MstGad.Simulation;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class HiddenLabelsSourceTests
{
    private static readonly DateTimeOffset Start = new(2024, 3, 4, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A 30-minute simulation of two services with an explicit schedule of four faults of three kinds.</summary>
    private static TelemetrySimulator Simulator()
    {
        var options = new SimulationOptions
        {
            Seed = 3,
            Services = 2,
            Start = Start,
            Duration = TimeSpan.FromMinutes(30),
            MetricInterval = TimeSpan.FromSeconds(30),
        };
        options.Faults.Add(new SimulatedFault(FaultKind.CpuHog, "ts-ui-dashboard", Start.AddMinutes(2), TimeSpan.FromMinutes(2)));
        options.Faults.Add(new SimulatedFault(FaultKind.ErrorBurst, "ts-travel-service", Start.AddMinutes(8), TimeSpan.FromMinutes(3)));
        options.Faults.Add(new SimulatedFault(FaultKind.CpuHog, "ts-travel-service", Start.AddMinutes(14), TimeSpan.FromMinutes(2)));
        options.Faults.Add(new SimulatedFault(FaultKind.MemoryLeak, "ts-ui-dashboard", Start.AddMinutes(20), TimeSpan.FromMinutes(4)));
        return new TelemetrySimulator(options);
    }

    private static async Task<List<T>> ReadAll<T>(IAsyncEnumerable<T> records)
    {
        var list = new List<T>();
        await foreach (var record in records)
        {
            list.Add(record);
        }

        return list;
    }

    [Test]
    public async Task ReadFaultsAsync_WithoutTypes_ReturnsExactlyTheOtherLabelsInOrder()
    {
        var simulator = Simulator();
        var travel = simulator.Instances.Single(i => i.StartsWith("ts-travel-service-", StringComparison.Ordinal));
        var dashboard = simulator.Instances.Single(i => i.StartsWith("ts-ui-dashboard-", StringComparison.Ordinal));

        var labels = await ReadAll(HiddenLabelsSource.WithoutTypes(simulator, ["cpu_hog"]).ReadFaultsAsync());

        Assert.That(labels, Is.EqualTo(new[]
        {
            new FaultLabel(travel, Start.AddMinutes(8), TimeSpan.FromMinutes(3), "error_burst"),
            new FaultLabel(dashboard, Start.AddMinutes(20), TimeSpan.FromMinutes(4), "memory_leak"),
        }));
    }

    [Test]
    public async Task ReadFaultsAsync_WithoutTwoTypes_ReturnsTheThirdOnly()
    {
        var simulator = Simulator();

        var labels = await ReadAll(HiddenLabelsSource.WithoutTypes(simulator, ["cpu_hog", "memory_leak"]).ReadFaultsAsync());

        Assert.That(labels.Select(l => (l.Type, l.Start)), Is.EqualTo(new[] { ("error_burst", Start.AddMinutes(8)) }));
    }

    [Test]
    public async Task ReadFaultsAsync_WithoutNoType_ReturnsEveryLabelOfTheInnerSource()
    {
        var simulator = Simulator();

        var labels = await ReadAll(HiddenLabelsSource.WithoutTypes(simulator, []).ReadFaultsAsync());

        Assert.That(labels, Is.EqualTo(simulator.Faults.Select(f => f.ToLabel())).And.Count.EqualTo(4));
    }

    [Test]
    public async Task ReadFaultsAsync_WithoutLabels_ReturnsNone()
    {
        var labels = await ReadAll(HiddenLabelsSource.WithoutLabels(Simulator()).ReadFaultsAsync());

        Assert.That(labels, Is.Empty);
    }

    [Test]
    public async Task ReadFaultsAsync_TypeNamesCompareOrdinally_OtherCaseHidesNothing()
    {
        var labels = await ReadAll(HiddenLabelsSource.WithoutTypes(Simulator(), ["CPU_HOG"]).ReadFaultsAsync());

        Assert.That(labels.Count(l => l.Type == "cpu_hog"), Is.EqualTo(2));
    }

    [Test]
    public async Task Records_PassTheInnerSourcesThroughUnchanged()
    {
        var simulator = Simulator();
        var source = HiddenLabelsSource.WithoutLabels(simulator);

        var metrics = await ReadAll(source.ReadMetricsAsync());
        var logs = await ReadAll(source.ReadLogsAsync());
        var spans = await ReadAll(source.ReadSpansAsync());
        var innerMetrics = await ReadAll(simulator.ReadMetricsAsync());
        var innerLogs = await ReadAll(simulator.ReadLogsAsync());
        var innerSpans = await ReadAll(simulator.ReadSpansAsync());

        Assert.Multiple(() =>
        {
            Assert.That(metrics, Is.Not.Empty.And.EqualTo(innerMetrics));
            Assert.That(logs, Is.Not.Empty.And.EqualTo(innerLogs));
            Assert.That(spans, Is.Not.Empty.And.EqualTo(innerSpans));
            Assert.That(source.Report, Is.SameAs(simulator.Report));
        });
    }

    [Test]
    public void Constructor_NullArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new HiddenLabelsSource(null!, _ => true), Throws.ArgumentNullException);
            Assert.That(() => new HiddenLabelsSource(Simulator(), null!), Throws.ArgumentNullException);
        });
    }
}
