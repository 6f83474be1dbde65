namespace MstGad.Model.Tests;

[TestFixture]
public sealed class ModelOptionsTests
{
    [Test]
    public void Defaults_ArePinned()
    {
        var options = new ModelOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.MetricDimension, Is.EqualTo(16));
            Assert.That(options.LogDimension, Is.EqualTo(16));
            Assert.That(options.TraceDimension, Is.EqualTo(8));
            Assert.That(options.Heads, Is.EqualTo(4));
            Assert.That(options.EdgeHeads, Is.EqualTo(2));
            Assert.That(options.EncoderLayers, Is.EqualTo(2));
            Assert.That(options.DecoderLayers, Is.EqualTo(2));
            Assert.That(options.Dropout, Is.EqualTo(0.2));
            Assert.That(options.FeedForwardMultiplier, Is.EqualTo(4));
            Assert.That(options.UseMetrics, Is.True);
            Assert.That(options.UseLogs, Is.True);
            Assert.That(options.UseTraces, Is.True);
            Assert.That(options.UseSpatialAttention, Is.True);
            Assert.That(options.UseTemporalAttention, Is.True);
            Assert.That(options.UseCommonBias, Is.True);
            Assert.That(options.UnlabelledWeight, Is.EqualTo(0.01));
            Assert.That(options.ReconstructionEpsilon, Is.EqualTo(1e-6));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    private static IEnumerable<TestCaseData> InvalidSettings()
    {
        yield return Case(o => o.Heads = 0, "Heads must be at least 1; it is 0.");
        yield return Case(o => o.EdgeHeads = -1, "EdgeHeads must be at least 1; it is -1.");
        yield return Case(o => o.MetricDimension = 10, "MetricDimension must be a positive multiple of Heads (4); it is 10.");
        yield return Case(o => o.LogDimension = 0, "LogDimension must be a positive multiple of Heads (4); it is 0.");
        yield return Case(o => o.TraceDimension = 6, "TraceDimension must be a positive multiple of Heads (4); it is 6.");
        yield return Case(o => { o.TraceDimension = 4; o.EdgeHeads = 3; }, "TraceDimension must be a multiple of EdgeHeads (3); it is 4.");
        yield return Case(o => o.EncoderLayers = 0, "EncoderLayers must be at least 1; it is 0.");
        yield return Case(o => o.DecoderLayers = 0, "DecoderLayers must be at least 1; it is 0.");
        yield return Case(o => o.Dropout = 1, "Dropout must be in [0, 1); it is 1.");
        yield return Case(o => o.Dropout = -0.5, "Dropout must be in [0, 1); it is -0.5.");
        yield return Case(o => o.Dropout = double.NaN, "Dropout must be in [0, 1); it is NaN.");
        yield return Case(o => o.FeedForwardMultiplier = 0, "FeedForwardMultiplier must be at least 1; it is 0.");
        yield return Case(o => { o.UseMetrics = false; o.UseLogs = false; }, "At least one node modality (UseMetrics or UseLogs) must be on.");
        yield return Case(o => o.UnlabelledWeight = -0.01, "UnlabelledWeight must be zero or more; it is -0.01.");
        yield return Case(o => o.UnlabelledWeight = double.NaN, "UnlabelledWeight must be zero or more; it is NaN.");
        yield return Case(o => o.ReconstructionEpsilon = 0, "ReconstructionEpsilon must be greater than zero; it is 0.");
        yield return Case(o => o.ReconstructionEpsilon = double.NaN, "ReconstructionEpsilon must be greater than zero; it is NaN.");

        static TestCaseData Case(Action<ModelOptions> change, string message) => new TestCaseData(change, message).SetArgDisplayNames(message);
    }

    [TestCaseSource(nameof(InvalidSettings))]
    public void Validate_OneBadSetting_GivesExactlyItsMessage(Action<ModelOptions> change, string message)
    {
        var options = new ModelOptions();
        change(options);

        Assert.That(options.Validate(), Is.EqualTo(new[] { message }));
    }

    [Test]
    public void Validate_ZeroHeads_DoesNotAlsoComplainAboutMultiplesOfHeads()
    {
        var options = new ModelOptions { Heads = 0, EdgeHeads = 0, MetricDimension = 5 };

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "Heads must be at least 1; it is 0.",
            "EdgeHeads must be at least 1; it is 0.",
        }));
    }

    [Test]
    public void Validate_SeveralBadSettings_ListsEveryProblemInOrder()
    {
        var options = new ModelOptions { MetricDimension = 3, DecoderLayers = 0, Dropout = 2, ReconstructionEpsilon = -1 };

        Assert.That(options.Validate(), Is.EqualTo(new[]
        {
            "MetricDimension must be a positive multiple of Heads (4); it is 3.",
            "DecoderLayers must be at least 1; it is 0.",
            "Dropout must be in [0, 1); it is 2.",
            "ReconstructionEpsilon must be greater than zero; it is -1.",
        }));
    }

    [Test]
    public void ModelConstructor_InvalidOptions_ThrowsOneExceptionListingEveryProblem()
    {
        var options = new ModelOptions { Heads = 0, FeedForwardMultiplier = 0 };

        var e = Assert.Throws<ArgumentException>(() => new MstgadModel(options, new InputShape(3, 2, 2)).Dispose());

        Assert.That(e!.Message, Is.EqualTo(
            "Invalid model options:" + Environment.NewLine +
            "- Heads must be at least 1; it is 0." + Environment.NewLine +
            "- FeedForwardMultiplier must be at least 1; it is 0."));
    }

    [TestCase(-1, 0, 0)]
    [TestCase(0, -2, 0)]
    [TestCase(1, 1, -3)]
    public void ModelConstructor_NegativeInputWidth_Throws(int fm, int fl, int fs)
    {
        var shape = new InputShape(fm, fl, fs);

        var e = Assert.Throws<ArgumentException>(() => new MstgadModel(new ModelOptions(), shape).Dispose());

        Assert.That(e!.Message, Is.EqualTo($"Input widths must not be negative: {shape}. (Parameter 'shape')"));
    }

    [Test]
    public void ModelConstructor_NoNodeFeaturesInUse_Throws()
    {
        // Metrics are on but the shape has none, and logs are switched off: nothing is left for the nodes.
        var options = new ModelOptions { UseLogs = false };

        var e = Assert.Throws<ArgumentException>(() => new MstgadModel(options, new InputShape(0, 5, 2)).Dispose());

        Assert.That(e!.Message, Is.EqualTo("The network needs at least one node feature (metrics or logs). (Parameter 'shape')"));
    }

    [Test]
    public void Model_CopiesItsOptions_SoLaterChangesHaveNoEffect()
    {
        var options = new ModelOptions { MetricDimension = 8, LogDimension = 8, TraceDimension = 4, Heads = 2, EncoderLayers = 1, DecoderLayers = 1 };
        using var model = new MstgadModel(options, new InputShape(3, 2, 2));

        options.Heads = 0;
        var copy = model.Options;
        copy.Dropout = 0.9;

        Assert.Multiple(() =>
        {
            Assert.That(model.Options.Heads, Is.EqualTo(2));
            Assert.That(model.Options.Dropout, Is.EqualTo(0.2));
            Assert.That(copy.Dropout, Is.EqualTo(0.9));
        });
    }

    [Test]
    public void InputShape_NodeFeatures_IsMetricsPlusLogs()
    {
        Assert.That(new InputShape(3, 5, 7).NodeFeatures, Is.EqualTo(8));
    }
}
