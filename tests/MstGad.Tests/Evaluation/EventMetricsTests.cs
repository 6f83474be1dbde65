using MstGad.Evaluation;

namespace MstGad.Tests.Evaluation;

[TestFixture]
public sealed class EventMetricsTests
{
    private static readonly DateTimeOffset Ten = new(2024, 5, 6, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan TwoHours = TimeSpan.FromHours(2);

    [Test]
    public void Evaluate_TwoFaultsOneCaughtLate_MatchesTheHandCount()
    {
        // Faults (tolerance 60 s): cart-0 10:00:00–10:05:00 → window [09:59:00, 10:06:00];
        //                          payment-0 11:00:00–11:03:00 → window [10:59:00, 11:04:00].
        // Flags (30 s steps, given out of order, 10:30:30 twice):
        //   cart-0    10:00:30, 10:01:00          run 1, in the window: detects the fault 30 s after its start
        //   cart-0    10:06:00, 10:06:30          run 2, 10:06:00 = end + tolerance is inside → not a false alarm
        //   cart-0    10:30:00, 10:30:30, 10:31:00 run 3, 3 steps, no window → false alarm
        //   payment-0 11:04:30                    run 4, 1 step, 30 s past its window → false alarm; fault missed
        // Recall 1/2; TTD 30 s (clipped and raw); 2 false alarms in 2 h → 1.0 per hour.
        var events = new[]
        {
            new FaultEvent("cart-0", Ten, Ten.AddMinutes(5)),
            new FaultEvent("payment-0", Ten.AddHours(1), Ten.AddHours(1).AddMinutes(3)),
        };
        var flags = new[]
        {
            Flag("payment-0", "11:04:30"),
            Flag("cart-0", "10:30:30"),
            Flag("cart-0", "10:00:30"),
            Flag("cart-0", "10:06:30"),
            Flag("cart-0", "10:30:00"),
            Flag("cart-0", "10:01:00"),
            Flag("cart-0", "10:31:00"),
            Flag("cart-0", "10:06:00"),
            Flag("cart-0", "10:30:30"),
        };

        var metrics = EventMetrics.Evaluate(events, flags, Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Events, Is.EqualTo(2));
            Assert.That(metrics.DetectedEvents, Is.EqualTo(1));
            Assert.That(metrics.EventRecall, Is.EqualTo(0.5));
            Assert.That(metrics.MeanTimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(metrics.MeanRawTimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(metrics.FalseAlarms, Is.EqualTo(2));
            Assert.That(metrics.FalseAlarmsPerHour, Is.EqualTo(1.0));
            Assert.That(metrics.Incidents, Is.EqualTo(new[]
            {
                new AlarmIncident("cart-0", At("10:00:30"), At("10:01:00"), 2, false),
                new AlarmIncident("cart-0", At("10:06:00"), At("10:06:30"), 2, false),
                new AlarmIncident("cart-0", At("10:30:00"), At("10:31:00"), 3, true),
                new AlarmIncident("payment-0", At("11:04:30"), At("11:04:30"), 1, true),
            }));
            Assert.That(metrics.Outcomes, Is.EqualTo(new[]
            {
                new EventOutcome(events[0], At("10:00:30"), TimeSpan.FromSeconds(30)),
                new EventOutcome(events[1], null, null),
            }));
            Assert.That(metrics.Outcomes.Select(o => o.Detected), Is.EqualTo(new[] { true, false }));
        });
    }

    [Test]
    public void Evaluate_FlagBeforeTheStart_ClipsTheMeanButNotTheRawMean()
    {
        // db-0 flagged at 09:59:30, 30 s before its start (inside the 60 s tolerance): TTD −30 s.
        // db-1 flagged first at 10:01:30: TTD +90 s.
        // Mean of max(0, TTD) = (0 + 90) / 2 = 45 s; raw mean = (−30 + 90) / 2 = 30 s.
        var events = new[]
        {
            new FaultEvent("db-0", Ten, Ten.AddMinutes(2)),
            new FaultEvent("db-1", Ten, Ten.AddMinutes(2)),
        };
        var flags = new[] { Flag("db-0", "09:59:30"), Flag("db-1", "10:01:30"), Flag("db-1", "10:02:00") };

        var metrics = EventMetrics.Evaluate(events, flags, Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.DetectedEvents, Is.EqualTo(2));
            Assert.That(metrics.Outcomes[0].TimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(-30)));
            Assert.That(metrics.Outcomes[1].TimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(90)));
            Assert.That(metrics.MeanTimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(45)));
            Assert.That(metrics.MeanRawTimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(metrics.FalseAlarms, Is.Zero);
        });
    }

    [Test]
    public void Evaluate_FlagExactlyAtStartMinusTolerance_Detects()
    {
        var events = new[] { new FaultEvent("a", Ten, Ten.AddMinutes(1)) };

        var metrics = EventMetrics.Evaluate(events, [Flag("a", "09:59:00")], Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.DetectedEvents, Is.EqualTo(1));
            Assert.That(metrics.MeanRawTimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(-60)));
            Assert.That(metrics.MeanTimeToDetect, Is.EqualTo(TimeSpan.Zero));
            Assert.That(metrics.FalseAlarms, Is.Zero);
        });
    }

    [Test]
    public void Evaluate_FlagOneTickBeforeTheWindow_IsAMissAndAFalseAlarm()
    {
        var events = new[] { new FaultEvent("a", Ten, Ten.AddMinutes(1)) };
        var flags = new[] { new FlaggedStep("a", At("09:59:00").AddTicks(-1)) };

        var metrics = EventMetrics.Evaluate(events, flags, Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.DetectedEvents, Is.Zero);
            Assert.That(metrics.MeanTimeToDetect, Is.Null);
            Assert.That(metrics.MeanRawTimeToDetect, Is.Null);
            Assert.That(metrics.FalseAlarms, Is.EqualTo(1));
            Assert.That(metrics.FalseAlarmsPerHour, Is.EqualTo(0.5));
        });
    }

    [Test]
    public void Evaluate_FlagOnAnotherInstance_DetectsNothing()
    {
        // Instances are compared ordinally: "Cart-0" is not "cart-0".
        var events = new[] { new FaultEvent("cart-0", Ten, Ten.AddMinutes(5)) };

        var metrics = EventMetrics.Evaluate(events, [Flag("Cart-0", "10:01:00")], Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.DetectedEvents, Is.Zero);
            Assert.That(metrics.FalseAlarms, Is.EqualTo(1));
        });
    }

    [Test]
    public void Evaluate_GapOfTwoSteps_SplitsTheRun()
    {
        // 10:30:00 and 10:31:00 are 2 steps apart: two 1-step runs, both false alarms.
        var metrics = EventMetrics.Evaluate([], [Flag("a", "10:30:00"), Flag("a", "10:31:00")], Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Incidents, Has.Count.EqualTo(2));
            Assert.That(metrics.Incidents.Select(i => i.Steps), Is.EqualTo(new[] { 1, 1 }));
            Assert.That(metrics.FalseAlarms, Is.EqualTo(2));
            Assert.That(metrics.FalseAlarmsPerHour, Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Evaluate_OverlappingFaultsOfOneInstance_UseEitherWindow()
    {
        // Windows [09:59, 10:11] and [10:04, 10:31]: the run 10:20:00–10:21:00 lies in the second → no false
        // alarm; both faults are detected, the first at 10:01:00 (60 s), the second at 10:20:00 (15 min).
        var events = new[]
        {
            new FaultEvent("a", Ten, Ten.AddMinutes(10)),
            new FaultEvent("a", Ten.AddMinutes(5), Ten.AddMinutes(30)),
        };
        var flags = new[] { Flag("a", "10:01:00"), Flag("a", "10:20:00"), Flag("a", "10:20:30"), Flag("a", "10:21:00") };

        var metrics = EventMetrics.Evaluate(events, flags, Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.DetectedEvents, Is.EqualTo(2));
            Assert.That(metrics.Outcomes[1].TimeToDetect, Is.EqualTo(TimeSpan.FromMinutes(15)));
            Assert.That(metrics.FalseAlarms, Is.Zero);
            Assert.That(metrics.Incidents, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void Evaluate_TimesWithAnOffset_CompareAsInstants()
    {
        // 12:00:30+02:00 is 10:00:30Z; the outcome keeps the flag's own offset.
        var plusTwo = new DateTimeOffset(2024, 5, 6, 12, 0, 30, TimeSpan.FromHours(2));
        var events = new[] { new FaultEvent("a", Ten, Ten.AddMinutes(1)) };

        var metrics = EventMetrics.Evaluate(events, [new FlaggedStep("a", plusTwo)], Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Outcomes[0].TimeToDetect, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(metrics.Outcomes[0].FirstFlag!.Value.Offset, Is.EqualTo(TimeSpan.FromHours(2)));
        });
    }

    [Test]
    public void Evaluate_NothingAtAll_IsEmpty()
    {
        var metrics = EventMetrics.Evaluate([], [], Tolerance, TwoHours, Step);

        Assert.Multiple(() =>
        {
            Assert.That(metrics.Events, Is.Zero);
            Assert.That(metrics.EventRecall, Is.Zero);
            Assert.That(metrics.MeanTimeToDetect, Is.Null);
            Assert.That(metrics.FalseAlarms, Is.Zero);
            Assert.That(metrics.FalseAlarmsPerHour, Is.Zero);
            Assert.That(metrics.Incidents, Is.Empty);
            Assert.That(metrics.Outcomes, Is.Empty);
        });
    }

    [Test]
    public void Evaluate_NegativeTolerance_ThrowsWithTheValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => EventMetrics.Evaluate([], [], TimeSpan.FromSeconds(-1), TwoHours, Step));

        Assert.That(ex.Message, Is.EqualTo(
            "The tolerance must be zero or positive. (Parameter 'tolerance')" + Environment.NewLine + "Actual value was -00:00:01."));
    }

    [Test]
    public void Evaluate_ZeroEvaluatedDuration_ThrowsWithTheValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => EventMetrics.Evaluate([], [], Tolerance, TimeSpan.Zero, Step));

        Assert.That(ex.Message, Is.EqualTo(
            "The evaluated duration must be positive. (Parameter 'evaluatedDuration')" + Environment.NewLine + "Actual value was 00:00:00."));
    }

    [Test]
    public void Evaluate_ZeroStepLength_ThrowsWithTheValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => EventMetrics.Evaluate([], [], Tolerance, TwoHours, TimeSpan.Zero));

        Assert.That(ex.Message, Is.EqualTo(
            "The step length must be positive. (Parameter 'stepLength')" + Environment.NewLine + "Actual value was 00:00:00."));
    }

    [Test]
    public void Evaluate_EventEndingBeforeItStarts_ThrowsWithItsIndexAndTimes()
    {
        var events = new[] { new FaultEvent("a", Ten, Ten.AddMinutes(1)), new FaultEvent("b", Ten, Ten.AddSeconds(-1)) };

        Assert.That(() => EventMetrics.Evaluate(events, [], Tolerance, TwoHours, Step), Throws.ArgumentException.With.Message.EqualTo(
            "The event at index 1 ends (2024-05-06T09:59:59.0000000+00:00) before it starts (2024-05-06T10:00:00.0000000+00:00). (Parameter 'events')"));
    }

    [Test]
    public void Evaluate_NullEventOrInstance_ThrowsWithItsIndex()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => EventMetrics.Evaluate([null!], [], Tolerance, TwoHours, Step), Throws.ArgumentException.With.Message.EqualTo(
                "The event at index 0 is null. (Parameter 'events')"));
            Assert.That(() => EventMetrics.Evaluate([new FaultEvent(null!, Ten, Ten)], [], Tolerance, TwoHours, Step), Throws.ArgumentException.With.Message.EqualTo(
                "The event at index 0 has no instance. (Parameter 'events')"));
            Assert.That(() => EventMetrics.Evaluate([], [Flag("a", "10:00:00"), new FlaggedStep(null!, Ten)], Tolerance, TwoHours, Step), Throws.ArgumentException.With.Message.EqualTo(
                "The flag at index 1 has no instance. (Parameter 'flags')"));
            Assert.That(() => EventMetrics.Evaluate(null!, [], Tolerance, TwoHours, Step), Throws.ArgumentNullException);
            Assert.That(() => EventMetrics.Evaluate([], null!, Tolerance, TwoHours, Step), Throws.ArgumentNullException);
        });
    }

    private static DateTimeOffset At(string time) =>
        new(Ten.Date.Add(TimeSpan.Parse(time, System.Globalization.CultureInfo.InvariantCulture)), TimeSpan.Zero);

    private static FlaggedStep Flag(string instance, string time) => new(instance, At(time));
}
