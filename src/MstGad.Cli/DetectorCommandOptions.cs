using System.CommandLine;
using MstGad.Features;
using MstGad.Methods;
using MstGad.Methods.Hades;
using MstGad.Model;

namespace MstGad.Cli;

/// <summary>The options shared by the commands that build a detector (train, evaluate experiments).</summary>
internal sealed class DetectorCommandOptions
{
    public Option<string> Interval { get; } = new("--interval") { Description = "Step length Δ, such as 10s or 1m.", DefaultValueFactory = _ => "1m" };

    public Option<int> Window { get; } = new("--window") { Description = "Window length k (graphs per window).", DefaultValueFactory = _ => 10 };

    public Option<double?> Clip { get; } = new("--clip") { Description = "Clip normalised features to ±this (default: no clipping)." };

    public Option<string> MetricScaling { get; } = new("--metric-scaling") { Description = "per-instance (one min-max range per instance and metric, the paper's) or per-metric (one per metric over all instances).", DefaultValueFactory = _ => "per-instance" };

    public Option<string> Compression { get; } = new("--compression") { Description = "none (the default: the paper's min-max scaling of raw values) or log (metrics as sign(v)·ln(1 + |v|/s) with s their median training magnitude, edge features as ln(1 + x)/ln 2, before scaling).", DefaultValueFactory = _ => "none" };

    public Option<string> InstanceKey { get; } = new("--instance-key") { Description = "kubernetes-workload (strip pod suffixes) or identity.", DefaultValueFactory = _ => "kubernetes-workload" };

    public Option<string> Decision { get; } = new("--decision") { Description = DecisionDescription, DefaultValueFactory = _ => "unsupervised" };

    public UnsupervisedCommandOptions Unsupervised { get; } = new();

    public Option<string> Method { get; } = new("--method") { Description = "mstgad (the network, the default), hades (Hades, ICSE'23: metrics by aspect and log template sequences fused by cross attention; needs labelled faults) or statistical (robust statistics of every feature, no network: the cold-start fallback and a baseline).", DefaultValueFactory = _ => "mstgad" };

    public Option<string> LogSlicing { get; } = new("--log-slicing") { Description = "Hades: time-aligned (the default: slice t holds step t's templates) or concatenated (as Hades's code: the window's templates one after another, cut into k slices; for comparison).", DefaultValueFactory = _ => "time-aligned" };

    public Option<bool> LabelAnyStep { get; } = new("--label-any-step") { Description = "Hades: train on a window as abnormal when any of its steps is (as Hades's code labels a chunk) instead of by its last step; for comparison." };

    public Option<double> PseudoLabelConfidence { get; } = new("--pseudo-label-confidence") { Description = "Hades: the confidence a pseudo-label needs.", DefaultValueFactory = _ => new HadesOptions().PseudoLabelConfidence };

    public const string DecisionDescription = "unsupervised (the default: the anomaly score above its alarm-budget threshold; no labels needed, and labels do not change the rule), combined (the anomaly score, or the calibrated classifier when training had abnormal labels), calibrated (the classifier's P corrected for the class weight w of its training loss, P ≥ w/(1+w)), classifier (the paper's P ≥ 0.5), validation (best-F1 threshold of P on the validation split), reconstruction (best-F1 threshold of the reconstruction error on the validation split) or extreme-value (SPOT on the reconstruction error).";

    public Option<int> Epochs { get; } = new("--epochs") { Description = "Maximum epochs (Hades: of phase 1; its phase 2 keeps its own 20).", DefaultValueFactory = _ => 100 };

    public Option<string> TimeBudget { get; } = new("--time-budget") { Description = "Training time limit: no epoch starts that would end after it (at the mean epoch time so far), such as 12m; 'none' for no limit.", DefaultValueFactory = _ => "12m" };

    public Option<int> Patience { get; } = new("--patience") { Description = "Early-stopping patience (epochs).", DefaultValueFactory = _ => new TrainingOptions().Patience };

    public Option<double> LearningRate { get; } = new("--learning-rate") { Description = "AdaBelief learning rate.", DefaultValueFactory = _ => 1e-3 };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Windows per batch.", DefaultValueFactory = _ => 50 };

    public Option<double> TrainFraction { get; } = new("--train-fraction") { Description = "Share of steps, from the start, used for training.", DefaultValueFactory = _ => 0.9 };

    public Option<double> ValidationFraction { get; } = new("--validation-fraction") { Description = "Share of steps after the training part used for validation.", DefaultValueFactory = _ => 0.1 };

    public Option<string> SplitBy { get; } = new("--split-by") { Description = "What the fractions count: time (steps) or faults (labelled faults in time order).", DefaultValueFactory = _ => "time" };

    public Option<double> HiddenLabels { get; } = new("--hidden-labels") { Description = "Share of training labels hidden as unknown.", DefaultValueFactory = _ => 0.5 };

    public Option<long> Seed { get; } = new("--seed") { Description = "Seed of initialisation, shuffling and label hiding.", DefaultValueFactory = _ => 42 };

    public Option<int> Threads { get; } = new("--threads") { Description = "CPU threads for the network (default 1: on a busy machine more intra-op threads wait on each other; measured in docs/evaluation.md).", DefaultValueFactory = _ => 1 };

    public Option<bool> NoMetrics { get; } = new("--no-metrics") { Description = "Ablation: without metrics." };

    public Option<bool> NoLogs { get; } = new("--no-logs") { Description = "Ablation: without logs." };

    public Option<bool> NoTraces { get; } = new("--no-traces") { Description = "Ablation: without traces." };

    public Option<bool> NoSam { get; } = new("--no-sam") { Description = "Ablation: without spatial attention." };

    public Option<bool> NoTam { get; } = new("--no-tam") { Description = "Ablation: without temporal attention." };

    public Option<bool> NoC { get; } = new("--no-c") { Description = "Ablation: without the shared temporal bias C." };

    public void AddTo(Command command)
    {
        Unsupervised.AddTo(command);
        foreach (var option in new Option[] { Method, LogSlicing, LabelAnyStep, PseudoLabelConfidence, Interval, Window, Clip, Compression, MetricScaling, InstanceKey, Decision, Epochs, TimeBudget, Patience, LearningRate, BatchSize, TrainFraction, ValidationFraction, SplitBy, HiddenLabels, Seed, Threads, NoMetrics, NoLogs, NoTraces, NoSam, NoTam, NoC })
        {
            command.Add(option);
        }
    }

    public DetectorBuilder CreateBuilder(ParseResult result)
    {
        var decision = ParseDecision(result.GetValue(Decision)!);
        var unsupervised = Unsupervised.Create(result);
        var method = ParseMethod(result.GetValue(Method)!);
        var builder = method == HadesMethod.MethodName ? new DetectorBuilder().UseMethod(new HadesMethod(HadesOptionsFrom(result))) : UseMethodNamed(new DetectorBuilder(), method);
        return builder
            .WithInterval(Durations.Parse(result.GetValue(Interval)!))
            .WithWindow(result.GetValue(Window))
            .WithDecisionRule(decision)
            .ConfigureUnsupervised(o =>
            {
                o.AlarmBudgetPerHour = unsupervised.AlarmBudgetPerHour;
                o.TopFeatures = unsupervised.TopFeatures;
                o.RelativeToStep = unsupervised.RelativeToStep;
                o.MinimumTailScale = unsupervised.MinimumTailScale;
                o.TracePriorExcesses = unsupervised.TracePriorExcesses;
                o.RobustGaps = unsupervised.RobustGaps;
                o.PersistenceSteps = unsupervised.PersistenceSteps;
                o.EventPersistenceSteps = unsupervised.EventPersistenceSteps;
                o.CalibrationFolds = unsupervised.CalibrationFolds;
                o.RecentChange = unsupervised.RecentChange;
                o.Contamination = unsupervised.Contamination;
                o.FlagCalleesOnly = unsupervised.FlagCalleesOnly;
                o.EdgeTraceResiduals = unsupervised.EdgeTraceResiduals;
            })
            .ConfigureFeatures(o =>
            {
                o.InstanceKey = Features.InstanceKey.FromName(result.GetValue(InstanceKey)!);
                o.MaxFeatureMagnitude = result.GetValue(Clip);
                o.Compression = result.GetValue(Compression) switch
                {
                    "log" => FeatureCompression.Logarithmic,
                    "none" => FeatureCompression.None,
                    var other => throw new FormatException($"--compression '{other}' is not one of log, none."),
                };
                o.MetricScaling = result.GetValue(MetricScaling) switch
                {
                    "per-instance" => Features.MetricScaling.PerInstance,
                    "per-metric" => Features.MetricScaling.PerMetric,
                    var other => throw new FormatException($"--metric-scaling '{other}' is not one of per-instance, per-metric."),
                };
            })
            .ConfigureTraining(o =>
            {
                o.MaxEpochs = result.GetValue(Epochs);
                o.Patience = result.GetValue(Patience);
                o.TimeBudget = TimeBudgetOf(result);
                o.LearningRate = result.GetValue(LearningRate);
                o.BatchSize = result.GetValue(BatchSize);
                o.Seed = result.GetValue(Seed);
            })
            .ConfigureSplit(o =>
            {
                o.By = result.GetValue(SplitBy) switch
                {
                    "time" => MstGad.SplitBy.Time,
                    "faults" => MstGad.SplitBy.Faults,
                    var other => throw new FormatException($"--split-by '{other}' is not one of time, faults."),
                };
                o.TrainFraction = result.GetValue(TrainFraction);
                o.ValidationFraction = result.GetValue(ValidationFraction);
                o.HiddenLabelFraction = result.GetValue(HiddenLabels);
                o.Seed = result.GetValue(Seed);
            })
            .ConfigureModel(o => ApplyAblations(o, result))
            .UseDevice("cpu", result.GetValue(Threads));
    }

    /// <summary>Parses a <c>--method</c> value.</summary>
    /// <exception cref="FormatException">Not a method's name.</exception>
    public static string ParseMethod(string value)
    {
        try
        {
            return DetectionMethods.Get(value).Name;
        }
        catch (InvalidOperationException ex)
        {
            throw new FormatException($"--method '{value}': {ex.Message}", ex);
        }
    }

    /// <summary>Chooses a method by name (<see cref="ParseMethod"/> checked it): MSTGAD and the statistical detectors as
    /// configured by the builder's other settings, another method with its defaults.</summary>
    public static DetectorBuilder UseMethodNamed(DetectorBuilder builder, string name) => name switch
    {
        MstgadMethod.MethodName => builder.UseMstgad(),
        StatisticalMethod.MethodName => builder.UseStatistical(),
        _ => builder.UseMethod(DetectionMethods.Get(name)),
    };

    /// <summary>Parses a <c>--decision</c> value.</summary>
    /// <exception cref="FormatException">Not a rule's name.</exception>
    public static DecisionRule ParseDecision(string value) => value switch
    {
        "combined" => DecisionRule.Combined,
        "unsupervised" => DecisionRule.Unsupervised,
        "calibrated" => DecisionRule.CalibratedClassifier,
        "classifier" => DecisionRule.Classifier,
        "validation" => DecisionRule.ValidationThreshold,
        "extreme-value" => DecisionRule.ExtremeValue,
        "reconstruction" => DecisionRule.ReconstructionThreshold,
        var other => throw new FormatException($"--decision '{other}' is not one of combined, unsupervised, calibrated, classifier, validation, reconstruction, extreme-value."),
    };

    /// <summary>Hades's settings from the command line: the seed, the time budget, the Hades options, and epochs, patience,
    /// learning rate and batch size where given (otherwise Hades's own defaults, which differ from MSTGAD's).</summary>
    public HadesOptions HadesOptionsFrom(ParseResult result)
    {
        var o = new HadesOptions();
        o.Seed = result.GetValue(Seed);
        o.TimeBudget = TimeBudgetOf(result);
        o.LogSlicing = result.GetValue(LogSlicing) switch
        {
            "time-aligned" => Methods.Hades.LogSlicing.TimeAligned,
            "concatenated" => Methods.Hades.LogSlicing.Concatenated,
            var other => throw new FormatException($"--log-slicing '{other}' is not one of time-aligned, concatenated."),
        };
        o.LabelAnyStep = result.GetValue(LabelAnyStep);
        o.PseudoLabelConfidence = result.GetValue(PseudoLabelConfidence);
        if (result.GetResult(Epochs) is { Implicit: false })
        {
            o.Phase1Epochs = result.GetValue(Epochs);
        }

        if (result.GetResult(Patience) is { Implicit: false })
        {
            o.Patience = result.GetValue(Patience);
        }

        if (result.GetResult(LearningRate) is { Implicit: false })
        {
            o.LearningRate = result.GetValue(LearningRate);
        }

        if (result.GetResult(BatchSize) is { Implicit: false })
        {
            o.BatchSize = result.GetValue(BatchSize);
        }

        return o;
    }

    /// <summary>The <c>--time-budget</c> value: a duration, or <see langword="null"/> for 'none'.</summary>
    private TimeSpan? TimeBudgetOf(ParseResult result)
    {
        var budget = result.GetValue(TimeBudget)!;
        return budget.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : Durations.Parse(budget);
    }

    private void ApplyAblations(ModelOptions o, ParseResult result)
    {
        o.UseMetrics = !result.GetValue(NoMetrics);
        o.UseLogs = !result.GetValue(NoLogs);
        o.UseTraces = !result.GetValue(NoTraces);
        o.UseSpatialAttention = !result.GetValue(NoSam);
        o.UseTemporalAttention = !result.GetValue(NoTam);
        o.UseCommonBias = !result.GetValue(NoC);
    }
}

/// <summary>The options of the unsupervised anomaly score (train and calibrate).</summary>
internal sealed class UnsupervisedCommandOptions
{
    public Option<string> AlarmBudget { get; } = new("--alarm-budget") { Description = "False alarms per hour over the whole system that the anomaly threshold is set for on normal training/validation time, such as 0.25/h, 2/h, 12/d or 0.5.", DefaultValueFactory = _ => "0.25/h" };

    public Option<int> TopFeatures { get; } = new("--top-features") { Description = "How many of a modality's largest standard scores are averaged into its score.", DefaultValueFactory = _ => 2 };

    public Option<double> TailFloor { get; } = new("--tail-floor") { Description = "The smallest tail scale of a feature's error distribution, in normalised units (see UnsupervisedOptions.MinimumTailScale).", DefaultValueFactory = _ => 0.05 };

    public Option<double> TraceTailPrior { get; } = new("--trace-tail-prior") { Description = "How many excesses the pooled tail scale of a trace feature weighs against an instance's own (see UnsupervisedOptions.TracePriorExcesses); 0 keeps every instance's own.", DefaultValueFactory = _ => 20 };

    public Option<bool> GapMeans { get; } = new("--gap-means") { Description = "Also score the total and mean client-minus-server time of the calls (by default only their median counts: one delayed acknowledgement in a quiet minute moves the mean as far as a network delay)." };

    public Option<int> Persistence { get; } = new("--persistence") { Description = "How many consecutive steps an instance's metric score must stay up to count.", DefaultValueFactory = _ => 3 };

    public Option<int> EventPersistence { get; } = new("--event-persistence") { Description = "How many consecutive steps an instance's log and trace scores and the classifier's probability must stay up to count.", DefaultValueFactory = _ => 1 };

    public Option<int> CalibrationFolds { get; } = new("--calibration-folds") { Description = "Into how many contiguous blocks of time the training part is cut to set the alarm threshold on scores the error profile did not see.", DefaultValueFactory = _ => 4 };

    public Option<bool> NoRecentChange { get; } = new("--no-recent-change") { Description = "Count a metric's or log feature's whole error, also when the value did not change from the window's earlier steps (a slow drift)." };

    public Option<double> Contamination { get; } = new("--contamination") { Description = "The share of training points taken as incidents nobody labelled (their highest scores are left out of the alarm threshold's fit).", DefaultValueFactory = _ => 0 };

    public Option<bool> FlagCallers { get; } = new("--flag-callers") { Description = "Also flag an instance that calls a flagged instance with at least its score in the same step (by default the callee alone is flagged: that is where it started)." };

    public Option<bool> ProjectedTraceErrors { get; } = new("--projected-trace-errors") { Description = "Score the traces by the network's node-level trace errors (a projection trained on the labelled faults) instead of every edge feature's own reconstruction error over the instance's calls." };

    public Option<bool> AbsoluteScores { get; } = new("--absolute-scores") { Description = "Do not subtract the median anomaly score of the step's instances (by default only an instance that stands out from the others in the same step scores high)." };

    public void AddTo(Command command)
    {
        command.Add(AlarmBudget);
        command.Add(TopFeatures);
        command.Add(AbsoluteScores);
        command.Add(TailFloor);
        command.Add(TraceTailPrior);
        command.Add(GapMeans);
        command.Add(Persistence);
        command.Add(EventPersistence);
        command.Add(CalibrationFolds);
        command.Add(NoRecentChange);
        command.Add(Contamination);
        command.Add(FlagCallers);
        command.Add(ProjectedTraceErrors);
    }

    /// <exception cref="FormatException">The alarm budget is not a rate.</exception>
    public UnsupervisedOptions Create(ParseResult result) => new()
    {
        AlarmBudgetPerHour = ParseRate(result.GetValue(AlarmBudget)!),
        TopFeatures = result.GetValue(TopFeatures),
        RelativeToStep = !result.GetValue(AbsoluteScores),
        MinimumTailScale = result.GetValue(TailFloor),
        TracePriorExcesses = result.GetValue(TraceTailPrior),
        RobustGaps = !result.GetValue(GapMeans),
        PersistenceSteps = result.GetValue(Persistence),
        EventPersistenceSteps = result.GetValue(EventPersistence),
        CalibrationFolds = result.GetValue(CalibrationFolds),
        RecentChange = !result.GetValue(NoRecentChange),
        Contamination = result.GetValue(Contamination),
        FlagCalleesOnly = !result.GetValue(FlagCallers),
        EdgeTraceResiduals = !result.GetValue(ProjectedTraceErrors),
    };

    /// <summary>Parses a rate per hour: <c>0.5</c>, <c>0.5/h</c>, <c>12/d</c>, <c>1/30m</c>.</summary>
    /// <exception cref="FormatException">Not a positive finite rate.</exception>
    public static double ParseRate(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var count = slash < 0 ? text : text[..slash];
        var per = slash < 0 ? "h" : text[(slash + 1)..];
        if (!double.TryParse(count, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var alarms) || !(alarms > 0) || !double.IsFinite(alarms))
        {
            throw new FormatException($"--alarm-budget '{text}' is not a positive number of alarms per period, such as 0.5/h or 12/d.");
        }

        TimeSpan period;
        try
        {
            period = per switch
            {
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                _ => Durations.Parse(char.IsDigit(per[0]) ? per : "1" + per),
            };
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new FormatException($"--alarm-budget '{text}' has an unknown period '{per}': use h, d or a duration such as 30m.", ex);
        }

        return alarms / period.TotalHours;
    }
}
