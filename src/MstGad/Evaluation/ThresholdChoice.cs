namespace MstGad.Evaluation;

/// <summary>A decision threshold chosen on labelled validation data, with the figures it reaches there.</summary>
/// <param name="Threshold">The threshold: a point is predicted abnormal when its score is at least this.</param>
/// <param name="F1">The point-wise F1 of the abnormal class at the threshold.</param>
/// <param name="Precision">The point-wise precision at the threshold.</param>
/// <param name="Recall">The point-wise recall at the threshold.</param>
public sealed record ThresholdChoice(double Threshold, double F1, double Precision, double Recall);
