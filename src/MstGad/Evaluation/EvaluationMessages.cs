using System.Globalization;

namespace MstGad.Evaluation;

/// <summary>The texts of the argument exceptions thrown by the evaluation types, in one place.</summary>
internal static class EvaluationMessages
{
    public const string ThresholdNaN = "The threshold must be a number, not NaN.";
    public const string ToleranceNegative = "The tolerance must be zero or positive.";
    public const string EvaluatedDurationNotPositive = "The evaluated duration must be positive.";
    public const string StepLengthNotPositive = "The step length must be positive.";
    public const string InstancesNotPositive = "The number of instances must be at least 1.";
    public const string NoAbnormalLabel = "The labels contain no abnormal point (label 1); the F1-optimal threshold is undefined.";
    public const string RiskOutOfRange = "The risk q must lie strictly between 0 and 1.";
    public const string InitialLevelOutOfRange = "The initial level must lie strictly between 0 and 1.";
    public const string EmptyCalibration = "The calibration needs at least one score.";
    public const string ScoreNaN = "The score must be a number, not NaN.";

    public static string CountMismatch(int scores, int labels) =>
        string.Create(CultureInfo.InvariantCulture, $"The scores ({scores}) and the labels ({labels}) must have the same count.");

    public static string ScoreNaNAt(int index) =>
        string.Create(CultureInfo.InvariantCulture, $"The score at index {index} is NaN; scores must be numbers.");

    public static string ScoreNotFiniteAt(int index, double value) =>
        string.Create(CultureInfo.InvariantCulture, $"The score at index {index} is {value}; calibration scores must be finite.");

    public static string LabelOutOfRange(int index, long value) =>
        string.Create(CultureInfo.InvariantCulture, $"The label at index {index} is {value}; labels must be 1 (abnormal), 0 (normal) or -1 (unknown, ignored).");

    public static string CountNotMultipleOfInstances(int count, int instances) =>
        string.Create(CultureInfo.InvariantCulture, $"The number of points ({count}) must be a multiple of the number of instances ({instances}); points are laid out as [step · instances + instance].");

    public static string NullElement(string what, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"The {what} at index {index} is null.");

    public static string NullInstance(string what, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"The {what} at index {index} has no instance.");

    public static string EventEndsBeforeStart(int index, DateTimeOffset start, DateTimeOffset end) =>
        string.Create(CultureInfo.InvariantCulture, $"The event at index {index} ends ({end:O}) before it starts ({start:O}).");

    public static string NoExcess(int count, double threshold) =>
        string.Create(CultureInfo.InvariantCulture, $"None of the {count} calibration scores lies above the initial threshold t = {threshold}; give more or more varied scores, or a lower initial level.");

    public static string RiskTooHigh(double risk, int excesses, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"The risk q = {risk} must be below the fraction of calibration scores above the initial threshold ({excesses} of {count}); lower the risk or the initial level, or give more scores.");
}
