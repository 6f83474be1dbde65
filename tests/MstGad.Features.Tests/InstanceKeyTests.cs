using static MstGad.Features.Tests.Support.Telemetry;

namespace MstGad.Features.Tests;

[TestFixture]
public sealed class InstanceKeyTests
{
    // Deployment pods: <workload>-<ReplicaSet hash, 6–10 safe characters>-<5 safe characters>.
    [TestCase("ts-basic-service-5dc8d4f9fd-46997", "ts-basic-service")]
    [TestCase("ts-basic-service-5dc8d4f9fd-llznp", "ts-basic-service")]
    [TestCase("ts-order-service-7c8d9f6b5-x2k9p", "ts-order-service")]
    // DaemonSet or Job pods: <workload>-<5 safe characters with a digit>.
    [TestCase("node-exporter-x7k2m", "node-exporter")]
    // Kept: StatefulSet ordinals, names without a suffix, suffixes outside the safe alphabet or without a digit.
    [TestCase("redis-0", "redis-0")]
    [TestCase("Frontend", "Frontend")]
    [TestCase("my-service", "my-service")]
    [TestCase("my-app-bcdfg", "my-app-bcdfg")]
    [TestCase("web-12345", "web-12345")]
    public void KubernetesWorkload_Map_StripsPodSuffixesOnly(string raw, string expected)
    {
        Assert.That(InstanceKey.KubernetesWorkload.Map(raw), Is.EqualTo(expected));
    }

    [TestCase("ts-basic-service-5dc8d4f9fd-46997")]
    [TestCase("redis-0")]
    [TestCase("")]
    public void Identity_Map_KeepsTheName(string raw)
    {
        Assert.That(InstanceKey.Identity.Map(raw), Is.EqualTo(raw));
    }

    [Test]
    public void Map_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => InstanceKey.Identity.Map(null!));
    }

    [Test]
    public void Name_OfTheBuiltInKeys_IsTheirSavedName()
    {
        Assert.Multiple(() =>
        {
            Assert.That(InstanceKey.Identity.Name, Is.EqualTo("identity"));
            Assert.That(InstanceKey.KubernetesWorkload.Name, Is.EqualTo("kubernetes-workload"));
        });
    }

    [Test]
    public void FromName_BuiltInNames_ReturnsTheSameInstances()
    {
        Assert.Multiple(() =>
        {
            Assert.That(InstanceKey.FromName("identity"), Is.SameAs(InstanceKey.Identity));
            Assert.That(InstanceKey.FromName("kubernetes-workload"), Is.SameAs(InstanceKey.KubernetesWorkload));
        });
    }

    [TestCase("Identity")]
    [TestCase("host")]
    [TestCase("")]
    public void FromName_UnknownName_ThrowsNamingTheBuiltInKeys(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => InstanceKey.FromName(name));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("name"));
            Assert.That(ex.Message, Is.EqualTo($"Unknown instance key '{name}'; built-in keys are 'identity' and 'kubernetes-workload'. (Parameter 'name')"));
        });
    }

    [Test]
    public void Custom_AMapping_IsUsedAndNamed()
    {
        var key = InstanceKey.Custom("host", raw => raw.Split('/')[0]);

        Assert.Multiple(() =>
        {
            Assert.That(key.Name, Is.EqualTo("host"));
            Assert.That(key.Map("node-1/redis"), Is.EqualTo("node-1"));
        });
    }

    [TestCase("")]
    [TestCase("  ")]
    public void Custom_BlankName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => InstanceKey.Custom(name, s => s));
    }

    [Test]
    public void Custom_NullMapping_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => InstanceKey.Custom("x", null!));
    }

    [Test]
    public void KubernetesWorkload_TwoPodsOfOneWorkload_MergeIntoOneInstanceWithBothRawNames()
    {
        var data = Aggregate(
            Metric("ts-basic-service-5dc8d4f9fd-llznp", "08:00:01", "cpu", 1),
            Metric("redis-0", "08:00:02", "cpu", 2),
            Metric("ts-basic-service-5dc8d4f9fd-46997", "08:00:03", "cpu", 3));

        Assert.Multiple(() =>
        {
            Assert.That(data.Instances, Is.EqualTo(new[] { "ts-basic-service", "redis-0" }));
            // Raw names are sorted ordinally: '4' < 'l'.
            Assert.That(data.RawNames[0], Is.EqualTo(new[] { "ts-basic-service-5dc8d4f9fd-46997", "ts-basic-service-5dc8d4f9fd-llznp" }));
            Assert.That(data.RawNames[1], Is.EqualTo(new[] { "redis-0" }));
            // Both pods' samples are in the one instance's cell: mean (1 + 3) / 2 = 2.
            Assert.That(MetricValue(data, Step("08:00:00"), "ts-basic-service", "cpu"), Is.EqualTo(2.0));
        });
    }

    [Test]
    public void Identity_TwoPodsOfOneWorkload_StayTwoInstances()
    {
        var data = Aggregate(
            o => o.InstanceKey = InstanceKey.Identity,
            Metric("ts-basic-service-5dc8d4f9fd-llznp", "08:00:01", "cpu", 1),
            Metric("ts-basic-service-5dc8d4f9fd-46997", "08:00:03", "cpu", 3));

        Assert.That(data.Instances, Is.EqualTo(new[] { "ts-basic-service-5dc8d4f9fd-llznp", "ts-basic-service-5dc8d4f9fd-46997" }));
    }
}
