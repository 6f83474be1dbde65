using System.CommandLine;

namespace MstGad.Cli.Tests;

[TestFixture]
public sealed class DetectorCommandOptionsTests
{
    [TestCase(new string[0], DecisionRule.CalibratedClassifier)]
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
    public void CreateBuilder_UnknownDecision_NamesEveryRule()
    {
        var (options, result) = Parse(["--decision", "vote"]);

        Assert.That(() => options.CreateBuilder(result), Throws.InstanceOf<FormatException>().With.Message.EqualTo(
            "--decision 'vote' is not one of calibrated, classifier, validation, reconstruction, extreme-value."));
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
