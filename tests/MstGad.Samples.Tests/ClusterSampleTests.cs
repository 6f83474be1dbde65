using System.Net;
using MstGad.Samples.Cluster;

namespace MstGad.Samples.Tests;

[TestFixture]
[NonParallelizable]
public sealed class ClusterSampleTests
{
    [Test]
    public async Task RunAsync_TwoSystems_TellsEveryStepAndRollsOutTheNewModel()
    {
        using var folder = new TempDirectory();
        using var output = new StringWriter();
        var options = new ClusterSampleOptions { Systems = 2, Minutes = 32, TrainingHours = 1, Folder = folder.File("sample"), Ports = (Ports.Free(), Ports.Free()) };

        var result = await ClusterSample.RunAsync(options, output);

        Assert.Multiple(() =>
        {
            Assert.That(result.Statuses.Select(s => s.ModelVersion), Is.EqualTo(new[] { "v2", "v1" }), "the first system's model rolled out halfway");
            Assert.That(result.StepsTold["shop-0"], Is.EqualTo(result.StepsTold["shop-1"]).And.GreaterThan(10), "no step lost at the roll-out");
            Assert.That(result.Statuses[1].StepsScored, Is.GreaterThan(0));
            Assert.That(output.ToString(), Does.Contain("shop-0: rolling out v2 beside v1"));
        });
    }
}
