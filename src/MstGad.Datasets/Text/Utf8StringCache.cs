using System.Text;

namespace MstGad.Datasets.Text;

/// <summary>
/// Turns short, often repeated UTF-8 values (instance names, operation names, trace ids of adjacent
/// rows) into shared strings without allocating a new string per occurrence.
/// </summary>
/// <remarks>A bounded open-addressing table; when full, new values are decoded without being cached. Not thread-safe.</remarks>
internal sealed class Utf8StringCache
{
    private const int MaxCachedLength = 256;
    private const int Probes = 8;
    private readonly Entry[] _entries;
    private readonly int _mask;
    private byte[] _lastKey = [];
    private string _lastValue = string.Empty;

    /// <summary>Creates a cache.</summary>
    /// <param name="capacity">The table size (rounded up to a power of two).</param>
    public Utf8StringCache(int capacity = 4096)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, 16));
        _entries = new Entry[size];
        _mask = size - 1;
    }

    /// <summary>Returns the string for a UTF-8 value, shared with earlier equal values when cached.</summary>
    /// <param name="utf8">The value.</param>
    /// <returns>The string.</returns>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxCachedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var hash = new HashCode();
        hash.AddBytes(utf8);
        var code = hash.ToHashCode();
        for (var probe = 0; probe < Probes; probe++)
        {
            ref var entry = ref _entries[(code + probe) & _mask];
            if (entry.Key is null)
            {
                var value = Encoding.UTF8.GetString(utf8);
                entry = new Entry(code, utf8.ToArray(), value);
                return value;
            }

            if (entry.Hash == code && utf8.SequenceEqual(entry.Key))
            {
                return entry.Value;
            }
        }

        return Encoding.UTF8.GetString(utf8);
    }

    /// <summary>
    /// Returns the string for a value that is usually equal to the previous one (a trace id on
    /// adjacent rows); only the last value is remembered.
    /// </summary>
    /// <param name="utf8">The value.</param>
    /// <returns>The string.</returns>
    public string GetRepeated(ReadOnlySpan<byte> utf8)
    {
        if (utf8.SequenceEqual(_lastKey))
        {
            return _lastValue;
        }

        _lastKey = utf8.ToArray();
        _lastValue = Encoding.UTF8.GetString(utf8);
        return _lastValue;
    }

    private readonly record struct Entry(int Hash, byte[]? Key, string Value);
}
