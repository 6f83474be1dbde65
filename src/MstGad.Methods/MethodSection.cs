using System.Globalization;

namespace MstGad.Methods;

/// <summary>The header a trained method writes at the start of its artifact section and checks when it reads it back.</summary>
public static class MethodSection
{
    /// <summary>Writes the magic bytes and the version.</summary>
    /// <param name="writer">Where the section is written.</param>
    /// <param name="magic">The method's magic bytes (such as <c>MSTGAD-HADES1</c>).</param>
    /// <param name="version">The version of the section's layout.</param>
    public static void WriteHeader(BinaryWriter writer, ReadOnlySpan<byte> magic, int version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(magic);
        writer.Write(version);
    }

    /// <summary>Reads and checks what <see cref="WriteHeader"/> wrote.</summary>
    /// <param name="reader">Where the section is read from.</param>
    /// <param name="magic">The method's magic bytes.</param>
    /// <param name="version">The version this build reads.</param>
    /// <param name="what">What the section holds, for messages (such as <c>Hades model</c>).</param>
    /// <exception cref="InvalidDataException">Other magic bytes, or another version.</exception>
    /// <exception cref="EndOfStreamException">The section ends within the header.</exception>
    public static void ReadHeader(BinaryReader reader, ReadOnlySpan<byte> magic, int version, string what)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (!reader.ReadBytes(magic.Length).AsSpan().SequenceEqual(magic))
        {
            throw new InvalidDataException($"MstGad artifact: the model section is not a {what}.");
        }

        var found = reader.ReadInt32();
        if (found != version)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"MstGad artifact: {what} version {found} is not supported; this build reads version {version}."));
        }
    }
}
