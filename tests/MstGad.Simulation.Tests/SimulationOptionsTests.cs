namespace MstGad.Simulation.Tests;

[TestFixture]
public sealed class SimulationOptionsTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Constructor_Defaults_ArePinnedAndValid()
    {
        var options = new SimulationOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Seed, Is.EqualTo(1));
            Assert.That(options.Services, Is.EqualTo(8));
            Assert.That(options.Replicas, Is.EqualTo(1));
            Assert.That(options.Start, Is.EqualTo(Start));
            Assert.That(options.Duration, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(options.MetricInterval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.RequestsPerSecond, Is.EqualTo(5));
            Assert.That(options.DailyAmplitude, Is.EqualTo(0.5));
            Assert.That(options.Noise, Is.EqualTo(0.1));
            Assert.That(options.FaultCount, Is.EqualTo(6));
            Assert.That(options.FaultDuration, Is.EqualTo(TimeSpan.FromMinutes(4)));
            Assert.That(options.FaultKinds, Is.EqualTo(Enum.GetValues<FaultKind>()));
            Assert.That(options.Faults, Is.Empty);
            Assert.That(options.FaultIntensity, Is.EqualTo(1));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [TestCase(1, "Services must be from 2 to 500; it is 1.")]
    [TestCase(501, "Services must be from 2 to 500; it is 501.")]
    public void Validate_ServicesOutOfRange_ReportsIt(int services, string expected)
    {
        Assert.That(new SimulationOptions { Services = services }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(0, "Replicas must be from 1 to 50; it is 0.")]
    [TestCase(51, "Replicas must be from 1 to 50; it is 51.")]
    public void Validate_ReplicasOutOfRange_ReportsIt(int replicas, string expected)
    {
        Assert.That(new SimulationOptions { Replicas = replicas }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Validate_MetricIntervalBelowOneSecond_ReportsIt()
    {
        var options = new SimulationOptions { MetricInterval = TimeSpan.FromMilliseconds(500), FaultCount = 0 };

        Assert.That(options.Validate(), Is.EqualTo(new[] { "MetricInterval must be from 1 s to 1 h; it is 00:00:00.5000000." }));
    }

    [Test]
    public void Validate_ZeroDuration_ReportsIt()
    {
        var options = new SimulationOptions { Duration = TimeSpan.Zero, FaultCount = 0 };

        Assert.That(options.Validate(), Is.EqualTo(new[] { "Duration must be greater than zero and at most 366 days; it is 00:00:00." }));
    }

    [Test]
    public void Validate_DurationNotAMultipleOfTheInterval_ReportsIt()
    {
        var options = new SimulationOptions { Duration = TimeSpan.FromSeconds(65), FaultCount = 0 };

        Assert.That(options.Validate(), Is.EqualTo(new[] { "Duration must be a whole multiple of MetricInterval (00:00:10); it is 00:01:05." }));
    }

    [TestCase(0.0, "RequestsPerSecond must be greater than zero and at most 10000; it is 0.")]
    [TestCase(double.NaN, "RequestsPerSecond must be greater than zero and at most 10000; it is NaN.")]
    [TestCase(20000.0, "RequestsPerSecond must be greater than zero and at most 10000; it is 20000.")]
    public void Validate_RequestRateOutOfRange_ReportsIt(double rate, string expected)
    {
        Assert.That(new SimulationOptions { RequestsPerSecond = rate }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(1.0, "DailyAmplitude must be in [0, 1); it is 1.")]
    [TestCase(-0.1, "DailyAmplitude must be in [0, 1); it is -0.1.")]
    public void Validate_DailyAmplitudeOutOfRange_ReportsIt(double amplitude, string expected)
    {
        Assert.That(new SimulationOptions { DailyAmplitude = amplitude }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(-0.1, "Noise must be in [0, 1]; it is -0.1.")]
    [TestCase(1.5, "Noise must be in [0, 1]; it is 1.5.")]
    public void Validate_NoiseOutOfRange_ReportsIt(double noise, string expected)
    {
        Assert.That(new SimulationOptions { Noise = noise }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(0.0, "FaultIntensity must be greater than zero and at most 10; it is 0.")]
    [TestCase(11.0, "FaultIntensity must be greater than zero and at most 10; it is 11.")]
    public void Validate_FaultIntensityOutOfRange_ReportsIt(double intensity, string expected)
    {
        Assert.That(new SimulationOptions { FaultIntensity = intensity }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Validate_NegativeFaultCount_ReportsIt()
    {
        Assert.That(new SimulationOptions { FaultCount = -1 }.Validate(), Is.EqualTo(new[] { "FaultCount must be zero or more; it is -1." }));
    }

    [Test]
    public void Validate_FaultDurationShorterThanTheInterval_ReportsIt()
    {
        var options = new SimulationOptions { FaultDuration = TimeSpan.FromSeconds(5) };

        Assert.That(options.Validate(), Is.EqualTo(new[] { "FaultDuration must be at least MetricInterval (00:00:10); it is 00:00:05." }));
    }

    [Test]
    public void Validate_MoreFaultsThanThePeriodHolds_ReportsTheNeededDuration()
    {
        var options = new SimulationOptions { FaultCount = 8 };

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "Duration must hold (2 × FaultCount + 1) fault durations so that faults are separated by normal time: 8 faults of 00:04:00 need at least 01:08:00; it is 01:00:00.",
        }));
    }

    [Test]
    public void Validate_NoFaultKinds_ReportsIt()
    {
        var options = new SimulationOptions();
        options.FaultKinds.Clear();

        Assert.That(options.Validate(), Is.EqualTo(new[] { "FaultKinds must name at least one kind when FaultCount is positive." }));
    }

    [Test]
    public void Validate_NoFaultKindsAndNoFaults_IsValid()
    {
        var options = new SimulationOptions { FaultCount = 0 };
        options.FaultKinds.Clear();

        Assert.That(options.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_UndefinedFaultKind_ReportsIt()
    {
        var options = new SimulationOptions();
        options.FaultKinds.Add((FaultKind)99);

        Assert.That(options.Validate(), Is.EqualTo(new[] { "FaultKinds holds 99, which is not a FaultKind." }));
    }

    [Test]
    public void Validate_ScheduledFaultOutsideThePeriod_ReportsIt()
    {
        var options = new SimulationOptions();
        options.Faults.Add(new SimulatedFault(FaultKind.CpuHog, "ts-order-service", Start.AddMinutes(58), TimeSpan.FromMinutes(5)));

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "Faults[0] (2024-01-01T00:58:00.0000000+00:00 – 2024-01-01T01:03:00.0000000+00:00) must lie inside the simulated period 2024-01-01T00:00:00.0000000+00:00 – 2024-01-01T01:00:00.0000000+00:00.",
        }));
    }

    [Test]
    public void Validate_BadScheduledFaults_ReportsEveryProblemWithItsIndex()
    {
        var options = new SimulationOptions();
        options.Faults.Add(new SimulatedFault(FaultKind.MemoryLeak, "ts-order-service", Start.AddMinutes(5), TimeSpan.FromMinutes(5)));
        options.Faults.Add(new SimulatedFault((FaultKind)42, " ", Start.AddMinutes(10), TimeSpan.Zero));
        options.Faults.Add(null!);

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "Faults[1] has kind 42, which is not a FaultKind.",
            "Faults[1] has no target.",
            "Faults[1] must last longer than zero; it lasts 00:00:00.",
            "Faults[2] is null.",
        }));
    }

    [Test]
    public void Validate_AScheduleWithTooManyFaultsForRandomPlacement_IgnoresFaultCount()
    {
        var options = new SimulationOptions { FaultCount = 100 };
        options.Faults.Add(new SimulatedFault(FaultKind.CpuHog, "ts-order-service", Start.AddMinutes(5), TimeSpan.FromMinutes(5)));

        Assert.That(options.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_SeveralProblems_ReportsThemAll()
    {
        var options = new SimulationOptions { Services = 1, Noise = 2, FaultCount = -3 };

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "Services must be from 2 to 500; it is 1.",
            "Noise must be in [0, 1]; it is 2.",
            "FaultCount must be zero or more; it is -3.",
        }));
    }
}
