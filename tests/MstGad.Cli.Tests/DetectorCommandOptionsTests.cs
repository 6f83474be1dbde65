using System.CommandLine;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class DetectorCommandOptionsTests
{
    [TestCase(new string[0], DecisionRule.Unsupervised)]
    [TestCase(new[] { "--decision", "combined" }, DecisionRule.Combined)]
    [TestCase(new[] { "--decision", "unsupervised" }, DecisionRule.Unsupervised)]
    [TestCase(new[] { "--decision", "calibrated" }, DecisionRule.CalibratedClassifier)]
    [TestCase(new[] { "--decision", "classifier" }, DecisionRule.Classifier)]
    [TestCase(new[] { "--decision", "validation" }, DecisionRule.ValidationThreshold)]
    [TestCase(new[] { "--decision", "reconstruction" }, DecisionRule.ReconstructionThreshold)]
    [TestCase(new[] { "--decision", "extreme-value" }, DecisionRule.ExtremeValue)]
    public void CreateBuilder_Decision_SelectsTheRule(string[] args, DecisionRule expected)
    {
        var (options, result) = Parse(args);

        using var detector = options.CreateBuilder(result).Build();

        Assert.That(detector.DecisionRule, Is.EqualTo(expected));
    }

    [Test]
    public void HadesOptionsFrom_GivenValues_ReachHadesAndTheRestKeepItsDefaults()
    {
        var (options, result) = Parse(["--method", "hades", "--seed", "7", "--log-slicing", "concatenated", "--label-any-step", "--pseudo-label-confidence", "0.95", "--patience", "3", "--time-budget", "5m"]);

        var hades = options.HadesOptionsFrom(result);
        using var detector = options.CreateBuilder(result).Build();

        var defaults = new MstGad.Methods.Hades.HadesOptions();
        Assert.Multiple(() =>
        {
            Assert.That(detector.Method, Is.EqualTo("hades"));
            Assert.That((hades.Seed, hades.LogSlicing, hades.LabelAnyStep, hades.PseudoLabelConfidence, hades.Patience, hades.TimeBudget),
                Is.EqualTo((7L, MstGad.Methods.Hades.LogSlicing.Concatenated, true, 0.95, 3, (TimeSpan?)TimeSpan.FromMinutes(5))));
            Assert.That((hades.Phase1Epochs, hades.BatchSize, hades.LearningRate), Is.EqualTo((defaults.Phase1Epochs, defaults.BatchSize, defaults.LearningRate)),
                "MSTGAD's defaults of --epochs, --batch-size and --learning-rate are not Hades's: only given values are used");
        });
    }

    [Test]
    public void CreateBuilder_UnknownLogSlicing_SaysWhatIsAccepted()
    {
        var (options, result) = Parse(["--method", "hades", "--log-slicing", "shuffled"]);

        Assert.That(() => options.CreateBuilder(result), Throws.InstanceOf<FormatException>().With.Message.EqualTo(
            "--log-slicing 'shuffled' is not one of time-aligned, concatenated."));
    }

    [Test]
    public void CreateBuilder_UnknownDecision_NamesEveryRule()
    {
        var (options, result) = Parse(["--decision", "vote"]);

        Assert.That(() => options.CreateBuilder(result), Throws.InstanceOf<FormatException>().With.Message.EqualTo(
            "--decision 'vote' is not one of combined, unsupervised, calibrated, classifier, validation, reconstruction, extreme-value."));
    }

    [TestCase("0.5", 0.5)]
    [TestCase("0.5/h", 0.5)]
    [TestCase("2/h", 2.0)]
    [TestCase("12/d", 0.5)]
    [TestCase("1/30m", 2.0)]
    public void ParseRate_Text_AlarmsPerHour(string text, double expected) =>
        Assert.That(UnsupervisedCommandOptions.ParseRate(text), Is.EqualTo(expected).Within(1e-12));

    [TestCase("0", "--alarm-budget '0' is not a positive number of alarms per period, such as 0.5/h or 12/d.")]
    [TestCase("-1/h", "--alarm-budget '-1/h' is not a positive number of alarms per period, such as 0.5/h or 12/d.")]
    [TestCase("often", "--alarm-budget 'often' is not a positive number of alarms per period, such as 0.5/h or 12/d.")]
    [TestCase("1/week", "--alarm-budget '1/week' has an unknown period 'week': use h, d or a duration such as 30m.")]
    public void ParseRate_NotARate_SaysWhatIsExpected(string text, string message) =>
        Assert.That(() => UnsupervisedCommandOptions.ParseRate(text), Throws.InstanceOf<FormatException>().With.Message.EqualTo(message));

    [Test]
    public void CreateBuilder_UnsupervisedOptions_ReachTheDetector()
    {
        var (options, result) = Parse(["--alarm-budget", "2/h", "--persistence", "1", "--event-persistence", "2", "--top-features", "3", "--tail-floor", "0.1", "--absolute-scores", "--calibration-folds", "1", "--contamination", "0.01", "--no-recent-change", "--flag-callers", "--method", "statistical", "--compression", "none", "--decision", "unsupervised", "--projected-trace-errors"]);

        using var detector = options.CreateBuilder(result).Build();
        var unsupervised = options.Unsupervised.Create(result);

        Assert.Multiple(() =>
        {
            Assert.That(detector.Method, Is.EqualTo("statistical"));
            Assert.That(detector.DecisionRule, Is.EqualTo(DecisionRule.Unsupervised));
            Assert.That(
                (unsupervised.AlarmBudgetPerHour, unsupervised.PersistenceSteps, unsupervised.EventPersistenceSteps, unsupervised.TopFeatures, unsupervised.MinimumTailScale,
                 unsupervised.RelativeToStep, unsupervised.CalibrationFolds, unsupervised.Contamination, unsupervised.RecentChange, unsupervised.FlagCalleesOnly, unsupervised.EdgeTraceResiduals),
                Is.EqualTo((2.0, 1, 2, 3, 0.1, false, 1, 0.01, false, false, false)));
        });
    }

    [Test]
    public void Create_NoUnsupervisedOptions_GivesTheLibrarysDefaults()
    {
        var (options, result) = Parse([]);
        var defaults = new UnsupervisedOptions();

        var created = options.Unsupervised.Create(result);

        Assert.Multiple(() =>
        {
            Assert.That(
                (created.AlarmBudgetPerHour, created.PersistenceSteps, created.EventPersistenceSteps, created.TopFeatures, created.MinimumTailScale,
                 created.RelativeToStep, created.CalibrationFolds, created.Contamination, created.RecentChange, created.FlagCalleesOnly, created.EdgeTraceResiduals),
                Is.EqualTo((defaults.AlarmBudgetPerHour, defaults.PersistenceSteps, defaults.EventPersistenceSteps, defaults.TopFeatures, defaults.MinimumTailScale,
                 defaults.RelativeToStep, defaults.CalibrationFolds, defaults.Contamination, defaults.RecentChange, defaults.FlagCalleesOnly, defaults.EdgeTraceResiduals)));
            Assert.That(
                (defaults.AlarmBudgetPerHour, defaults.PersistenceSteps, defaults.EventPersistenceSteps, defaults.TopFeatures, defaults.MinimumTailScale,
                 defaults.RelativeToStep, defaults.CalibrationFolds, defaults.Contamination, defaults.RecentChange, defaults.FlagCalleesOnly, defaults.EdgeTraceResiduals),
                Is.EqualTo((0.25, 3, 1, 2, 0.05, true, 4, 0.0, true, true, true)), "the documented defaults");
        });
    }

    [TestCase("--method", "forest", "--method 'forest': No detection method 'forest' is known here: reference its package (for example MstGad.Methods.Forest) or register it with DetectionMethods.Register; known: mstgad, robust-z, statistical.")]
    [TestCase("--compression", "sqrt", "--compression 'sqrt' is not one of log, none.")]
    public void CreateBuilder_UnknownChoice_NamesEveryChoice(string option, string value, string message)
    {
        var (options, result) = Parse([option, value]);

        Assert.That(() => options.CreateBuilder(result).Build().Dispose(), Throws.InstanceOf<FormatException>().With.Message.EqualTo(message));
    }

    [Test]
    public void CreateBuilder_StatisticalWithAClassifierRule_ListsTheProblem()
    {
        var (options, result) = Parse(["--method", "statistical", "--decision", "calibrated"]);

        Assert.That(() => options.CreateBuilder(result).Build().Dispose(), Throws.InstanceOf<DetectorConfigurationException>().With.Message.Contains(
            "The statistical method has no classifier or reconstruction error to decide with CalibratedClassifier: use DecisionRule.Unsupervised or DecisionRule.Combined."));
    }

    [Test]
    public void CreateBuilder_UnknownMetricScaling_NamesEveryChoice()
    {
        var (options, result) = Parse(["--metric-scaling", "per-pod"]);

        Assert.That(() => options.CreateBuilder(result).Build().Dispose(), Throws.InstanceOf<FormatException>().With.Message.EqualTo(
            "--metric-scaling 'per-pod' is not one of per-instance, per-metric."));
    }

    [TestCase("per-instance")]
    [TestCase("per-metric")]
    public void CreateBuilder_KnownMetricScaling_Builds(string scaling)
    {
        var (options, result) = Parse(["--metric-scaling", scaling]);

        Assert.That(() => options.CreateBuilder(result).Build().Dispose(), Throws.Nothing);
    }

    private static (DetectorCommandOptions Options, ParseResult Result) Parse(string[] args)
    {
        var options = new DetectorCommandOptions();
        var command = new RootCommand();
        options.AddTo(command);
        return (options, command.Parse(args));
    }
}
