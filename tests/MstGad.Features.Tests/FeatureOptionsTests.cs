using MstGad.Parsing;

namespace MstGad.Features.Tests;

[TestFixture]
public sealed class FeatureOptionsTests
{
    [Test]
    public void Constructor_Defaults_ArePinned()
    {
        var options = new FeatureOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Interval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.Lateness, Is.Null);
            Assert.That(options.InstanceKey, Is.SameAs(InstanceKey.KubernetesWorkload));
            Assert.That(options.MetricAggregation, Is.EqualTo(MetricAggregation.Mean));
            Assert.That(options.MaxCarryForwardSteps, Is.EqualTo(6));
            Assert.That(options.ConstantTolerance, Is.EqualTo(1e-9));
            Assert.That(options.Epsilon, Is.EqualTo(1e-6));
            Assert.That(options.MaxTemplates, Is.EqualTo(256));
            Assert.That(options.LogLevelCounts, Is.True);
            Assert.That(options.TopOperations, Is.EqualTo(8));
            Assert.That(options.EdgeFeatures, Is.EqualTo(EdgeFeatureSet.Both));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [Test]
    public void Constructor_DefaultLogParsing_IsSimilarityHalfDepthFourWithFourMasks()
    {
        var parsing = new FeatureOptions().LogParsing;

        Assert.Multiple(() =>
        {
            Assert.That(parsing.SimilarityThreshold, Is.EqualTo(0.5));
            Assert.That(parsing.Depth, Is.EqualTo(4));
            Assert.That(parsing.Masks, Has.Count.EqualTo(4));
            Assert.That(parsing.Validate(), Is.Empty);
        });
    }

    [Test]
    public void DefaultLogParsing_AMessageWithIds_MasksUuidsHexIdsAddressesAndNumbers()
    {
        var parser = new DrainParser(FeatureOptions.DefaultLogParsing());

        var result = parser.Parse("req 123e4567-e89b-12d3-a456-426614174000 from 10.0.0.7:8080 id deadbeefdeadbeef took 12.5 ms");

        Assert.That(result.Template, Is.EqualTo("req <*> from <*> id <*> took <*> ms"));
    }

    [Test]
    public void DefaultLogParsing_EachCall_ReturnsANewObject()
    {
        var first = FeatureOptions.DefaultLogParsing();
        var second = FeatureOptions.DefaultLogParsing();

        Assert.That(second, Is.Not.SameAs(first));
    }

    [TestCase(0L, "Interval must be at least 1 ms; it is 00:00:00.")]
    [TestCase(5_000L, "Interval must be at least 1 ms; it is 00:00:00.0005000.")]
    [TestCase(-10_000_000L, "Interval must be at least 1 ms; it is -00:00:01.")]
    public void Validate_IntervalBelowOneMillisecond_ReportsIt(long ticks, string expected)
    {
        Assert.That(new FeatureOptions { Interval = TimeSpan.FromTicks(ticks) }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Validate_IntervalOfOneMillisecond_IsValid()
    {
        Assert.That(new FeatureOptions { Interval = TimeSpan.FromMilliseconds(1) }.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_NegativeLateness_ReportsIt()
    {
        Assert.That(
            new FeatureOptions { Lateness = TimeSpan.FromSeconds(-1) }.Validate(),
            Is.EqualTo(new[] { "Lateness must not be negative; it is -00:00:01." }));
    }

    [Test]
    public void Validate_ZeroLateness_IsValid()
    {
        Assert.That(new FeatureOptions { Lateness = TimeSpan.Zero }.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_NullInstanceKey_ReportsIt()
    {
        Assert.That(new FeatureOptions { InstanceKey = null! }.Validate(), Is.EqualTo(new[] { "InstanceKey must be set." }));
    }

    [TestCase(5)]
    [TestCase(-1)]
    public void Validate_UndefinedMetricAggregation_ReportsIt(int value)
    {
        Assert.That(
            new FeatureOptions { MetricAggregation = (MetricAggregation)value }.Validate(),
            Is.EqualTo(new[] { $"MetricAggregation {value} is not defined." }));
    }

    [Test]
    public void Validate_NegativeMaxCarryForwardSteps_ReportsIt()
    {
        Assert.That(
            new FeatureOptions { MaxCarryForwardSteps = -1 }.Validate(),
            Is.EqualTo(new[] { "MaxCarryForwardSteps must be zero or more; it is -1." }));
    }

    [Test]
    public void Validate_ZeroMaxCarryForwardSteps_IsValid()
    {
        Assert.That(new FeatureOptions { MaxCarryForwardSteps = 0 }.Validate(), Is.Empty);
    }

    [TestCase(-0.5, "ConstantTolerance must be zero or more; it is -0.5.")]
    [TestCase(double.NaN, "ConstantTolerance must be zero or more; it is NaN.")]
    public void Validate_BadConstantTolerance_ReportsIt(double tolerance, string expected)
    {
        Assert.That(new FeatureOptions { ConstantTolerance = tolerance }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(0.0, "Epsilon must be greater than zero; it is 0.")]
    [TestCase(-1e-6, "Epsilon must be greater than zero; it is -1E-06.")]
    [TestCase(double.NaN, "Epsilon must be greater than zero; it is NaN.")]
    public void Validate_BadEpsilon_ReportsIt(double epsilon, string expected)
    {
        Assert.That(new FeatureOptions { Epsilon = epsilon }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Validate_NullLogParsing_ReportsIt()
    {
        Assert.That(new FeatureOptions { LogParsing = null! }.Validate(), Is.EqualTo(new[] { "LogParsing must be set." }));
    }

    [Test]
    public void Validate_InvalidLogParsing_PrefixesItsProblems()
    {
        var options = new FeatureOptions { LogParsing = new DrainOptions { Depth = 2, SimilarityThreshold = 2 } };

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "LogParsing: Depth must be at least 3; it is 2.",
            "LogParsing: SimilarityThreshold must be between 0 and 1; it is 2.",
        }));
    }

    [TestCase(0)]
    [TestCase(-3)]
    public void Validate_MaxTemplatesBelowOne_ReportsIt(int value)
    {
        Assert.That(
            new FeatureOptions { MaxTemplates = value }.Validate(),
            Is.EqualTo(new[] { $"MaxTemplates must be at least 1; it is {value}." }));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void Validate_TopOperationsBelowOne_ReportsIt(int value)
    {
        Assert.That(
            new FeatureOptions { TopOperations = value }.Validate(),
            Is.EqualTo(new[] { $"TopOperations must be at least 1; it is {value}." }));
    }

    [TestCase(0)]
    [TestCase(4)]
    [TestCase(7)]
    public void Validate_EdgeFeaturesNamingNothingOrUnknownBits_ReportsIt(int value)
    {
        Assert.That(
            new FeatureOptions { EdgeFeatures = (EdgeFeatureSet)value }.Validate(),
            Is.EqualTo(new[] { $"EdgeFeatures must name RequestTypeDurations, Summary or both; it is {value}." }));
    }

    [TestCase(EdgeFeatureSet.RequestTypeDurations)]
    [TestCase(EdgeFeatureSet.Summary)]
    [TestCase(EdgeFeatureSet.Both)]
    public void Validate_EdgeFeaturesNamingKnownSets_IsValid(EdgeFeatureSet value)
    {
        Assert.That(new FeatureOptions { EdgeFeatures = value }.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_EverySettingBad_ReportsEveryProblemInDeclarationOrder()
    {
        Assert.That(Invalid().Validate(), Is.EqualTo(ExpectedProblems()));
    }

    /// <summary>Options with every setting bad.</summary>
    internal static FeatureOptions Invalid() => new()
    {
        Interval = TimeSpan.Zero,
        Lateness = TimeSpan.FromSeconds(-5),
        InstanceKey = null!,
        MetricAggregation = (MetricAggregation)9,
        MaxCarryForwardSteps = -2,
        ConstantTolerance = -1,
        Epsilon = 0,
        LogParsing = new DrainOptions { Depth = 1 },
        MaxTemplates = 0,
        TopOperations = 0,
        EdgeFeatures = 0,
    };

    /// <summary>The problems of <see cref="Invalid"/>.</summary>
    internal static string[] ExpectedProblems() =>
    [
        "Interval must be at least 1 ms; it is 00:00:00.",
        "Lateness must not be negative; it is -00:00:05.",
        "InstanceKey must be set.",
        "MetricAggregation 9 is not defined.",
        "MaxCarryForwardSteps must be zero or more; it is -2.",
        "ConstantTolerance must be zero or more; it is -1.",
        "Epsilon must be greater than zero; it is 0.",
        "LogParsing: Depth must be at least 3; it is 1.",
        "MaxTemplates must be at least 1; it is 0.",
        "TopOperations must be at least 1; it is 0.",
        "EdgeFeatures must name RequestTypeDurations, Summary or both; it is 0.",
    ];
}
