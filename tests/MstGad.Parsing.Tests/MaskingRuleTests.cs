namespace MstGad.Parsing.Tests;

[TestFixture]
public sealed class MaskingRuleTests
{
    [Test]
    public void Constructor_NoMaskName_IsTheGenericParameter()
    {
        var rule = new MaskingRule(@"\d+");

        Assert.Multiple(() =>
        {
            Assert.That(rule.MaskName, Is.EqualTo("*"));
            Assert.That(rule.Placeholder, Is.EqualTo("<*>"));
        });
    }

    [TestCase("IP", "<IP>")]
    [TestCase("blk_id", "<blk_id>")]
    public void Placeholder_NamedMask_IsTheNameInAngleBrackets(string name, string expected)
    {
        Assert.That(new MaskingRule(@"\d+", name).Placeholder, Is.EqualTo(expected));
    }

    [Test]
    public void Equality_SamePatternAndName_AreEqual()
    {
        var rule = new MaskingRule("a+", "A");
        var same = new MaskingRule("a+", "A");
        var otherName = new MaskingRule("a+", "B");

        Assert.Multiple(() =>
        {
            Assert.That(rule, Is.EqualTo(same));
            Assert.That(rule, Is.Not.EqualTo(otherName));
        });
    }

    [Test]
    public void Parse_ZeroWidthMask_MasksNothing()
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(@"\b"));
        options.Masks.Add(new MaskingRule(@"\d+"));
        var parser = new DrainParser(options);

        var result = parser.Parse("ab cd 42");
        var parameters = parser.ExtractParameters(result.TemplateId, "ab cd 42");

        Assert.Multiple(() =>
        {
            Assert.That(result.Template, Is.EqualTo("ab cd <*>"));
            Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("42", "*") }));
        });
    }
}
