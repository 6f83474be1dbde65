namespace MstGad.Evaluation;

/// <summary>Whether and when one fault event was detected.</summary>
/// <param name="Event">The fault event.</param>
/// <param name="FirstFlag">The end time of the first flagged step of the event's instance inside
/// [start − tolerance, end + tolerance]; null when there is none (the event was missed).</param>
/// <param name="TimeToDetect"><paramref name="FirstFlag"/> − start: negative when the first flag came
/// within the tolerance before the start; null when the event was missed.</param>
public sealed record EventOutcome(FaultEvent Event, DateTimeOffset? FirstFlag, TimeSpan? TimeToDetect)
{
    /// <summary>Whether the event was detected.</summary>
    public bool Detected => FirstFlag.HasValue;
}
