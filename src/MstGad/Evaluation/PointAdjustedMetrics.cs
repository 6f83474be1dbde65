namespace MstGad.Evaluation;

/// <summary>
/// Precision, recall and F1 under the point-adjust protocol (see <see cref="PointAdjusted"/>). These
/// figures are inflated by construction; report them only beside <see cref="PointMetrics"/> and
/// <see cref="EventMetrics"/>, never alone.
/// </summary>
/// <param name="Threshold">The decision threshold: a point is flagged when its score is at least this.</param>
/// <param name="Precision">TP / (TP + FP) after adjustment; 0 when nothing is flagged.</param>
/// <param name="Recall">TP / (TP + FN) after adjustment; 0 when no labelled point is abnormal.</param>
/// <param name="F1">2·TP / (2·TP + FP + FN) after adjustment; 0 when TP = 0.</param>
/// <param name="TruePositives">Abnormal points of detected segments (flagged or not).</param>
/// <param name="FalsePositives">Normal points flagged (unchanged by the adjustment).</param>
/// <param name="FalseNegatives">Abnormal points of segments with no flagged point.</param>
/// <param name="TrueNegatives">Normal points not flagged.</param>
/// <param name="Count">The labelled points evaluated: TP + FP + FN + TN.</param>
/// <param name="Ignored">The points labelled −1 (unknown), left out.</param>
/// <param name="Segments">The abnormal segments: maximal runs of abnormal points of one instance.</param>
/// <param name="DetectedSegments">The segments with at least one flagged point.</param>
public sealed record PointAdjustedMetrics(
    double Threshold,
    double Precision,
    double Recall,
    double F1,
    long TruePositives,
    long FalsePositives,
    long FalseNegatives,
    long TrueNegatives,
    long Count,
    long Ignored,
    long Segments,
    long DetectedSegments);
