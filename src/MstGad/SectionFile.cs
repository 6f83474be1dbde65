using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using MstGad.Parsing;

namespace MstGad;

/// <summary>
/// The container of MstGad's saved files (detector artifacts, online checkpoints): a 16-byte magic, a
/// version, then named sections, each with its length and an FNV-1a checksum. Either every section
/// reads back intact or reading throws <see cref="InvalidDataException"/>.
/// </summary>
internal static class SectionFile
{
    public static void Write(Stream stream, ReadOnlySpan<byte> magic, int version, IReadOnlyList<(string Name, byte[] Data)> sections)
    {
        stream.Write(magic);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(number, version);
        stream.Write(number[..4]);
        BinaryPrimitives.WriteInt32LittleEndian(number, sections.Count);
        stream.Write(number[..4]);
        foreach (var (name, data) in sections)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteInt32LittleEndian(number, nameBytes.Length);
            stream.Write(number[..4]);
            stream.Write(nameBytes);
            BinaryPrimitives.WriteInt64LittleEndian(number, data.Length);
            stream.Write(number);
            stream.Write(data);
            BinaryPrimitives.WriteUInt64LittleEndian(number, Checksum.Fnv1a(data));
            stream.Write(number);
        }
    }

    /// <summary>Writes to a temporary file first, then moves it into place (a crash never leaves half a file).</summary>
    public static void WriteFile(string path, Action<Stream> write)
    {
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            write(file);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the sections of a file.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="magic">The expected magic.</param>
    /// <param name="version">The version this build reads.</param>
    /// <param name="kind">What the file is, for messages (<c>detector artifact</c>).</param>
    /// <param name="noun">How messages name it (<c>MstGad artifact</c>).</param>
    /// <param name="required">Sections that must be present.</param>
    public static Dictionary<string, byte[]> Read(Stream stream, ReadOnlySpan<byte> magic, int version, string kind, string noun, IReadOnlyList<string> required)
    {
        var header = new byte[magic.Length + 8];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < magic.Length || !header.AsSpan(0, magic.Length).SequenceEqual(magic))
        {
            throw new InvalidDataException($"Not a MstGad {kind}: it does not start with '{Encoding.ASCII.GetString(magic)}'.");
        }

        if (read < header.Length)
        {
            throw new InvalidDataException($"{noun} is truncated: its header is incomplete.");
        }

        var found = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(magic.Length));
        if (found != version)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{noun} version {found} is not supported; this build reads version {version}."));
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(magic.Length + 4));
        if (count is < 0 or > 64)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{noun} is corrupt: {count} sections."));
        }

        var sections = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var number = new byte[8];
        for (var s = 0; s < count; s++)
        {
            ReadExactly(stream, number.AsSpan(0, 4), noun, "a section header");
            var nameLength = BinaryPrimitives.ReadInt32LittleEndian(number);
            if (nameLength is < 1 or > 256)
            {
                throw new InvalidDataException($"{noun} is corrupt: a section name has an invalid length.");
            }

            var name = new byte[nameLength];
            ReadExactly(stream, name, noun, "a section name");
            var sectionName = Encoding.UTF8.GetString(name);
            ReadExactly(stream, number, noun, $"the length of section '{sectionName}'");
            var length = BinaryPrimitives.ReadInt64LittleEndian(number);
            if (length is < 0 or > int.MaxValue)
            {
                throw new InvalidDataException($"{noun} is corrupt: section '{sectionName}' has an invalid length.");
            }

            var data = GC.AllocateUninitializedArray<byte>((int)length);
            ReadExactly(stream, data, noun, $"section '{sectionName}'");
            ReadExactly(stream, number, noun, $"the checksum of section '{sectionName}'");
            if (BinaryPrimitives.ReadUInt64LittleEndian(number) != Checksum.Fnv1a(data))
            {
                throw new InvalidDataException($"{noun} is corrupt: the checksum of section '{sectionName}' does not match.");
            }

            sections[sectionName] = data;
        }

        var missing = required.Where(r => !sections.ContainsKey(r)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{noun} is incomplete: missing section(s) " + string.Join(", ", missing) + ".");
        }

        return sections;
    }

    public static byte[] Bytes(Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return buffer.ToArray();
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string noun, string what)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
        {
            throw new InvalidDataException($"{noun} is truncated: it ends inside {what}.");
        }
    }
}
