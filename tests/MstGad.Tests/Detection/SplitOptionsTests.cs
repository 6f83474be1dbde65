using MstGad.Features;

namespace MstGad.Tests.Detection;

public sealed class SplitOptionsTests
{
    [Test]
    public void Boundaries_ByFaults_SplitHalfwayBetweenFaults()
    {
        // 60 steps of 10 s from 00:00:00. Faults (50 s each) start at steps 5, 15, 25, 35, 45.
        // 0.6 × 5 = 3 training faults, 0.2 × 5 = 1 validation fault, 1 test fault.
        // Training ends halfway between the end of fault 3 (250 + 50 = 300 s) and the start of fault 4 (350 s): 325 s → step 32.
        // Validation ends halfway between the end of fault 4 (400 s) and the start of fault 5 (450 s): 425 s → step 42.
        var (data, _) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));
        var faults = Enumerable.Range(0, 5).Select(i => new FaultLabel("b", TinySystem.Start.AddSeconds(50 + (i * 100)), TimeSpan.FromSeconds(50), "cpu")).ToList();
        var split = new SplitOptions { By = SplitBy.Faults, TrainFraction = 0.6, ValidationFraction = 0.2 };

        var (trainEnd, validationEnd) = split.Boundaries(data, faults);

        Assert.Multiple(() =>
        {
            Assert.That(trainEnd - data.FirstStep, Is.EqualTo(32));
            Assert.That(validationEnd - data.FirstStep, Is.EqualTo(42));
        });
    }

    [Test]
    public void Boundaries_ByTime_TakeSharesOfTheSteps()
    {
        var (data, faults) = TinySystem.Create(new TelemetryAggregator(new FeatureOptions { Interval = TimeSpan.FromSeconds(10), InstanceKey = InstanceKey.Identity }));
        var split = new SplitOptions { TrainFraction = 0.5, ValidationFraction = 0.25 };

        var (trainEnd, validationEnd) = split.Boundaries(data, faults);

        // 60 steps: ⌊0.5·60⌋ = 30 training steps, ⌊0.25·60⌋ = 15 validation steps.
        Assert.That((trainEnd - data.FirstStep, validationEnd - data.FirstStep), Is.EqualTo((30L, 45L)));
    }
}
