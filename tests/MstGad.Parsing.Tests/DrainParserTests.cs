using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

/// <summary>Tests of <see cref="DrainParser"/>: hand-made Drain cases, masking, stable ids, LRU eviction and thread safety.</summary>
[TestFixture]
public sealed partial class DrainParserTests
{
    private static DrainParser Parser(Action<DrainOptions>? configure = null)
    {
        var options = new DrainOptions();
        configure?.Invoke(options);
        return new DrainParser(options);
    }

    // ------------------------------------------------------------------ constructor and options

    [Test]
    public void Constructor_InvalidOptions_ThrowsArgumentExceptionListingEveryProblem()
    {
        var options = DrainOptionsTests.InvalidOptions();
        var expected = "Invalid Drain options:" + Environment.NewLine + "- "
            + string.Join(Environment.NewLine + "- ", DrainOptionsTests.ExpectedProblems())
            + " (Parameter 'options')";

        var ex = Assert.Throws<ArgumentException>(() => _ = new DrainParser(options));

        Assert.Multiple(() =>
        {
            Assert.That(ex.ParamName, Is.EqualTo("options"));
            Assert.That(ex.Message, Is.EqualTo(expected));
        });
    }

    [Test]
    public void Constructor_OneInvalidMask_NamesIt()
    {
        var options = new DrainOptions();
        options.Masks.Add(new MaskingRule(@"\d+", "IP"));
        options.Masks.Add(new MaskingRule("[0-9]*"));

        var ex = Assert.Throws<ArgumentException>(() => _ = new DrainParser(options));

        Assert.That(ex.Message, Is.EqualTo("Invalid Drain options:" + Environment.NewLine + "- Masks[1]: the pattern '[0-9]*' matches the empty string. (Parameter 'options')"));
    }

    [Test]
    public void Constructor_NullOptions_UsesTheDefaults()
    {
        var options = new DrainParser().Options;

        Assert.Multiple(() =>
        {
            Assert.That(options.Depth, Is.EqualTo(4));
            Assert.That(options.SimilarityThreshold, Is.EqualTo(0.4));
            Assert.That(options.MaxChildren, Is.EqualTo(100));
            Assert.That(options.MaxTemplates, Is.Null);
            Assert.That(options.ParametrizeNumericTokens, Is.True);
        });
    }

    [Test]
    public void Constructor_OptionsChangedAfterwards_HaveNoEffect()
    {
        var options = new DrainOptions { SimilarityThreshold = 0.5 };
        var parser = new DrainParser(options);
        options.SimilarityThreshold = 0.9;
        options.Masks.Add(new MaskingRule(@"\d+"));

        parser.Parse("a b c d");
        var result = parser.Parse("a b x y");

        Assert.Multiple(() =>
        {
            Assert.That(parser.Options.SimilarityThreshold, Is.EqualTo(0.5));
            Assert.That(parser.Options.Masks, Is.Empty);
            Assert.That(result.Change, Is.EqualTo(TemplateChange.Updated));
            Assert.That(result.Template, Is.EqualTo("a b <*> <*>"));
        });
    }

    [Test]
    public void Options_ChangingTheReturnedCopy_DoesNotChangeTheParser()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"\d+")));

        parser.Options.Masks.Clear();
        parser.Options.Depth = 9;

        Assert.Multiple(() =>
        {
            Assert.That(parser.Options.Masks, Is.EqualTo(new[] { new MaskingRule(@"\d+") }));
            Assert.That(parser.Options.Depth, Is.EqualTo(4));
            Assert.That(parser.Parse("x 42").Template, Is.EqualTo("x <*>"));
        });
    }

    // ------------------------------------------------------------------ hand-made Drain cases

    [Test]
    public void Parse_IdenticalLines_ShareOneTemplate()
    {
        var parser = Parser();

        var first = parser.Parse("Connection closed by peer");
        var second = parser.Parse("Connection closed by peer");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new DrainResult(1, TemplateChange.Created, "Connection closed by peer", 1)));
            Assert.That(second, Is.EqualTo(new DrainResult(1, TemplateChange.None, "Connection closed by peer", 2)));
            Assert.That(parser.TemplateCount, Is.EqualTo(1));
            Assert.That(parser.MessageCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Parse_OneDifferingToken_BecomesAParameter()
    {
        var parser = Parser();
        parser.Parse("session opened for user alice");

        var result = parser.Parse("session opened for user bob");
        var third = parser.Parse("session opened for user carol");

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new DrainResult(1, TemplateChange.Updated, "session opened for user <*>", 2)));
            Assert.That(third, Is.EqualTo(new DrainResult(1, TemplateChange.None, "session opened for user <*>", 3)));
            Assert.That(parser.Templates, Is.EqualTo(new[] { new LogTemplate(1, "session opened for user <*>", 3) }));
        });
    }

    [Test]
    public void Parse_WhiteSpaceRuns_AreOneSeparator()
    {
        var parser = Parser();

        var result = parser.Parse("  alpha\tbeta \r\n gamma\u00A0delta\u2003epsilon  ");

        Assert.That(result.Template, Is.EqualTo("alpha beta gamma delta epsilon"));
    }

    /// <summary>Template "a b c d e" and message "a b c x y": 3 of 5 tokens equal, similarity 0.6.</summary>
    [TestCase(0.59, TemplateChange.Updated, 1)]
    [TestCase(0.6, TemplateChange.Updated, 1)]
    [TestCase(0.61, TemplateChange.Created, 2)]
    public void Parse_SimilarityAroundTheThreshold_DecidesJoinOrNew(double threshold, TemplateChange expectedChange, int expectedTemplates)
    {
        var parser = Parser(o => o.SimilarityThreshold = threshold);
        parser.Parse("a b c d e");

        var result = parser.Parse("a b c x y");

        Assert.Multiple(() =>
        {
            Assert.That(result.Change, Is.EqualTo(expectedChange));
            Assert.That(result.TemplateId, Is.EqualTo(expectedTemplates));
            Assert.That(result.Template, Is.EqualTo(expectedChange == TemplateChange.Updated ? "a b c <*> <*>" : "a b c x y"));
            Assert.That(parser.TemplateCount, Is.EqualTo(expectedTemplates));
        });
    }

    [Test]
    public void Parse_InstanceOfAMostlyParameterTemplate_JoinsItBelowTheThreshold()
    {
        // "a <*> <*> <*>" against "a b c d": 1 equal token of 4, similarity 0.25 < 0.4, but the message
        // is an instance of the template (every constant token equal), so it joins it.
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"\d+")));
        parser.Parse("a 1 2 3");

        var instance = parser.Parse("a b c d");
        var notInstance = parser.Parse("z b c d");

        Assert.Multiple(() =>
        {
            Assert.That(instance, Is.EqualTo(new DrainResult(1, TemplateChange.None, "a <*> <*> <*>", 2)));
            Assert.That(notInstance, Is.EqualTo(new DrainResult(2, TemplateChange.Created, "z b c d", 1)));
        });
    }

    [Test]
    public void Parse_DissimilarMessageOfTheSameLeaf_CreatesATemplate()
    {
        // "a p q r" against "a s t u": similarity 1/4 < 0.4 and no instance: a new template.
        var parser = Parser();
        parser.Parse("a p q r");

        var result = parser.Parse("a s t u");

        Assert.That(result, Is.EqualTo(new DrainResult(2, TemplateChange.Created, "a s t u", 1)));
    }

    [Test]
    public void Parse_DifferentTokenCounts_NeverShareATemplate()
    {
        var parser = Parser(o => o.SimilarityThreshold = 0);

        var three = parser.Parse("disk full on");
        var four = parser.Parse("disk full on sda");
        var two = parser.Parse("disk full");

        Assert.Multiple(() =>
        {
            Assert.That(new[] { three.TemplateId, four.TemplateId, two.TemplateId }, Is.EqualTo(new[] { 1, 2, 3 }));
            Assert.That(new[] { three.Change, four.Change, two.Change }, Is.All.EqualTo(TemplateChange.Created));
        });
    }

    [TestCase(true, 1)]
    [TestCase(false, 2)]
    public void Parse_FirstTokenWithDigits_IsRoutedThroughTheParameterBranchWhenParametrized(bool parametrize, int expectedTemplates)
    {
        // Depth 4 routes by the first token. With ParametrizeNumericTokens both messages reach the <*>
        // branch and join (similarity 1/2 >= 0.4); without it they reach different leaves.
        var parser = Parser(o => o.ParametrizeNumericTokens = parametrize);
        parser.Parse("123 done");

        var result = parser.Parse("456 done");

        Assert.Multiple(() =>
        {
            Assert.That(parser.TemplateCount, Is.EqualTo(expectedTemplates));
            Assert.That(result.Template, Is.EqualTo(parametrize ? "<*> done" : "456 done"));
        });
    }

    [Test]
    public void Parse_MoreFirstTokensThanMaxChildren_OverflowIntoTheParameterBranch()
    {
        // MaxChildren 2: "alpha" takes the one free slot, the last slot is kept for <*>, so "beta"
        // and "gamma" share the <*> leaf and merge (similarity 1/2 >= 0.4).
        var parser = Parser(o => o.MaxChildren = 2);

        var alpha = parser.Parse("alpha x");
        var beta = parser.Parse("beta x");
        var gamma = parser.Parse("gamma x");
        var alphaAgain = parser.Parse("alpha x");

        Assert.Multiple(() =>
        {
            Assert.That(alpha.TemplateId, Is.EqualTo(1));
            Assert.That(beta.TemplateId, Is.EqualTo(2));
            Assert.That(gamma, Is.EqualTo(new DrainResult(2, TemplateChange.Updated, "<*> x", 2)));
            Assert.That(alphaAgain, Is.EqualTo(new DrainResult(1, TemplateChange.None, "alpha x", 2)));
        });
    }

    [Test]
    public void Parse_FewerFirstTokensThanMaxChildren_KeepsThemApart()
    {
        var parser = Parser(o => o.MaxChildren = 100);

        parser.Parse("alpha x");
        parser.Parse("beta x");
        var gamma = parser.Parse("gamma x");

        Assert.Multiple(() =>
        {
            Assert.That(gamma, Is.EqualTo(new DrainResult(3, TemplateChange.Created, "gamma x", 1)));
            Assert.That(parser.TemplateCount, Is.EqualTo(3));
        });
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("\t \r")]
    public void Parse_EmptyContent_GetsOneEmptyTemplate(string content)
    {
        var parser = Parser();

        var first = parser.Parse(content);
        var second = parser.Parse(string.Empty);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new DrainResult(1, TemplateChange.Created, string.Empty, 1)));
            Assert.That(second, Is.EqualTo(new DrainResult(1, TemplateChange.None, string.Empty, 2)));
            Assert.That(parser.TemplateCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Parse_ExtraDelimiters_SplitTokens()
    {
        var parser = Parser(o =>
        {
            o.ExtraDelimiters.Add("=");
            o.ExtraDelimiters.Add(", ");
        });

        parser.Parse("user=alice, port=22");
        var result = parser.Parse("user=bob, port=22");

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new DrainResult(1, TemplateChange.Updated, "user <*> port 22", 2)));
            Assert.That(parser.TemplateCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Parse_NoExtraDelimiters_KeepsKeyValueTokensWhole()
    {
        // The first tokens "user=alice," and "user=bob," take different tree branches.
        var parser = Parser();

        parser.Parse("user=alice, port=22");
        var result = parser.Parse("user=bob, port=22");

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new DrainResult(2, TemplateChange.Created, "user=bob, port=22", 1)));
            Assert.That(parser.TemplateCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Parse_PrintableAsciiWithSpaceRuns_TokenisesLikeSplit()
    {
        // Long printable-ASCII messages take a vectorised tokeniser: compare it with string.Split
        // over many random lengths and space patterns (fixed seed).
        var random = new Random(20260101);
        for (var n = 0; n < 2000; n++)
        {
            var length = random.Next(1, 120);
            var chars = new char[length];
            for (var i = 0; i < length; i++)
            {
                chars[i] = random.Next(3) == 0 ? ' ' : (char)random.Next('!', '~' + 1);
            }

            var text = new string(chars);
            var expected = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));

            var result = new DrainParser().Parse(text);

            Assert.That(result.Template, Is.EqualTo(expected), $"message '{text}'");
        }
    }

    [Test]
    public void Parse_NullString_ThrowsArgumentNullException()
    {
        Assert.That(() => new DrainParser().Parse((string)null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("content"));
    }

    // ------------------------------------------------------------------ masking

    [Test]
    public void Parse_GenericMask_BecomesAWildcard()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"\d+")));

        var first = parser.Parse("retry 3 of 10");
        var second = parser.Parse("retry 4 of 12");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new DrainResult(1, TemplateChange.Created, "retry <*> of <*>", 1)));
            Assert.That(second, Is.EqualTo(new DrainResult(1, TemplateChange.None, "retry <*> of <*>", 2)));
        });
    }

    [Test]
    public void Parse_NamedMask_IsComparedLikeAConstantToken()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP")));

        var first = parser.Parse("connect from 10.0.0.1 port 22");
        var second = parser.Parse("connect from 192.168.1.20 port 22");
        var host = parser.Parse("connect from example.org port 22");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(new DrainResult(1, TemplateChange.Created, "connect from <IP> port 22", 1)));
            Assert.That(second, Is.EqualTo(new DrainResult(1, TemplateChange.None, "connect from <IP> port 22", 2)));
            Assert.That(host, Is.EqualTo(new DrainResult(1, TemplateChange.Updated, "connect from <*> port 22", 3)));
        });
    }

    [Test]
    public void Parse_MasksAppliedInOrder_SecondSeesTheFirstsOutput()
    {
        // The second mask only matches the placeholder that the first one produced.
        var parser = Parser(o =>
        {
            o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP"));
            o.Masks.Add(new MaskingRule(@"<IP>:\d+", "ENDPOINT"));
        });

        var result = parser.Parse("connected to 10.0.0.1:8080 and 10.0.0.2");

        Assert.That(result.Template, Is.EqualTo("connected to <ENDPOINT> and <IP>"));
    }

    [Test]
    public void Parse_MasksInTheOtherOrder_DoNotSeeEachOther()
    {
        var parser = Parser(o =>
        {
            o.Masks.Add(new MaskingRule(@"<IP>:\d+", "ENDPOINT"));
            o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP"));
        });

        var result = parser.Parse("connected to 10.0.0.1:8080 and 10.0.0.2");

        Assert.That(result.Template, Is.EqualTo("connected to <IP>:8080 and <IP>"));
    }

    [Test]
    public void Parse_ManyMasksOnALongMessage_MasksEveryMatch()
    {
        var parser = Parser(o =>
        {
            o.Masks.Add(new MaskingRule(@"blk_-?\d+"));
            o.Masks.Add(new MaskingRule(@"\d+", "N"));
            o.Masks.Add(new MaskingRule(@"<N>s", "T"));
        });
        var content = "start " + string.Join(' ', Enumerable.Range(0, 300).Select(i => $"blk_{i} {i}s {i}"));
        var expected = "start " + string.Join(' ', Enumerable.Repeat("<*> <T> <N>", 300));

        var result = parser.Parse(content);

        Assert.That(result.Template, Is.EqualTo(expected));
    }

    // ------------------------------------------------------------------ TryMatch

    [Test]
    public void TryMatch_NewMessage_ReturnsFalseAndLearnsNothing()
    {
        var parser = Parser();
        parser.Parse("job 1 started");

        var found = parser.TryMatch("disk sda failed badly", out var result);

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.False);
            Assert.That(result, Is.EqualTo(default(DrainResult)));
            Assert.That(parser.TemplateCount, Is.EqualTo(1));
            Assert.That(parser.MessageCount, Is.EqualTo(1));
            Assert.That(parser.Templates, Is.EqualTo(new[] { new LogTemplate(1, "job 1 started", 1) }));
        });
    }

    [Test]
    public void TryMatch_MessageThatWouldGeneraliseATemplate_ReturnsItsIdAndLeavesItUnchanged()
    {
        var parser = Parser();
        parser.Parse("job 1 started");

        var found = parser.TryMatch("job 2 started", out var result);

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.True);
            Assert.That(result, Is.EqualTo(new DrainResult(1, TemplateChange.None, "job 1 started", 1)));
            Assert.That(parser.Templates, Is.EqualTo(new[] { new LogTemplate(1, "job 1 started", 1) }));
            Assert.That(parser.MessageCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void TryMatch_Hdfs_ReturnsTheIdParseGivesWithoutLearning()
    {
        // Before each line is learnt, TryMatch must predict what Parse then does, and change nothing.
        var contents = Loghub.StructuredColumn("HDFS", "Content");
        var parser = new DrainParser(Loghub.System("HDFS").CreateOptions());
        var failures = new List<string>();
        var found = 0;
        for (var i = 0; i < contents.Count; i++)
        {
            var before = parser.Templates;
            var matched = parser.TryMatch(contents[i], out var match);
            var after = parser.Templates;
            var parsed = parser.Parse(contents[i]);

            var expected = parsed.Change == TemplateChange.Created ? (false, 0) : (true, parsed.TemplateId);
            if ((matched, match.TemplateId) != expected || !after.SequenceEqual(before))
            {
                failures.Add($"line {i + 1}: TryMatch gave ({matched}, {match.TemplateId}), Parse {parsed}");
            }

            found += matched ? 1 : 0;
        }

        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(found, Is.EqualTo(contents.Count - parser.TemplateCount));
            Assert.That(parser.MessageCount, Is.EqualTo(contents.Count));
        });
    }

    // ------------------------------------------------------------------ templates and lookups

    [Test]
    public void TryGetTemplate_KnownAndUnknownIds_ReportThem()
    {
        var parser = Parser();
        parser.Parse("a b");
        parser.Parse("a c");

        Assert.Multiple(() =>
        {
            Assert.That(parser.TryGetTemplate(1, out var template), Is.True);
            Assert.That(template, Is.EqualTo(new LogTemplate(1, "a <*>", 2)));
            Assert.That(parser.TryGetTemplate(2, out var missing), Is.False);
            Assert.That(missing, Is.Null);
            Assert.That(parser.TryGetTemplate(0, out _), Is.False);
        });
    }

    [Test]
    public void Templates_AreOrderedById()
    {
        var parser = Parser();
        parser.Parse("z z z");
        parser.Parse("a");
        parser.Parse("m m");

        Assert.That(parser.Templates.Select(t => t.Id), Is.EqualTo(new[] { 1, 2, 3 }));
    }
}
