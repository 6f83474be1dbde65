using System.Text;
using MstGad.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace MstGad.Model.Tests;

public sealed partial class MstgadModelTests
{
    private const string Corrupt = "MstGad model is truncated or corrupt: ";

    private static byte[] Saved(MstgadModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    private static MstgadModel LoadBytes(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return MstgadModel.Load(stream);
    }

    [Test]
    public void SaveLoad_TrainedModel_GivesIdenticalOutputsAndSettings()
    {
        var windows = Synthetic.Windows(6, seed: 20);
        using var model = Small(seed: 3, o => { o.UseCommonBias = false; o.UnlabelledWeight = 0.05; });
        model.Train(windows, [], Quick(epochs: 2));
        var expected = model.Score(windows);

        using var loaded = LoadBytes(Saved(model));
        var actual = loaded.Score(windows);

        Assert.Multiple(() =>
        {
            Assert.That(actual.SelectMany(s => s.Probability), Is.EqualTo(expected.SelectMany(s => s.Probability)));
            Assert.That(actual.SelectMany(s => s.Errors), Is.EqualTo(expected.SelectMany(s => s.Errors)));
            Assert.That(actual.SelectMany(s => s.EdgeErrors), Is.EqualTo(expected.SelectMany(s => s.EdgeErrors)));
            Assert.That(loaded.Shape, Is.EqualTo(model.Shape));
            Assert.That(loaded.Seed, Is.EqualTo(3));
            Assert.That(loaded.ParameterCount, Is.EqualTo(model.ParameterCount));
            Assert.That(loaded.Options.UseCommonBias, Is.False);
            Assert.That(loaded.Options.UnlabelledWeight, Is.EqualTo(0.05));
            Assert.That(loaded.Options.MetricDimension, Is.EqualTo(8));
            Assert.That(loaded.Network.training, Is.False, "a loaded model is in evaluation mode");
        });
    }

    [Test]
    public void Save_LeavesTheStreamOpenAtItsEnd_AndLoadReadsExactlyTheModel()
    {
        using var model = Small();
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);
        model.Save(stream);
        var end = stream.Position;
        stream.Write("suffix"u8);

        stream.Position = 6;
        using var loaded = MstgadModel.Load(stream);

        Assert.Multiple(() =>
        {
            Assert.That(stream.CanRead, Is.True);
            Assert.That(stream.Position, Is.EqualTo(end));
            Assert.That(Encoding.ASCII.GetString(Saved(model), 0, 12), Is.EqualTo("MSTGAD-MODEL"));
        });
    }

    [Test]
    public void Load_ForeignStream_ThrowsInvalidDataException()
    {
        // A TorchSharp module saved on its own, without our header.
        using var linear = nn.Linear(3, 2);
        using var stream = new MemoryStream();
        linear.save(new BinaryWriter(stream));
        stream.Position = 0;

        var e = Assert.Throws<InvalidDataException>(() => MstgadModel.Load(stream).Dispose());

        Assert.That(e!.Message, Is.EqualTo("Not a MstGad model: the stream does not start with 'MSTGAD-MODEL'."));
    }

    [Test]
    public void Load_EmptyStream_ThrowsInvalidDataException()
    {
        var e = Assert.Throws<InvalidDataException>(() => LoadBytes([]).Dispose());

        Assert.That(e!.Message, Is.EqualTo("Not a MstGad model: the stream does not start with 'MSTGAD-MODEL'."));
    }

    [Test]
    public void Load_OtherFormatVersion_ThrowsInvalidDataException()
    {
        using var model = Small();
        var bytes = Saved(model);
        bytes[12] = 7; // the int32 after the magic

        var e = Assert.Throws<InvalidDataException>(() => LoadBytes(bytes).Dispose());

        Assert.That(e!.Message, Is.EqualTo("MstGad model format version 7 is not supported; this build reads version 1."));
    }

    [Test]
    public void Load_TruncatedAnywhere_ThrowsInvalidDataException()
    {
        using var model = Small();
        var bytes = Saved(model);
        // Cuts inside the version, the header, the entry count, names, shapes and tensor data.
        var cuts = new[] { 13, 16, 17, 40, 100, 200, 300 }.Concat(Enumerable.Range(1, 30).Select(i => bytes.Length * i / 31)).Append(bytes.Length - 1).Distinct();

        foreach (var cut in cuts)
        {
            var e = Assert.Throws<InvalidDataException>(() => LoadBytes(bytes[..cut]).Dispose(), $"cut at {cut} of {bytes.Length}");
            Assert.That(e!.Message, Does.StartWith(Corrupt), $"cut at {cut}");
            Assert.That(e.InnerException, Is.InstanceOf<EndOfStreamException>(), $"cut at {cut}");
        }
    }

    [Test]
    public void Load_CorruptHeader_ThrowsInvalidDataException()
    {
        var bytes = Header("{\"Options\": [1, 2");

        var e = Assert.Throws<InvalidDataException>(() => LoadBytes(bytes).Dispose());

        Assert.That(e!.Message, Does.StartWith(Corrupt));
    }

    [Test]
    public void Load_NullHeader_ThrowsInvalidDataException()
    {
        var e = Assert.Throws<InvalidDataException>(() => LoadBytes(Header("null")).Dispose());

        Assert.That(e!.Message, Is.EqualTo("MstGad model header is empty."));
    }

    [Test]
    public void Load_HeaderWithInvalidOptions_ThrowsInvalidDataExceptionNamingTheProblem()
    {
        using var model = Small();
        var bytes = ReplaceHeader(Saved(model), h => h.Replace("\"Heads\":2", "\"Heads\":0", StringComparison.Ordinal));

        var e = Assert.Throws<InvalidDataException>(() => LoadBytes(bytes).Dispose());

        Assert.That(e!.Message, Is.EqualTo(Corrupt + "Invalid model options:" + Environment.NewLine + "- Heads must be at least 1; it is 0."));
    }

    [Test]
    public void Load_WeightsOfAnotherShape_ThrowsInvalidDataException()
    {
        // The header promises 4 metric features; the weights were made for 3.
        using var model = Small();
        var bytes = ReplaceHeader(Saved(model), h => h.Replace("\"MetricFeatures\":3", "\"MetricFeatures\":4", StringComparison.Ordinal));

        var e = Assert.Throws<InvalidDataException>(() => LoadBytes(bytes).Dispose());

        Assert.That(e!.Message, Does.StartWith(Corrupt + "Mismatched tensor shape"));
    }

    [Test]
    public void Load_WeightsOfAnotherArchitecture_ThrowsInvalidDataException()
    {
        // The header says one more decoder layer than the weights hold.
        using var model = Small();
        var bytes = ReplaceHeader(Saved(model), h => h.Replace("\"DecoderLayers\":1", "\"DecoderLayers\":2", StringComparison.Ordinal));

        var e = Assert.Throws<InvalidDataException>(() => LoadBytes(bytes).Dispose());

        Assert.That(e!.Message, Does.StartWith(Corrupt + "Mismatched state_dict sizes"));
    }

    [Test]
    public void Load_UnknownDevice_ThrowsArgumentExceptionNotInvalidData()
    {
        // A wrong device name is the caller's mistake; the stream is fine.
        using var model = Small();
        using var stream = new MemoryStream(Saved(model));

        var e = Assert.Throws<ArgumentException>(() => MstgadModel.Load(stream, "bogus").Dispose());

        Assert.That(e!.Message, Does.Contain("BOGUS"));
    }

    [Test]
    public void Load_CorruptBytesAfterTheHeader_NeverThrowAnythingButInvalidDataException()
    {
        // Flip bytes of the weight section's bookkeeping (entry count, names, type codes, shapes): whatever
        // happens, a caller sees either a model or InvalidDataException.
        using var model = Small();
        var bytes = Saved(model);
        var headerEnd = HeaderEnd(bytes);
        var unexpected = new List<string>();
        for (var i = headerEnd; i < Math.Min(bytes.Length, headerEnd + 400); i++)
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[i] ^= 0xA5;
            try
            {
                LoadBytes(corrupt).Dispose();
            }
            catch (InvalidDataException)
            {
            }
            catch (Exception ex)
            {
                unexpected.Add($"byte {i}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(unexpected, Is.Empty);
    }

    private static byte[] Header(string json)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("MSTGAD-MODEL"u8);
            writer.Write(1);
            writer.Write(json);
        }

        return stream.ToArray();
    }

    private static int HeaderEnd(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        reader.ReadBytes(12);
        reader.ReadInt32();
        reader.ReadString();
        return (int)reader.BaseStream.Position;
    }

    private static byte[] ReplaceHeader(byte[] bytes, Func<string, string> change)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        reader.ReadBytes(12);
        reader.ReadInt32();
        var json = reader.ReadString();
        var changed = change(json);
        Assert.That(changed, Is.Not.EqualTo(json), "the header holds the text to replace");
        var rest = bytes[(int)reader.BaseStream.Position..];
        return [.. Header(changed), .. rest];
    }
}
