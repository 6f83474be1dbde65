using System.Globalization;

namespace MstGad;

/// <summary>How a verdict's decision is made.</summary>
public enum DecisionRule
{
    /// <summary>The paper's: abnormal when the classifier's abnormal probability P ≥ 0.5.</summary>
    Classifier = 0,

    /// <summary>Abnormal when P ≥ the threshold that maximised F1 on the validation split.</summary>
    ValidationThreshold = 1,

    /// <summary>
    /// For users without labels: abnormal when the reconstruction error exceeds an extreme-value
    /// threshold (SPOT, peaks over threshold) calibrated on the training split.
    /// </summary>
    ExtremeValue = 2,

    /// <summary>
    /// Abnormal when the reconstruction error RE ≥ the threshold that maximised F1 of RE on the
    /// validation split (labels choose the threshold; the score does not depend on the classifier).
    /// </summary>
    ReconstructionThreshold = 3,

    /// <summary>
    /// The classifier's probability corrected for the class weight w = n_normal / n_abnormal of the
    /// training loss (Eq. 16): a classifier trained with weight w on the abnormal class outputs P with
    /// odds w times the true odds, so the corrected probability P / (P + w·(1 − P)) ≥ 0.5 exactly when
    /// P ≥ w / (1 + w). Needs no validation labels; the recommended rule when training has labels.
    /// </summary>
    CalibratedClassifier = 4,

    /// <summary>
    /// The default. Needs no labels and works for kinds of failure never labelled: abnormal when the instance's
    /// anomaly score — its reconstruction errors, each measured against its own spread on normal training
    /// time, combined per modality (see <see cref="UnsupervisedOptions"/>) — exceeds the threshold set by
    /// the alarm budget on normal time (<see cref="UnsupervisedOptions.AlarmBudgetPerHour"/>).
    /// </summary>
    Unsupervised = 5,

    /// <summary>
    /// Abnormal when either the anomaly score (<see cref="Unsupervised"/>) or — only when training had
    /// abnormal labels — the classifier's probability P is above its threshold, both thresholds set by the alarm
    /// budget on normal training and validation time (the budget shared equally between the two; P's threshold at
    /// least 0.5). The verdict's score is the larger of the two as a multiple of its own threshold, so that a score
    /// ≥ 1 is abnormal. Catches more of the labelled kinds, but the classifier can be confidently wrong on a day
    /// unlike its training (it learnt the labelled faults, and reacts to what came with them): measured in
    /// docs/evaluation.md, it doubled the false alarms on new days without finding more of the unlabelled kinds.
    /// </summary>
    Combined = 6,
}

/// <summary>The unsupervised anomaly score and its alarm budget (<see cref="DecisionRule.Unsupervised"/>, <see cref="DecisionRule.Combined"/>).</summary>
public sealed class UnsupervisedOptions
{
    /// <summary>
    /// The false alarms per hour, over the whole system, that the threshold of the anomaly score is set for
    /// on normal training and validation time (extreme-value fit; every flagged step counted as an alarm).
    /// </summary>
    /// <value>Default 0.25. Greater than zero.</value>
    public double AlarmBudgetPerHour { get; set; } = 0.25;

    /// <summary>How many of a modality's largest standard scores are averaged into its score.</summary>
    /// <value>Default 2. At least 1.</value>
    public int TopFeatures { get; set; } = 2;

    /// <summary>
    /// The smallest tail scale of a feature's error distribution, in the units of the normalised features (metrics
    /// scaled to their training range, log counts to their training maximum, edge features to their training mean):
    /// an error this far beyond the feature's 95 % quantile is one decade rarer. It keeps a feature that hardly varied
    /// in training (a rare log template, a flat metric) from turning a small change into an enormous surprise.
    /// </summary>
    /// <value>Default 0.05. Greater than zero.</value>
    public double MinimumTailScale { get; set; } = 0.05;

    /// <summary>
    /// How strongly the tail scale of an instance's trace (call-edge) feature is pulled toward that feature's scale over
    /// all instances, counted in excesses: the instance's own scale, fitted on its k errors beyond the 95 % quantile, is
    /// weighted k against this many for the pooled one. Edge features exist only in the minutes the call happened (and
    /// where traces are collected only around incidents, in a few dozen minutes a day), so an instance's tail often rests
    /// on a handful of errors; one that happened to be small makes the next ordinary outlier look impossible (a surprise
    /// of 30 instead of 5), and such outliers set the alarm threshold above real incidents. 0 keeps every instance's own scale.
    /// </summary>
    /// <value>Default 20. Zero or more.</value>
    public double TracePriorExcesses { get; set; } = 20;

    /// <summary>
    /// Whether client-minus-server time counts in the score only by its median over the step's calls (the edge feature
    /// <c>gap:median</c>), not by its total or mean (overall and per request type). About one call in a hundred has a
    /// couple of hundred milliseconds between the two sides in normal operation (a delayed acknowledgement), so in a quiet
    /// minute one such call moves the mean as far as a network delay does; a delay moves every call, and so the median.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool RobustGaps { get; set; } = true;

    /// <summary>
    /// How many consecutive steps an instance's metric score must stay up for it to count: the decision uses the smallest
    /// of the last k, and the alarm budget is fitted on that. One metric sample
    /// usually covers two steps, and one slow request of a quiet minute makes a latency percentile jump for one sample:
    /// asking for three steps keeps such blips from paging anybody, at the cost of flagging a metric fault two steps later.
    /// </summary>
    /// <value>Default 3. At least 1 (no persistence).</value>
    public int PersistenceSteps { get; set; } = 3;

    /// <summary>
    /// The same for the logs' and the traces' scores and the classifier's probability. Calls and log lines are counted in
    /// the step they happen (no sample smears them over two steps), their counts swing with the traffic of the minute,
    /// and the classifier reads the whole window.
    /// </summary>
    /// <value>Default 1. At least 1.</value>
    public int EventPersistenceSteps { get; set; } = 1;

    /// <summary>
    /// The share of the training and validation points taken as incidents nobody labelled: the highest scores of that
    /// share are left out before the alarm threshold is fitted on the rest. Without it, unlabelled faults in the
    /// training data count as normal time and lift the threshold above faults of their kind.
    /// </summary>
    /// <value>Default 0 (every unlabelled point is normal). From 0 up to, not including, 0.2.</value>
    public double Contamination { get; set; }

    /// <summary>
    /// Into how many contiguous blocks of time the training part is cut to set the alarm threshold: each block is scored
    /// with an error profile fitted on the other blocks, so the threshold is set on scores of time the profile did not
    /// see (as new data will be). 1 scores the training part with the profile fitted on all of it. Blocks need at least
    /// 30 windows each, else one block is used.
    /// </summary>
    /// <value>Default 4. At least 1.</value>
    public int CalibrationFolds { get; set; } = 4;

    /// <summary>
    /// Whether a metric's error only counts as far as the step's value also changed from its median over the window's
    /// earlier steps: an incident is a change, while a slow drift (memory creeping up over hours, beyond the training
    /// range) is not, however far from training it has gone. Logs and traces are not capped (where they are collected
    /// only around incidents, their recent past is the incident itself).
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool RecentChange { get; set; } = true;

    /// <summary>
    /// Whether the traces' part of the score measures each edge feature's own reconstruction error over the calls the
    /// instance takes part in (into it and out of it), rather than the network's node-level trace errors. Those are a
    /// projection of the edges' errors that training makes small on normal nodes and large on the labelled faults, so it
    /// keeps what the labelled kinds of fault changed and can drop the rest — a client-minus-server gap that rose on the
    /// calls into an instance when no labelled fault ever moved it.
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool EdgeTraceResiduals { get; set; } = true;

    /// <summary>
    /// Whether an instance that calls a flagged instance with at least its own score in the same step is left unflagged: a
    /// slow or failing callee makes its callers slow or failing, and the on-call engineer should be pointed at the callee.
    /// A caller that stands out more than its flagged callee keeps its flag (a fault of the caller can disturb its callees).
    /// The callers of a labelled fault are then its victims and left out of the alarm budget's calibration. For delays, two
    /// refinements point at the delayed instance rather than at the instances it calls: when a flagged caller and its
    /// flagged callee both rose in client-minus-server time on the calls into them, the callee is unflagged; and when an
    /// instance flagged for that has a single caller whose own callers see a surprising gap too (flagged or not), the flag
    /// moves to that caller (a delay on all of its packets makes its answers and its requests late).
    /// </summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool FlagCalleesOnly { get; set; } = true;

    /// <summary>Whether the median score of the instances present in the step is subtracted, so that
    /// only an instance that stands out from the others in the same step scores high.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool RelativeToStep { get; set; } = true;

    internal IEnumerable<string> Validate()
    {
        if (!(AlarmBudgetPerHour > 0 && double.IsFinite(AlarmBudgetPerHour)))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.AlarmBudgetPerHour must be a finite number greater than 0; it is {AlarmBudgetPerHour}.");
        }

        if (!(MinimumTailScale > 0 && double.IsFinite(MinimumTailScale)))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.MinimumTailScale must be a finite number greater than 0; it is {MinimumTailScale}.");
        }

        if (!(TracePriorExcesses >= 0 && double.IsFinite(TracePriorExcesses)))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.TracePriorExcesses must be a finite number of 0 or more; it is {TracePriorExcesses}.");
        }

        if (!(Contamination >= 0 && Contamination < 0.2))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.Contamination must be in [0, 0.2); it is {Contamination}.");
        }

        if (CalibrationFolds < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.CalibrationFolds must be at least 1; it is {CalibrationFolds}.");
        }

        if (PersistenceSteps < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.PersistenceSteps must be at least 1; it is {PersistenceSteps}.");
        }

        if (EventPersistenceSteps < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.EventPersistenceSteps must be at least 1; it is {EventPersistenceSteps}.");
        }

        if (TopFeatures < 1)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Unsupervised.TopFeatures must be at least 1; it is {TopFeatures}.");
        }
    }

    internal UnsupervisedOptions Clone() => (UnsupervisedOptions)MemberwiseClone();
}

/// <summary>What the split fractions count.</summary>
public enum SplitBy
{
    /// <summary>Shares of the steps (the default).</summary>
    Time = 0,

    /// <summary>
    /// Shares of the labelled faults in time order: the first <see cref="SplitOptions.TrainFraction"/> of
    /// the faults train, the next <see cref="SplitOptions.ValidationFraction"/> validate, the rest test.
    /// Use it when faults cover only part of the recording (the TrainTicket day: 08:43–15:42 of 08:40–24:00).
    /// </summary>
    Faults = 1,
}

/// <summary>The chronological split of the fitting data and the label-hiding protocol.</summary>
public sealed class SplitOptions
{
    /// <summary>What the fractions count.</summary>
    /// <value>Default <see cref="SplitBy.Time"/>.</value>
    public SplitBy By { get; set; }

    /// <summary>The share of steps, from the start, used for training.</summary>
    /// <value>Default 0.9 (the paper's protocol for evaluation is 0.6, with 0.3 left for testing).</value>
    public double TrainFraction { get; set; } = 0.9;

    /// <summary>The share of steps after the training part used for validation (early stopping, threshold).</summary>
    /// <value>Default 0.1.</value>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>The share of training labels hidden as unknown (−1), chosen deterministically from <see cref="Seed"/>.</summary>
    /// <value>Default 0.5 (the paper's).</value>
    public double HiddenLabelFraction { get; set; } = 0.5;

    /// <summary>The seed of label hiding.</summary>
    /// <value>Default 42.</value>
    public long Seed { get; set; } = 42;

    /// <summary>The step after the training part and the step after the validation part of some data.</summary>
    /// <param name="data">The aggregates.</param>
    /// <param name="faults">The fault labels (used with <see cref="SplitBy.Faults"/>).</param>
    /// <returns>The two boundaries.</returns>
    public (long TrainEnd, long ValidationEnd) Boundaries(MstGad.Features.TelemetryAggregate data, IReadOnlyList<MstGad.Features.FaultLabel> faults) =>
        Detector.SplitSteps(data, faults, this);

    internal IEnumerable<string> Validate()
    {
        if (!(TrainFraction > 0 && TrainFraction <= 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Split.TrainFraction must be in (0, 1]; it is {TrainFraction}.");
        }

        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Split.ValidationFraction must be in [0, 1); it is {ValidationFraction}.");
        }

        if (TrainFraction + ValidationFraction > 1 + 1e-9)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Split.TrainFraction + Split.ValidationFraction must not exceed 1; it is {TrainFraction + ValidationFraction}.");
        }

        if (!(HiddenLabelFraction >= 0 && HiddenLabelFraction <= 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Split.HiddenLabelFraction must be in [0, 1]; it is {HiddenLabelFraction}.");
        }
    }

    internal SplitOptions Clone() => (SplitOptions)MemberwiseClone();
}

/// <summary>The problems found by <see cref="DetectorBuilder.Build"/>, all at once.</summary>
public sealed class DetectorConfigurationException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problems">Every problem found.</param>
    public DetectorConfigurationException(IReadOnlyList<string> problems)
        : base("The detector configuration is not valid:" + Environment.NewLine + "- " + string.Join(Environment.NewLine + "- ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
