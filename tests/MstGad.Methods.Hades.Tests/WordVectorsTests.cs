using MstGad.Methods.Hades;

namespace MstGad.Methods.Hades.Tests;

/// <summary>The word-vector trainer Hades embeds log templates with (fastText CBOW with hashed character n-grams).</summary>
[TestFixture]
public sealed class WordVectorsTests
{
    /// <summary>Two families of log lines: failures of a connection, and the disk filling. "refused" and "reset" share
    /// their contexts; "volume" and "partition" share theirs.</summary>
    private static readonly string[] Corpus = [.. Enumerable.Range(0, 40).SelectMany(i => new[]
    {
        $"connection to host {i} refused by peer",
        $"connection to host {i} reset by peer",
        $"disk volume {i} is full no space left",
        $"disk partition {i} is full no space left",
    })];

    [Test]
    public void Train_SameSeed_GivesTheSameBits()
    {
        var a = WordVectors.Train(Corpus, new WordVectorOptions { Seed = 7, Epochs = 5 });
        var b = WordVectors.Train(Corpus, new WordVectorOptions { Seed = 7, Epochs = 5 });
        var c = WordVectors.Train(Corpus, new WordVectorOptions { Seed = 8, Epochs = 5 });

        Assert.Multiple(() =>
        {
            Assert.That(a.Words, Is.EqualTo(b.Words));
            Assert.That(a.Words.Select(a.Word), Is.EqualTo(b.Words.Select(b.Word)), "bit for bit");
            Assert.That(a.Word("refused"), Is.Not.EqualTo(c.Word("refused")), "another seed, other vectors");
        });
    }

    [Test]
    public void Train_WordsOfTheSameContexts_AreCloserThanUnrelatedOnes()
    {
        var vectors = WordVectors.Train(Corpus);

        Assert.Multiple(() =>
        {
            Assert.That(vectors.Similarity("refused", "reset"), Is.GreaterThan(vectors.Similarity("refused", "partition")));
            Assert.That(vectors.Similarity("volume", "partition"), Is.GreaterThan(vectors.Similarity("volume", "reset")));
            Assert.That(vectors.Similarity("connection", "connections"), Is.GreaterThan(vectors.Similarity("connection", "space")), "a word never seen shares its n-grams");
        });
    }

    [Test]
    public void Train_Untrained_DoesNotSeparateTheFamilies()
    {
        // The same check with one epoch at a tiny learning rate (as good as no training): the families are not apart,
        // so the test above measures what training learnt.
        var vectors = WordVectors.Train(Corpus, new WordVectorOptions { Epochs = 1, LearningRate = 1e-6 });

        Assert.That(vectors.Similarity("refused", "reset") - vectors.Similarity("refused", "partition"), Is.LessThan(0.2));
    }

    [TestCase("<*> <*>:<*>")]
    [TestCase("123 456 7.8 - 10:20")]
    [TestCase("")]
    public void Sentence_WithoutLetters_IsZero(string template) =>
        Assert.That(WordVectors.Train(Corpus, new WordVectorOptions { Epochs = 1 }).Sentence(template), Is.All.EqualTo(0f));

    [Test]
    public void Tokens_AreLowerCasedRunsOfLetters() =>
        Assert.That(WordVectors.Tokens("Connection to <*>:8080 REFUSED (errno=111)"), Is.EqualTo(new[] { "connection", "to", "refused", "errno" }));

    [Test]
    public void SaveLoad_GivesTheSameVectors()
    {
        var vectors = WordVectors.Train(Corpus, new WordVectorOptions { Epochs = 2 });
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            vectors.Save(writer);
        }

        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        var loaded = WordVectors.Load(reader);

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Words, Is.EqualTo(vectors.Words));
            Assert.That(loaded.Sentence("connection to host <*> refused"), Is.EqualTo(vectors.Sentence("connection to host <*> refused")));
            Assert.That(loaded.Word("unseen"), Is.EqualTo(vectors.Word("unseen")));
        });
    }

    [Test]
    public void Train_InvalidOptions_ListsEveryProblem() =>
        Assert.That(() => WordVectors.Train(Corpus, new WordVectorOptions { Dimension = 0, MinN = 4, MaxN = 2 }), Throws.ArgumentException.With.Message.Contains("Dimension must be from 1 to 1024; it is 0.").And.Message.Contains("1 ≤ MinN ≤ MaxN ≤ 20; they are 4 and 2."));
}
