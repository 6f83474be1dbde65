using System.Text;
using MstGad.Methods;

namespace MstGad.Tests.Detection;

[TestFixture]
public sealed class MethodSectionTests
{
    private static readonly byte[] Magic = "MSTGAD-TEST1"u8.ToArray();

    [Test]
    public void ReadHeader_WhatWriteHeaderWrote_LeavesTheReaderAfterIt()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            MethodSection.WriteHeader(writer, Magic, 3);
            writer.Write(42);
        }

        stream.Position = 0;
        using var reader = new BinaryReader(stream);
        MethodSection.ReadHeader(reader, Magic, 3, "test model");

        Assert.Multiple(() =>
        {
            Assert.That(stream.ToArray().AsSpan(0, Magic.Length).ToArray(), Is.EqualTo(Magic), "the magic bytes first");
            Assert.That(reader.ReadInt32(), Is.EqualTo(42));
        });
    }

    [Test]
    public void ReadHeader_OtherMagic_SaysWhatItIsNot() =>
        Assert.That(() => MethodSection.ReadHeader(Reader("MSTGAD-XXXX1"u8.ToArray(), 3), Magic, 3, "test model"),
            Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("MstGad artifact: the model section is not a test model."));

    [Test]
    public void ReadHeader_OtherVersion_NamesBoth() =>
        Assert.That(() => MethodSection.ReadHeader(Reader(Magic, 4), Magic, 3, "test model"),
            Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo("MstGad artifact: test model version 4 is not supported; this build reads version 3."));

    private static BinaryReader Reader(byte[] magic, int version)
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(magic);
            writer.Write(version);
        }

        stream.Position = 0;
        return new BinaryReader(stream);
    }
}
