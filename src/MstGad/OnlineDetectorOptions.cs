using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MstGad;

/// <summary>Settings of an <see cref="OnlineDetector"/>. Validated (all problems at once) when the detector is created.</summary>
public sealed class OnlineDetectorOptions
{
    /// <summary>
    /// How far behind the newest event time a record may arrive and still count. A step closes (and is
    /// scored) once the newest event time is this far past its end; a record for a closed step is counted
    /// as late and not used. Metric samples that summarise a period (Nezha's rows cover the minute before
    /// them) need at least that period.
    /// </summary>
    /// <value>Default 2 minutes. Zero up to 1 day.</value>
    public TimeSpan Lateness { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long span ids are remembered after their step closed: a duplicate within this time is counted
    /// as a duplicate, and a child may find a parent that ended this long before the child's step closed.
    /// Older duplicates count as late (their step is closed), so nothing is counted twice.
    /// </summary>
    /// <value>Default 10 minutes. Zero up to 1 day.</value>
    public TimeSpan SpanRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Records whose event time is further ahead of the <see cref="TimeProvider"/>'s clock than this are
    /// counted as ahead of the clock and not used (a host with a wrong clock must not close every open
    /// step at once). <see langword="null"/> turns the check off (replaying recorded telemetry is never ahead).
    /// </summary>
    /// <value>Default 15 minutes. Zero or more when set.</value>
    public TimeSpan? MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How many closed steps <see cref="OnlineDetector.ReadVerdictsAsync"/> buffers for a slow reader; when
    /// the buffer is full the oldest step is dropped and counted in <see cref="OnlineReport.StepsDropped"/>.
    /// Zero turns the buffer off (use the <see cref="OnlineDetector.StepClosed"/> event instead).
    /// </summary>
    /// <value>Default 1,024. Zero or more.</value>
    public int VerdictBufferCapacity { get; set; } = 1024;

    /// <summary>The clock that <see cref="MaxClockSkew"/> is checked against.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Logging (category <c>MstGad.Online</c>).</summary>
    /// <value>Default <see cref="NullLoggerFactory.Instance"/>.</value>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Checks every setting and returns one message per problem (empty when valid).</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Add(FormattableString message) => problems.Add(message.ToString(CultureInfo.InvariantCulture));
        if (Lateness < TimeSpan.Zero || Lateness > TimeSpan.FromDays(1))
        {
            Add($"Lateness must be between 0 and 1 day; it is {Lateness}.");
        }

        if (SpanRetention < TimeSpan.Zero || SpanRetention > TimeSpan.FromDays(1))
        {
            Add($"SpanRetention must be between 0 and 1 day; it is {SpanRetention}.");
        }

        if (MaxClockSkew is { } skew && skew < TimeSpan.Zero)
        {
            Add($"MaxClockSkew must not be negative when set; it is {skew}.");
        }

        if (VerdictBufferCapacity < 0)
        {
            Add($"VerdictBufferCapacity must be zero or more; it is {VerdictBufferCapacity}.");
        }

        if (TimeProvider is null)
        {
            Add($"TimeProvider must be set.");
        }

        if (LoggerFactory is null)
        {
            Add($"LoggerFactory must be set.");
        }

        return problems;
    }

    internal OnlineDetectorOptions Clone() => (OnlineDetectorOptions)MemberwiseClone();

    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid online detector options:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems));
        }
    }
}
