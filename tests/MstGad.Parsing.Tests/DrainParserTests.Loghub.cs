using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

/// <summary>Grouping accuracy of <see cref="DrainParser"/> on the 16 systems of the Loghub 2k benchmark.</summary>
public sealed partial class DrainParserTests
{
    private static IEnumerable<TestCaseData> LoghubSystems() =>
        Loghub.Systems.Select(s => new TestCaseData(s.Name).SetName($"Parse_Loghub2k_{s.Name}_ReachesReferenceGroupingAccuracy"));

    [TestCaseSource(nameof(LoghubSystems))]
    public void Parse_Loghub2k_ReachesReferenceGroupingAccuracy(string system)
    {
        var reference = Loghub.System(system).ReferenceAccuracy;

        var accuracy = Loghub.GroupingAccuracyOf(system);

        TestContext.Out.WriteLine($"{system}: {Loghub.F(accuracy)} (reference {Loghub.F(reference)})");
        Assert.That(accuracy, Is.GreaterThanOrEqualTo(reference - 0.01), $"{system}: grouping accuracy {Loghub.F(accuracy)}, reference {Loghub.F(reference)}");
    }

    [Test]
    public void Parse_Loghub2k_AllSixteenSystemsAreBenchmarked()
    {
        Assert.That(
            Loghub.Systems.Select(s => s.Name),
            Is.EquivalentTo(new[]
            {
                "HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Thunderbird", "Windows",
                "Linux", "Android", "HealthApp", "Apache", "Proxifier", "OpenSSH", "OpenStack", "Mac",
            }));
    }

    [Test]
    public void Parse_Loghub2k_AverageGroupingAccuracyIsAtLeastTheReference()
    {
        var accuracies = Loghub.Systems.Select(s => Loghub.GroupingAccuracyOf(s.Name)).ToList();

        var average = accuracies.Average();

        TestContext.Out.WriteLine($"average {Loghub.F(average)} (reference {Loghub.F(Loghub.ReferenceAverage)})");
        Assert.Multiple(() =>
        {
            Assert.That(accuracies, Has.Count.EqualTo(16));
            Assert.That(average, Is.GreaterThanOrEqualTo(0.865));
        });
    }
}
