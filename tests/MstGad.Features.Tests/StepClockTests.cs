namespace MstGad.Features.Tests;

[TestFixture]
public sealed class StepClockTests
{
    private static readonly StepClock TenSeconds = new(TimeSpan.FromSeconds(10));

    [TestCase(0L)]
    [TestCase(9_999L)]
    [TestCase(-10_000_000L)]
    public void Constructor_IntervalBelowOneMillisecond_ThrowsWithTheAllowedRangeAndTheValue(long ticks)
    {
        var interval = TimeSpan.FromTicks(ticks);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new StepClock(interval));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("interval"));
            Assert.That(ex.ActualValue, Is.EqualTo(interval));
            Assert.That(ex.Message, Is.EqualTo(
                "The step interval must be at least 1 ms. (Parameter 'interval')" + Environment.NewLine + $"Actual value was {interval}."));
        });
    }

    [Test]
    public void Constructor_OneMillisecond_IsAccepted()
    {
        Assert.That(new StepClock(TimeSpan.FromMilliseconds(1)).Interval, Is.EqualTo(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public void StepOf_TheEpochAndItsFirstStep_AreStepZero()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TenSeconds.StepOf(DateTimeOffset.UnixEpoch), Is.Zero);
            Assert.That(TenSeconds.StepOf(DateTimeOffset.UnixEpoch.AddTicks(99_999_999)), Is.Zero);
            Assert.That(TenSeconds.StepOf(DateTimeOffset.UnixEpoch.AddSeconds(10)), Is.EqualTo(1));
        });
    }

    [Test]
    public void StepOf_ARealTime_CountsStepsFromTheEpoch()
    {
        // 2024-05-06T00:00:00Z = 1,704,067,200 s (2024-01-01) + 126 days × 86,400 s = 1,714,953,600 s;
        // 08:42:09 adds 31,329 s → 1,714,984,929 s → step ⌊1,714,984,929 / 10⌋ = 171,498,492.
        var time = new DateTimeOffset(2024, 5, 6, 8, 42, 9, TimeSpan.Zero);

        var step = TenSeconds.StepOf(time);

        Assert.Multiple(() =>
        {
            Assert.That(step, Is.EqualTo(171_498_492L));
            Assert.That(TenSeconds.StartOf(step), Is.EqualTo(new DateTimeOffset(2024, 5, 6, 8, 42, 0, TimeSpan.Zero)));
            Assert.That(TenSeconds.EndOf(step), Is.EqualTo(new DateTimeOffset(2024, 5, 6, 8, 42, 10, TimeSpan.Zero)));
        });
    }

    [Test]
    public void StepOf_AStepBoundary_BelongsToTheLaterStep()
    {
        var boundary = new DateTimeOffset(2024, 5, 6, 8, 42, 10, TimeSpan.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(TenSeconds.StepOf(boundary), Is.EqualTo(171_498_493L));
            Assert.That(TenSeconds.StepOf(boundary.AddTicks(-1)), Is.EqualTo(171_498_492L));
        });
    }

    [Test]
    public void StepOf_AnOffsetTime_UsesItsUtcInstant()
    {
        // 10:42:09+02:00 is 08:42:09Z: the same step as above.
        var time = new DateTimeOffset(2024, 5, 6, 10, 42, 9, TimeSpan.FromHours(2));

        Assert.That(TenSeconds.StepOf(time), Is.EqualTo(171_498_492L));
    }

    // Before 1970 the step floors towards −∞: −1 s → ⌊−0.1⌋ = −1, −10 s → −1 exactly,
    // −10.0000001 s → ⌊−1.00000001⌋ = −2, −25 s → ⌊−2.5⌋ = −3.
    [TestCase(-10_000_000L, -1L)]
    [TestCase(-1L, -1L)]
    [TestCase(-100_000_000L, -1L)]
    [TestCase(-100_000_001L, -2L)]
    [TestCase(-250_000_000L, -3L)]
    public void StepOf_BeforeTheEpoch_FloorsTowardsNegativeInfinity(long ticksFromEpoch, long expected)
    {
        Assert.That(TenSeconds.StepOf(DateTimeOffset.UnixEpoch.AddTicks(ticksFromEpoch)), Is.EqualTo(expected));
    }

    [Test]
    public void StartOf_ANegativeStep_IsBeforeTheEpoch()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TenSeconds.StartOf(-1), Is.EqualTo(new DateTimeOffset(1969, 12, 31, 23, 59, 50, TimeSpan.Zero)));
            Assert.That(TenSeconds.EndOf(-1), Is.EqualTo(DateTimeOffset.UnixEpoch));
            Assert.That(TenSeconds.StartOf(-3), Is.EqualTo(new DateTimeOffset(1969, 12, 31, 23, 59, 30, TimeSpan.Zero)));
        });
    }

    [Test]
    public void StepOf_TheFirstOfJanuary1960_RoundTripsThroughStartOf()
    {
        // 1960-01-01 is 3,653 days (10 years, 3 of them leap: 1960, 1964, 1968) before the epoch:
        // −315,619,200 s, a multiple of 10 → step −31,561,920.
        var time = new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var step = TenSeconds.StepOf(time);

        Assert.Multiple(() =>
        {
            Assert.That(step, Is.EqualTo(-31_561_920L));
            Assert.That(TenSeconds.StartOf(step), Is.EqualTo(time));
            Assert.That(TenSeconds.StepOf(time.AddTicks(-1)), Is.EqualTo(-31_561_921L));
        });
    }

    [Test]
    public void StepOf_AnIntervalThatDoesNotDivideAMinute_IsStillAlignedToTheEpoch()
    {
        // 7 s steps: 20 s after the epoch is in step ⌊20 / 7⌋ = 2, which starts at 14 s and ends at 21 s.
        var clock = new StepClock(TimeSpan.FromSeconds(7));

        Assert.Multiple(() =>
        {
            Assert.That(clock.StepOf(DateTimeOffset.UnixEpoch.AddSeconds(20)), Is.EqualTo(2));
            Assert.That(clock.StartOf(2), Is.EqualTo(DateTimeOffset.UnixEpoch.AddSeconds(14)));
            Assert.That(clock.EndOf(2), Is.EqualTo(DateTimeOffset.UnixEpoch.AddSeconds(21)));
        });
    }

    [Test]
    public void EndOf_AnyStep_IsTheStartOfTheNext()
    {
        Assert.Multiple(() =>
        {
            foreach (var step in new long[] { -5, -1, 0, 1, 171_498_492 })
            {
                Assert.That(TenSeconds.EndOf(step), Is.EqualTo(TenSeconds.StartOf(step + 1)));
                Assert.That(TenSeconds.EndOf(step) - TenSeconds.StartOf(step), Is.EqualTo(TimeSpan.FromSeconds(10)));
            }
        });
    }

    [Test]
    public void ToString_TenSeconds_NamesTheInterval()
    {
        Assert.That(TenSeconds.ToString(), Is.EqualTo("StepClock(00:00:10)"));
    }
}
