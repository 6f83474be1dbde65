using System.Text.RegularExpressions;

namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class DrainOptionsTests
{
    [Test]
    public void Constructor_Defaults_AreThoseOfDrain3()
    {
        var options = new DrainOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Depth, Is.EqualTo(4));
            Assert.That(options.SimilarityThreshold, Is.EqualTo(0.4));
            Assert.That(options.MaxChildren, Is.EqualTo(100));
            Assert.That(options.MaxTemplates, Is.Null);
            Assert.That(options.ParametrizeNumericTokens, Is.True);
            Assert.That(options.ExtraDelimiters, Is.Empty);
            Assert.That(options.Masks, Is.Empty);
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [TestCase(3)]
    [TestCase(10)]
    public void Validate_DepthAtLeastThree_IsValid(int depth)
    {
        Assert.That(new DrainOptions { Depth = depth }.Validate(), Is.Empty);
    }

    [TestCase(2, "Depth must be at least 3; it is 2.")]
    [TestCase(-1, "Depth must be at least 3; it is -1.")]
    public void Validate_DepthBelowThree_ReportsIt(int depth, string expected)
    {
        Assert.That(new DrainOptions { Depth = depth }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(-0.1, "SimilarityThreshold must be between 0 and 1; it is -0.1.")]
    [TestCase(1.5, "SimilarityThreshold must be between 0 and 1; it is 1.5.")]
    [TestCase(double.NaN, "SimilarityThreshold must be between 0 and 1; it is NaN.")]
    public void Validate_SimilarityThresholdOutOfRange_ReportsIt(double threshold, string expected)
    {
        Assert.That(new DrainOptions { SimilarityThreshold = threshold }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    public void Validate_SimilarityThresholdAtTheBounds_IsValid(double threshold)
    {
        Assert.That(new DrainOptions { SimilarityThreshold = threshold }.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_MaxChildrenBelowTwo_ReportsIt()
    {
        Assert.That(new DrainOptions { MaxChildren = 1 }.Validate(), Is.EqualTo(new[] { "MaxChildren must be at least 2; it is 1." }));
    }

    [TestCase(0, "MaxTemplates must be at least 1 when set; it is 0.")]
    [TestCase(-5, "MaxTemplates must be at least 1 when set; it is -5.")]
    public void Validate_MaxTemplatesBelowOne_ReportsIt(int maxTemplates, string expected)
    {
        Assert.That(new DrainOptions { MaxTemplates = maxTemplates }.Validate(), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public void Validate_EmptyExtraDelimiter_ReportsItsIndex()
    {
        var options = new DrainOptions();
        options.ExtraDelimiters.Add("=");
        options.ExtraDelimiters.Add(string.Empty);

        Assert.That(options.Validate(), Is.EqualTo(new[] { "ExtraDelimiters[1] is empty." }));
    }

    [Test]
    public void Validate_NullMask_ReportsItsIndex()
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(@"\d+"));
        options.Masks.Add(null!);

        Assert.That(options.Validate(), Is.EqualTo(new[] { "Masks[1] is null." }));
    }

    [Test]
    public void Validate_EmptyMaskPattern_ReportsIt()
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(string.Empty));

        Assert.That(options.Validate(), Is.EqualTo(new[] { "Masks[0]: the pattern is empty." }));
    }

    [TestCase("a*")]
    [TestCase(@"\d*")]
    [TestCase("(x)?")]
    [TestCase("^")]
    public void Validate_MaskMatchingTheEmptyString_ReportsIt(string pattern)
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(pattern));

        Assert.That(options.Validate(), Is.EqualTo(new[] { $"Masks[0]: the pattern '{pattern}' matches the empty string." }));
    }

    [TestCase("(")]
    [TestCase("[a-")]
    [TestCase(@"\")]
    public void Validate_InvalidMaskRegex_ReportsItWithTheRegexError(string pattern)
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(pattern));

        Assert.That(options.Validate(), Is.EqualTo(new[] { $"Masks[0]: the pattern '{pattern}' is not a valid regular expression: {RegexError(pattern)}" }));
    }

    [TestCase("")]
    [TestCase("I P")]
    [TestCase("<IP>")]
    [TestCase("ip*")]
    [TestCase("ü")]
    public void Validate_BadMaskName_ReportsIt(string name)
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(@"\d+", name));

        Assert.That(options.Validate(), Is.EqualTo(new[] { $"Masks[0]: the mask name '{name}' is not valid; use '*' or letters, digits, '_', '-' and '.'." }));
    }

    [TestCase("*")]
    [TestCase("IP")]
    [TestCase("block_id-2.v")]
    public void Validate_GoodMaskName_IsValid(string name)
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(@"\d+", name));

        Assert.That(options.Validate(), Is.Empty);
    }

    [Test]
    public void Validate_SeveralProblems_ReportsEveryOneInOrder()
    {
        var options = InvalidOptions();

        Assert.That(options.Validate(), Is.EqualTo(ExpectedProblems()));
    }

    /// <summary>Options with one problem per setting (shared with the <see cref="DrainParser"/> constructor test).</summary>
    internal static DrainOptions InvalidOptions()
    {
        var options = new DrainOptions { Depth = 1, SimilarityThreshold = 2, MaxChildren = 0, MaxTemplates = 0 };
        options.ExtraDelimiters.Add(string.Empty);
        options.Masks.Add(new MaskingRule("("));
        options.Masks.Add(new MaskingRule(@"\d+", "I P"));
        options.Masks.Add(new MaskingRule("x?"));
        options.Masks.Add(new MaskingRule(string.Empty));
        return options;
    }

    internal static string[] ExpectedProblems() =>
    [
        "Depth must be at least 3; it is 1.",
        "SimilarityThreshold must be between 0 and 1; it is 2.",
        "MaxChildren must be at least 2; it is 0.",
        "MaxTemplates must be at least 1 when set; it is 0.",
        "ExtraDelimiters[0] is empty.",
        $"Masks[0]: the pattern '(' is not a valid regular expression: {RegexError("(")}",
        "Masks[1]: the mask name 'I P' is not valid; use '*' or letters, digits, '_', '-' and '.'.",
        "Masks[2]: the pattern 'x?' matches the empty string.",
        "Masks[3]: the pattern is empty.",
    ];

    /// <summary>The message that .NET gives for an invalid pattern (its text is the runtime's).</summary>
    internal static string RegexError(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }

        throw new InvalidOperationException($"'{pattern}' is a valid pattern.");
    }
}
