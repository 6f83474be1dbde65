namespace MstGad.Parsing;

/// <summary>The checksum of MstGad's saved files (FNV-1a, 64 bits), for tools that read or check them.</summary>
public static class Checksum
{
    /// <summary>FNV-1a over the bytes.</summary>
    /// <param name="data">The bytes.</param>
    /// <returns>The 64-bit checksum.</returns>
    public static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
