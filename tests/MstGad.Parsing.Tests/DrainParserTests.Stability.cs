using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

/// <summary>Tests of <see cref="DrainParser"/>: stable ids, LRU eviction and thread safety.</summary>
public sealed partial class DrainParserTests
{
    // ------------------------------------------------------------------ stable ids

    [Test]
    public void Parse_NewTemplates_GetIdsFromOneUpwardsInCreationOrder()
    {
        var parser = new DrainParser(Loghub.System("HDFS").CreateOptions());

        var created = Loghub.StructuredColumn("HDFS", "Content")
            .Select(c => parser.Parse(c))
            .Where(r => r.Change == TemplateChange.Created)
            .Select(r => r.TemplateId)
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(created, Is.EqualTo(Enumerable.Range(1, created.Count)));
            Assert.That(parser.Templates.Select(t => t.Id), Is.EqualTo(created));
        });
    }

    [Test]
    public void Parse_HdfsFedThreeTimes_LearnsNothingNewAndKeepsEveryLinesId()
    {
        var contents = Loghub.StructuredColumn("HDFS", "Content");
        var parser = new DrainParser(Loghub.System("HDFS").CreateOptions());
        var firstPass = contents.Select(c => parser.Parse(c).TemplateId).ToList();
        var templates = parser.Templates.Select(t => (t.Id, t.Text)).ToList();

        var secondPass = contents.Select(c => parser.Parse(c)).ToList();
        var thirdPass = contents.Select(c => parser.Parse(c)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(secondPass.Select(r => r.TemplateId), Is.EqualTo(firstPass), "second pass ids");
            Assert.That(thirdPass.Select(r => r.TemplateId), Is.EqualTo(firstPass), "third pass ids");
            Assert.That(secondPass.Concat(thirdPass).Select(r => r.Change), Is.All.EqualTo(TemplateChange.None));
            Assert.That(parser.Templates.Select(t => (t.Id, t.Text)), Is.EqualTo(templates));
            Assert.That(parser.Templates.Sum(t => t.Size), Is.EqualTo(3 * contents.Count));
            Assert.That(parser.MessageCount, Is.EqualTo(3 * contents.Count));
        });
    }

    [Test]
    public void Parse_HdfsBlockAskLinesRepeated_CreateNoNewTemplates()
    {
        // The Drain3 pitfall: after masking, "BLOCK* ask <*> to delete <*> <*> ... <*>" (up to 105
        // tokens) has only 4 constant tokens, so its similarity to its own template (4/105) is far
        // below st = 0.5, and plain Drain creates a new template each time such a line comes again.
        var options = new DrainOptions { SimilarityThreshold = 0.5, Depth = 4 };
        options.Masks.Add(new MaskingRule(@"blk_-?\d+"));
        options.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+(:\d+)?"));
        var lines = Loghub.StructuredColumn("HDFS", "Content").Where(c => c.StartsWith("BLOCK* ask ", StringComparison.Ordinal)).ToList();
        var parser = new DrainParser(options);
        var first = lines.Select(l => parser.Parse(l)).ToList();
        var count = parser.TemplateCount;

        var again = lines.Concat(lines).Select(l => parser.Parse(l)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).Max(), Is.GreaterThan(100), "the data must hold the long lines");
            Assert.That(parser.Templates.Select(t => t.Text), Has.Some.Contains("<*> <*> <*> <*> <*> <*> <*> <*> <*> <*>"));
            Assert.That(parser.TemplateCount, Is.EqualTo(count));
            Assert.That(again.Select(r => r.Change), Is.All.EqualTo(TemplateChange.None));
            Assert.That(again.Select(r => r.TemplateId), Is.EqualTo(first.Concat(first).Select(r => r.TemplateId)));
        });
    }

    // ------------------------------------------------------------------ LRU eviction

    [Test]
    public void Parse_MoreTemplatesThanMaxTemplates_EvictsTheLeastRecentlyUsed()
    {
        var parser = Parser(o => o.MaxTemplates = 2);

        parser.Parse("alpha");
        parser.Parse("beta beta");
        parser.Parse("gamma gamma gamma");

        Assert.Multiple(() =>
        {
            Assert.That(parser.EvictedCount, Is.EqualTo(1));
            Assert.That(parser.TemplateCount, Is.EqualTo(2));
            Assert.That(parser.TryGetTemplate(1, out _), Is.False);
            Assert.That(parser.Templates.Select(t => t.Id), Is.EqualTo(new[] { 2, 3 }));
            Assert.That(parser.TryMatch("alpha", out _), Is.False);
        });
    }

    [Test]
    public void Parse_EvictedTemplateComesBack_GetsAFreshId()
    {
        var parser = Parser(o => o.MaxTemplates = 2);
        parser.Parse("alpha");
        parser.Parse("beta beta");
        parser.Parse("gamma gamma gamma");

        var result = parser.Parse("alpha");

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new DrainResult(4, TemplateChange.Created, "alpha", 1)));
            Assert.That(parser.EvictedCount, Is.EqualTo(2));
            Assert.That(parser.Templates.Select(t => t.Id), Is.EqualTo(new[] { 3, 4 }));
        });
    }

    [Test]
    public void Parse_TouchedTemplate_IsProtectedFromEviction()
    {
        var parser = Parser(o => o.MaxTemplates = 2);
        parser.Parse("alpha");
        parser.Parse("beta beta");
        parser.Parse("alpha");

        parser.Parse("gamma gamma gamma");

        Assert.Multiple(() =>
        {
            Assert.That(parser.TryGetTemplate(1, out var alpha), Is.True);
            Assert.That(alpha, Is.EqualTo(new LogTemplate(1, "alpha", 2)));
            Assert.That(parser.TryGetTemplate(2, out _), Is.False);
            Assert.That(parser.EvictedCount, Is.EqualTo(1));
        });
    }

    [Test]
    public void Parse_TryMatchAndExtractParameters_DoNotTouch()
    {
        var parser = Parser(o => o.MaxTemplates = 2);
        parser.Parse("alpha");
        parser.Parse("beta beta");
        parser.TryMatch("alpha", out _);
        parser.ExtractParameters(1, "alpha");

        parser.Parse("gamma gamma gamma");

        Assert.That(parser.Templates.Select(t => t.Id), Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void Parse_MaxTemplatesOne_KeepsOnlyTheLatest()
    {
        var parser = Parser(o => o.MaxTemplates = 1);

        var ids = new[] { "a", "b b", "a", "c c c" }.Select(m => parser.Parse(m).TemplateId).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.EqualTo(new[] { 1, 2, 3, 4 }));
            Assert.That(parser.Templates, Is.EqualTo(new[] { new LogTemplate(4, "c c c", 1) }));
            Assert.That(parser.EvictedCount, Is.EqualTo(3));
        });
    }

    [Test]
    public void Parse_MaxTemplatesOnRealData_NeverHoldsMoreAndNeverReusesIds()
    {
        var parser = new DrainParser(new DrainOptions { MaxTemplates = 10, SimilarityThreshold = 0.2, Depth = 6 });
        var created = new List<int>();
        var overLimit = 0;

        foreach (var content in Loghub.StructuredColumn("Android", "Content"))
        {
            var result = parser.Parse(content);
            if (result.Change == TemplateChange.Created)
            {
                created.Add(result.TemplateId);
            }

            overLimit += parser.TemplateCount > 10 ? 1 : 0;
        }

        Assert.Multiple(() =>
        {
            Assert.That(overLimit, Is.Zero);
            Assert.That(created, Is.EqualTo(Enumerable.Range(1, created.Count)));
            Assert.That(parser.EvictedCount, Is.EqualTo(created.Count - 10));
        });
    }

    // ------------------------------------------------------------------ thread safety

    [Test]
    public void Parse_SeveralThreads_GiveTheSameTemplatesAsASequentialRun()
    {
        const int Threads = 4;
        var contents = Loghub.StructuredColumn("HDFS", "Content");
        var options = Loghub.System("HDFS").CreateOptions();
        var sequential = new DrainParser(options);
        for (var t = 0; t < Threads; t++)
        {
            foreach (var content in contents)
            {
                sequential.Parse(content);
            }
        }

        var shared = new DrainParser(options);
        using var start = new Barrier(Threads);
        var results = new List<DrainResult>[Threads];
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var mine = new List<DrainResult>(contents.Count);
            start.SignalAndWait();
            foreach (var content in contents)
            {
                mine.Add(shared.Parse(content));
            }

            results[t] = mine;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        var ids = results.SelectMany(r => r).Select(r => r.TemplateId).Distinct().Order().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(shared.Templates.Select(t => t.Text).Order(), Is.EqualTo(sequential.Templates.Select(t => t.Text).Order()));
            Assert.That(shared.Templates.Sum(t => t.Size), Is.EqualTo(sequential.Templates.Sum(t => t.Size)));
            Assert.That(shared.Templates.Sum(t => t.Size), Is.EqualTo(Threads * contents.Count));
            Assert.That(shared.MessageCount, Is.EqualTo(Threads * contents.Count));
            Assert.That(results.Sum(r => r.Count(x => x.Change == TemplateChange.Created)), Is.EqualTo(shared.TemplateCount));
            Assert.That(ids, Is.EqualTo(Enumerable.Range(1, shared.TemplateCount)));
        });
    }
}
