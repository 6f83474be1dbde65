using System.Text.RegularExpressions;
using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

/// <summary>Tests of <see cref="DrainParser.ExtractParameters(int, string)"/>.</summary>
public sealed partial class DrainParserTests
{
    [Test]
    public void ExtractParameters_GenericParameters_ReturnsTheirValuesInOrder()
    {
        var parser = Parser();
        parser.Parse("user alice logged in from host-a");
        var id = parser.Parse("user bob logged in from host-b").TemplateId;

        var parameters = parser.ExtractParameters(id, "user carol logged   in from host-c");

        Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("carol", "*"), new TemplateParameter("host-c", "*") }));
    }

    [Test]
    public void ExtractParameters_NamedMask_ReturnsTheOriginalTextWithTheMaskName()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP")));
        parser.Parse("connect from 10.0.0.1 port 22");
        var id = parser.Parse("connect from 10.0.0.2 port 2222").TemplateId;

        var parameters = parser.ExtractParameters(id, "connect from 192.168.7.1 port 80");

        Assert.Multiple(() =>
        {
            Assert.That(parser.Templates.Single().Text, Is.EqualTo("connect from <IP> port <*>"));
            Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("192.168.7.1", "IP"), new TemplateParameter("80", "*") }));
        });
    }

    [Test]
    public void ExtractParameters_ParameterTokenHoldingExactlyOneNamedMask_ReportsTheMaskName()
    {
        // The template token became <*> (an IP, then a host name), but this message has an IP there.
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP")));
        parser.Parse("connect from 10.0.0.1 now");
        var id = parser.Parse("connect from example.org now").TemplateId;

        var parameters = parser.ExtractParameters(id, "connect from 10.1.2.3 now");

        Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("10.1.2.3", "IP") }));
    }

    [Test]
    public void ExtractParameters_ParameterTokenHoldingAMaskAndText_IsGenericWithTheWholeOriginalToken()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP")));
        parser.Parse("connect from 10.0.0.1 now");
        var id = parser.Parse("connect from example.org now").TemplateId;

        var parameters = parser.ExtractParameters(id, "connect from /10.1.2.3:80 now");

        Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("/10.1.2.3:80", "*") }));
    }

    [TestCase(@"blk_-?\d+", "block id=blk_123, done", "id=<*>,", "blk_123")]
    [TestCase(@"-?\d+", "block blk_-4567 done", "blk_<*>", "-4567")]
    [TestCase(@"(\d+\.){3}\d+", "block /10.0.0.7:50010 done", "/<*>:50010", "10.0.0.7")]
    public void ExtractParameters_PlaceholderInsideAConstantToken_ReturnsTheMaskedText(string pattern, string content, string expectedToken, string expectedValue)
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(pattern)));
        var result = parser.Parse(content);

        var parameters = parser.ExtractParameters(result.TemplateId, content);

        Assert.Multiple(() =>
        {
            Assert.That(result.Template, Is.EqualTo($"block {expectedToken} done"));
            Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter(expectedValue, "*") }));
        });
    }

    [Test]
    public void ExtractParameters_SeveralPlaceholdersInOneConstantToken_ReturnsEachInOrder()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"\d+", "N")));
        var result = parser.Parse("range 10-20 of 300");

        var parameters = parser.ExtractParameters(result.TemplateId, "range 7-9 of 11");

        Assert.Multiple(() =>
        {
            Assert.That(result.Template, Is.EqualTo("range <N>-<N> of <N>"));
            Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("7", "N"), new TemplateParameter("9", "N"), new TemplateParameter("11", "N") }));
        });
    }

    [Test]
    public void ExtractParameters_SecondMaskCoversTheFirstsPlaceholder_ReturnsTheOriginalText()
    {
        var parser = Parser(o =>
        {
            o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP"));
            o.Masks.Add(new MaskingRule(@"<IP>:\d+", "ENDPOINT"));
        });
        var result = parser.Parse("connected to 10.0.0.1:8080 and 10.0.0.2 now");

        var parameters = parser.ExtractParameters(result.TemplateId, "connected to 172.16.0.9:443 and 172.16.0.10 now");

        Assert.Multiple(() =>
        {
            Assert.That(result.Template, Is.EqualTo("connected to <ENDPOINT> and <IP> now"));
            Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("172.16.0.9:443", "ENDPOINT"), new TemplateParameter("172.16.0.10", "IP") }));
        });
    }

    [Test]
    public void ExtractParameters_SecondMaskCoversPlaceholdersAndTextInAParameterToken_ReturnsTheOriginalText()
    {
        // Mask 1 turns numbers into <*>, mask 2 turns "<*>.<*>s" (a duration) into <DURATION>; the
        // token "took=1.25s" holds both; its template token is <*> after generalisation.
        var parser = Parser(o =>
        {
            o.Masks.Add(new MaskingRule(@"\d+"));
            o.Masks.Add(new MaskingRule(@"<\*>\.<\*>s", "DURATION"));
        });
        parser.Parse("request took=1.25s ok");
        var id = parser.Parse("request failed ok").TemplateId;

        var parameters = parser.ExtractParameters(id, "request took=10.5s ok");

        Assert.Multiple(() =>
        {
            Assert.That(parser.Templates.Single().Text, Is.EqualTo("request <*> ok"));
            Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("took=10.5s", "*") }));
        });
    }

    [Test]
    public void ExtractParameters_ExtraDelimiters_SplitTheValues()
    {
        var parser = Parser(o => o.ExtraDelimiters.Add("="));
        parser.Parse("set user=alice mode=rw");
        var id = parser.Parse("set user=bob mode=ro").TemplateId;

        var parameters = parser.ExtractParameters(id, "set user=carol mode=wo");

        Assert.That(parameters, Is.EqualTo(new[] { new TemplateParameter("carol", "*"), new TemplateParameter("wo", "*") }));
    }

    [Test]
    public void ExtractParameters_TemplateWithoutParameters_ReturnsAnEmptyList()
    {
        var parser = Parser();
        var id = parser.Parse("service started").TemplateId;

        Assert.That(parser.ExtractParameters(id, "service started"), Is.Empty);
    }

    [TestCase("user carol logged in")]
    [TestCase("user carol logged in from host-c now")]
    [TestCase("user carol logged out from host-c")]
    [TestCase("")]
    public void ExtractParameters_MessageThatDoesNotFit_ReturnsAnEmptyList(string content)
    {
        var parser = Parser();
        parser.Parse("user alice logged in from host-a");
        var id = parser.Parse("user bob logged in from host-b").TemplateId;

        Assert.That(parser.ExtractParameters(id, content), Is.Empty);
    }

    [Test]
    public void ExtractParameters_UnknownId_ThrowsKeyNotFoundException()
    {
        var parser = Parser();
        parser.Parse("a b");

        Assert.That(() => parser.ExtractParameters(42, "a b"), Throws.TypeOf<KeyNotFoundException>().With.Message.EqualTo("No template has id 42."));
    }

    [Test]
    public void ExtractParameters_EvictedTemplate_ThrowsKeyNotFoundException()
    {
        var parser = Parser(o => o.MaxTemplates = 1);
        parser.Parse("a b");
        parser.Parse("c d e");

        Assert.That(() => parser.ExtractParameters(1, "a b"), Throws.TypeOf<KeyNotFoundException>().With.Message.EqualTo("No template has id 1."));
    }

    [Test]
    public void ExtractParameters_NullContent_ThrowsArgumentNullException()
    {
        var parser = Parser();
        var id = parser.Parse("a b").TemplateId;

        Assert.That(() => parser.ExtractParameters(id, null!), Throws.ArgumentNullException);
    }

    /// <summary>
    /// For every line of a Loghub system, the parameters put back into the template's placeholders (in
    /// order) give the original message again (white space normalised).
    /// </summary>
    [TestCaseSource(nameof(LoghubSystemNames))]
    public void ExtractParameters_Loghub2k_ParametersRebuildEveryMessage(string system)
    {
        var contents = Loghub.StructuredColumn(system, "Content");
        var parser = new DrainParser(Loghub.System(system).CreateOptions());
        var ids = contents.Select(c => parser.Parse(c).TemplateId).ToList();
        var failures = new List<string>();

        for (var i = 0; i < contents.Count; i++)
        {
            parser.TryGetTemplate(ids[i], out var template);
            var parameters = parser.ExtractParameters(ids[i], contents[i]);
            var next = 0;
            var rebuilt = Placeholder().Replace(template!.Text, m => next < parameters.Count ? parameters[next++].Value : m.Value);
            if (next != parameters.Count || Normalise(rebuilt) != Normalise(contents[i]))
            {
                failures.Add($"line {i + 1}: '{contents[i]}' gave '{rebuilt}' from '{template.Text}'");
            }
        }

        Assert.That(failures, Is.Empty);
    }

    private static IEnumerable<string> LoghubSystemNames() => Loghub.Systems.Select(s => s.Name);

    private static string Normalise(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"<\*>")]
    private static partial Regex Placeholder();
}
