namespace MstGad.Evaluation;

/// <summary>A step of one instance that a detector flagged as abnormal.</summary>
/// <param name="Instance">The instance (compared ordinally, case-sensitive).</param>
/// <param name="StepEnd">The end time of the flagged step: the earliest moment the detector could have
/// raised the flag.</param>
public readonly record struct FlaggedStep(string Instance, DateTimeOffset StepEnd);
