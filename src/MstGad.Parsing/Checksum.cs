namespace MstGad.Parsing;

/// <summary>The checksum used by MstGad's saved files (FNV-1a, 64 bits).</summary>
internal static class Checksum
{
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
