namespace MstGad.Tests.Online;

public sealed class IncidentTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Evidence NoEvidence = new([], [], []);

    /// <summary>A step of 1 minute (step <paramref name="t"/>) with the given flagged and normal instances and call edges.</summary>
    private static StepVerdicts Step(int t, string flagged = "", string normal = "", params (string, string)[] calls)
    {
        var end = T0.AddMinutes(t + 1);
        var verdicts = flagged.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(i => new InstanceVerdict(i, end, 0.5 + (t / 8.0), true, NoEvidence))
            .Concat(normal.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(i => new InstanceVerdict(i, end, 0.1, false, NoEvidence)))
            .ToList();
        return new StepVerdicts(t, T0.AddMinutes(t), end, true, verdicts, calls);
    }

    private static List<IncidentEvent> Run(IncidentTracker tracker, params StepVerdicts[] steps) =>
        [.. steps.SelectMany(tracker.Observe), .. tracker.Flush()];

    [Test]
    public void Observe_ConsecutiveFlaggedSteps_FormOneIncident()
    {
        var events = Run(new IncidentTracker(), Step(0, normal: "a"), Step(1, "a"), Step(2, "a"), Step(3, "a"), Step(4, normal: "a"));

        Assert.That(events, Is.EqualTo(new[]
        {
            new IncidentEvent(IncidentChange.Opened, new Incident(1, "a", T0.AddMinutes(1), T0.AddMinutes(2), null, 1, 0.625, 1)),
            new IncidentEvent(IncidentChange.Closed, new Incident(1, "a", T0.AddMinutes(1), T0.AddMinutes(4), T0.AddMinutes(4), 3, 0.875, 1)),
        }));
    }

    [Test]
    public void Observe_AGapWithoutCoolDown_StartsANewIncident()
    {
        var events = Run(new IncidentTracker(), Step(0, "a"), Step(1, normal: "a"), Step(2, "a"));

        Assert.That(events.Where(e => e.Change == IncidentChange.Opened).Select(e => e.Incident.Id), Is.EqualTo(new[] { 1L, 2L }));
    }

    [Test]
    public void Observe_AGapWithinTheCoolDown_ContinuesTheIncident()
    {
        var tracker = new IncidentTracker(new IncidentOptions { CoolDown = TimeSpan.FromMinutes(2) });

        var events = Run(tracker, Step(0, "a"), Step(1, normal: "a"), Step(2, normal: "a"), Step(3, "a"), Step(4), Step(5), Step(6));

        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Change), Is.EqualTo(new[] { IncidentChange.Opened, IncidentChange.Closed }));
            Assert.That(events[1].Incident, Is.EqualTo(new Incident(1, "a", T0, T0.AddMinutes(4), T0.AddMinutes(4), 2, 0.875, 1)));
        });
    }

    [Test]
    public void Observe_AnInstanceThatStopsReporting_IsClosedWhenTheCoolDownPasses()
    {
        var tracker = new IncidentTracker(new IncidentOptions { CoolDown = TimeSpan.FromMinutes(1) });

        var events = Run(tracker, Step(0, "a"), Step(1, normal: "b"), Step(2, normal: "b"));

        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Change), Is.EqualTo(new[] { IncidentChange.Opened, IncidentChange.Closed }));
            Assert.That(events[1].Incident.End, Is.EqualTo(T0.AddMinutes(1)));
            Assert.That(tracker.Open, Is.Empty);
        });
    }

    [Test]
    public void Observe_ShorterThanMinFlaggedSteps_IsSuppressedAndCounted()
    {
        var tracker = new IncidentTracker(new IncidentOptions { MinFlaggedSteps = 3 });

        var events = Run(tracker, Step(0, "a b"), Step(1, "a b"), Step(2, "b"), Step(3));

        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => (e.Change, e.Incident.Instance, e.Incident.Start)), Is.EqualTo(new[]
            {
                (IncidentChange.Opened, "b", T0),
                (IncidentChange.Closed, "b", T0),
            }));
            Assert.That(tracker.Suppressed, Is.EqualTo(1), "a's run of two steps");
        });
    }

    [Test]
    public void Observe_AdjacentInstancesStartingTogether_ShareAGroup()
    {
        var tracker = new IncidentTracker(new IncidentOptions { GroupingTolerance = TimeSpan.FromMinutes(2) });

        var events = Run(
            tracker,
            Step(0, normal: "a b c d", calls: [("a", "b"), ("b", "c")]),
            Step(1, "b", "a c d", ("a", "b"), ("b", "c")),
            Step(2, "a b", "c d"),
            Step(3, "a b c d"),
            Step(4, "a b c d"));

        var opened = events.Where(e => e.Change == IncidentChange.Opened).Select(e => e.Incident).ToDictionary(i => i.Instance);
        Assert.Multiple(() =>
        {
            Assert.That(opened["b"].Group, Is.EqualTo(opened["b"].Id), "b starts the group");
            Assert.That(opened["a"].Group, Is.EqualTo(opened["b"].Id), "a calls b and started a minute later");
            Assert.That(opened["c"].Group, Is.EqualTo(opened["b"].Id), "b calls c; c started two minutes after b");
            Assert.That(opened["d"].Group, Is.EqualTo(opened["d"].Id), "d is not adjacent to anyone");
        });
    }

    [Test]
    public void Observe_AdjacentInstancesFarApart_AreNotGrouped()
    {
        var tracker = new IncidentTracker(new IncidentOptions { GroupingTolerance = TimeSpan.FromMinutes(1) });

        var events = Run(tracker, Step(0, "a", "b", ("a", "b")), Step(1, "a", "b"), Step(2, "a", "b"), Step(3, "a b"));

        var opened = events.Where(e => e.Change == IncidentChange.Opened).Select(e => e.Incident).ToList();
        Assert.That(opened.Select(i => i.Group), Is.EqualTo(new[] { opened[0].Id, opened[1].Id }));
    }

    [Test]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var options = new IncidentOptions
        {
            CoolDown = TimeSpan.FromSeconds(-1),
            MinFlaggedSteps = 0,
            GroupingTolerance = TimeSpan.FromSeconds(-2),
            CallGraphMemory = TimeSpan.Zero,
        };

        var ex = Assert.Throws<ArgumentException>(() => _ = new IncidentTracker(options));

        Assert.That(ex.Message, Is.EqualTo(string.Join(Environment.NewLine,
            "Invalid incident options:",
            "- CoolDown must not be negative; it is -00:00:01.",
            "- MinFlaggedSteps must be at least 1; it is 0.",
            "- GroupingTolerance must not be negative; it is -00:00:02.",
            "- CallGraphMemory must be greater than zero; it is 00:00:00.")));
    }

    [Test]
    public void Options_Defaults_ArePinned()
    {
        var options = new IncidentOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.CoolDown, Is.EqualTo(TimeSpan.Zero));
            Assert.That(options.MinFlaggedSteps, Is.EqualTo(1));
            Assert.That(options.GroupingTolerance, Is.EqualTo(TimeSpan.FromMinutes(2)));
            Assert.That(options.CallGraphMemory, Is.EqualTo(TimeSpan.FromHours(1)));
        });
    }
}
