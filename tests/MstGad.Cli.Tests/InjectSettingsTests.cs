namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class InjectSettingsTests
{
    [Test]
    public void Defaults_AreTheDocumentedOnes()
    {
        var settings = new InjectSettings();

        Assert.Multiple(() =>
        {
            Assert.That(settings.Seed, Is.EqualTo(1));
            Assert.That(settings.Kinds, Is.EqualTo(new[] { InjectedKind.NetworkDelay, InjectedKind.Cpu, InjectedKind.ErrorBurst }));
            Assert.That(settings.Count, Is.EqualTo(4));
            Assert.That(settings.Decoys, Is.Zero);
            Assert.That(settings.After, Is.Null);
            Assert.That(settings.Date, Is.Null);
            Assert.That(settings.Delay, Is.EqualTo(TimeSpan.FromMilliseconds(200)));
            Assert.That(settings.Jitter, Is.EqualTo(0.2));
            Assert.That(settings.CpuFactor, Is.EqualTo((50.0, 150.0)));
            Assert.That(settings.ErrorRate, Is.EqualTo(20));
            Assert.That(settings.Targets, Is.Empty);
            Assert.That(settings.KeepFaults, Is.False);
            Assert.That(InjectSettings.FaultDuration, Is.EqualTo(TimeSpan.FromMinutes(3)));
            Assert.That(InjectSettings.Lead, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(InjectSettings.Tail, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(InjectSettings.Guard, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(InjectSettings.LatencyFactor, Is.EqualTo((1.5, 2.0)));
        });
    }

    [TestCase(nameof(InjectedKind.NetworkDelay), "network-delay", "network_delay")]
    [TestCase(nameof(InjectedKind.Cpu), "cpu", "cpu_contention")]
    [TestCase(nameof(InjectedKind.ErrorBurst), "error-burst", "error_burst")]
    [TestCase(nameof(InjectedKind.Decoy), "decoy", "")]
    public void KindName_EachKind_HasItsOptionNameAndInjectType(string kind, string name, string injectType)
    {
        var value = Enum.Parse<InjectedKind>(kind);

        Assert.That((InjectSettings.KindName(value), InjectSettings.InjectType(value)), Is.EqualTo((name, injectType)));
    }

    [Test]
    public void ParseKinds_ListWithSpacesCaseAndDuplicates_KeepsTheFirstOfEach() =>
        Assert.That(InjectSettings.ParseKinds(" error-burst, CPU ,error-burst"), Is.EqualTo(new[] { InjectedKind.ErrorBurst, InjectedKind.Cpu }));

    [TestCase("cpu,foo", "unknown fault kind 'foo'; the kinds are network-delay, cpu and error-burst.")]
    [TestCase(" , ", "no fault kind given; the kinds are network-delay, cpu and error-burst.")]
    public void ParseKinds_Bad_ThrowsWithTheMessage(string text, string message) =>
        Assert.That(() => InjectSettings.ParseKinds(text), Throws.ArgumentException.With.Message.EqualTo(message));

    [TestCase("3-6", 3.0, 6.0)]
    [TestCase("4", 4.0, 4.0)]
    [TestCase("0.5-1.5", 0.5, 1.5)]
    public void ParseRange_Good_ReturnsMinAndMax(string text, double min, double max) =>
        Assert.That(InjectSettings.ParseRange(text), Is.EqualTo((min, max)));

    [TestCase("6-3")]
    [TestCase("0-2")]
    [TestCase("-3")]
    [TestCase("a-b")]
    [TestCase("1-2-3")]
    public void ParseRange_Bad_ThrowsWithTheMessage(string text) =>
        Assert.That(() => InjectSettings.ParseRange(text),
            Throws.ArgumentException.With.Message.EqualTo($"'{text}' is not a range; use MIN-MAX with 0 < MIN <= MAX, such as 3-6."));

    [TestCase("16:00", 16, 0)]
    [TestCase("9:05", 9, 5)]
    public void ParseTimeOfDay_Good_ReturnsTheTime(string text, int hour, int minute) =>
        Assert.That(InjectSettings.ParseTimeOfDay(text), Is.EqualTo(new TimeOnly(hour, minute)));

    [TestCase("25:00")]
    [TestCase("noon")]
    public void ParseTimeOfDay_Bad_ThrowsWithTheMessage(string text) =>
        Assert.That(() => InjectSettings.ParseTimeOfDay(text),
            Throws.ArgumentException.With.Message.EqualTo($"'{text}' is not a time of day; use HH:MM (UTC, the data's clock), such as 16:00."));

    [Test]
    public void Problems_EveryBadValue_OneMessageEach()
    {
        var settings = new InjectSettings
        {
            Output = " ",
            Kinds = [],
            Count = 0,
            Decoys = -1,
            Delay = TimeSpan.Zero,
            Jitter = 1,
            ErrorRate = double.NaN,
        };

        Assert.That(settings.Problems(), Is.EqualTo(new[]
        {
            "--kinds: no fault kind given; the kinds are network-delay, cpu and error-burst.",
            "--count must be at least 1 (was 0).",
            "--decoys must be 0 or more (was -1).",
            "--delay must be greater than 0 (was 0 s).",
            "--jitter must be in [0, 1) (was 1).",
            "--error-rate must be greater than 0 (was NaN).",
            "--out names no folder.",
        }));
    }

    [Test]
    public void Problems_Defaults_None() =>
        Assert.That(new InjectSettings { Output = "out" }.Problems(), Is.Empty);
}
