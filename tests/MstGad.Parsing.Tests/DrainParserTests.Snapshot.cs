using System.Buffers.Binary;
using MstGad.Parsing.Tests.Support;

namespace MstGad.Parsing.Tests;

/// <summary>Tests of <see cref="DrainParser.Save(Stream)"/> and <see cref="DrainParser.Load(Stream)"/>.</summary>
public sealed partial class DrainParserTests
{
    private const string NotASnapshot = "Not a MstGad Drain snapshot: the stream does not start with 'MSTGAD-DRAIN'.";
    private const string ChecksumMismatch = "Drain snapshot is corrupt: its checksum does not match its content.";

    /// <summary>Parses a real log split at line 1000: one parser straight through, one saved and
    /// reloaded at the split; the second half must give the same results.</summary>
    [TestCase("HDFS", null)]
    [TestCase("Android", null)]
    [TestCase("HDFS", 5)]
    [TestCase("Android", 40)]
    public void Load_AfterSaveMidway_ContinuesExactlyLikeAParserThatNeverReloaded(string system, int? maxTemplates)
    {
        var options = Loghub.System(system).CreateOptions();
        options.MaxTemplates = maxTemplates;
        var contents = Loghub.StructuredColumn(system, "Content");
        var straight = new DrainParser(options);
        var saved = new DrainParser(options);
        foreach (var content in contents.Take(1000))
        {
            straight.Parse(content);
            saved.Parse(content);
        }

        var reloaded = RoundTrip(saved);

        Assert.Multiple(() =>
        {
            Assert.That(reloaded.Templates, Is.EqualTo(saved.Templates));
            Assert.That(reloaded.TemplateCount, Is.EqualTo(saved.TemplateCount));
            Assert.That(reloaded.MessageCount, Is.EqualTo(1000));
            Assert.That(reloaded.EvictedCount, Is.EqualTo(saved.EvictedCount));
        });

        var expected = contents.Skip(1000).Select(c => straight.Parse(c)).ToList();
        var actual = contents.Skip(1000).Select(c => reloaded.Parse(c)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(actual, Is.EqualTo(expected));
            Assert.That(reloaded.Templates, Is.EqualTo(straight.Templates));
            Assert.That(reloaded.MessageCount, Is.EqualTo(straight.MessageCount));
            Assert.That(reloaded.EvictedCount, Is.EqualTo(straight.EvictedCount));
            if (maxTemplates is not null)
            {
                Assert.That(straight.EvictedCount, Is.GreaterThan(0), "the case must evict to test the LRU order");
            }
        });
    }

    [Test]
    public void Load_Snapshot_KeepsTheOptions()
    {
        var options = new DrainOptions
        {
            Depth = 6,
            SimilarityThreshold = 0.55,
            MaxChildren = 7,
            MaxTemplates = 123,
            ParametrizeNumericTokens = false,
        };
        options.ExtraDelimiters.Add("=");
        options.ExtraDelimiters.Add("::");
        options.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP"));
        options.Masks.Add(new MaskingRule(@"0x[0-9a-f]+"));
        var parser = new DrainParser(options);
        parser.Parse("from 10.0.0.1 key=0xff");

        var loaded = RoundTrip(parser).Options;

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Depth, Is.EqualTo(6));
            Assert.That(loaded.SimilarityThreshold, Is.EqualTo(0.55));
            Assert.That(loaded.MaxChildren, Is.EqualTo(7));
            Assert.That(loaded.MaxTemplates, Is.EqualTo(123));
            Assert.That(loaded.ParametrizeNumericTokens, Is.False);
            Assert.That(loaded.ExtraDelimiters, Is.EqualTo(new[] { "=", "::" }));
            Assert.That(loaded.Masks, Is.EqualTo(options.Masks));
        });
    }

    [Test]
    public void Load_Snapshot_KeepsExtractingParametersWithItsMasks()
    {
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"(\d+\.){3}\d+", "IP")));
        var id = parser.Parse("connect from 10.0.0.1 port 22").TemplateId;

        var loaded = RoundTrip(parser);

        Assert.That(loaded.ExtractParameters(id, "connect from 10.9.9.9 port 22"), Is.EqualTo(new[] { new TemplateParameter("10.9.9.9", "IP") }));
    }

    [Test]
    public void Load_EmptyParser_RoundTrips()
    {
        var loaded = RoundTrip(new DrainParser());

        Assert.Multiple(() =>
        {
            Assert.That(loaded.TemplateCount, Is.Zero);
            Assert.That(loaded.MessageCount, Is.Zero);
            Assert.That(loaded.Parse("first message").TemplateId, Is.EqualTo(1));
        });
    }

    [Test]
    public void Load_AfterEvictions_NeverReusesIds()
    {
        var parser = Parser(o => o.MaxTemplates = 1);
        parser.Parse("a");
        parser.Parse("b b");

        var loaded = RoundTrip(parser);
        var result = loaded.Parse("c c c");

        Assert.Multiple(() =>
        {
            Assert.That(result.TemplateId, Is.EqualTo(3));
            Assert.That(loaded.EvictedCount, Is.EqualTo(2));
        });
    }

    [Test]
    public void Load_StreamNotAtItsStart_ReadsFromThePositionAndLeavesTheRest()
    {
        var parser = Parser();
        parser.Parse("x y");
        using var stream = new MemoryStream();
        stream.Write("prefix"u8);
        parser.Save(stream);
        stream.Write("suffix"u8);
        stream.Position = 6;

        var loaded = DrainParser.Load(stream);

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Templates, Is.EqualTo(parser.Templates));
            Assert.That(stream.Position, Is.EqualTo(stream.Length - 6));
        });
    }

    [Test]
    public void Save_Twice_WritesIdenticalBytes()
    {
        var parser = HdfsParser(maxTemplates: 8);

        var first = SaveToBytes(parser);
        var second = SaveToBytes(parser);
        var afterReload = SaveToBytes(DrainParser.Load(new MemoryStream(first)));

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(afterReload, Is.EqualTo(first));
        });
    }

    [Test]
    public void Save_Header_HoldsMagicVersionAndLength()
    {
        var bytes = SaveToBytes(HdfsParser());

        Assert.Multiple(() =>
        {
            Assert.That(bytes.AsSpan(0, 12).ToArray(), Is.EqualTo("MSTGAD-DRAIN"u8.ToArray()));
            Assert.That(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)), Is.EqualTo(DrainParser.SnapshotVersion));
            Assert.That(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)), Is.EqualTo(bytes.Length - 32));
        });
    }

    [Test]
    public void Save_NullStream_ThrowsArgumentNullException()
    {
        Assert.That(() => new DrainParser().Save(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Load_NullStream_ThrowsArgumentNullException()
    {
        Assert.That(() => DrainParser.Load(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Load_EmptyStream_ThrowsInvalidDataException()
    {
        Assert.That(() => DrainParser.Load(new MemoryStream()), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(NotASnapshot));
    }

    [TestCase(0)]
    [TestCase(6)]
    [TestCase(11)]
    public void Load_WrongMagic_ThrowsInvalidDataException(int index)
    {
        var bytes = SaveToBytes(HdfsParser());
        bytes[index] ^= 0x20;

        Assert.That(() => DrainParser.Load(new MemoryStream(bytes)), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(NotASnapshot));
    }

    [Test]
    public void Load_OtherData_ThrowsInvalidDataException()
    {
        var bytes = File.ReadAllBytes(Loghub.System("HDFS").LogPath);

        Assert.That(() => DrainParser.Load(new MemoryStream(bytes)), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(NotASnapshot));
    }

    [TestCase(0)]
    [TestCase(2)]
    [TestCase(-1)]
    public void Load_UnsupportedVersion_ThrowsInvalidDataException(int version)
    {
        var bytes = SaveToBytes(HdfsParser());
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), version);

        Assert.That(
            () => DrainParser.Load(new MemoryStream(bytes)),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo($"Drain snapshot version {version} is not supported; this build reads version 1."));
    }

    [TestCase(-1L)]
    [TestCase(long.MinValue)]
    [TestCase(int.MaxValue + 1L)]
    [TestCase((long)int.MaxValue)]
    [TestCase(int.MaxValue - 8L)]
    public void Load_ImpossiblePayloadLength_ThrowsInvalidDataException(long length)
    {
        var bytes = SaveToBytes(HdfsParser());
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), length);

        Assert.That(
            () => DrainParser.Load(new MemoryStream(bytes)),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo($"Drain snapshot is corrupt: payload length {length}."));
    }

    [Test]
    public void Load_HugePayloadLengthOnAShortStream_ThrowsWithoutAllocatingIt()
    {
        var bytes = SaveToBytes(SingleTemplateParser());
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), 1_500_000_000);
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Multiple(() =>
        {
            Assert.That(
                () => DrainParser.Load(new MemoryStream(bytes)),
                Throws.TypeOf<InvalidDataException>().With.Message.EqualTo($"Drain snapshot is truncated: expected 1500000008 bytes after the header, found {bytes.Length - 24}."));
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16 << 20), "bytes allocated");
        });
    }

    [Test]
    public void Load_AnyFlippedBitOfTheLengthField_ThrowsInvalidDataException()
    {
        var bytes = SaveToBytes(SingleTemplateParser());
        var wrong = new List<string>();

        for (var bit = 0; bit < 64; bit++)
        {
            var copy = (byte[])bytes.Clone();
            copy[16 + (bit / 8)] ^= (byte)(1 << (bit % 8));
            try
            {
                DrainParser.Load(new MemoryStream(copy));
                wrong.Add($"bit {bit}: loaded");
            }
            catch (InvalidDataException)
            {
            }
            catch (Exception ex)
            {
                wrong.Add($"bit {bit}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void Load_TruncatedStream_ThrowsInvalidDataExceptionSayingHowMuchIsThere()
    {
        var bytes = SaveToBytes(HdfsParser());
        var payloadAndHash = bytes.Length - 24;
        var cases = new (int Cut, string Message)[]
        {
            // Fewer bytes than the magic: nothing says that this is a snapshot at all.
            (5, NotASnapshot),
            (12, "Drain snapshot is truncated: its header has 12 of 24 bytes."),
            (16, "Drain snapshot is truncated: its header has 16 of 24 bytes."),
            (23, "Drain snapshot is truncated: its header has 23 of 24 bytes."),
            (24, $"Drain snapshot is truncated: expected {payloadAndHash} bytes after the header, found 0."),
            (100, $"Drain snapshot is truncated: expected {payloadAndHash} bytes after the header, found 76."),
            (bytes.Length - 8, $"Drain snapshot is truncated: expected {payloadAndHash} bytes after the header, found {payloadAndHash - 8}."),
            (bytes.Length - 1, $"Drain snapshot is truncated: expected {payloadAndHash} bytes after the header, found {payloadAndHash - 1}."),
        };

        Assert.Multiple(() =>
        {
            foreach (var (cut, message) in cases)
            {
                Assert.That(
                    () => DrainParser.Load(new MemoryStream(bytes, 0, cut)),
                    Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(message),
                    $"cut at {cut} of {bytes.Length} bytes");
            }
        });
    }

    [Test]
    public void Load_TruncatedStreamReadInSmallChunks_ThrowsInvalidDataException()
    {
        var bytes = SaveToBytes(HdfsParser());
        var cut = bytes[..^3];

        Assert.That(
            () => DrainParser.Load(new TrickleStream(cut, 7)),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo($"Drain snapshot is truncated: expected {bytes.Length - 24} bytes after the header, found {bytes.Length - 27}."));
    }

    [Test]
    public void Load_StreamReadInSmallChunks_RoundTrips()
    {
        var parser = HdfsParser();

        var loaded = DrainParser.Load(new TrickleStream(SaveToBytes(parser), 7));

        Assert.That(loaded.Templates, Is.EqualTo(parser.Templates));
    }

    [Test]
    public void Load_OneFlippedByte_ThrowsInvalidDataExceptionForEveryPosition()
    {
        // Every single-bit error after the header (payload or checksum) is caught by the checksum.
        var parser = Parser(o => o.Masks.Add(new MaskingRule(@"\d+", "N")));
        parser.Parse("job 1 started on node-a");
        parser.Parse("job 2 started on node-b");
        var bytes = SaveToBytes(parser);
        var wrong = new List<string>();

        for (var i = 24; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= (byte)(1 << (i % 8));
            try
            {
                DrainParser.Load(new MemoryStream(copy));
                wrong.Add($"byte {i}: loaded");
            }
            catch (InvalidDataException ex) when (ex.Message == ChecksumMismatch)
            {
            }
            catch (Exception ex)
            {
                wrong.Add($"byte {i}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    [TestCase(0)]
    [TestCase(0.5)]
    [TestCase(1.0)]
    public void Load_FlippedPayloadByte_ThrowsInvalidDataException(double where)
    {
        var bytes = SaveToBytes(HdfsParser());
        var index = 24 + (int)(where * (bytes.Length - 33));
        bytes[index] ^= 0xFF;

        Assert.That(() => DrainParser.Load(new MemoryStream(bytes)), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(ChecksumMismatch));
    }

    // Payload offsets for default options (no delimiters, no masks): Depth 0, SimilarityThreshold 4,
    // MaxChildren 12, MaxTemplates 16, ParametrizeNumericTokens 20, delimiter count 21, mask count 25,
    // next id 29, evicted 33, messages 41, template count 49.

    [Test]
    public void Load_ConsistentChecksumButInvalidOptions_ThrowsInvalidDataException()
    {
        var payload = Payload(SaveToBytes(SingleTemplateParser()));
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(0), 2);

        Assert.That(
            () => DrainParser.Load(new MemoryStream(Snapshot(payload))),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("Drain snapshot holds invalid options: Depth must be at least 3; it is 2."));
    }

    [Test]
    public void Load_ConsistentChecksumButIdNotBelowTheNextId_ThrowsInvalidDataException()
    {
        var payload = Payload(SaveToBytes(SingleTemplateParser()));
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(29), 1);

        Assert.That(
            () => DrainParser.Load(new MemoryStream(Snapshot(payload))),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("Drain snapshot is corrupt: template id 1 is invalid or repeated."));
    }

    [Test]
    public void Load_ConsistentChecksumButHugeCount_ThrowsInvalidDataException()
    {
        var payload = Payload(SaveToBytes(SingleTemplateParser()));
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(49), 1_000_000);

        Assert.That(
            () => DrainParser.Load(new MemoryStream(Snapshot(payload))),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("Drain snapshot is corrupt: count 1000000 at byte 49."));
    }

    [Test]
    public void Load_ConsistentChecksumButDataAfterTheTree_ThrowsInvalidDataException()
    {
        var payload = Payload(SaveToBytes(SingleTemplateParser()));

        Assert.That(
            () => DrainParser.Load(new MemoryStream(Snapshot([.. payload, 0, 0, 0, 0]))),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("Drain snapshot is corrupt: unexpected data after the tree."));
    }

    [Test]
    public void Load_ConsistentChecksumButCutPayload_ThrowsInvalidDataException()
    {
        var payload = Payload(SaveToBytes(SingleTemplateParser()));

        Assert.That(
            () => DrainParser.Load(new MemoryStream(Snapshot(payload[..^2]))),
            Throws.TypeOf<InvalidDataException>().With.Message.StartsWith("Drain snapshot is corrupt: "));
    }

    private static DrainParser RoundTrip(DrainParser parser) => DrainParser.Load(new MemoryStream(SaveToBytes(parser)));

    private static byte[] SaveToBytes(DrainParser parser)
    {
        using var stream = new MemoryStream();
        parser.Save(stream);
        return stream.ToArray();
    }

    private static DrainParser HdfsParser(int? maxTemplates = null)
    {
        var options = Loghub.System("HDFS").CreateOptions();
        options.MaxTemplates = maxTemplates;
        var parser = new DrainParser(options);
        foreach (var content in Loghub.StructuredColumn("HDFS", "Content"))
        {
            parser.Parse(content);
        }

        return parser;
    }

    private static DrainParser SingleTemplateParser()
    {
        var parser = new DrainParser();
        parser.Parse("hello world");
        return parser;
    }

    private static byte[] Payload(byte[] snapshot) => snapshot[24..^8];

    /// <summary>Wraps a payload in a header and a correct FNV-1a checksum, as Save does.</summary>
    private static byte[] Snapshot(byte[] payload)
    {
        var bytes = new byte[24 + payload.Length + 8];
        "MSTGAD-DRAIN"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), 1);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), payload.Length);
        payload.CopyTo(bytes, 24);
        var hash = 14695981039346656037UL;
        foreach (var b in payload)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24 + payload.Length), hash);
        return bytes;
    }
}
