using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

/// <summary>Shared (host) metrics and logarithmic compression.</summary>
public sealed partial class FeatureSpaceTests
{
    /// <summary>
    /// Twelve steps of a, b, c: node_cpu of a and b is the same changing value (one host), c's its own; latency of a and b is
    /// the same constant bucket value 0.005 in every step (a coincidence of quiet instances), c's varies.
    /// </summary>
    private static TelemetryAggregate ThreePods(Action<FeatureOptions>? configure = null)
    {
        var records = new List<object>();
        for (var t = 0; t < 12; t++)
        {
            var time = new TimeOnly(8, 0).Add(TimeSpan.FromSeconds(10 * t)).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            records.Add(Metric("a", time, "node_cpu", 10 + t));
            records.Add(Metric("b", time, "node_cpu", 10 + t));
            records.Add(Metric("c", time, "node_cpu", 50 + (2 * t)));
            records.Add(Metric("a", time, "latency", 0.005));
            records.Add(Metric("b", time, "latency", 0.005));
            records.Add(Metric("c", time, "latency", 0.01 * (1 + (t % 3))));
        }

        return Aggregate(o =>
        {
            IdentityKeys(o);
            configure?.Invoke(o);
        }, [.. records]);
    }

    [Test]
    public void Fit_TwoInstancesReportTheSameChangingValue_TheMetricIsShared()
    {
        var data = ThreePods();

        var space = FeatureSpace.Fit(data, data.FirstStep, data.FirstStep + 12);

        Assert.Multiple(() =>
        {
            Assert.That(space.Metrics, Is.EquivalentTo(new[] { "node_cpu", "latency" }));
            Assert.That(space.SharedMetrics, Is.EqualTo(new[] { "node_cpu" }));
        });
    }

    [Test]
    public void SaveLoad_SharedMetricsAndCompression_RoundTrip()
    {
        var data = ThreePods(o => o.Compression = FeatureCompression.Logarithmic);
        var space = FeatureSpace.Fit(data, data.FirstStep, data.FirstStep + 12);
        using var stream = new MemoryStream();
        space.Save(stream);
        stream.Position = 0;

        var loaded = FeatureSpace.Load(stream);

        Assert.Multiple(() =>
        {
            Assert.That(loaded.SharedMetrics, Is.EqualTo(space.SharedMetrics));
            Assert.That(loaded.Options.Compression, Is.EqualTo(FeatureCompression.Logarithmic));
            Assert.That(loaded.Transform(data, data.FirstStep, data.FirstStep + 12).NodeFeatures,
                Is.EqualTo(space.Transform(data, data.FirstStep, data.FirstStep + 12).NodeFeatures));
        });
    }

    [Test]
    public void Transform_Logarithmic_CompressesByTheMedianMagnitudeThenScales()
    {
        // cpu of a: 2, 6, 4, 3, 5 in training (median magnitude s = 4), then 100. ln(1 + v/4): 0.405 … 0.916 … 3.258.
        var compressed = Aggregate(o => o.Compression = FeatureCompression.Logarithmic, [.. Records()]);
        var space = FeatureSpace.Fit(compressed, Step("08:00:00"), Step("08:00:50"));

        var frame = space.Transform(compressed, Step("08:00:50"), Step("08:01:00") + 1);
        var lo = Math.Log(1 + (2 / 4.0));
        var hi = Math.Log(1 + (6 / 4.0));
        var expected = (Math.Log(1 + (100 / 4.0)) - lo) / (hi - lo + Eps);

        Assert.That(Node(frame, 0, "a")[0], Is.EqualTo(expected).Within(Tolerance));
    }

    private static IEnumerable<object> Records() =>
    [
        Metric("a", "08:00:00", "cpu", 2),
        Metric("a", "08:00:10", "cpu", 6),
        Metric("a", "08:00:20", "cpu", 4),
        Metric("a", "08:00:30", "cpu", 3),
        Metric("a", "08:00:40", "cpu", 5),
        Metric("a", "08:00:50", "cpu", 100),
        Metric("a", "08:01:00", "cpu", 100),
    ];
}
