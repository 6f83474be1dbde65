namespace MstGad.Evaluation;

/// <summary>
/// An alarm as an operator sees it: a maximal run of consecutive flagged steps of one instance
/// (consecutive = step ends exactly one step length apart).
/// </summary>
/// <param name="Instance">The instance.</param>
/// <param name="FirstStepEnd">The end time of the run's first flagged step.</param>
/// <param name="LastStepEnd">The end time of the run's last flagged step.</param>
/// <param name="Steps">The number of flagged steps in the run.</param>
/// <param name="IsFalseAlarm">Whether no step of the run lies inside a fault window
/// [start − tolerance, end + tolerance] of the same instance.</param>
public sealed record AlarmIncident(string Instance, DateTimeOffset FirstStepEnd, DateTimeOffset LastStepEnd, int Steps, bool IsFalseAlarm);
