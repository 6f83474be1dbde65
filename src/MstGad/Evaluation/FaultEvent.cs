namespace MstGad.Evaluation;

/// <summary>A labelled fault of one instance over a period of time.</summary>
/// <param name="Instance">The instance the fault hit (compared ordinally, case-sensitive).</param>
/// <param name="Start">When the fault started.</param>
/// <param name="End">When the fault ended; not before <paramref name="Start"/>.</param>
public sealed record FaultEvent(string Instance, DateTimeOffset Start, DateTimeOffset End);
