using System.Globalization;

namespace MstGad.Features;

/// <summary>
/// Splits time into steps of a fixed interval Δ aligned to the Unix epoch: step <c>k</c> covers
/// <c>[k·Δ, (k+1)·Δ)</c> after 1970-01-01T00:00:00Z.
/// </summary>
public readonly record struct StepClock
{
    /// <summary>Creates a clock.</summary>
    /// <param name="interval">The step length; at least one millisecond.</param>
    /// <exception cref="ArgumentOutOfRangeException">The interval is shorter than one millisecond.</exception>
    public StepClock(TimeSpan interval)
    {
        if (interval < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The step interval must be at least 1 ms.");
        }

        Interval = interval;
    }

    /// <summary>The step length.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The step that contains a time.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The step index.</returns>
    public long StepOf(DateTimeOffset time) => Math.DivRem(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, Interval.Ticks, out var rest) - (rest < 0 ? 1 : 0);

    /// <summary>The start of a step.</summary>
    /// <param name="step">The step index.</param>
    /// <returns>The inclusive start time.</returns>
    public DateTimeOffset StartOf(long step) => DateTimeOffset.UnixEpoch.AddTicks(step * Interval.Ticks);

    /// <summary>The end of a step (the start of the next).</summary>
    /// <param name="step">The step index.</param>
    /// <returns>The exclusive end time.</returns>
    public DateTimeOffset EndOf(long step) => StartOf(step + 1);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"StepClock({Interval})");
}
