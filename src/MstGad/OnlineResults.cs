using System.Globalization;
using MstGad.Features;

namespace MstGad;

/// <summary>What <see cref="OnlineDetector"/> did with a pushed record.</summary>
public enum PushResult
{
    /// <summary>Used.</summary>
    Used = 0,

    /// <summary>Not used: its step had already closed (or it was behind <see cref="FeatureOptions.Lateness"/>).</summary>
    Late = 1,

    /// <summary>Not used: a span with a trace and span id seen before.</summary>
    Duplicate = 2,

    /// <summary>Not used: a NaN or infinite metric value.</summary>
    NotFinite = 3,

    /// <summary>Not used: a span that ends before it starts.</summary>
    NegativeDuration = 4,

    /// <summary>Not used: a time or coverage outside the representable range.</summary>
    OutOfRange = 5,

    /// <summary>Not used: further ahead of the clock than <see cref="OnlineDetectorOptions.MaxClockSkew"/>.</summary>
    AheadOfClock = 6,
}

/// <summary>The verdicts of one closed step.</summary>
/// <param name="Step">The step index (see <see cref="StepClock"/>).</param>
/// <param name="Start">The start of the step.</param>
/// <param name="End">The end of the step (the verdicts' time).</param>
/// <param name="Scored">Whether the step ends a full window (false for the first k − 1 steps of a stream).</param>
/// <param name="Verdicts">One verdict per instance with any modality in the step (empty when not scored).</param>
/// <param name="Calls">The call edges (caller, callee instance keys) seen in the step.</param>
public sealed record StepVerdicts(long Step, DateTimeOffset Start, DateTimeOffset End, bool Scored, IReadOnlyList<InstanceVerdict> Verdicts, IReadOnlyList<(string Caller, string Callee)> Calls);

/// <summary>The data of <see cref="OnlineDetector.StepClosed"/>.</summary>
/// <param name="verdicts">The step's verdicts.</param>
/// <param name="scoringTime">How long scoring the step's window took (zero when it was not scored).</param>
public sealed class StepClosedEventArgs(StepVerdicts verdicts, TimeSpan scoringTime) : EventArgs
{
    /// <summary>Creates the data of a step whose scoring time is not known.</summary>
    /// <param name="verdicts">The step's verdicts.</param>
    public StepClosedEventArgs(StepVerdicts verdicts)
        : this(verdicts, TimeSpan.Zero)
    {
    }

    /// <summary>The step's verdicts.</summary>
    public StepVerdicts Verdicts { get; } = verdicts;

    /// <summary>How long scoring the step's window took, measured with <see cref="OnlineDetectorOptions.TimeProvider"/> (zero when it was not scored).</summary>
    public TimeSpan ScoringTime { get; } = scoringTime;
}

/// <summary>
/// What an <see cref="OnlineDetector"/> used and did not use, and why (a snapshot). Every pushed record is
/// either used or counted under a reason.
/// </summary>
/// <param name="Aggregation">Records used and not used by the feature aggregation (late, duplicate, not finite, negative, out of range), orphans and calls.</param>
/// <param name="MetricsAheadOfClock">Metric samples further ahead of the clock than <see cref="OnlineDetectorOptions.MaxClockSkew"/>.</param>
/// <param name="LogsAheadOfClock">Log records further ahead of the clock.</param>
/// <param name="SpansAheadOfClock">Spans further ahead of the clock.</param>
/// <param name="StepsClosed">Steps closed (sealed and passed to scoring); runs of steps in which nothing was active are skipped.</param>
/// <param name="StepsScored">Closed steps that ended a full window.</param>
/// <param name="Verdicts">Verdicts produced.</param>
/// <param name="StepsDropped">Closed steps dropped from the full verdict buffer (<see cref="OnlineDetectorOptions.VerdictBufferCapacity"/>).</param>
/// <param name="Watermark">The newest event time of a used record, if any.</param>
/// <param name="OpenSteps">Steps open now.</param>
/// <param name="Instances">Instances tracked now.</param>
/// <param name="RememberedSpans">Span ids remembered now.</param>
/// <param name="WaitingChildren">Spans waiting for their parent now.</param>
/// <param name="ScoringTime">Time spent scoring windows since this instance started (a measurement: not saved in checkpoints, not in <see cref="ToString"/>).</param>
public sealed record OnlineReport(
    AggregationReport Aggregation,
    long MetricsAheadOfClock,
    long LogsAheadOfClock,
    long SpansAheadOfClock,
    long StepsClosed,
    long StepsScored,
    long Verdicts,
    long StepsDropped,
    DateTimeOffset? Watermark,
    int OpenSteps,
    int Instances,
    int RememberedSpans,
    int WaitingChildren,
    TimeSpan ScoringTime)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Aggregation}; ahead of the clock: {MetricsAheadOfClock} metrics, {LogsAheadOfClock} logs, {SpansAheadOfClock} spans; " +
        $"steps {StepsClosed} closed, {StepsScored} scored, {StepsDropped} dropped; {Verdicts} verdicts; watermark {Watermark:O}; " +
        $"now {OpenSteps} open steps, {Instances} instances, {RememberedSpans} span ids, {WaitingChildren} waiting children");
}
